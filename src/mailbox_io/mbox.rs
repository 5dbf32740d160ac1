//! mbox (RFC 4155): a streaming reader for mboxrd/mboxo files and an mboxrd writer.
//!
//! The round trip is exact: [`write_mbox_message`] then [`MboxReader`] gives back
//! `canonical_crlf(original)` byte for byte. The writer stores canonical lines with LF
//! endings and quotes every `>*From ` line with one more `>` (mboxrd); the reader undoes
//! the quoting and restores CRLF. A bare CR in the original becomes CRLF on the way.

use std::io::{self, BufRead, Write};

use crate::mail::canonical::canonical_crlf;

/// One message read from an mbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MboxMessage {
    /// The address after `From ` on the separator line, if there was one.
    pub envelope_sender: Option<String>,
    /// The separator line's date (when the message was delivered into the mbox), read
    /// as UTC: the line names no zone.
    pub delivered_at: Option<i64>,
    /// The message, unquoted and in canonical CRLF form.
    pub raw: Vec<u8>,
}

/// Streaming mbox reader: yields one message at a time, holding only that message.
///
/// A separator is a line starting `From ` at the start of the file, or after an empty line
/// when it also looks like an envelope line (a sender and a date with digits), so prose
/// such as "From the desk of" after a paragraph break stays in the body. Every
/// `>+From ` line loses one `>` (mboxrd; for mboxo files this undoes `>From ` as well).
/// CRLF and LF files are both read; a last message without a final newline is kept.
pub struct MboxReader<R> {
    reader: R,
    line: Vec<u8>,
    /// The separator line that starts the next message, already read.
    next_separator: Option<Vec<u8>>,
    at_start: bool,
    done: bool,
}

impl<R: BufRead> MboxReader<R> {
    pub fn new(reader: R) -> Self {
        MboxReader {
            reader,
            line: Vec::new(),
            next_separator: None,
            at_start: true,
            done: false,
        }
    }

    fn read_message(&mut self) -> io::Result<Option<MboxMessage>> {
        let mut separator = self.next_separator.take();
        let mut body = Vec::new();
        let mut previous_blank = false;
        loop {
            self.line.clear();
            if self.reader.read_until(b'\n', &mut self.line)? == 0 {
                self.done = true;
                break;
            }
            let first_line = std::mem::replace(&mut self.at_start, false);
            if is_separator(&self.line, first_line, previous_blank) {
                if first_line {
                    separator = Some(self.line.clone());
                    continue;
                }
                self.next_separator = Some(self.line.clone());
                break;
            }
            previous_blank = self.line == b"\n" || self.line == b"\r\n";
            let unquoted = if is_quoted_from(&self.line) {
                &self.line[1..]
            } else {
                &self.line[..]
            };
            body.extend_from_slice(unquoted);
        }
        if separator.is_none() && body.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        strip_separator_blank_line(&mut body);
        Ok(Some(MboxMessage {
            envelope_sender: separator.as_deref().and_then(envelope_sender),
            delivered_at: separator.as_deref().and_then(separator_date),
            raw: canonical_crlf(&body),
        }))
    }
}

impl<R: BufRead> Iterator for MboxReader<R> {
    type Item = io::Result<MboxMessage>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done || self.next_separator.is_some() {
            match self.read_message() {
                Ok(Some(message)) => return Some(Ok(message)),
                Ok(None) => {}
                Err(e) => {
                    self.done = true;
                    self.next_separator = None;
                    return Some(Err(e));
                }
            }
        }
        None
    }
}

fn is_separator(line: &[u8], first_line: bool, previous_blank: bool) -> bool {
    let Some(rest) = line.strip_prefix(b"From ") else {
        return false;
    };
    if first_line {
        return true;
    }
    previous_blank
        && rest
            .split(u8::is_ascii_whitespace)
            .filter(|t| !t.is_empty())
            .count()
            >= 2
        && rest.iter().any(u8::is_ascii_digit)
}

/// `>From `, `>>From `, ... (mboxrd quoting).
fn is_quoted_from(line: &[u8]) -> bool {
    let unquoted = line.iter().position(|b| *b != b'>').unwrap_or(line.len());
    unquoted > 0 && line[unquoted..].starts_with(b"From ")
}

/// The empty line that precedes a separator (or ends the file) belongs to the mbox.
fn strip_separator_blank_line(body: &mut Vec<u8>) {
    if body == b"\n" || body == b"\r\n" {
        body.clear();
    } else if body.ends_with(b"\n\r\n") {
        body.truncate(body.len() - 2);
    } else if body.ends_with(b"\n\n") {
        body.truncate(body.len() - 1);
    }
}

fn envelope_sender(separator: &[u8]) -> Option<String> {
    let rest = separator.strip_prefix(b"From ")?;
    let token = rest
        .split(u8::is_ascii_whitespace)
        .find(|t| !t.is_empty())?;
    Some(String::from_utf8_lossy(token).into_owned())
}

/// The asctime date after the sender on a separator line (`From a@b Tue Oct  1 10:00:00
/// 2024`, as [`asctime`] writes it); some writers add a zone or more after the year.
fn separator_date(separator: &[u8]) -> Option<i64> {
    let rest = std::str::from_utf8(separator.strip_prefix(b"From ")?).ok()?;
    let words: Vec<&str> = rest.split_ascii_whitespace().skip(1).take(5).collect();
    let date = chrono::NaiveDateTime::parse_from_str(&words.join(" "), "%a %b %d %H:%M:%S %Y");
    date.ok().map(|d| d.and_utc().timestamp())
}

/// Write messages as an mboxrd file. Each item is (envelope sender, date as unix seconds,
/// raw message).
pub fn write_mbox<'a, W: Write + ?Sized>(
    w: &mut W,
    messages: impl IntoIterator<Item = (&'a str, i64, &'a [u8])>,
) -> io::Result<()> {
    for (sender, date, raw) in messages {
        write_mbox_message(w, sender, date, raw)?;
    }
    Ok(())
}

/// Write one message: a `From sender asctime-date` line, the message's canonical lines
/// with LF endings and `>*From ` quoted, then an empty line.
pub fn write_mbox_message<W: Write + ?Sized>(
    w: &mut W,
    sender: &str,
    date: i64,
    raw: &[u8],
) -> io::Result<()> {
    let sender: String = sender
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect();
    let sender = if sender.is_empty() {
        "MAILER-DAEMON"
    } else {
        &sender
    };
    writeln!(w, "From {sender} {}", asctime(date))?;
    let canonical = canonical_crlf(raw);
    let mut lines: Vec<&[u8]> = canonical.split(|b| *b == b'\n').collect();
    // canonical_crlf ends non-empty input with CRLF, leaving one empty piece after it.
    lines.pop();
    for line in lines {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.starts_with(b"From ") || is_quoted_from(line) {
            w.write_all(b">")?;
        }
        w.write_all(line)?;
        w.write_all(b"\n")?;
    }
    w.write_all(b"\n")
}

/// The date in the C `asctime` form mbox separators use: `Sat Jan  3 01:05:34 1996`.
pub fn asctime(unix_seconds: i64) -> String {
    chrono::DateTime::from_timestamp(unix_seconds, 0)
        .unwrap_or_default()
        .format("%a %b %e %H:%M:%S %Y")
        .to_string()
}

#[cfg(test)]
mod tests;
