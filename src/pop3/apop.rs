//! APOP digests (RFC 1939 §7): MD5 over the greeting timestamp and the shared secret.
//!
//! MD5 comes from the `md-5` crate; APOP is its only use in postie.

use md5::{Digest, Md5};

/// The lowercase hex APOP digest a client sends for `timestamp` (with its angle
/// brackets, as in the greeting) and `secret`.
pub fn apop_digest(timestamp: &str, secret: &str) -> String {
    let mut md5 = Md5::new();
    md5.update(timestamp.as_bytes());
    md5.update(secret.as_bytes());
    md5.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Compare a client's digest with the expected one without early exit and ignoring case.
pub fn apop_matches(timestamp: &str, secret: &str, client_digest: &str) -> bool {
    let expected = apop_digest(timestamp, secret);
    let given = client_digest.to_ascii_lowercase();
    expected.len() == given.len()
        && expected
            .bytes()
            .zip(given.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_of_empty_timestamp_and_secret_is_md5_of_nothing() {
        // RFC 1321 §A.5: MD5("") and MD5("abc"), split between timestamp and secret.
        assert_eq!(apop_digest("", ""), "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(apop_digest("a", "bc"), "900150983cd24fb0d6963f7d28e17f72");
    }

    #[test]
    fn apop_digest_matches_rfc_1939_example() {
        let timestamp = "<1896.697170952@dbc.mtview.ca.us>";
        assert_eq!(
            apop_digest(timestamp, "tanstaaf"),
            "c4c9334bac560ecc979e58001b3e22fb"
        );
        assert!(apop_matches(
            timestamp,
            "tanstaaf",
            "C4C9334BAC560ECC979E58001B3E22FB"
        ));
        assert!(!apop_matches(
            timestamp,
            "wrong",
            "c4c9334bac560ecc979e58001b3e22fb"
        ));
        assert!(!apop_matches(timestamp, "tanstaaf", "c4c9"));
    }
}
