//! POP3 command parsing (RFC 1939 §§4-7, RFC 2449 CAPA, RFC 2595 STLS, RFC 5034 AUTH).

use std::fmt;

/// One parsed client command. Message numbers are 1-based as on the wire.
#[derive(Clone, PartialEq, Eq)]
pub enum Command {
    /// USER name (RFC 1939 §7).
    User(String),
    /// PASS string (RFC 1939 §7); spaces belong to the password.
    Pass(String),
    /// APOP name digest (RFC 1939 §7).
    Apop { user: String, digest: String },
    /// AUTH [mechanism [initial-response]] (RFC 5034 §4).
    Auth {
        mechanism: Option<String>,
        initial_response: Option<String>,
    },
    /// STAT (RFC 1939 §5).
    Stat,
    /// LIST `[msg]` (RFC 1939 §5).
    List(Option<u32>),
    /// RETR msg (RFC 1939 §5).
    Retr(u32),
    /// DELE msg (RFC 1939 §5).
    Dele(u32),
    /// NOOP (RFC 1939 §5).
    Noop,
    /// RSET (RFC 1939 §5).
    Rset,
    /// QUIT (RFC 1939 §§4, 6).
    Quit,
    /// TOP msg n (RFC 1939 §7).
    Top { msg: u32, lines: u32 },
    /// UIDL `[msg]` (RFC 1939 §7).
    Uidl(Option<u32>),
    /// CAPA (RFC 2449 §5).
    Capa,
    /// STLS (RFC 2595 §4).
    Stls,
}

impl fmt::Debug for Command {
    /// Credentials never reach logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::User(user) => write!(f, "User({user:?})"),
            Self::Pass(_) => f.write_str("Pass(<redacted>)"),
            Self::Apop { user, .. } => write!(f, "Apop({user:?}, <redacted>)"),
            Self::Auth { mechanism, .. } => write!(f, "Auth({mechanism:?}, <redacted>)"),
            Self::Stat => f.write_str("Stat"),
            Self::List(n) => write!(f, "List({n:?})"),
            Self::Retr(n) => write!(f, "Retr({n})"),
            Self::Dele(n) => write!(f, "Dele({n})"),
            Self::Noop => f.write_str("Noop"),
            Self::Rset => f.write_str("Rset"),
            Self::Quit => f.write_str("Quit"),
            Self::Top { msg, lines } => write!(f, "Top({msg}, {lines})"),
            Self::Uidl(n) => write!(f, "Uidl({n:?})"),
            Self::Capa => f.write_str("Capa"),
            Self::Stls => f.write_str("Stls"),
        }
    }
}

/// Why a line is not a command; each maps to one `-ERR` text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    #[error("empty command")]
    Empty,
    #[error("unknown command")]
    Unknown,
    #[error("missing argument")]
    MissingArgument,
    #[error("too many arguments")]
    TooManyArguments,
    #[error("invalid message number")]
    InvalidNumber,
    #[error("command line is not valid UTF-8")]
    NotUtf8,
    #[error("control character in command")]
    ControlCharacter,
}

impl Command {
    /// Parse one line without its line ending. Keywords are case-insensitive
    /// (RFC 1939 §3); arguments are separated by one or more spaces.
    pub fn parse(line: &[u8]) -> Result<Self, CommandError> {
        let line = std::str::from_utf8(line).map_err(|_| CommandError::NotUtf8)?;
        if line.chars().any(|c| c.is_control() && c != '\t') {
            return Err(CommandError::ControlCharacter);
        }
        let trimmed = line.trim_start_matches(' ');
        let (keyword, rest) = trimmed.split_once(' ').unwrap_or((trimmed, ""));
        if keyword.is_empty() {
            return Err(CommandError::Empty);
        }
        let args: Vec<&str> = rest.split(' ').filter(|a| !a.is_empty()).collect();
        match keyword.to_ascii_uppercase().as_str() {
            "USER" => one(&args).map(|u| Self::User(u.to_owned())),
            "PASS" => pass_argument(rest).map(Self::Pass),
            "APOP" => match args.as_slice() {
                [user, digest] => Ok(Self::Apop {
                    user: (*user).to_owned(),
                    digest: (*digest).to_owned(),
                }),
                [] | [_] => Err(CommandError::MissingArgument),
                _ => Err(CommandError::TooManyArguments),
            },
            "AUTH" => match args.as_slice() {
                [] => Ok(Self::Auth {
                    mechanism: None,
                    initial_response: None,
                }),
                [mechanism] => Ok(Self::Auth {
                    mechanism: Some(mechanism.to_ascii_uppercase()),
                    initial_response: None,
                }),
                [mechanism, initial] => Ok(Self::Auth {
                    mechanism: Some(mechanism.to_ascii_uppercase()),
                    initial_response: Some((*initial).to_owned()),
                }),
                _ => Err(CommandError::TooManyArguments),
            },
            "STAT" => none(&args, Self::Stat),
            "LIST" => optional_number(&args).map(Self::List),
            "RETR" => number(one(&args)?).map(Self::Retr),
            "DELE" => number(one(&args)?).map(Self::Dele),
            "NOOP" => none(&args, Self::Noop),
            "RSET" => none(&args, Self::Rset),
            "QUIT" => none(&args, Self::Quit),
            "TOP" => match args.as_slice() {
                [msg, lines] => Ok(Self::Top {
                    msg: number(msg)?,
                    lines: number(lines)?,
                }),
                [] | [_] => Err(CommandError::MissingArgument),
                _ => Err(CommandError::TooManyArguments),
            },
            "UIDL" => optional_number(&args).map(Self::Uidl),
            "CAPA" => none(&args, Self::Capa),
            "STLS" => none(&args, Self::Stls),
            _ => Err(CommandError::Unknown),
        }
    }
}

