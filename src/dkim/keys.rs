//! DKIM private keys: reading them from `key_file`, generating new ones, writing them
//! owner-only, and the TXT record that publishes the public half.

use mail_auth::common::crypto::{Ed25519Key, RsaKey, Sha256};
use mail_auth::dkim::generate::DkimKeyPair;
use rustls::pki_types::PrivateKeyDer;
use rustls::pki_types::pem::PemObject;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The signature algorithm of a key.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Algorithm {
    #[default]
    Rsa,
    Ed25519,
}

impl Algorithm {
    /// The `k=` tag of the DNS record.
    pub fn key_type(self) -> &'static str {
        match self {
            Self::Rsa => "rsa",
            Self::Ed25519 => "ed25519",
        }
    }
}

/// Why a key could not be read, parsed or written.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read DKIM key {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("DKIM key {path} is not a {algorithm:?} private key in PEM form: {why}")]
    Parse {
        path: String,
        algorithm: Algorithm,
        why: String,
    },
    #[error("cannot generate a DKIM key: {0}")]
    Generate(String),
    #[error("cannot write DKIM key {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
}

/// A loaded private key.
pub(super) enum LoadedKey {
    Rsa(RsaKey<Sha256>),
    Ed25519(Ed25519Key),
}

impl std::fmt::Debug for LoadedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Rsa(_) => "LoadedKey::Rsa(<private>)",
            Self::Ed25519(_) => "LoadedKey::Ed25519(<private>)",
        })
    }
}

/// Read and parse `path` as a key of `algorithm`.
pub(super) fn load(path: &Path, algorithm: Algorithm) -> Result<LoadedKey, KeyError> {
    let shown = path.display().to_string();
    let pem = std::fs::read(path).map_err(|source| KeyError::Read {
        path: shown.clone(),
        source,
    })?;
    let parse_error = |why: String| KeyError::Parse {
        path: shown.clone(),
        algorithm,
        why,
    };
    let der = PrivateKeyDer::from_pem_slice(&pem).map_err(|e| parse_error(e.to_string()))?;
    match algorithm {
        Algorithm::Rsa => RsaKey::<Sha256>::from_key_der(der)
            .map(LoadedKey::Rsa)
            .map_err(|e| parse_error(e.to_string())),
        Algorithm::Ed25519 => match der {
            PrivateKeyDer::Pkcs8(pkcs8) => Ed25519Key::from_pkcs8_der(pkcs8.secret_pkcs8_der())
                .map(LoadedKey::Ed25519)
                .map_err(|e| parse_error(e.to_string())),
            _ => Err(parse_error("an ed25519 key must be PKCS#8".into())),
        },
    }
}

/// A new key pair: the private key as PEM, and the DNS record to publish.
pub struct GeneratedKey {
    pub private_pem: String,
    /// The TXT record's value, e.g. `v=DKIM1; k=ed25519; p=...`.
    pub txt: String,
}

/// Generate a key: RSA 2048 bits (the size RFC 8301 asks verifiers to accept and large
/// providers expect) or ed25519.
pub fn generate(algorithm: Algorithm) -> Result<GeneratedKey, KeyError> {
    let generate_error = |e: mail_auth::Error| KeyError::Generate(e.to_string());
    // DER as mail-auth makes it: PKCS#1 for RSA, PKCS#8 for ed25519.
    let (pair, label) = match algorithm {
        Algorithm::Rsa => (
            DkimKeyPair::generate_rsa(2048).map_err(generate_error)?,
            "RSA PRIVATE KEY",
        ),
        Algorithm::Ed25519 => (
            DkimKeyPair::generate_ed25519().map_err(generate_error)?,
            "PRIVATE KEY",
        ),
    };
    let public = match algorithm {
        // mail-auth gives the PKCS#1 RSAPublicKey; what is published (and what OpenDKIM,
        // built on OpenSSL's PUBKEY reader, can read) is the SubjectPublicKeyInfo around
        // it, as RFC 6376's erratum 3017 and every major signer have it.
        Algorithm::Rsa => {
            use base64::Engine;
            let engine = base64::engine::general_purpose::STANDARD;
            let pkcs1 = engine
                .decode(pair.encoded_public_key())
                .map_err(|e| KeyError::Generate(e.to_string()))?;
            engine.encode(rsa_subject_public_key_info(&pkcs1))
        }
        Algorithm::Ed25519 => pair.encoded_public_key(),
    };
    let txt = format!("v=DKIM1; k={}; p={public}", algorithm.key_type());
    let pem = pem_encode(label, pair.private_key());
    Ok(GeneratedKey {
        private_pem: pem,
        txt,
    })
}

/// DER `SubjectPublicKeyInfo` (RFC 5280 §4.1) for an RSA key given as PKCS#1
/// `RSAPublicKey`: the rsaEncryption algorithm identifier and the key as a BIT STRING.
fn rsa_subject_public_key_info(pkcs1: &[u8]) -> Vec<u8> {
    /// SEQUENCE { OID 1.2.840.113549.1.1.1, NULL }
    const RSA_ALGORITHM: [u8; 15] = [
        0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
    ];
    fn tagged(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        let len = content.len();
        if len < 0x80 {
            out.push(len as u8);
        } else {
            let bytes: Vec<u8> = len
                .to_be_bytes()
                .into_iter()
                .skip_while(|b| *b == 0)
                .collect();
            out.push(0x80 | bytes.len() as u8);
            out.extend(bytes);
        }
        out.extend_from_slice(content);
        out
    }
    let mut bits = vec![0u8];
    bits.extend_from_slice(pkcs1);
    let mut body = RSA_ALGORITHM.to_vec();
    body.extend(tagged(0x03, &bits));
    tagged(0x30, &body)
}

fn pem_encode(label: &str, der: &[u8]) -> String {
    use base64::Engine;
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    let mut pem = format!("-----BEGIN {label}-----\n");
    for chunk in body.as_bytes().chunks(64) {
        pem.push_str(&String::from_utf8_lossy(chunk));
        pem.push('\n');
    }
    pem.push_str(&format!("-----END {label}-----\n"));
    pem
}

/// Write `pem` to `path`, readable by its owner only (0600), refusing to replace a file.
pub fn write_key_file(path: &Path, pem: &str) -> Result<(), KeyError> {
    use std::io::Write;
    let write_error = |source| KeyError::Write {
        path: path.display().to_string(),
        source,
    };
    if let Some(parent) = path.parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent).map_err(write_error)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(write_error)?;
    file.write_all(pem.as_bytes()).map_err(write_error)?;
    file.sync_all().map_err(write_error)
}
