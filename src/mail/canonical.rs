//! Canonical line endings: the one CRLF form the store keeps and mbox export round-trips to.

/// Convert every bare LF and bare CR to CRLF (an existing CRLF is kept, never doubled) and
/// make sure a non-empty message ends with CRLF.
///
/// RFC 5322 §2.1 and RFC 5321 §2.3.8 only allow CR and LF together as CRLF, so this is the
/// form messages take on the wire and in the store. An empty input stays empty.
pub fn canonical_crlf(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len() + raw.len() / 32 + 2);
    let mut i = 0;
    while let Some(at) = memchr::memchr2(b'\r', b'\n', &raw[i..]) {
        out.extend_from_slice(&raw[i..i + at]);
        out.extend_from_slice(b"\r\n");
        i += at + 1;
        if raw[i - 1] == b'\r' && raw.get(i) == Some(&b'\n') {
            i += 1;
        }
    }
    out.extend_from_slice(&raw[i..]);
    if !out.is_empty() && !out.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// Whether `raw` is already in the form [`canonical_crlf`] produces.
pub fn is_canonical_crlf(raw: &[u8]) -> bool {
    if !raw.is_empty() && !raw.ends_with(b"\r\n") {
        return false;
    }
    // Every CR has its LF and every LF its CR.
    memchr::memchr2_iter(b'\r', b'\n', raw).all(|i| match raw[i] {
        b'\r' => raw.get(i + 1) == Some(&b'\n'),
        _ => i > 0 && raw[i - 1] == b'\r',
    })
}

#[cfg(test)]
mod tests;
