//! The one command-line buffer of both protocol cores: bounded, with one over-long-line rule.
//!
//! Bytes go in as they arrive; complete lines come out without their CRLF (or bare LF). A
//! line longer than the limit (its line ending included) is reported once as
//! [`Line::TooLong`] and discarded through its LF, and its bytes are never kept beyond the
//! limit, so a client cannot grow the buffer by never ending a line. Protocols that also
//! carry raw octets (SMTP DATA and BDAT) read them with [`LineBuffer::bytes`] and
//! [`LineBuffer::consume`]; the limit applies only to what is taken as a line.

/// What [`LineBuffer::next_line`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    /// A complete line without its line ending.
    Complete(Vec<u8>),
    /// A line over the limit; it is (being) discarded through its LF.
    TooLong,
}

/// Partial input of one connection.
#[derive(Debug, Clone)]
pub struct LineBuffer {
    buf: Vec<u8>,
    max: usize,
    discarding: bool,
    lines: u64,
}

impl LineBuffer {
    /// A buffer for lines of at most `max` octets, line ending included.
    pub fn new(max: usize) -> Self {
        Self {
            buf: Vec::new(),
            max,
            discarding: false,
            lines: 0,
        }
    }

    /// Append input; the rest of a line being discarded is dropped here.
    pub fn push(&mut self, mut input: &[u8]) {
        if self.discarding {
            match input.iter().position(|&b| b == b'\n') {
                Some(lf) => {
                    self.discarding = false;
                    input = &input[lf + 1..];
                }
                None => return,
            }
        }
        self.buf.extend_from_slice(input);
    }

    /// Take the next line, or `None` when more input is needed.
    pub fn next_line(&mut self) -> Option<Line> {
        let Some(lf) = self.buf.iter().position(|&b| b == b'\n') else {
            if self.buf.len() > self.max {
                self.buf.clear();
                self.discarding = true;
                self.lines += 1;
                return Some(Line::TooLong);
            }
            return None;
        };
        self.lines += 1;
        if lf + 1 > self.max {
            self.buf.drain(..=lf);
            return Some(Line::TooLong);
        }
        let mut line: Vec<u8> = self.buf.drain(..=lf).collect();
        line.pop();
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        Some(Line::Complete(line))
    }

    /// Whether part of a line (or of a line being discarded) has arrived.
    pub fn has_partial(&self) -> bool {
        !self.buf.is_empty() || self.discarding
    }

    /// Lines taken so far (over-long ones included): a new value means a new line began.
    pub fn lines(&self) -> u64 {
        self.lines
    }

    /// The buffered octets, for content that is not read as lines (DATA, BDAT).
    pub fn bytes(&self) -> &[u8] {
        &self.buf
    }

    /// Drop the first `n` buffered octets (content already read through [`Self::bytes`]).
    pub fn consume(&mut self, n: usize) {
        self.buf.drain(..n.min(self.buf.len()));
    }

    /// Forget everything buffered (after STARTTLS/STLS, or when the session closes).
    pub fn clear(&mut self) {
        self.buf.clear();
        self.discarding = false;
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn drain(buffer: &mut LineBuffer) -> Vec<Line> {
        std::iter::from_fn(|| buffer.next_line()).collect()
    }

    #[test]
    fn lines_come_out_without_crlf_or_bare_lf() {
        let mut b = LineBuffer::new(64);
        b.push(b"NOOP\r\nQUIT\nHAL");
        assert_eq!(
            drain(&mut b),
            [
                Line::Complete(b"NOOP".to_vec()),
                Line::Complete(b"QUIT".to_vec())
            ]
        );
        assert!(b.has_partial());
        b.push(b"F\r\n");
        assert_eq!(drain(&mut b), [Line::Complete(b"HALF".to_vec())]);
        assert!(!b.has_partial());
        assert_eq!(b.lines(), 3);
    }

    #[test]
    fn a_line_of_exactly_the_limit_passes_and_one_more_octet_is_too_long() {
        let mut b = LineBuffer::new(6);
        b.push(b"ABCD\r\nABCDE\r\nOK\r\n");
        assert_eq!(
            drain(&mut b),
            [
                Line::Complete(b"ABCD".to_vec()),
                Line::TooLong,
                Line::Complete(b"OK".to_vec())
            ]
        );
    }

    #[test]
    fn an_unterminated_long_line_is_reported_once_and_never_kept() {
        let mut b = LineBuffer::new(8);
        for _ in 0..1000 {
            b.push(b"xxxxxxxxxxxxxxxx");
            let _ = drain(&mut b);
            assert!(b.bytes().len() <= 8 + 16);
        }
        let mut b = LineBuffer::new(8);
        b.push(b"0123456789");
        assert_eq!(drain(&mut b), [Line::TooLong]);
        b.push(b"more of the same line");
        assert_eq!(drain(&mut b), []);
        assert!(b.has_partial(), "still discarding");
        b.push(b"end\r\nNEXT\r\n");
        assert_eq!(drain(&mut b), [Line::Complete(b"NEXT".to_vec())]);
    }

    #[test]
    fn the_same_lines_come_out_however_the_input_is_split() {
        let input =
            b"EHLO a\r\n0123456789012345678901234567890\r\nX\nlong-unterminated-line-here\r\n";
        let mut whole = LineBuffer::new(16);
        whole.push(input);
        let expected = drain(&mut whole);
        for split in 0..input.len() {
            let mut b = LineBuffer::new(16);
            b.push(&input[..split]);
            let mut got = drain(&mut b);
            b.push(&input[split..]);
            got.extend(drain(&mut b));
            assert_eq!(got, expected, "split at {split}");
        }
    }

    #[test]
    fn raw_octets_are_read_and_consumed_without_the_line_limit() {
        let mut b = LineBuffer::new(4);
        b.push(b"BDAT 3\r\nabcdefgh");
        // "BDAT 3\r\n" is over this tiny limit: the limit applies to lines only.
        assert_eq!(b.next_line(), Some(Line::TooLong));
        assert_eq!(b.bytes(), b"abcdefgh");
        b.consume(3);
        assert_eq!(b.bytes(), b"defgh");
        b.consume(100);
        assert!(!b.has_partial());
    }
}
