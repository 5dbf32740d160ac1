//! Command-line parser (RFC 5321 §4.1): verbs, reverse/forward paths and ESMTP parameters.
//!
//! Works on one line without its CRLF; never panics, every failure maps to a reply.

use super::address::{self, AddressError};
use super::reply::Reply;

/// A parsed client command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// HELO (RFC 5321 §4.1.1.1).
    Helo(String),
    /// EHLO (RFC 5321 §4.1.1.1).
    Ehlo(String),
    /// MAIL FROM (RFC 5321 §4.1.1.2); `from` is empty for the null reverse-path.
    Mail { from: String, params: MailParams },
    /// RCPT TO (RFC 5321 §4.1.1.3).
    Rcpt { to: String },
    /// DATA (RFC 5321 §4.1.1.4).
    Data,
    /// BDAT (RFC 3030 §2).
    Bdat { size: u64, last: bool },
    /// RSET (RFC 5321 §4.1.1.5).
    Rset,
    /// VRFY (RFC 5321 §4.1.1.6).
    Vrfy(String),
    /// EXPN (RFC 5321 §4.1.1.7) with the list name or address.
    Expn(String),
    /// HELP (RFC 5321 §4.1.1.8).
    Help,
    /// NOOP (RFC 5321 §4.1.1.9).
    Noop,
    /// QUIT (RFC 5321 §4.1.1.10).
    Quit,
    /// STARTTLS (RFC 3207 §4).
    StartTls,
    /// AUTH (RFC 4954 §4): mechanism name (upper-cased) and optional initial response.
    Auth {
        mechanism: String,
        initial: Option<String>,
    },
    /// Obsolete or unsupported verbs answered 502: TURN, SEND, SOML, SAML, ETRN.
    NotImplemented(&'static str),
}

/// BODY parameter values (RFC 6152).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body {
    SevenBit,
    EightBitMime,
}

/// MAIL parameters this server understands (RFC 1870, 6152, 6531, 4954 §5).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MailParams {
    /// Declared message size (SIZE=, RFC 1870).
    pub size: Option<u64>,
    /// BODY=7BIT / BODY=8BITMIME.
    pub body: Option<Body>,
    /// SMTPUTF8 requested (RFC 6531 §3.4).
    pub smtputf8: bool,
}

/// Why a command line could not be parsed; each maps to one reply.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    #[error("command unrecognized")]
    Unrecognized,
    #[error("syntax error: {0}")]
    Syntax(&'static str),
    #[error("bad sender address: {0}")]
    BadSender(AddressError),
    #[error("bad recipient address: {0}")]
    BadRecipient(AddressError),
    #[error("unsupported parameter {0}")]
    UnknownParameter(String),
    #[error("invalid parameter value {0}")]
    BadParameterValue(String),
}

impl CommandError {
    /// The reply for this error (RFC 5321 §4.2.3, RFC 3463 §3.6).
    pub fn reply(&self) -> Reply {
        match self {
            Self::Unrecognized => Reply::new(500, "5.5.1", "Error: command not recognized"),
            Self::Syntax(usage) => Reply::new(501, "5.5.4", format!("Syntax: {usage}")),
            Self::BadSender(e) => Reply::new(501, "5.1.7", format!("Bad sender address: {e}")),
            Self::BadRecipient(e) => {
                Reply::new(501, "5.1.3", format!("Bad recipient address: {e}"))
            }
            Self::UnknownParameter(p) => {
                Reply::new(555, "5.5.4", format!("Unsupported parameter {p}"))
            }
            Self::BadParameterValue(p) => {
                Reply::new(501, "5.5.4", format!("Invalid parameter value {p}"))
            }
        }
    }
}

/// Parse one command line (without CRLF). Trailing spaces are ignored; verbs are case-insensitive.
pub fn parse(line: &[u8]) -> Result<Command, CommandError> {
    let line = trim_end(line);
    let (verb, rest) = match line.iter().position(|b| *b == b' ') {
        Some(i) => (&line[..i], &line[i + 1..]),
        None => (line, &line[line.len()..]),
    };
    if verb.len() > 8 || !verb.iter().all(u8::is_ascii_alphabetic) {
        return Err(CommandError::Unrecognized);
    }
    let verb = String::from_utf8_lossy(verb).to_ascii_uppercase();
    let rest = std::str::from_utf8(rest)
        .map_err(|_| CommandError::Syntax("arguments must be UTF-8"))?
        .trim();
    let no_args = |cmd: Command, usage: &'static str| {
        if rest.is_empty() {
            Ok(cmd)
        } else {
            Err(CommandError::Syntax(usage))
        }
    };
    match verb.as_str() {
        "HELO" | "EHLO" => {
            if rest.is_empty() || rest.chars().any(char::is_control) {
                return Err(CommandError::Syntax(if verb == "HELO" {
                    "HELO hostname"
                } else {
                    "EHLO hostname"
                }));
            }
            let name = rest.to_owned();
            Ok(if verb == "HELO" {
                Command::Helo(name)
            } else {
                Command::Ehlo(name)
            })
        }
        "MAIL" => parse_mail(rest),
        "RCPT" => parse_rcpt(rest),
        "DATA" => no_args(Command::Data, "DATA"),
        "BDAT" => parse_bdat(rest),
        "RSET" => no_args(Command::Rset, "RSET"),
        "NOOP" => Ok(Command::Noop),
        "QUIT" => Ok(Command::Quit),
        "HELP" => Ok(Command::Help),
        "VRFY" if rest.is_empty() => Err(CommandError::Syntax("VRFY address")),
        "VRFY" => Ok(Command::Vrfy(strip_brackets(rest).to_owned())),
        "EXPN" if rest.is_empty() => Err(CommandError::Syntax("EXPN list")),
        "EXPN" => Ok(Command::Expn(strip_brackets(rest).to_owned())),
        "STARTTLS" => no_args(Command::StartTls, "STARTTLS"),
        "AUTH" => parse_auth(rest),
        "TURN" => Ok(Command::NotImplemented("TURN")),
        "SEND" => Ok(Command::NotImplemented("SEND")),
        "SOML" => Ok(Command::NotImplemented("SOML")),
        "SAML" => Ok(Command::NotImplemented("SAML")),
        "ETRN" => Ok(Command::NotImplemented("ETRN")),
        _ => Err(CommandError::Unrecognized),
    }
}

