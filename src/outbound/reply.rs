//! Remote replies and failures as the attempt log records them: reply code, enhanced status
//! code (RFC 3463), text, the remote queue id of a 250, and whether the network was down.

use lettre::transport::smtp::response::Response;
use std::error::Error as _;

/// A positive reply (the 250 after DATA).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub code: u16,
    pub enhanced: Option<String>,
    pub text: String,
}

impl Reply {
    /// The receiver's queue id: the word after "queued as" (Postfix, postie, Sendmail-ish).
    pub fn remote_id(&self) -> Option<String> {
        remote_queue_id(&self.text)
    }
}

impl From<Response> for Reply {
    fn from(r: Response) -> Self {
        let code = r.code().to_string().parse().unwrap_or(250);
        let text = r.message().collect::<Vec<_>>().join(" ");
        let (enhanced, text) = split_enhanced(&text);
        Self {
            code,
            enhanced,
            text,
        }
    }
}

/// Why a recipient (or a whole attempt) was not delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The remote reply code; `None` for DNS, connection and local failures.
    pub code: Option<u16>,
    pub enhanced: Option<String>,
    pub text: String,
    /// Retrying cannot help: bounce.
    pub permanent: bool,
    /// Nothing on the network answered at all (does not use up the retry schedule).
    pub offline: bool,
}

impl Failure {
    /// A transient failure without a remote reply (connection refused, timeout, ...).
    pub fn transient(text: String) -> Self {
        Self {
            code: None,
            enhanced: Some("4.4.1".into()),
            text,
            permanent: false,
            offline: false,
        }
    }

    /// A local problem (configuration, TLS setup): retried.
    pub fn local(text: String) -> Self {
        Self {
            enhanced: Some("4.3.0".into()),
            ..Self::transient(text)
        }
    }

    /// A permanent failure decided here (bad address, null MX, no such domain).
    pub fn permanent_local(enhanced: &str, text: String) -> Self {
        Self {
            code: None,
            enhanced: Some(enhanced.into()),
            text,
            permanent: true,
            offline: false,
        }
    }

    /// Classify a lettre error: a negative reply keeps its code and text.
    pub fn from_lettre(e: &lettre::transport::smtp::Error) -> Self {
        if let Some(code) = e.status() {
            let code: u16 = code.to_string().parse().unwrap_or(451);
            let text = e.source().map(|s| s.to_string()).unwrap_or_default();
            let (enhanced, text) = split_enhanced(&text);
            return Self {
                code: Some(code),
                enhanced,
                text,
                permanent: code >= 500,
                offline: false,
            };
        }
        let mut failure = Self::transient(flatten(e));
        failure.offline = is_unreachable(e);
        failure
    }
}

impl Failure {
    /// A connection that could not be made (refused, timed out, no route).
    pub fn from_io(what: &str, e: &std::io::Error) -> Self {
        let mut failure = Self::transient(format!("{what}: {e}"));
        failure.offline = is_unreachable(e);
        failure
    }
}

/// The error and its causes on one line.
fn flatten(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.contains(&s_text) {
            text.push_str(": ");
            text.push_str(&s_text);
        }
        source = s.source();
    }
    text
}

/// A network that is not there at all, as opposed to a host that said no.
fn is_unreachable(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut source: Option<&dyn std::error::Error> = Some(e);
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind::*;
            return matches!(
                io.kind(),
                NetworkUnreachable | HostUnreachable | NetworkDown
            );
        }
        source = s.source();
    }
    false
}

/// Split a leading `x.y.z` enhanced status code off reply text.
pub fn split_enhanced(text: &str) -> (Option<String>, String) {
    let text = text.trim();
    let (first, rest) = text.split_once(' ').unwrap_or((text, ""));
    let parts: Vec<&str> = first.split('.').collect();
    let is_status = parts.len() == 3
        && matches!(parts[0], "2" | "4" | "5")
        && parts[1..]
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()));
    if is_status {
        (Some(first.to_string()), rest.trim().to_string())
    } else {
        (None, text.to_string())
    }
}

/// The token after "queued as" in a reply text.
pub fn remote_queue_id(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let at = lower.find("queued as")? + "queued as".len();
    let id: String = text[at..]
        .trim_start_matches([' ', ':'])
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '@'))
        .collect();
    let id = id.trim_end_matches('.');
    (!id.is_empty()).then(|| id.to_string())
}
