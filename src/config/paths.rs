//! Where postie keeps its files: XDG directories, or everything under `POSTIE_HOME`.

use directories::ProjectDirs;
use std::path::{Path, PathBuf};

/// The files and folders of one postie node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    /// The configuration file (may not exist: defaults apply).
    pub config_file: PathBuf,
    /// Holds the database, TLS material, logs and the node's lock and control socket.
    pub data_dir: PathBuf,
}

impl Paths {
    /// Resolve from `POSTIE_HOME` (all under one folder) or the XDG locations, with an
    /// optional `--config FILE` override.
    pub fn resolve(config_override: Option<&Path>) -> Result<Self, String> {
        let home = std::env::var_os("POSTIE_HOME").filter(|v| !v.is_empty());
        let mut paths = match home {
            Some(dir) => Self::under(Path::new(&dir)),
            None => {
                let dirs = ProjectDirs::from("", "", "postie").ok_or(
                    "cannot find the home directory; set POSTIE_HOME to a folder for postie",
                )?;
                Self {
                    config_file: dirs.config_dir().join("config.toml"),
                    data_dir: dirs.data_dir().to_path_buf(),
                }
            }
        };
        if let Some(file) = config_override {
            paths.config_file = file.to_path_buf();
        }
        Ok(paths)
    }

    /// Everything under one folder (what `POSTIE_HOME=DIR` selects).
    pub fn under(dir: &Path) -> Self {
        Self {
            config_file: dir.join("config.toml"),
            data_dir: dir.join("data"),
        }
    }

    /// The SQLite mailbox store.
    pub fn database(&self) -> PathBuf {
        self.data_dir.join("postie.db")
    }

    /// TLS certificate and key (generated on first start unless configured).
    pub fn tls_dir(&self) -> PathBuf {
        self.data_dir.join("tls")
    }

    /// Log files.
    pub fn log_dir(&self) -> PathBuf {
        self.data_dir.join("logs")
    }

    /// Create the data dir (owner-only) if missing.
    pub fn ensure_data_dir(&self) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.data_dir)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&self.data_dir, std::fs::Permissions::from_mode(0o700))?;
        }
        Ok(())
    }
}
