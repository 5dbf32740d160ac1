//! Message content reader for DATA (RFC 5321 §4.1.1.4, §4.5.2) and BDAT chunks (RFC 3030).
//!
//! Only `<CRLF>.<CRLF>` ends DATA. Bare LF and bare CR are line breaks of the content
//! (stored as CRLF, Postfix `normalize`) and can never take part in the terminator, which
//! defeats SMTP smuggling (RFC 5321 §4.1.1.4, CVE-2023-51764). Dots are unstuffed only at
//! the start of a line that began after a real CRLF.

/// Where the reader is inside the current line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Position {
    /// Start of a line reached through CRLF (or the start of DATA): a `.` here is special.
    CrlfLineStart,
    /// Start of a line reached through a bare LF or CR: a `.` here is plain content.
    BareLineStart,
    /// Inside a line.
    InLine,
    /// Saw `.` at a CRLF line start.
    Dot,
    /// Saw `.` CR at a CRLF line start.
    DotCr,
}

/// Limits applied while reading content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataLimits {
    /// Content beyond this many octets is counted but not kept.
    pub max_size: u64,
    /// Lines longer than this (without CRLF) are counted in [`DataReader::long_lines`].
    pub text_line_limit: usize,
    /// Lines longer than this make [`DataReader::hard_line_exceeded`] true.
    pub text_line_hard_limit: Option<usize>,
}

/// Incremental content reader: feed bytes, get canonical CRLF content.
#[derive(Debug)]
pub struct DataReader {
    limits: DataLimits,
    dot_terminated: bool,
    position: Position,
    pending_cr: bool,
    content: Vec<u8>,
    size: u64,
    line_len: usize,
    line_counted: bool,
    long_lines: usize,
    hard_line_exceeded: bool,
    bare_newline: bool,
}

impl DataReader {
    /// Reader for DATA: dot-unstuffing, ends at `<CRLF>.<CRLF>`.
    pub fn dot_terminated(limits: DataLimits) -> Self {
        Self::new(limits, true)
    }

    /// Reader for BDAT chunks: raw octets, no terminator; CR/LF still canonicalised.
    pub fn chunked(limits: DataLimits) -> Self {
        Self::new(limits, false)
    }

    fn new(limits: DataLimits, dot_terminated: bool) -> Self {
        Self {
            limits,
            dot_terminated,
            position: Position::CrlfLineStart,
            pending_cr: false,
            content: Vec::new(),
            size: 0,
            line_len: 0,
            line_counted: false,
            long_lines: 0,
            hard_line_exceeded: false,
            bare_newline: false,
        }
    }

    /// Consume input. Returns `(consumed, finished)`; when finished, the bytes after
    /// `consumed` belong to the next command. Never consumes past the terminator.
    pub fn feed(&mut self, input: &[u8]) -> (usize, bool) {
        let mut i = 0;
        while i < input.len() {
            // Inside a line nothing but CR and LF matters: take the run up to the next one
            // at once (what `step` would do byte by byte).
            if self.position == Position::InLine && !self.pending_cr {
                let run = memchr::memchr2(b'\r', b'\n', &input[i..]).unwrap_or(input.len() - i);
                if run > 0 {
                    self.emit_run(&input[i..i + run]);
                    i += run;
                    continue;
                }
            }
            if self.step(input[i]) {
                return (i + 1, true);
            }
            i += 1;
        }
        (input.len(), false)
    }

    /// End of the last BDAT chunk: a trailing CR becomes a line break.
    pub fn finish_chunks(&mut self) {
        if self.pending_cr {
            self.pending_cr = false;
            self.bare_break();
        }
    }

    /// The canonical content (possibly truncated if [`Self::oversized`]).
    pub fn into_content(self) -> Vec<u8> {
        self.content
    }

    /// Octets of content seen (after unstuffing and normalisation).
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Content exceeded `max_size`.
    pub fn oversized(&self) -> bool {
        self.size > self.limits.max_size
    }

    /// Number of lines longer than `text_line_limit`.
    pub fn long_lines(&self) -> usize {
        self.long_lines
    }

    /// A line exceeded `text_line_hard_limit`.
    pub fn hard_line_exceeded(&self) -> bool {
        self.hard_line_exceeded
    }

    /// A bare LF or bare CR appeared in the content.
    pub fn saw_bare_newline(&self) -> bool {
        self.bare_newline
    }

    /// The content seen so far (tests and the Received-header count).
    pub fn content(&self) -> &[u8] {
        &self.content
    }

    /// One byte; true when the terminator is complete.
    fn step(&mut self, b: u8) -> bool {
        if self.pending_cr {
            self.pending_cr = false;
            if b == b'\n' {
                self.line_break();
                return false;
            }
            self.bare_break();
        }
        match self.position {
            Position::Dot => match b {
                b'\r' => {
                    self.position = Position::DotCr;
                    return false;
                }
                b'\n' => {
                    self.emit(b'.');
                    self.bare_break();
                    return false;
                }
                // A leading dot followed by anything else is a stuffed dot: drop it.
                _ => self.position = Position::InLine,
            },
            Position::DotCr => {
                if b == b'\n' {
                    return true;
                }
                self.emit(b'.');
                self.bare_break();
            }
            Position::CrlfLineStart if b == b'.' && self.dot_terminated => {
                self.position = Position::Dot;
                return false;
            }
            _ => {}
        }
        match b {
            b'\r' => self.pending_cr = true,
            b'\n' => self.bare_break(),
            _ => {
                self.position = Position::InLine;
                self.emit(b);
            }
        }
        false
    }

    /// One content byte (never CR or LF).
    fn emit(&mut self, b: u8) {
        self.emit_run(&[b]);
    }

    /// Content bytes of the current line (no CR or LF): kept up to the size limit, counted
    /// towards the line length limits.
    fn emit_run(&mut self, run: &[u8]) {
        let room =
            usize::try_from(self.limits.max_size.saturating_sub(self.size)).unwrap_or(usize::MAX);
        self.content.extend_from_slice(&run[..run.len().min(room)]);
        self.size += run.len() as u64;
        self.line_len += run.len();
        if self.line_len > self.limits.text_line_limit && !self.line_counted {
            self.line_counted = true;
            self.long_lines += 1;
        }
        if self
            .limits
            .text_line_hard_limit
            .is_some_and(|hard| self.line_len > hard)
        {
            self.hard_line_exceeded = true;
        }
    }

    fn end_line(&mut self) {
        // Both or neither: content cut at the size limit never ends in a lone CR.
        self.size += 2;
        if self.size <= self.limits.max_size {
            self.content.extend_from_slice(b"\r\n");
        }
        self.line_len = 0;
        self.line_counted = false;
    }

    fn line_break(&mut self) {
        self.end_line();
        self.position = Position::CrlfLineStart;
    }

    fn bare_break(&mut self) {
        self.bare_newline = true;
        self.end_line();
        self.position = Position::BareLineStart;
    }
}

#[cfg(test)]
mod tests;
