//! argon2id over memory the caller owns: the parameters postie hashes with, what a stored
//! hash costs to check, and hashing and verifying into a worker's block.
//!
//! The argon2 crate's `PasswordHasher`/`PasswordVerifier` allocate a fresh block per call;
//! these functions take the block instead, so the pool in `auth::checks` decides how much
//! memory password checks may hold.

use super::AuthError;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{Output, ParamsString, PasswordHash, Salt, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};

/// The parameters new hashes get: argon2id with 19 MiB, 2 passes, 1 lane, OWASP's
/// recommended minimum (the argon2 crate's defaults; a test pins them).
pub const POLICY: Params = Params::DEFAULT;

/// Most memory a stored hash may ask for (64 MiB, RFC 9106's second recommendation).
/// Beyond, or beyond [`MAX_PASSES`], the hash never verifies: one check would cost too much.
pub const MAX_MEMORY_KIB: u32 = 64 * 1024;

/// Most passes a stored hash may ask for.
pub const MAX_PASSES: u32 = 8;

/// A fixed salt for the check that stands in for an unknown login.
const DECOY_SALT: &[u8] = b"postie-no-such-login";

/// Blocks one worker owns: enough for any hash made with [`POLICY`].
pub fn policy_blocks() -> usize {
    POLICY.block_count()
}

/// A stored PHC string, parsed and costed.
pub struct StoredHash {
    argon: Argon2<'static>,
    salt: Vec<u8>,
    expected: Output,
}

/// What checking a stored hash takes.
pub enum Cost {
    /// This many 1 KiB blocks (at most [`MAX_MEMORY_KIB`]).
    Blocks(StoredHash, usize),
    /// Not an argon2 hash postie can check, or one above the ceilings; never verifies.
    Unusable(String),
}

/// Parse a stored hash and say how much memory checking it needs.
pub fn cost(stored: &str) -> Cost {
    match parse(stored) {
        Ok((hash, blocks)) => Cost::Blocks(hash, blocks),
        Err(why) => Cost::Unusable(why),
    }
}

fn parse(stored: &str) -> Result<(StoredHash, usize), String> {
    let phc = PasswordHash::new(stored).map_err(|e| format!("not a PHC string: {e}"))?;
    let algorithm = Algorithm::try_from(phc.algorithm).map_err(|e| e.to_string())?;
    let version = match phc.version {
        Some(v) => Version::try_from(v).map_err(|e| e.to_string())?,
        None => Version::default(),
    };
    let params = Params::try_from(&phc).map_err(|e| e.to_string())?;
    if params.m_cost() > MAX_MEMORY_KIB || params.t_cost() > MAX_PASSES {
        return Err(format!(
            "m={} KiB, t={} is above the ceiling of m={MAX_MEMORY_KIB}, t={MAX_PASSES}",
            params.m_cost(),
            params.t_cost()
        ));
    }
    let (Some(salt), Some(expected)) = (phc.salt, phc.hash) else {
        return Err("no salt or no hash".into());
    };
    let mut buf = [0u8; Salt::MAX_LENGTH];
    let salt = salt
        .decode_b64(&mut buf)
        .map_err(|e| e.to_string())?
        .to_vec();
    let blocks = params.block_count();
    let argon = Argon2::new(algorithm, version, params);
    Ok((
        StoredHash {
            argon,
            salt,
            expected,
        },
        blocks,
    ))
}

/// Does `password` match? `memory` must hold at least the hash's [`Cost::Blocks`].
pub fn verify(password: &[u8], stored: &StoredHash, memory: &mut [Block]) -> bool {
    let mut out = [0u8; Output::MAX_LENGTH];
    let out = &mut out[..stored.expected.len()];
    if stored
        .argon
        .hash_password_into_with_memory(password, &stored.salt, &mut *out, memory)
        .is_err()
    {
        return false;
    }
    // Output's equality is constant-time.
    Output::new(out).is_ok_and(|computed| computed == stored.expected)
}

/// The work of a check whose answer is known to be no (an unknown login), spent anyway so
/// the reply's timing does not tell which logins exist.
pub fn decoy(password: &[u8], memory: &mut [Block]) {
    let mut out = [0u8; 32];
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, POLICY);
    let _ = argon.hash_password_into_with_memory(password, DECOY_SALT, &mut out, memory);
}

