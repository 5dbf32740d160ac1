//! The smarthost password: from `password`, the `password_env` variable, or the first output
//! line of `password_command` (run with `sh -c`). Never logged.

use crate::config::SmarthostConfig;

/// Why no password could be had.
#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("the environment variable {0} is not set")]
    MissingEnv(String),
    #[error("password_command failed: {0}")]
    Command(String),
    #[error("no smarthost password is configured (password, password_env or password_command)")]
    None,
}

/// Read the configured password, trying `password`, `password_env`, `password_command`.
pub fn smarthost_password(config: &SmarthostConfig) -> Result<String, PasswordError> {
    if let Some(p) = &config.password {
        return Ok(p.clone());
    }
    if let Some(var) = &config.password_env {
        return std::env::var(var).map_err(|_| PasswordError::MissingEnv(var.clone()));
    }
    if let Some(command) = &config.password_command {
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(command)
            .stdin(std::process::Stdio::null())
            .output()
            .map_err(|e| PasswordError::Command(e.to_string()))?;
        if !out.status.success() {
            return Err(PasswordError::Command(format!(
                "exited with {}",
                out.status
            )));
        }
        let text = String::from_utf8_lossy(&out.stdout);
        return Ok(text.lines().next().unwrap_or("").to_string());
    }
    Err(PasswordError::None)
}
