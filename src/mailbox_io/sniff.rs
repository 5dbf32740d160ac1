//! What an import takes as mail: a header section (RFC 5322 §2.2) that starts with a
//! well-formed field and names a message with at least one field mail carries (From,
//! Date, Subject, Message-ID, Received, ...).
//!
//! Deliberately lenient past that: real mail has broken lines in its header (the corpus
//! holds several), so only the first line must be a field; a stray line later is kept.

/// Fields that only mail carries; one of them must be in the header section.
const MAIL_FIELDS: &[&str] = &[
    "from",
    "sender",
    "reply-to",
    "to",
    "cc",
    "bcc",
    "date",
    "subject",
    "message-id",
    "in-reply-to",
    "references",
    "received",
    "return-path",
    "delivered-to",
    "mime-version",
    "content-type",
    "resent-from",
    "resent-date",
];

/// The header section is looked at up to this many octets.
const HEADER_SCAN: usize = 256 * 1024;

/// Why a file (or an mbox entry) is not taken as a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NotMail {
    #[error("empty")]
    Empty,
    #[error("the first line is not a header field (`Name: value`), nor an mbox `From ` line")]
    NoHeaderField,
    #[error("no From, Date, Subject, Message-ID, Received or similar header field")]
    NoMailField,
}

/// Whether `raw` is a message; the reason when it is not.
pub fn check(raw: &[u8]) -> Result<(), NotMail> {
    check_head(raw)?;
    let scan = &raw[..raw.len().min(HEADER_SCAN)];
    let mail_field = scan
        .split(|b| *b == b'\n')
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line))
        .take_while(|line| !line.is_empty())
        .filter_map(field_name)
        .any(|name| {
            MAIL_FIELDS
                .iter()
                .any(|known| name.eq_ignore_ascii_case(known.as_bytes()))
        });
    if mail_field {
        Ok(())
    } else {
        Err(NotMail::NoMailField)
    }
}

/// The cheap part of [`check`], for the first bytes of a file: not empty, and the first
/// line is a header field.
pub fn check_head(head: &[u8]) -> Result<(), NotMail> {
    if head.iter().all(u8::is_ascii_whitespace) {
        return Err(NotMail::Empty);
    }
    let first = head.split(|b| *b == b'\n').next().unwrap_or_default();
    match field_name(first) {
        Some(_) => Ok(()),
        None => Err(NotMail::NoHeaderField),
    }
}

/// The name of a header field line (`Name: value`; printable ASCII without colon, with
/// the obsolete white space before the colon allowed, RFC 5322 §4.5); `None` otherwise.
fn field_name(line: &[u8]) -> Option<&[u8]> {
    let colon = line.iter().position(|b| *b == b':')?;
    let name = line[..colon].trim_ascii_end();
    (!name.is_empty() && name.iter().all(|b| b.is_ascii_graphic())).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_header_with_a_mail_field_is_mail() {
        assert_eq!(check(b"Subject: x\n\nhi\n"), Ok(()));
        assert_eq!(check(b"X-Spam: 1\r\nReturn-Path: <a@b>\r\n\r\n"), Ok(()));
        assert_eq!(check(b"Received : from x\n  by y\nDate: now\n"), Ok(()));
        assert_eq!(check(b"X-A: 1\nbroken line\nFrom: a@b\n\nbody\n"), Ok(()));
    }

    #[test]
    fn prose_junk_and_empty_files_are_not_mail() {
        assert_eq!(check(b"garbage\n"), Err(NotMail::NoHeaderField));
        assert_eq!(check(b"garbage"), Err(NotMail::NoHeaderField));
        assert_eq!(
            check(b"not a message: really\n"),
            Err(NotMail::NoHeaderField)
        );
        assert_eq!(check(b": empty name\n"), Err(NotMail::NoHeaderField));
        assert_eq!(
            check(b"# Title\n\nTo: someone\n"),
            Err(NotMail::NoHeaderField)
        );
        assert_eq!(check(b""), Err(NotMail::Empty));
        assert_eq!(check(b" \r\n\n"), Err(NotMail::Empty));
    }

    #[test]
    fn a_field_but_nothing_mail_like_is_not_mail() {
        assert_eq!(check(b"Note: buy milk\n"), Err(NotMail::NoMailField));
        // A mail field after the header section ends does not count.
        assert_eq!(check(b"Title: x\n\nFrom: a@b\n"), Err(NotMail::NoMailField));
    }
}
