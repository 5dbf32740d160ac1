//! The mail model: raw RFC 5322 bytes to summaries, decoded text and MIME trees, read one
//! way for the store, the CLI and the TUI: one address parser ([`address`]), one date
//! parser ([`date`]), one reading of header fields ([`fields`]), one MIME walk and safe
//! file name ([`mime`]) and one rendering model of the Received chain ([`trace`]).
//!
//! Everything here is pure and never panics on malformed input: a message that cannot be
//! understood degrades to what can be read of it.

pub mod address;
pub mod body;
pub mod canonical;
pub mod charset;
pub mod date;
pub mod fields;
pub mod mime;
pub mod summary;
pub mod trace;

pub use canonical::canonical_crlf;
pub use summary::{Summary, summarize};
