//! POP3 reply formatting: status lines, RFC 2449 response codes and multi-line blocks.

/// Extended response codes (RFC 2449 §8, RFC 3206).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RespCode {
    /// The maildrop is locked by another session (RFC 2449 §8.1.1).
    InUse,
    /// The failure concerns the credentials or their transport (RFC 3206 §4).
    Auth,
    /// A temporary system problem (RFC 3206 §5).
    SysTemp,
    /// A permanent system problem (RFC 3206 §5).
    SysPerm,
}

impl RespCode {
    fn as_str(self) -> &'static str {
        match self {
            Self::InUse => "[IN-USE] ",
            Self::Auth => "[AUTH] ",
            Self::SysTemp => "[SYS/TEMP] ",
            Self::SysPerm => "[SYS/PERM] ",
        }
    }
}

/// `+OK text CRLF`.
pub fn ok(text: &str) -> Vec<u8> {
    line("+OK", None, text)
}

/// `-ERR [CODE] text CRLF`.
pub fn err(code: Option<RespCode>, text: &str) -> Vec<u8> {
    line("-ERR", code, text)
}

/// `+ challenge CRLF`: a SASL continuation (RFC 5034 §4).
pub fn continuation(challenge: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(challenge.len() + 4);
    out.extend_from_slice(b"+ ");
    out.extend_from_slice(challenge.as_bytes());
    out.extend_from_slice(b"\r\n");
    out
}

fn line(status: &str, code: Option<RespCode>, text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(status.len() + text.len() + 16);
    out.extend_from_slice(status.as_bytes());
    if code.is_some() || !text.is_empty() {
        out.push(b' ');
    }
    if let Some(code) = code {
        out.extend_from_slice(code.as_str().as_bytes());
    }
    out.extend_from_slice(text.trim_end().as_bytes());
    out.extend_from_slice(b"\r\n");
    out
}

/// A multi-line reply (RFC 1939 §3) whose lines are short protocol text: each line is
/// byte-stuffed and the block ends with `.CRLF`.
pub fn multiline<I, S>(status: &str, lines: I) -> Vec<u8>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut out = ok(status);
    for text in lines {
        let text = text.as_ref();
        if text.starts_with('.') {
            out.push(b'.');
        }
        out.extend_from_slice(text.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b".\r\n");
    out
}

/// The reply when a message listed in the snapshot can no longer be read from the store.
pub fn message_unavailable() -> Vec<u8> {
    err(Some(RespCode::SysTemp), "message cannot be read now")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_lines_carry_codes_and_end_in_crlf() {
        assert_eq!(ok("ready"), b"+OK ready\r\n");
        assert_eq!(ok(""), b"+OK\r\n");
        assert_eq!(
            err(Some(RespCode::InUse), "locked"),
            b"-ERR [IN-USE] locked\r\n"
        );
        assert_eq!(err(None, "no"), b"-ERR no\r\n");
        assert_eq!(continuation(""), b"+ \r\n");
    }

    #[test]
    fn multiline_lines_starting_with_dot_are_stuffed() {
        assert_eq!(
            multiline("list", ["1 10", ".hidden"]),
            b"+OK list\r\n1 10\r\n..hidden\r\n.\r\n"
        );
    }
}
