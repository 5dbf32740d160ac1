//! The mail model: raw RFC 5322 bytes to summaries, decoded text and MIME trees.

pub mod trace;
