//! Contacts: aliases from the config and from a mutt alias file, the store's address
//! book, and an external query command in mutt's format (khard, abook), for completion in
//! the composer, alias expansion at send time, and `postie contacts`.

mod mutt;
#[cfg(test)]
mod tests;

pub use mutt::{parse_alias_file, parse_query_output};

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// `[contacts]` in the config.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ContactsConfig {
    /// Short names for addresses: `bob = "Bob Example <bob@example.org>"`, or for several:
    /// `team = "ann@example.org, joe@example.org"`.
    pub aliases: BTreeMap<String, String>,
    /// A mutt alias file (`alias KEY [Name] <address>` lines), read each time contacts load.
    pub alias_file: Option<PathBuf>,
    /// A command that finds contacts, in mutt's `query_command` format: `%s` is replaced by
    /// the (shell-quoted) text typed; it prints one line of status, then
    /// `address<TAB>name[<TAB>other]` lines. E.g. `khard email --parsable %s`.
    pub query_command: String,
}

/// Where a contact comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Config,
    AliasFile,
    AddressBook,
    Query,
}

/// One entry: an alias key (for aliases), the address text it stands for (one mailbox
/// `Name <addr>` or a comma-separated list), and where it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Contact {
    pub alias: Option<String>,
    pub address: String,
    pub source: Source,
}

/// The aliases of the config and the alias file, and what went wrong reading the file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Aliases {
    /// Alias key (lowercase) and the address text, config entries first, each key once.
    pub entries: Vec<Contact>,
    pub problems: Vec<String>,
}

/// How many times an alias may name other aliases before expansion stops (a loop).
const MAX_DEPTH: usize = 8;

impl Aliases {
    /// Aliases from `config`, then the alias file (a key the config has wins).
    pub fn load(config: &ContactsConfig) -> Aliases {
        let mut out = Aliases::default();
        for (key, address) in &config.aliases {
            out.push(key, address.trim(), Source::Config);
        }
        if let Some(path) = &config.alias_file {
            let path = expand_home(path);
            match std::fs::read_to_string(&path) {
                Ok(text) => {
                    let (entries, problems) = parse_alias_file(&text);
                    for (key, address) in entries {
                        out.push(&key, &address, Source::AliasFile);
                    }
                    out.problems.extend(
                        problems
                            .into_iter()
                            .map(|p| format!("{}: {p}", path.display())),
                    );
                }
                Err(e) => out
                    .problems
                    .push(format!("cannot read {}: {e}", path.display())),
            }
        }
        out
    }

    fn push(&mut self, key: &str, address: &str, source: Source) {
        let key = key.trim().to_lowercase();
        if key.is_empty() || address.is_empty() || self.get(&key).is_some() {
            return;
        }
        self.entries.push(Contact {
            alias: Some(key),
            address: address.to_string(),
            source,
        });
    }

    /// The address text of alias `key` (any case).
    pub fn get(&self, key: &str) -> Option<&str> {
        let key = key.trim().to_lowercase();
        self.entries
            .iter()
            .find(|c| c.alias.as_deref() == Some(key.as_str()))
            .map(|c| c.address.as_str())
    }

    /// An address field with every item that is an alias key replaced by what it stands
    /// for (aliases naming aliases too, up to a depth that stops loops). Items that are
    /// not aliases stay exactly as written.
    pub fn expand(&self, field: &str) -> String {
        self.expand_at(field, 0)
    }

    fn expand_at(&self, field: &str, depth: usize) -> String {
        if self.entries.is_empty() || depth >= MAX_DEPTH {
            return field.to_string();
        }
        let items = split_items(field);
        let mut changed = false;
        let out: Vec<String> = items
            .iter()
            .map(|item| match self.get(item) {
                Some(address) if !item.contains(['@', '<']) => {
                    changed = true;
                    self.expand_at(address, depth + 1)
                }
                _ => item.trim().to_string(),
            })
            .filter(|item| !item.is_empty())
            .collect();
        if changed {
            out.join(", ")
        } else {
            field.to_string()
        }
    }
}

/// Split an address field at commas that are outside quotes, angle brackets and
/// comments.
fn split_items(field: &str) -> Vec<String> {
    let mut items = Vec::new();
    let mut current = String::new();
    let (mut quoted, mut angle, mut comment) = (false, false, 0usize);
    let mut escaped = false;
    for c in field.chars() {
        if escaped {
            escaped = false;
            current.push(c);
            continue;
        }
        match c {
            '\\' if quoted || comment > 0 => escaped = true,
            '"' if comment == 0 => quoted = !quoted,
            '<' if !quoted && comment == 0 => angle = true,
            '>' if !quoted && comment == 0 => angle = false,
            '(' if !quoted => comment += 1,
            ')' if !quoted && comment > 0 => comment -= 1,
            ',' if !quoted && !angle && comment == 0 => {
                items.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    items.push(current);
    items
}

/// `~/x` under the home directory.
fn expand_home(path: &Path) -> PathBuf {
    match (path.strip_prefix("~"), std::env::var_os("HOME")) {
        (Ok(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => path.to_path_buf(),
    }
}

/// A query command still running after this long is stopped.
pub const QUERY_TIMEOUT: Duration = Duration::from_secs(10);
/// Most bytes of a query command's output read.
const QUERY_OUTPUT_CAP: u64 = 1 << 20;

/// Run `[contacts] query_command` for `text`: `%s` becomes the text, quoted for the
/// shell; the contacts it prints, or why it failed. Bounded in time and output.
pub async fn query(command: &str, text: &str) -> Result<Vec<Contact>, String> {
    use tokio::io::AsyncReadExt;
    let line = command.replace("%s", &shell_quote(text));
    let mut child = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(&line)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot run the query command: {e}"))?;
    let mut stdout = child
        .stdout
        .take()
        .ok_or("no output from the query command")?;
    let run = async {
        let mut out = Vec::new();
        (&mut stdout)
            .take(QUERY_OUTPUT_CAP)
            .read_to_end(&mut out)
            .await
            .map_err(|e| e.to_string())?;
        drop(stdout);
        let status = child.wait().await.map_err(|e| e.to_string())?;
        Ok::<_, String>((out, status))
    };
    let (out, status) = tokio::time::timeout(QUERY_TIMEOUT, run)
        .await
        .map_err(|_| {
            format!(
                "the query command took longer than {} s",
                QUERY_TIMEOUT.as_secs()
            )
        })??;
    // mutt: a non-zero exit with a status line is "not found", not an error.
    let text = String::from_utf8_lossy(&out);
    if !status.success() && text.lines().nth(1).is_none() {
        return Ok(Vec::new());
    }
    Ok(parse_query_output(&text)
        .into_iter()
        .map(|address| Contact {
            alias: None,
            address,
            source: Source::Query,
        })
        .collect())
}

/// `text` in single quotes for `sh`, any single quote in it closed and escaped.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}
