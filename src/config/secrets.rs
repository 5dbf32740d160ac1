//! Secrets in the configuration file: which keys hold one, and whether the file lets group
//! or others read them (reported at start and by `postie doctor`, with the `chmod` fix).

use super::Config;
use std::path::{Path, PathBuf};

/// A configuration file that holds secrets and is readable by group or others.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExposedSecrets {
    pub path: PathBuf,
    /// The file's permission bits, e.g. `0o644`.
    pub mode: u32,
    /// The dotted keys that hold a secret, e.g. `outbound.smarthost.password`.
    pub keys: Vec<String>,
}

impl std::fmt::Display for ExposedSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} holds secrets ({}) and is readable by {} (mode {:04o})",
            self.path.display(),
            self.keys.join(", "),
            self.who(),
            self.mode & 0o7777
        )
    }
}

impl ExposedSecrets {
    fn who(&self) -> &'static str {
        match (self.mode & 0o040 != 0, self.mode & 0o004 != 0) {
            (true, true) => "group and others",
            (true, false) => "group",
            _ => "others",
        }
    }

    /// One short line, the fix first, for the TUI's narrow status line.
    pub fn brief(&self) -> String {
        format!("{}: config secrets readable by {}", self.fix(), self.who())
    }

    /// The command that fixes it.
    pub fn fix(&self) -> String {
        let path = self.path.display().to_string();
        let safe = path
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+~@%:=,".contains(c));
        if safe {
            format!("chmod 600 {path}")
        } else {
            format!("chmod 600 '{}'", path.replace('\'', r"'\''"))
        }
    }
}

/// The keys of `config` that hold a secret written in the file itself.
pub fn secret_keys(config: &Config) -> Vec<String> {
    let mut keys = Vec::new();
    if config
        .outbound
        .smarthost
        .password
        .as_deref()
        .is_some_and(|p| !p.is_empty())
    {
        keys.push("outbound.smarthost.password".to_owned());
    }
    if config.accounts.iter().any(|a| a.apop_secret.is_some()) {
        keys.push("accounts.apop_secret".to_owned());
    }
    keys
}

/// `Some` when `config` (loaded from `path`) holds a secret and group or others may read
/// the file. A missing or unreadable file exposes nothing.
pub fn exposed_secrets(path: &Path, config: &Config) -> Option<ExposedSecrets> {
    let keys = secret_keys(config);
    if keys.is_empty() {
        return None;
    }
    let mode = file_mode(path)?;
    (mode & 0o044 != 0).then(|| ExposedSecrets {
        path: path.to_path_buf(),
        mode,
        keys,
    })
}

#[cfg(unix)]
fn file_mode(path: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).ok().map(|m| m.permissions().mode())
}

#[cfg(not(unix))]
fn file_mode(_path: &Path) -> Option<u32> {
    None
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn write(dir: &Path, text: &str, mode: u32) -> (PathBuf, Config) {
        let path = dir.join("config.toml");
        std::fs::write(&path, text).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        let config = super::super::load(&path).unwrap();
        (path, config)
    }

    const APOP: &str =
        "[[accounts]]\nname = \"a\"\naddresses = [\"a@x.test\"]\napop_secret = \"s\"\n";
    const SMARTHOST: &str = "[outbound.smarthost]\nhost = \"h.test\"\npassword = \"pw\"\n";

    #[test]
    fn a_secret_readable_by_others_is_reported_with_the_chmod_fix() {
        let dir = tempfile::tempdir().unwrap();
        let (path, config) = write(dir.path(), APOP, 0o644);
        let exposed = exposed_secrets(&path, &config).unwrap();
        assert_eq!(exposed.keys, ["accounts.apop_secret"]);
        let text = exposed.to_string();
        assert!(
            text.contains("readable by group and others (mode 0644)"),
            "{text}"
        );
        assert_eq!(exposed.fix(), format!("chmod 600 {}", path.display()));

        let (path, config) = write(dir.path(), SMARTHOST, 0o640);
        let exposed = exposed_secrets(&path, &config).unwrap();
        assert_eq!(exposed.keys, ["outbound.smarthost.password"]);
        assert!(
            exposed
                .to_string()
                .contains("readable by group (mode 0640)")
        );
    }

    #[test]
    fn an_owner_only_file_or_one_without_secrets_is_fine() {
        let dir = tempfile::tempdir().unwrap();
        let (path, config) = write(dir.path(), APOP, 0o600);
        assert_eq!(exposed_secrets(&path, &config), None);
        let (path, config) = write(dir.path(), "[smtp]\nhostname = \"h.test\"\n", 0o644);
        assert_eq!(exposed_secrets(&path, &config), None);
        let missing = dir.path().join("missing.toml");
        assert_eq!(exposed_secrets(&missing, &Config::default()), None);
    }

    #[test]
    fn the_fix_quotes_a_path_the_shell_would_split() {
        let exposed = ExposedSecrets {
            path: PathBuf::from("/home/a b/it's.toml"),
            mode: 0o644,
            keys: vec!["accounts.apop_secret".into()],
        };
        assert_eq!(exposed.fix(), r"chmod 600 '/home/a b/it'\''s.toml'");
    }
}
