//! The mail model: raw RFC 5322 bytes to summaries, decoded text and MIME trees.
//!
//! Everything here is pure and never panics on malformed input: a message that cannot be
//! understood degrades to what can be read of it.

pub mod body;
pub mod canonical;
pub mod charset;
pub mod mime;
pub mod summary;
pub mod trace;

pub use summary::{Summary, summarize};