fn none(args: &[&str], command: Command) -> Result<Command, CommandError> {
    if args.is_empty() {
        Ok(command)
    } else {
        Err(CommandError::TooManyArguments)
    }
}

fn one<'a>(args: &[&'a str]) -> Result<&'a str, CommandError> {
    match args {
        [arg] => Ok(arg),
        [] => Err(CommandError::MissingArgument),
        _ => Err(CommandError::TooManyArguments),
    }
}

fn optional_number(args: &[&str]) -> Result<Option<u32>, CommandError> {
    match args {
        [] => Ok(None),
        [arg] => number(arg).map(Some),
        _ => Err(CommandError::TooManyArguments),
    }
}

/// A decimal number; too-large values saturate so they read as "no such message".
fn number(arg: &str) -> Result<u32, CommandError> {
    if arg.is_empty() || !arg.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CommandError::InvalidNumber);
    }
    Ok(arg.parse().unwrap_or(u32::MAX))
}

/// RFC 1939 §7 lets the password contain spaces: everything after the first space counts.
fn pass_argument(rest: &str) -> Result<String, CommandError> {
    if rest.is_empty() {
        Err(CommandError::MissingArgument)
    } else {
        Ok(rest.to_owned())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn keywords_are_case_insensitive_and_arguments_parsed() {
        let cases: &[(&str, Command)] = &[
            ("user alice", Command::User("alice".into())),
            ("Pass two words ", Command::Pass("two words ".into())),
            ("stat", Command::Stat),
            ("LIST", Command::List(None)),
            ("LIST 3", Command::List(Some(3))),
            ("retr 1", Command::Retr(1)),
            ("DELE  2", Command::Dele(2)),
            ("TOP 1 0", Command::Top { msg: 1, lines: 0 }),
            ("UIDL", Command::Uidl(None)),
            ("uidl 9", Command::Uidl(Some(9))),
            ("CAPA", Command::Capa),
            ("STLS", Command::Stls),
            ("NOOP", Command::Noop),
            ("RSET", Command::Rset),
            ("QUIT", Command::Quit),
            (
                "APOP mrose c4c9334bac560ecc979e58001b3e22fb",
                Command::Apop {
                    user: "mrose".into(),
                    digest: "c4c9334bac560ecc979e58001b3e22fb".into(),
                },
            ),
            (
                "auth plain AGEAYg==",
                Command::Auth {
                    mechanism: Some("PLAIN".into()),
                    initial_response: Some("AGEAYg==".into()),
                },
            ),
        ];
        for (line, expected) in cases {
            assert_eq!(
                &Command::parse(line.as_bytes()).unwrap(),
                expected,
                "{line}"
            );
        }
    }

    #[test]
    fn malformed_lines_are_classified() {
        let cases: &[(&[u8], CommandError)] = &[
            (b"", CommandError::Empty),
            (b"   ", CommandError::Empty),
            (b"XYZZY", CommandError::Unknown),
            (b"RETR", CommandError::MissingArgument),
            (b"RETR x", CommandError::InvalidNumber),
            (b"RETR -1", CommandError::InvalidNumber),
            (b"STAT 1", CommandError::TooManyArguments),
            (b"TOP 1", CommandError::MissingArgument),
            (b"PASS", CommandError::MissingArgument),
            (b"USER \xff", CommandError::NotUtf8),
            (b"USER a\0b", CommandError::ControlCharacter),
        ];
        for (line, expected) in cases {
            assert_eq!(Command::parse(line), Err(*expected), "{line:?}");
        }
    }

    #[test]
    fn huge_message_numbers_saturate_instead_of_failing() {
        assert_eq!(
            Command::parse(b"RETR 99999999999999999999"),
            Ok(Command::Retr(u32::MAX))
        );
    }

    #[test]
    fn debug_output_hides_passwords() {
        let shown = format!("{:?}", Command::Pass("hunter2".into()));
        assert!(!shown.contains("hunter2"));
    }
}
