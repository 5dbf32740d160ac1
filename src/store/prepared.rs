//! Preparing a message for the writer, off its thread: canonical bytes, digest, summary
//! and transport facts, and the per-copy variant with trace lines put on top.

use super::StoreError;
use super::ops::Prepared;
use sha2::{Digest, Sha256};

/// `prepared` with trace lines on top (own digest, same summary); `None` when there are none.
pub(super) fn with_prepended(prepared: &Prepared, prepend: &[u8]) -> Option<Prepared> {
    if prepend.is_empty() {
        return None;
    }
    let mut raw = crate::mail::canonical_crlf(prepend);
    raw.extend_from_slice(&prepared.raw);
    // Return-Path and Delivered-To add no transport facts; only trace fields that the
    // facts read make them worth reading again.
    let facts = if names_trace_fields(prepend) {
        crate::mail::trace::transport_facts(&raw)
    } else {
        prepared.facts.clone()
    };
    Some(Prepared {
        hash: Some(Sha256::digest(&raw).to_vec()),
        facts,
        raw,
        summary: prepared.summary.clone(),
    })
}

/// Does this block of header lines hold a field that [`crate::mail::trace::transport_facts`]
/// reads (Received, Authentication-Results)?
fn names_trace_fields(lines: &[u8]) -> bool {
    lines.split(|b| *b == b'\n').any(|line| {
        let name = line.split(|b| *b == b':').next().unwrap_or_default();
        name.trim_ascii().eq_ignore_ascii_case(b"received")
            || name
                .trim_ascii()
                .eq_ignore_ascii_case(b"authentication-results")
    })
}

/// Canonicalise, digest and summarise a message (CPU work kept off the writer thread).
/// Bytes already in canonical CRLF form (what the SMTP server hands over) are kept as
/// they are; `hashed: false` leaves the digest to whoever needs it.
pub(super) fn prepare(raw: Vec<u8>, hashed: bool) -> Prepared {
    let raw = if crate::mail::canonical::is_canonical_crlf(&raw) {
        raw
    } else {
        crate::mail::canonical_crlf(&raw)
    };
    let hash = hashed.then(|| Sha256::digest(&raw).to_vec());
    let summary = crate::mail::summarize(&raw);
    let facts = crate::mail::trace::transport_facts(&raw);
    Prepared {
        raw,
        hash,
        summary,
        facts,
    }
}

/// [`prepare`] on the blocking pool, so async callers never parse on a runtime thread.
/// Messages up to this size are parsed on the calling task: it takes less time than the
/// hand-over to a blocking thread and back.
pub(super) const INLINE_PARSE_MAX: usize = 16 * 1024;

pub(super) async fn prepare_off_runtime(raw: Vec<u8>) -> Result<Prepared, StoreError> {
    if raw.len() <= INLINE_PARSE_MAX {
        return Ok(prepare(raw, true));
    }
    tokio::task::spawn_blocking(move || prepare(raw, true))
        .await
        .map_err(|e| StoreError::Unavailable(e.to_string()))
}
