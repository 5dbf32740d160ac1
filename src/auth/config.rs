//! The `[auth]` configuration section: how many password checks run and wait at once.

use serde::{Deserialize, Serialize};

/// Most workers `check_workers = 0` picks, however many cores: each keeps 19 MiB once it
/// has checked a password, and two keep a node under a flood below 100 MB.
pub const AUTO_MAX_WORKERS: usize = 2;

/// Most workers a configuration may ask for.
pub const MAX_WORKERS: usize = 64;

/// Password checks for SMTP AUTH and POP3 (`[auth]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthConfig {
    /// Checks running at once, each on its own thread with its own 19 MiB argon2 block.
    /// 0 = one per CPU core, at most 2.
    pub check_workers: usize,
    /// Checks that may wait for a worker; a login beyond that is told to try later
    /// (SMTP `454 4.7.0`, POP3 `-ERR [SYS/TEMP]`).
    pub check_queue: usize,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            check_workers: 0,
            check_queue: 32,
        }
    }
}

impl AuthConfig {
    /// The number of workers to start.
    pub fn workers(&self) -> usize {
        match self.check_workers {
            0 => std::thread::available_parallelism()
                .map_or(1, usize::from)
                .min(AUTO_MAX_WORKERS),
            n => n.min(MAX_WORKERS),
        }
    }

    /// The dotted key and problem of an out-of-range value.
    pub fn validate(&self) -> Result<(), (String, String)> {
        if self.check_workers > MAX_WORKERS {
            return Err((
                "auth.check_workers".into(),
                format!(
                    "{} is more than {MAX_WORKERS} (each worker keeps 19 MiB)",
                    self.check_workers
                ),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn automatic_workers_are_one_per_core_between_1_and_2() {
        let auto = AuthConfig::default().workers();
        assert!((1..=AUTO_MAX_WORKERS).contains(&auto), "{auto}");
        let three = AuthConfig {
            check_workers: 3,
            ..AuthConfig::default()
        };
        assert_eq!(three.workers(), 3);
        assert!(three.validate().is_ok());
    }

    #[test]
    fn too_many_workers_name_the_key() {
        let config = AuthConfig {
            check_workers: 1000,
            ..AuthConfig::default()
        };
        let (key, message) = config.validate().unwrap_err();
        assert_eq!(key, "auth.check_workers");
        assert!(message.contains("1000"), "{message}");
    }
}
