//! Account passwords (argon2id hashes) and SASL PLAIN/LOGIN decoding shared by SMTP and POP3.
//!
//! Hashing is deliberately slow and memory-hard, so the node checks passwords only in the
//! bounded pool of [`PasswordChecks`]; [`argon`] does the work in memory the caller owns.

pub mod argon;
mod checks;
mod config;

pub use checks::{CheckError, PasswordChecks};
pub use config::AuthConfig;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;

/// Why a credential could not be used.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum AuthError {
    #[error("the password could not be hashed: {0}")]
    Hash(String),
    #[error("malformed base64 in SASL response")]
    Base64,
    #[error("malformed SASL PLAIN response")]
    MalformedPlain,
    #[error("SASL response is not UTF-8")]
    NotUtf8,
}

/// What a password check concluded. `TryLater` is neither a yes nor a no: the check could
/// not run now (the node is busy or throttling the client), so the client is told to come
/// back (SMTP `454 4.7.0`, POP3 `-ERR [SYS/TEMP]`) and no failure is counted against it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthOutcome {
    /// The credentials are right; the account name.
    Accepted(String),
    /// Wrong user or password.
    Rejected,
    /// Not checked; the reason, for the log.
    TryLater(String),
}

impl AuthOutcome {
    /// The account name when accepted.
    pub fn account(&self) -> Option<&str> {
        match self {
            Self::Accepted(account) => Some(account),
            _ => None,
        }
    }
}

/// Hash a password with the policy's argon2id parameters and a fresh random salt (PHC
/// string format), in memory of its own: for one-off callers such as tests and benches.
pub fn hash_password(password: &str) -> Result<String, AuthError> {
    argon::hash(
        password.as_bytes(),
        &mut argon::memory(argon::policy_blocks()),
    )
}

/// A decoded SASL PLAIN response (RFC 4616): `authzid NUL authcid NUL passwd`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlainCredentials {
    /// Authorisation identity; empty means "act as the authentication identity".
    pub authzid: String,
    pub username: String,
    pub password: String,
}

/// Decode a base64 SASL PLAIN initial response (RFC 4616 §2).
pub fn decode_plain(base64_response: &str) -> Result<PlainCredentials, AuthError> {
    let bytes = decode_base64(base64_response)?;
    let mut fields = bytes.split(|b| *b == 0);
    let (Some(authzid), Some(username), Some(password), None) =
        (fields.next(), fields.next(), fields.next(), fields.next())
    else {
        return Err(AuthError::MalformedPlain);
    };
    if username.is_empty() || password.is_empty() {
        return Err(AuthError::MalformedPlain);
    }
    let text = |b: &[u8]| String::from_utf8(b.to_vec()).map_err(|_| AuthError::NotUtf8);
    Ok(PlainCredentials {
        authzid: text(authzid)?,
        username: text(username)?,
        password: text(password)?,
    })
}

/// Decode one base64 line of the LOGIN mechanism (username or password) to UTF-8.
pub fn decode_login_step(base64_line: &str) -> Result<String, AuthError> {
    String::from_utf8(decode_base64(base64_line)?).map_err(|_| AuthError::NotUtf8)
}

/// Base64-encode a server challenge (e.g. `Username:` for LOGIN).
pub fn encode_challenge(text: &str) -> String {
    BASE64.encode(text.as_bytes())
}

fn decode_base64(line: &str) -> Result<Vec<u8>, AuthError> {
    BASE64
        .decode(line.trim().as_bytes())
        .map_err(|_| AuthError::Base64)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn plain_response_is_split_into_three_fields() {
        let creds = decode_plain(&BASE64.encode(b"\0alice\0s3cret")).unwrap();
        assert_eq!(creds.authzid, "");
        assert_eq!(creds.username, "alice");
        assert_eq!(creds.password, "s3cret");
    }

    #[test]
    fn plain_response_with_missing_fields_or_bad_base64_is_rejected() {
        assert_eq!(
            decode_plain(&BASE64.encode(b"alice")),
            Err(AuthError::MalformedPlain)
        );
        assert_eq!(
            decode_plain(&BASE64.encode(b"\0\0pw")),
            Err(AuthError::MalformedPlain)
        );
        assert_eq!(decode_plain("!!!"), Err(AuthError::Base64));
    }

    #[test]
    fn login_step_round_trips_challenge_encoding() {
        assert_eq!(
            decode_login_step(&encode_challenge("Username:")).unwrap(),
            "Username:"
        );
    }
}
