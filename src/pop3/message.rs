//! Message bytes on the wire: CRLF canonical form, exact sizes, TOP extraction and
//! streaming byte-stuffing (RFC 1939 §3 and §7).
//!
//! The canonical form of a stored message is what POP3 transfers: every bare LF becomes
//! CRLF (a CR not followed by LF stays data), and a missing final line ending is added.
//! Scan listings must report [`canonical_size`] so RETR's octet count is exact.

/// Octets of the canonical (CRLF, terminated) form of `raw`, before byte-stuffing.
pub fn canonical_size(raw: &[u8]) -> u64 {
    let mut counter = Canonicaliser::default();
    let mut total = 0u64;
    counter.push(raw, |piece| total += piece.len() as u64);
    counter.finish(|piece| total += piece.len() as u64);
    total
}

/// The canonical form of `raw` in one buffer (for tests and small messages).
pub fn canonicalise(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len() + 2);
    let mut canon = Canonicaliser::default();
    canon.push(raw, |piece| out.extend_from_slice(piece));
    canon.finish(|piece| out.extend_from_slice(piece));
    out
}

/// The prefix of `raw` that TOP msg n sends: the header, the blank line and the first
/// `body_lines` lines of the body (RFC 1939 §7). A message without a blank line is all
/// header and is returned whole.
pub fn top(raw: &[u8], body_lines: u32) -> &[u8] {
    let mut pos = 0;
    let mut in_header = true;
    let mut remaining = body_lines;
    while pos < raw.len() {
        if !in_header && remaining == 0 {
            return &raw[..pos];
        }
        let end = raw[pos..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(raw.len(), |i| pos + i + 1);
        let line = &raw[pos..end];
        if in_header {
            if line == b"\n" || line == b"\r\n" {
                in_header = false;
            }
        } else {
            remaining -= 1;
        }
        pos = end;
    }
    raw
}

/// Turns line endings into CRLF across chunk boundaries.
#[derive(Debug, Default)]
struct Canonicaliser {
    /// A CR ended the previous chunk; whether it starts a CRLF is not known yet.
    pending_cr: bool,
    /// The last octet emitted ended a line (or nothing was emitted yet).
    at_line_start: bool,
    started: bool,
}

impl Canonicaliser {
    fn push(&mut self, mut chunk: &[u8], mut emit: impl FnMut(&[u8])) {
        if chunk.is_empty() {
            return;
        }
        self.started = true;
        if self.pending_cr {
            self.pending_cr = false;
            if chunk[0] == b'\n' {
                emit(b"\r\n");
                self.at_line_start = true;
                chunk = &chunk[1..];
            } else {
                emit(b"\r");
                self.at_line_start = false;
            }
        }
        let mut start = 0;
        for (i, &b) in chunk.iter().enumerate() {
            match b {
                b'\n' if i > 0 && chunk[i - 1] == b'\r' => {}
                b'\n' => {
                    emit(&chunk[start..i]);
                    emit(b"\r\n");
                    start = i + 1;
                }
                _ => {}
            }
        }
        let tail = &chunk[start..];
        if let Some(body) = tail.strip_suffix(b"\r") {
            emit(body);
            self.pending_cr = true;
            if !body.is_empty() {
                self.at_line_start = false;
            }
        } else if !tail.is_empty() {
            emit(tail);
            self.at_line_start = tail.ends_with(b"\n");
        } else if start > 0 {
            self.at_line_start = true;
        }
    }

    fn finish(&mut self, mut emit: impl FnMut(&[u8])) {
        if self.pending_cr {
            self.pending_cr = false;
            emit(b"\r");
            self.at_line_start = false;
        }
        if self.started && !self.at_line_start {
            emit(b"\r\n");
            self.at_line_start = true;
        }
    }
}

/// Streams a message as the body of a multi-line reply: canonicalises line endings,
/// byte-stuffs lines starting with '.', and ends with the `.CRLF` terminator.
#[derive(Debug)]
pub struct DotStuffer {
    canon: Canonicaliser,
    /// The next canonical octet starts a line.
    line_start: bool,
}

impl Default for DotStuffer {
    fn default() -> Self {
        Self::new()
    }
}

impl DotStuffer {
    pub fn new() -> Self {
        Self {
            canon: Canonicaliser::default(),
            line_start: true,
        }
    }

    /// Append the wire form of `chunk` to `out`.
    pub fn push(&mut self, chunk: &[u8], out: &mut Vec<u8>) {
        let line_start = &mut self.line_start;
        self.canon
            .push(chunk, |piece| stuff_piece(piece, line_start, out));
    }

    /// Append the final line ending (if missing) and the terminating `.CRLF`.
    pub fn finish(mut self, out: &mut Vec<u8>) {
        let line_start = &mut self.line_start;
        self.canon
            .finish(|piece| stuff_piece(piece, line_start, out));
        out.extend_from_slice(b".\r\n");
    }
}

fn stuff_piece(piece: &[u8], line_start: &mut bool, out: &mut Vec<u8>) {
    let mut start = 0;
    for (i, &b) in piece.iter().enumerate() {
        if *line_start && b == b'.' {
            out.extend_from_slice(&piece[start..i]);
            out.push(b'.');
            start = i;
        }
        *line_start = b == b'\n';
    }
    out.extend_from_slice(&piece[start..]);
}

/// The whole wire form of one message body (terminator included), in one buffer.
pub fn dot_stuff(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len() + 8);
    let mut stuffer = DotStuffer::new();
    stuffer.push(raw, &mut out);
    stuffer.finish(&mut out);
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
#[path = "message_tests.rs"]
mod tests;
