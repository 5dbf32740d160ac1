//! Account passwords (argon2id hashes) and SASL PLAIN/LOGIN decoding shared by SMTP and POP3.
//!
//! Hashing is deliberately slow; callers on an async runtime run it with `spawn_blocking`.

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;

/// Why a credential could not be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
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

/// Hash a password with argon2id and a fresh random salt (PHC string format).
pub fn hash_password(password: &str) -> Result<String, AuthError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| AuthError::Hash(e.to_string()))
}

/// Check a password against a stored PHC hash. A malformed stored hash never verifies.
pub fn verify_password(password: &str, stored_hash: &str) -> bool {
    match PasswordHash::new(stored_hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
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
    fn hashed_password_verifies_and_wrong_one_does_not() {
        let hash = hash_password("correct horse").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("wrong", &hash));
    }

    #[test]
    fn malformed_stored_hash_never_verifies() {
        assert!(!verify_password("x", "not a hash"));
    }

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
