//! The `Status:`/`X-Status:` fields mbox readers (mutt, Thunderbird, mail(1)) keep flags
//! in: written on export, read and removed on import, so flags survive a round trip.
//!
//! `Status: R` is seen (`O`, old, carries nothing here); `X-Status:` letters are `A`
//! answered, `F` flagged, `D` deleted and `T` draft, as mutt writes them.

use super::MaildirFlags;

/// The flags the message's Status/X-Status fields record.
pub fn status_flags(raw: &[u8]) -> MaildirFlags {
    let mut flags = MaildirFlags::default();
    for (name, value) in fields(raw) {
        let value = String::from_utf8_lossy(value);
        if name.eq_ignore_ascii_case(b"Status") {
            flags.seen |= value.contains('R');
        } else if name.eq_ignore_ascii_case(b"X-Status") {
            flags.answered |= value.contains('A');
            flags.flagged |= value.contains('F');
            flags.trashed |= value.contains('D');
            flags.draft |= value.contains('T');
        }
    }
    flags
}

/// `raw` without its Status and X-Status fields; everything else byte for byte.
pub fn without_status(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(field) = next_field(rest) {
        let name = field_name(field);
        if !(name.eq_ignore_ascii_case(b"Status") || name.eq_ignore_ascii_case(b"X-Status")) {
            out.extend_from_slice(field);
        }
        rest = &rest[field.len()..];
    }
    out.extend_from_slice(rest);
    out
}

/// `raw` with Status/X-Status fields saying `flags` at the end of its header section
/// (replacing any it had), CRLF line endings as the rest of the header.
pub fn with_status(raw: &[u8], flags: MaildirFlags) -> Vec<u8> {
    let stripped = without_status(raw);
    let header_len: usize = {
        let mut rest = stripped.as_slice();
        let mut len = 0;
        while let Some(field) = next_field(rest) {
            len += field.len();
            rest = &rest[field.len()..];
        }
        len
    };
    let mut status = String::from(if flags.seen {
        "Status: RO\r\n"
    } else {
        "Status: O\r\n"
    });
    let letters: String = [
        (flags.answered, 'A'),
        (flags.flagged, 'F'),
        (flags.trashed, 'D'),
        (flags.draft, 'T'),
    ]
    .iter()
    .filter(|(on, _)| *on)
    .map(|(_, c)| *c)
    .collect();
    if !letters.is_empty() {
        status.push_str(&format!("X-Status: {letters}\r\n"));
    }
    let mut out = Vec::with_capacity(stripped.len() + status.len());
    out.extend_from_slice(&stripped[..header_len]);
    out.extend_from_slice(status.as_bytes());
    out.extend_from_slice(&stripped[header_len..]);
    out
}

/// The header fields of `raw`: (name, value) with continuation lines in the value.
fn fields(raw: &[u8]) -> impl Iterator<Item = (&[u8], &[u8])> {
    let mut rest = raw;
    std::iter::from_fn(move || {
        let field = next_field(rest)?;
        rest = &rest[field.len()..];
        let colon = field.iter().position(|&b| b == b':')?;
        Some((field_name(field), &field[colon + 1..]))
    })
}

fn field_name(field: &[u8]) -> &[u8] {
    let end = field.iter().position(|&b| b == b':').unwrap_or(field.len());
    field[..end].trim_ascii_end()
}

/// The next header field at the start of `rest` (its first line and every continuation
/// line, with their line ends); `None` at the blank line that ends the header or the end.
fn next_field(rest: &[u8]) -> Option<&[u8]> {
    let line_end = |from: usize| {
        rest[from..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(rest.len(), |i| from + i + 1)
    };
    if rest.is_empty() || rest.starts_with(b"\r\n") || rest.starts_with(b"\n") {
        return None;
    }
    let first = line_end(0);
    // A line without a colon is not a field: the header has ended (or was never there).
    if !rest[..first].contains(&b':') {
        return None;
    }
    let mut end = first;
    while end < rest.len() && matches!(rest[end], b' ' | b'\t') {
        end = line_end(end);
    }
    Some(&rest[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    const RAW: &[u8] =
        b"From: a@b.c\r\nStatus: RO\r\nSubject: hi\r\nX-Status: AF\r\n\r\nStatus: body\r\n";

    #[test]
    fn flags_are_read_and_the_fields_removed() {
        let flags = status_flags(RAW);
        assert!(flags.seen && flags.answered && flags.flagged && !flags.draft && !flags.trashed);
        assert_eq!(
            without_status(RAW),
            b"From: a@b.c\r\nSubject: hi\r\n\r\nStatus: body\r\n"
        );
        assert_eq!(
            status_flags(b"From: a@b.c\r\nStatus: O\r\n\r\n"),
            MaildirFlags::default()
        );
    }

    #[test]
    fn written_flags_read_back_and_replace_old_ones() {
        let flags = MaildirFlags {
            seen: true,
            draft: true,
            trashed: true,
            ..MaildirFlags::default()
        };
        let written = with_status(RAW, flags);
        assert_eq!(
            written,
            b"From: a@b.c\r\nSubject: hi\r\nStatus: RO\r\nX-Status: DT\r\n\r\nStatus: body\r\n"
        );
        assert_eq!(status_flags(&written), flags);
        assert_eq!(without_status(&written), without_status(RAW));
        // Unread, nothing else: only Status: O.
        let plain = with_status(b"Subject: x\r\n\r\nb\r\n", MaildirFlags::default());
        assert_eq!(plain, b"Subject: x\r\nStatus: O\r\n\r\nb\r\n");
        // No header section at all: the fields go first, nothing is lost.
        assert_eq!(with_status(b"", MaildirFlags::default()), b"Status: O\r\n");
    }
}
