//! Configuration: TOML sections with defaults, validation, and where postie's files live.
//!
//! Every field has a default so postie runs with no file at all. Unknown keys are errors,
//! reported with the file, line and dotted key (see [`load`]).

mod directory;
mod load;
mod locate;
mod paths;
mod routes;
mod secrets;
#[cfg(test)]
mod tests;

pub use directory::{Directory, Resolution};
pub use load::{ConfigError, example_config, load, load_from_str, parse_nameserver};
pub use paths::Paths;
pub use routes::{ForwardConfig, ListConfig};
pub use secrets::{ExposedSecrets, exposed_secrets, secret_keys};

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The whole configuration file.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// The user's accounts; empty means one account derived from the login and host names.
    pub accounts: Vec<AccountConfig>,
    /// Local addresses forwarded elsewhere (`[[forwards]]`).
    pub forwards: Vec<ForwardConfig>,
    /// Local distribution lists (`[[lists]]`).
    pub lists: Vec<ListConfig>,
    /// Domains this node is the final destination for: an unknown user there is refused
    /// (550 5.1.1) rather than relayed. Unset: the domains of every account address, alias,
    /// catch-all, forward and list. Set it (even to `[]`) when an address's domain is hosted
    /// elsewhere, e.g. a Gmail address you send through a smarthost.
    pub local_domains: Option<Vec<String>>,
    pub smtp: crate::smtp::SmtpConfig,
    /// Password checks for SMTP AUTH and POP3 (`[auth]`).
    pub auth: crate::auth::AuthConfig,
    pub pop3: crate::pop3::Pop3Config,
    /// Failed-login throttling per client address, for SMTP AUTH and POP3 together.
    pub login_throttle: crate::net::ThrottleConfig,
    pub outbound: OutboundConfig,
    pub dns: DnsConfig,
    /// DKIM signing keys, one per domain (`[[dkim]]`).
    pub dkim: Vec<crate::dkim::DkimConfig>,
    /// SPF, DKIM, DMARC and ARC checks of received mail (`[verify]`).
    pub verify: crate::verify::VerifyConfig,
    pub ui: UiConfig,
    /// Aliases, a mutt alias file and an address query command (`[contacts]`).
    pub contacts: crate::contacts::ContactsConfig,
    /// Key binding overrides: action name -> key list, e.g. `quit = ["q", "ctrl-c"]`.
    pub keys: BTreeMap<String, Vec<String>>,
    pub log: LogConfig,
}

/// One mail account (a person) with the addresses it receives for.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct AccountConfig {
    /// Short unique name; also the login for SMTP AUTH and POP3.
    pub name: String,
    /// Display name used in From: when composing.
    pub display_name: Option<String>,
    /// Addresses this account sends from and receives for; the first is the default From.
    pub addresses: Vec<String>,
    /// More addresses that deliver here but are not offered as From.
    pub aliases: Vec<String>,
    /// Domains for which any unknown local part is delivered to this account.
    pub catch_all: Vec<String>,
    /// Shared secret enabling POP3 APOP for this account (plain text; optional).
    pub apop_secret: Option<String>,
    /// Text appended to new messages after a `-- ` line.
    pub signature: Option<String>,
}

/// How mail leaves this node.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OutboundConfig {
    /// `direct` looks up the recipient domain's MX hosts; `smarthost` relays through one server.
    pub mode: OutboundMode,
    /// Port used for direct delivery (25; tests point it elsewhere).
    pub direct_port: u16,
    pub smarthost: SmarthostConfig,
    /// Minutes to wait after each transient failure; the last step repeats until `max_age_hours`.
    pub retry_minutes: Vec<u64>,
    /// Give up (and bounce) a recipient still undelivered this many hours after submission.
    pub max_age_hours: u64,
    /// Tell the sender after this many hours of deferral (RFC 3464 "delayed"); 0 turns it off.
    pub delay_notice_hours: u64,
    /// Outgoing SMTP connections open at once, across all destinations.
    pub concurrency: usize,
    /// Outgoing SMTP connections open at once to one destination domain (or the smarthost).
    pub per_destination: usize,
    /// The name sent in EHLO (default: the node's host name, `smtp.hostname`).
    pub helo_name: Option<String>,
    /// Seconds one SMTP step (connect, a command, the message) may take before it is a failure.
    pub timeout_secs: u64,
    /// Seconds between checks of the queue for mail submitted by other processes.
    pub poll_secs: u64,
}

impl Default for OutboundConfig {
    fn default() -> Self {
        Self {
            mode: OutboundMode::Direct,
            direct_port: 25,
            smarthost: SmarthostConfig::default(),
            retry_minutes: vec![1, 5, 15, 30, 60],
            max_age_hours: 120,
            delay_notice_hours: 4,
            concurrency: 20,
            per_destination: 4,
            helo_name: None,
            timeout_secs: 120,
            poll_secs: 5,
        }
    }
}

/// Outbound delivery mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OutboundMode {
    Direct,
    Smarthost,
}