fn trim_end(mut line: &[u8]) -> &[u8] {
    while let [head @ .., b' ' | b'\t' | b'\r'] = line {
        line = head;
    }
    line
}

fn strip_brackets(s: &str) -> &str {
    s.strip_prefix('<')
        .and_then(|s| s.strip_suffix('>'))
        .unwrap_or(s)
}

/// Split `FROM:<path> params` after the given keyword; tolerates a space after the colon.
fn split_path<'a>(rest: &'a str, keyword: &str) -> Option<(&'a str, &'a str)> {
    let head = rest.get(..keyword.len())?;
    if !head.eq_ignore_ascii_case(keyword) {
        return None;
    }
    let after = rest[keyword.len()..].trim_start();
    if after.starts_with('<') {
        let end = address::closing_bracket(after)?;
        Some((&after[..=end], after[end + 1..].trim_start()))
    } else {
        match after.split_once(' ') {
            Some((p, params)) => Some((p, params.trim_start())),
            None => Some((after, "")),
        }
    }
}

fn parse_mail(rest: &str) -> Result<Command, CommandError> {
    const USAGE: &str = "MAIL FROM:<address>";
    let (path, params) = split_path(rest, "FROM:").ok_or(CommandError::Syntax(USAGE))?;
    let from = address::parse_reverse_path(path).map_err(CommandError::BadSender)?;
    let mut parsed = MailParams::default();
    let mut seen = Vec::new();
    for param in params.split(' ').filter(|p| !p.is_empty()) {
        let (key, value) = match param.split_once('=') {
            Some((k, v)) => (k.to_ascii_uppercase(), Some(v)),
            None => (param.to_ascii_uppercase(), None),
        };
        if seen.contains(&key) {
            return Err(CommandError::BadParameterValue(param.to_owned()));
        }
        seen.push(key.clone());
        let bad = || CommandError::BadParameterValue(param.to_owned());
        match (key.as_str(), value) {
            ("SIZE", Some(v)) if !v.is_empty() && v.len() <= 20 => {
                parsed.size = Some(v.parse().map_err(|_| bad())?);
            }
            ("BODY", Some(v)) if v.eq_ignore_ascii_case("7BIT") => {
                parsed.body = Some(Body::SevenBit);
            }
            ("BODY", Some(v)) if v.eq_ignore_ascii_case("8BITMIME") => {
                parsed.body = Some(Body::EightBitMime);
            }
            ("BODY", Some(v)) if v.eq_ignore_ascii_case("BINARYMIME") => {
                return Err(CommandError::UnknownParameter(param.to_owned()));
            }
            ("SMTPUTF8", None) => parsed.smtputf8 = true,
            // RFC 4954 §5: AUTH= may be sent by any client; we do not trust it.
            ("AUTH", Some(_)) => {}
            ("SIZE" | "BODY" | "SMTPUTF8" | "AUTH", _) => return Err(bad()),
            _ => return Err(CommandError::UnknownParameter(param.to_owned())),
        }
    }
    Ok(Command::Mail {
        from,
        params: parsed,
    })
}

fn parse_rcpt(rest: &str) -> Result<Command, CommandError> {
    let (path, params) =
        split_path(rest, "TO:").ok_or(CommandError::Syntax("RCPT TO:<address>"))?;
    let to = address::parse_forward_path(path).map_err(CommandError::BadRecipient)?;
    if let Some(param) = params.split(' ').find(|p| !p.is_empty()) {
        return Err(CommandError::UnknownParameter(param.to_owned()));
    }
    Ok(Command::Rcpt { to })
}

fn parse_bdat(rest: &str) -> Result<Command, CommandError> {
    const USAGE: &str = "BDAT size [LAST]";
    let mut words = rest.split(' ').filter(|w| !w.is_empty());
    let size = words.next().ok_or(CommandError::Syntax(USAGE))?;
    if size.is_empty() || size.len() > 20 || !size.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CommandError::Syntax(USAGE));
    }
    let size = size.parse().map_err(|_| CommandError::Syntax(USAGE))?;
    let last = match words.next() {
        None => false,
        Some(w) if w.eq_ignore_ascii_case("LAST") => true,
        Some(_) => return Err(CommandError::Syntax(USAGE)),
    };
    if words.next().is_some() {
        return Err(CommandError::Syntax(USAGE));
    }
    Ok(Command::Bdat { size, last })
}

fn parse_auth(rest: &str) -> Result<Command, CommandError> {
    const USAGE: &str = "AUTH mechanism [initial-response]";
    let mut words = rest.split(' ').filter(|w| !w.is_empty());
    let mechanism = words.next().ok_or(CommandError::Syntax(USAGE))?;
    let initial = words.next().map(str::to_owned);
    if words.next().is_some() {
        return Err(CommandError::Syntax(USAGE));
    }
    Ok(Command::Auth {
        mechanism: mechanism.to_ascii_uppercase(),
        initial,
    })
}

#[cfg(test)]
mod tests;
