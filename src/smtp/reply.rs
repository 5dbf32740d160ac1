//! SMTP replies (RFC 5321 §4.2) with enhanced status codes (RFC 2034, RFC 3463).

use std::fmt;

/// One reply: a three-digit code, an optional enhanced status code and one or more text lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// Basic reply code, e.g. 250 (RFC 5321 §4.2.2).
    pub code: u16,
    /// Enhanced status code such as "5.1.1" (RFC 3463); `None` for 220/221 greetings, 334, 354.
    pub enhanced: Option<&'static str>,
    /// Text lines; more than one makes a multiline reply (`250-...`).
    pub lines: Vec<String>,
}

impl Reply {
    /// A single-line reply with an enhanced status code.
    pub fn new(code: u16, enhanced: &'static str, text: impl Into<String>) -> Self {
        Self {
            code,
            enhanced: Some(enhanced),
            lines: vec![text.into()],
        }
    }

    /// A single-line reply without enhanced code (greeting, 334 challenges, 354).
    pub fn bare(code: u16, text: impl Into<String>) -> Self {
        Self {
            code,
            enhanced: None,
            lines: vec![text.into()],
        }
    }

    /// A multiline reply without enhanced codes (the EHLO response, RFC 5321 §4.1.1.1).
    pub fn multiline(code: u16, lines: Vec<String>) -> Self {
        Self {
            code,
            enhanced: None,
            lines,
        }
    }

    /// 4xx or 5xx (RFC 5321 §4.2.1).
    pub fn is_negative(&self) -> bool {
        self.code >= 400
    }

    /// Wire form, every line ended by CRLF.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.to_string().into_bytes()
    }
}

impl fmt::Display for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let last = self.lines.len().saturating_sub(1);
        for (i, line) in self.lines.iter().enumerate() {
            let sep = if i == last { ' ' } else { '-' };
            // Text may echo what the client sent (a parameter, an address): a control
            // character there would end or garble the reply line, so it is shown as '?'.
            let line = printable(line);
            match self.enhanced {
                Some(enh) => write!(f, "{}{sep}{enh} {line}\r\n", self.code)?,
                None => write!(f, "{}{sep}{line}\r\n", self.code)?,
            }
        }
        if self.lines.is_empty() {
            write!(f, "{}\r\n", self.code)?;
        }
        Ok(())
    }
}

/// `text` with every control character replaced by `?` (borrowed when there is none).
fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if text.chars().any(char::is_control) {
        text.chars()
            .map(|c| if c.is_control() { '?' } else { c })
            .collect::<String>()
            .into()
    } else {
        text.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echoed_control_characters_cannot_break_the_reply_line() {
        // Found by the smtp_session fuzz target: MAIL ... BODY=<NULs>8BITMIME was echoed raw.
        let reply = Reply::new(
            501,
            "5.5.4",
            "Invalid parameter value BODY=\0\r\n250 ok\x7f",
        );
        assert_eq!(
            reply.to_string(),
            "501 5.5.4 Invalid parameter value BODY=???250 ok?\r\n"
        );
    }

    #[test]
    fn multiline_reply_uses_dash_on_all_but_last_line() {
        let r = Reply::multiline(
            250,
            vec!["host".into(), "PIPELINING".into(), "SIZE 10".into()],
        );
        assert_eq!(
            r.to_string(),
            "250-host\r\n250-PIPELINING\r\n250 SIZE 10\r\n"
        );
    }

    #[test]
    fn enhanced_code_follows_the_basic_code() {
        let r = Reply::new(550, "5.1.1", "no such user");
        assert_eq!(r.to_bytes(), b"550 5.1.1 no such user\r\n");
        assert!(r.is_negative());
    }
}
