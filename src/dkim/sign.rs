//! The signer: one key per `[[dkim]]` domain, chosen by the message's From domain, with
//! relaxed/relaxed canonicalisation over the RFC 6376 §5.4.1 header set, From oversigned.

use super::keys::{self, KeyError, LoadedKey};
use super::{Algorithm, DkimConfig};
use mail_auth::common::crypto::DkimKey;
use mail_auth::common::headers::HeaderWriter;
use mail_auth::dkim::{Canonicalization, DkimSigner, Done};
use std::collections::HashMap;

/// Headers signed when present (RFC 6376 §5.4.1 plus the MIME and threading fields); one
/// that is absent is signed as absent, so it cannot be added in transit. `From` appears
/// twice: a second From added later breaks the signature (oversigning).
pub const SIGNED_HEADERS: &[&str] = &[
    "From",
    "From",
    "Reply-To",
    "Subject",
    "Date",
    "To",
    "Cc",
    "Message-ID",
    "In-Reply-To",
    "References",
    "MIME-Version",
    "Content-Type",
    "Content-Transfer-Encoding",
    "Resent-Date",
    "Resent-From",
    "Resent-To",
    "Resent-Cc",
    "List-Id",
    "List-Help",
    "List-Unsubscribe",
    "List-Subscribe",
    "List-Post",
    "List-Owner",
    "List-Archive",
];

/// A ready signer for one domain.
struct DomainKey(DkimSigner<DkimKey, Done>);

impl std::fmt::Debug for DomainKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DomainKey(s={}, <private>)", self.0.template.s)
    }
}

/// The node's signing keys, by lowercase domain.
#[derive(Debug, Default)]
pub struct Signer {
    keys: HashMap<String, DomainKey>,
}

impl Signer {
    /// Load every `[[dkim]]` key; a missing or unreadable key is an error naming its file.
    pub fn load(configs: &[DkimConfig]) -> Result<Self, KeyError> {
        let mut keys = HashMap::new();
        for config in configs {
            let key = match keys::load(&config.key_file, config.algorithm)? {
                LoadedKey::Rsa(key) => DkimKey::Rsa(key),
                LoadedKey::Ed25519(key) => DkimKey::Ed25519(key),
            };
            let domain = config
                .domain
                .trim()
                .trim_end_matches('.')
                .to_ascii_lowercase();
            let signer = DkimSigner::from_key(key)
                .domain(domain.clone())
                .selector(config.selector.clone())
                .headers(SIGNED_HEADERS.iter().copied())
                .header_canonicalization(Canonicalization::Relaxed)
                .body_canonicalization(Canonicalization::Relaxed);
            keys.insert(domain, DomainKey(signer));
        }
        Ok(Self { keys })
    }

    /// No keys: nothing is signed.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The domains that sign.
    pub fn domains(&self) -> impl Iterator<Item = &str> {
        self.keys.keys().map(String::as_str)
    }

    /// `raw` with a DKIM-Signature on top when its From address is in a signing domain;
    /// otherwise (or when signing fails, which is logged) `raw` unchanged. Call it after
    /// every header the node adds.
    pub fn sign(&self, raw: Vec<u8>) -> Vec<u8> {
        if self.keys.is_empty() {
            return raw;
        }
        let Some(domain) = from_domain(&raw) else {
            return raw;
        };
        let Some(entry) = self.keys.get(&domain) else {
            return raw;
        };
        match entry.0.sign(&raw) {
            Ok(signature) => {
                let mut signed = signature.to_header().into_bytes();
                signed.extend_from_slice(&raw);
                signed
            }
            Err(error) => {
                tracing::warn!(%domain, %error, "DKIM signing failed; sending unsigned");
                raw
            }
        }
    }
}

/// The lowercase domain of the message's (first) From address.
fn from_domain(raw: &[u8]) -> Option<String> {
    let (headers, _) = mailparse::parse_headers(raw).ok()?;
    let from = headers
        .iter()
        .find(|h| h.get_key_ref().eq_ignore_ascii_case("from"))?;
    let list = crate::mail::address::parse_list(&from.get_value());
    let mailboxes = crate::mail::address::mailboxes(&list);
    let (_, domain) = mailboxes.first()?.addr.rsplit_once('@')?;
    Some(domain.trim_end_matches('.').to_ascii_lowercase())
}

impl Algorithm {
    /// The `a=` tag this key signs with.
    pub fn signature_algorithm(self) -> &'static str {
        match self {
            Self::Rsa => "rsa-sha256",
            Self::Ed25519 => "ed25519-sha256",
        }
    }
}
