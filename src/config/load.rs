//! Reading and validating the configuration file, with errors that name file, line and key.

use super::Config;
use super::locate::{line_of_problem, locate, section_of, unknown_field};
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

/// The documented reference configuration shipped in `assets/`.
pub fn example_config() -> &'static str {
    include_str!("../../assets/config.example.toml")
}

/// A configuration problem, phrased for the person who wrote the file.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}:{line}: key `{key}`: {message}", path.display())]
    Invalid {
        path: PathBuf,
        line: usize,
        key: String,
        message: String,
    },
}

/// Load the file at `path`; a missing file means "all defaults".
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    match std::fs::read_to_string(path) {
        Ok(text) => load_from_str(&text, path),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
        Err(source) => Err(ConfigError::Read {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Parse and validate configuration text; `path` is only used in messages.
pub fn load_from_str(text: &str, path: &Path) -> Result<Config, ConfigError> {
    let config: Config = toml::from_str(text).map_err(|e| {
        let offset = e.span().map(|s| s.start).unwrap_or(0);
        let (line, key) = locate(text, offset);
        let message = e.message().trim().to_string();
        let key = unknown_field(&message).map_or(key.clone(), |field| {
            if key.is_empty() || key.ends_with(&field) {
                key
            } else {
                format!("{}.{field}", section_of(&key))
            }
        });
        ConfigError::Invalid {
            path: path.to_path_buf(),
            line,
            key,
            message,
        }
    })?;
    validate(&config).map_err(|(key, message)| ConfigError::Invalid {
        path: path.to_path_buf(),
        line: line_of_problem(text, &key, &message),
        key,
        message,
    })?;
    Ok(config)
}

/// Semantic checks serde cannot express; returns the dotted key and the problem. Name the
/// offending value in backticks: the error's line is the one where that value is written.
fn validate(config: &Config) -> Result<(), (String, String)> {
    let mut names = std::collections::HashSet::new();
    let mut seen = std::collections::HashMap::new();
    for account in &config.accounts {
        if account.name.trim().is_empty() {
            return Err(("accounts.name".into(), "an account needs a name".into()));
        }
        if !names.insert(account.name.to_ascii_lowercase()) {
            return Err((
                "accounts.name".into(),
                format!("account `{}` is defined twice", account.name),
            ));
        }
        if account.addresses.is_empty() {
            return Err((
                "accounts.addresses".into(),
                format!("account `{}` needs at least one address", account.name),
            ));
        }
        for address in account.addresses.iter().chain(&account.aliases) {
            if !is_plausible_address(address) {
                return Err((
                    "accounts.addresses".into(),
                    format!("`{address}` is not an address of the form local@domain"),
                ));
            }
            if let Some(other) = seen.insert(address.to_ascii_lowercase(), account.name.clone()) {
                return Err((
                    "accounts.addresses".into(),
                    format!(
                        "`{address}` belongs to both `{other}` and `{}`",
                        account.name
                    ),
                ));
            }
        }
    }
    for domain in config.local_domains.iter().flatten() {
        let d = domain.trim().trim_end_matches('.');
        if d.is_empty() || d.contains(['@', ' ', '/', ',']) {
            return Err((
                "local_domains".into(),
                format!("`{domain}` is not a domain name such as example.org"),
            ));
        }
    }
    for (key, list) in [
        ("smtp.listen", &config.smtp.listen),
        ("smtp.implicit_tls_listen", &config.smtp.implicit_tls_listen),
    ] {
        for addr in list {
            addr.parse::<SocketAddr>().map_err(|_| {
                (
                    key.to_string(),
                    format!("`{addr}` is not an address:port such as 127.0.0.1:2525"),
                )
            })?;
        }
    }
    config.pop3.validate().map_err(|e| {
        let text = e.to_string();
        let key = text.split_whitespace().next().unwrap_or("pop3").to_string();
        (key, text)
    })?;
    config.auth.validate()?;
    config.smtp.validate()?;
    config.login_throttle.validate()?;
    let smtp = &config.smtp;
    for (key, list) in [
        ("smtp.trusted_networks", &smtp.trusted_networks),
        ("smtp.rate_limits.exempt", &smtp.rate_limits.exempt),
    ] {
        for net in list {
            net.parse::<crate::smtp::cidr::Cidr>().map_err(|_| {
                (
                    key.to_string(),
                    format!("`{net}` is not a network such as 127.0.0.0/8 or ::1/128"),
                )
            })?;
        }
    }
    validate_files_and_durations(config)?;
    if smtp.pop_before_smtp && smtp.pop_before_smtp_minutes == 0 {
        return Err((
            "smtp.pop_before_smtp_minutes".into(),
            "must be at least 1 when pop_before_smtp is on".into(),
        ));
    }
    super::routes::validate(
        &config.effective_accounts(),
        &config.forwards,
        &config.lists,
        is_plausible_address,
    )?;
    for server in &config.dns.nameservers {
        parse_nameserver(server).ok_or_else(|| {
            (
                "dns.nameservers".to_string(),
                format!("`{server}` is not an ip or ip:port"),
            )
        })?;
    }
    Ok(())
}

/// Paths that must be given in pairs or not empty, and timeouts that must not be zero.
fn validate_files_and_durations(config: &Config) -> Result<(), (String, String)> {
    validate_dkim(&config.dkim)?;
    let tls = &config.smtp.tls;
    match (&tls.cert, &tls.key) {
        (Some(_), None) => return Err(("smtp.tls.key".into(), "needed with `cert`".into())),
        (None, Some(_)) => return Err(("smtp.tls.cert".into(), "needed with `key`".into())),
        _ => {}
    }
    for (key, path) in [
        ("smtp.tls.cert", &tls.cert),
        ("smtp.tls.key", &tls.key),
        (
            "outbound.smarthost.ca_file",
            &config.outbound.smarthost.ca_file,
        ),
    ] {
        if path.as_ref().is_some_and(|p| p.as_os_str().is_empty()) {
            return Err((key.into(), "an empty path names no file".into()));
        }
    }
    for (key, secs) in [
        (
            "smtp.command_timeout_secs",
            config.smtp.command_timeout_secs,
        ),
        ("smtp.data_timeout_secs", config.smtp.data_timeout_secs),
    ] {
        if secs == 0 {
            return Err((
                key.into(),
                "`0` would end every session at once; give seconds, at least 1".into(),
            ));
        }
    }
    Ok(())
}

/// `"1.2.3.4"`, `"1.2.3.4:5353"`, `"[::1]:53"` or `"::1"` as a socket address (port 53 default).
pub fn parse_nameserver(text: &str) -> Option<SocketAddr> {
    text.parse::<SocketAddr>().ok().or_else(|| {
        text.parse::<IpAddr>()
            .ok()
            .map(|ip| SocketAddr::new(ip, 53))
    })
}

fn is_plausible_address(address: &str) -> bool {
    match address.rsplit_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !address
                    .chars()
                    .any(|c| c.is_whitespace() || c == '<' || c == '>')
        }
        None => false,
    }
}

/// Every `[[dkim]]` entry names a domain once, a selector, and a key that loads.
fn validate_dkim(entries: &[crate::dkim::DkimConfig]) -> Result<(), (String, String)> {
    let mut seen = std::collections::HashSet::new();
    for entry in entries {
        for (key, value) in [
            ("dkim.domain", &entry.domain),
            ("dkim.selector", &entry.selector),
        ] {
            if value.trim().is_empty() {
                return Err((key.into(), "must not be empty".into()));
            }
        }
        if !seen.insert(entry.domain.to_ascii_lowercase()) {
            return Err((
                "dkim.domain".into(),
                format!("`{}` has more than one key", entry.domain),
            ));
        }
        crate::dkim::Signer::load(std::slice::from_ref(entry))
            .map_err(|e| ("dkim.key_file".to_string(), e.to_string()))?;
    }
    Ok(())
}