/// The relay used in `smarthost` mode.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmarthostConfig {
    pub host: String,
    /// 587 for STARTTLS, 465 for implicit TLS.
    pub port: Option<u16>,
    pub tls: SmarthostTls,
    pub username: Option<String>,
    /// The password itself (prefer `password_command` or `password_env`).
    pub password: Option<String>,
    /// A shell command whose first output line is the password.
    pub password_command: Option<String>,
    /// An environment variable holding the password.
    pub password_env: Option<String>,
    /// An extra trusted root certificate (PEM) for a smarthost with a private CA.
    pub ca_file: Option<std::path::PathBuf>,
}

/// Transport security towards the smarthost.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmarthostTls {
    #[default]
    Starttls,
    Tls,
    None,
}

/// DNS used for every lookup postie makes (MX, A/AAAA, reverse).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DnsConfig {
    /// `"ip:port"` (or bare `"ip"` for port 53); empty means the system resolver.
    pub nameservers: Vec<String>,
    /// Look up the client's host name for Received headers.
    pub reverse_lookups: bool,
    /// Seconds before one DNS query gives up.
    pub timeout_secs: u64,
}

impl Default for DnsConfig {
    fn default() -> Self {
        Self {
            nameservers: Vec::new(),
            reverse_lookups: true,
            timeout_secs: 5,
        }
    }
}

/// Terminal user interface preferences.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UiConfig {
    /// Ring the terminal bell when new mail arrives.
    pub bell: bool,
    /// Show conversations as threads in the message list.
    pub threaded: bool,
    /// Seconds between draft autosaves while composing.
    pub autosave_secs: u64,
    /// Seconds a sent message is held so `U` can take it back into the composer; 0 sends
    /// at once.
    pub undo_send_secs: u64,
    /// Colour theme: named colours per role (e.g. `accent = "cyan"`); NO_COLOR overrides.
    pub theme: BTreeMap<String, String>,
    /// The program that opens attachments and links (the file or URL is its last
    /// argument); empty means the system opener (`xdg-open`, `open` on macOS).
    pub opener: String,
    /// What the `|` prompt starts with (e.g. `"urlscan"`); a leading `!` hands the
    /// command the terminal.
    pub pipe_command: String,
    /// `$EDITOR` (ctrl-e in the composer) gets To, Cc, Bcc and Subject above the body.
    pub edit_headers: bool,
}

impl Default for UiConfig {
    fn default() -> Self {
        Self {
            bell: true,
            threaded: false,
            autosave_secs: 5,
            undo_send_secs: 10,
            theme: BTreeMap::new(),
            opener: String::new(),
            pipe_command: String::new(),
            edit_headers: false,
        }
    }
}

/// Logging to a file in the data dir.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogConfig {
    /// A `RUST_LOG`-style filter, e.g. `"info,postie::smtp=debug"`.
    pub filter: String,
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            filter: "info".into(),
        }
    }
}

impl Config {
    /// The accounts in force: the configured ones, or one derived from the login and host.
    pub fn effective_accounts(&self) -> Vec<AccountConfig> {
        if !self.accounts.is_empty() {
            return self.accounts.clone();
        }
        vec![default_account(&login_name(), &host_name())]
    }

    /// The host name this node announces (SMTP banner, Received headers).
    pub fn hostname(&self) -> String {
        self.smtp.hostname.clone().unwrap_or_else(host_name)
    }
}

/// The domain of the zero-config account's first (default From) address. Strict address
/// checkers (git send-email, many MUAs) want a dot in the domain, which `localhost` and
/// a bare host name lack; `localhost.localdomain` has one and still names this machine.
pub const DEFAULT_DOMAIN: &str = "localhost.localdomain";

/// The account used when none is configured: `login@localhost.localdomain` (the default
/// From), then `login@localhost` and `login@HOST`.
pub fn default_account(login: &str, host: &str) -> AccountConfig {
    let mut addresses = vec![
        format!("{login}@{DEFAULT_DOMAIN}"),
        format!("{login}@localhost"),
    ];
    if !host.is_empty() && host != "localhost" && host != DEFAULT_DOMAIN {
        addresses.push(format!("{login}@{host}"));
    }
    AccountConfig {
        name: login.to_string(),
        display_name: None,
        addresses,
        ..AccountConfig::default()
    }
}

/// The login that names the zero-config account: the password database's name for the
/// effective uid (cron and systemd services run without `$USER`), then `$USER`, then
/// `$LOGNAME`, then `user`. The one place that decides.
pub fn login_name() -> String {
    let passwd = nix::unistd::User::from_uid(nix::unistd::geteuid())
        .ok()
        .flatten()
        .map(|user| user.name);
    choose_login([
        passwd,
        std::env::var("USER").ok(),
        std::env::var("LOGNAME").ok(),
    ])
}

/// The first candidate that keeps a character valid in a local part once reduced to
/// those characters and lowercased; `user` when none does.
fn choose_login(candidates: [Option<String>; 3]) -> String {
    candidates
        .into_iter()
        .flatten()
        .map(|raw| {
            raw.chars()
                .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '+'))
                .collect::<String>()
                .to_ascii_lowercase()
        })
        .find(|clean| !clean.is_empty())
        .unwrap_or_else(|| "user".into())
}

/// The machine's host name, lowercased; `localhost` when it cannot be read.
pub fn host_name() -> String {
    let name = gethostname::gethostname()
        .to_string_lossy()
        .trim()
        .to_ascii_lowercase();
    if name.is_empty() {
        "localhost".into()
    } else {
        name
    }
}
