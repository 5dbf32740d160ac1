//! DKIM signing (RFC 6376, RFC 8463) of the mail this node originates or relays for its
//! own users: `[[dkim]]` keys per domain, the signer applied at the submission doors, and
//! key generation with the DNS records to publish (`postie dkim generate`).

mod keys;
mod sign;

pub use keys::{Algorithm, GeneratedKey, KeyError, generate, write_key_file};
pub use sign::{SIGNED_HEADERS, Signer};

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// One `[[dkim]]` entry: mail whose From is in `domain` is signed with this key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DkimConfig {
    /// The signing domain (`d=`); From addresses in it (not its subdomains) are signed.
    pub domain: String,
    /// The selector (`s=`): the key is published at `SELECTOR._domainkey.DOMAIN`.
    pub selector: String,
    /// The private key: PEM (PKCS#1 or PKCS#8) for rsa, PKCS#8 PEM for ed25519.
    pub key_file: PathBuf,
    /// `rsa` (rsa-sha256, the default) or `ed25519` (ed25519-sha256).
    #[serde(default)]
    pub algorithm: Algorithm,
}

#[cfg(test)]
mod tests;