/// Hash `password` with [`POLICY`] and a fresh random salt into `memory` (at least
/// [`policy_blocks`]); the PHC string to store.
pub fn hash(password: &[u8], memory: &mut [Block]) -> Result<String, AuthError> {
    let err = |e: &dyn std::fmt::Display| AuthError::Hash(e.to_string());
    let salt = SaltString::generate(&mut OsRng);
    let mut buf = [0u8; Salt::MAX_LENGTH];
    let salt_bytes = salt.decode_b64(&mut buf).map_err(|e| err(&e))?;
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, POLICY)
        .hash_password_into_with_memory(password, salt_bytes, &mut out, memory)
        .map_err(|e| err(&e))?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&POLICY).map_err(|e| err(&e))?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(|e| err(&e))?),
    };
    Ok(phc.to_string())
}

/// Blocks the costliest hash that may verify needs ([`MAX_MEMORY_KIB`]).
pub fn max_blocks() -> usize {
    MAX_MEMORY_KIB as usize
}

/// A block buffer of `blocks` KiB, touched now so its cost shows at once.
pub fn memory(blocks: usize) -> Vec<Block> {
    vec![Block::new(); blocks]
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use argon2::password_hash::{PasswordHasher, PasswordVerifier};

    fn blocks(stored: &str) -> (StoredHash, usize) {
        match cost(stored) {
            Cost::Blocks(hash, blocks) => (hash, blocks),
            Cost::Unusable(why) => panic!("{why}"),
        }
    }

    #[test]
    fn policy_is_owasp_argon2id_minimum() {
        assert_eq!(
            (POLICY.m_cost(), POLICY.t_cost(), POLICY.p_cost()),
            (19 * 1024, 2, 1)
        );
        assert_eq!(policy_blocks(), 19 * 1024);
    }

    #[test]
    fn our_hash_is_standard_phc_and_verifies_both_ways() {
        let mut memory = memory(policy_blocks());
        let stored = hash(b"correct horse", &mut memory).unwrap();
        assert!(
            stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{stored}"
        );
        // The crate's own verifier agrees with ours...
        let phc = PasswordHash::new(&stored).unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"correct horse", &phc)
                .is_ok()
        );
        // ...and ours with what it made.
        let (parsed, needed) = blocks(&stored);
        assert_eq!(needed, policy_blocks());
        assert!(verify(b"correct horse", &parsed, &mut memory));
        assert!(!verify(b"wrong", &parsed, &mut memory));
    }

    #[test]
    fn other_parameters_verify_with_their_own_figures() {
        let params = Params::new(4096, 3, 2, Some(16)).unwrap();
        let salt = SaltString::generate(&mut OsRng);
        let stored = Argon2::new(Algorithm::Argon2i, Version::V0x10, params)
            .hash_password(b"pw", &salt)
            .unwrap()
            .to_string();
        let (parsed, needed) = blocks(&stored);
        assert_eq!(needed, 4096);
        let mut memory = memory(policy_blocks());
        assert!(verify(b"pw", &parsed, &mut memory));
        assert!(!verify(b"pW", &parsed, &mut memory));
    }

    #[test]
    fn too_little_memory_never_verifies() {
        let mut memory = memory(policy_blocks());
        let stored = hash(b"pw", &mut memory).unwrap();
        let (parsed, _) = blocks(&stored);
        assert!(!verify(b"pw", &parsed, &mut memory[..1024]));
    }

    #[test]
    fn malformed_or_too_costly_hashes_are_unusable() {
        let costly = "$argon2id$v=19$m=131072,t=2,p=1$c2FsdHNhbHRzYWx0$\
                      aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g";
        let slow = "$argon2id$v=19$m=19456,t=100,p=1$c2FsdHNhbHRzYWx0$\
                    aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g";
        for bad in [
            "not a hash",
            "$pbkdf2-sha256$i=1000$c2FsdA$aGFzaA",
            "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0",
            costly,
            slow,
        ] {
            assert!(matches!(cost(bad), Cost::Unusable(_)), "{bad}");
        }
    }
}
