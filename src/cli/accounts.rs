//! `postie init` (write a commented configuration, owner-only) and `postie passwd`.

use super::Context;
use crate::config::{self, host_name, login_name};
use anyhow::{Context as _, anyhow, bail};
use std::io::{BufRead, Write};
use std::process::ExitCode;

/// Write the documented example configuration, filled in for this user and machine.
pub fn init(ctx: &Context, force: bool, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let file = &ctx.paths.config_file;
    if file.exists() && !force {
        bail!(
            "{} already exists; use --force to replace it",
            file.display()
        );
    }
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let account = config::default_account(&login_name(), &host_name());
    let addresses = account
        .addresses
        .iter()
        .map(|a| format!("\"{a}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let text = config::example_config()
        .replace("name = \"you\"", &format!("name = \"{}\"", account.name))
        .replace(
            "display_name = \"You\"",
            &format!("display_name = \"{}\"", account.name),
        )
        .replace(
            "addresses = [\"you@localhost.localdomain\", \"you@localhost\"]",
            &format!("addresses = [{addresses}]"),
        );
    // What we write must load: never leave the user a config postie itself rejects.
    config::load_from_str(&text, file)?;
    write_owner_only(file, &text).with_context(|| format!("cannot write {}", file.display()))?;
    writeln!(out, "wrote {}", file.display())?;
    Ok(ExitCode::SUCCESS)
}

/// Write `text` to `file` readable by its owner only (0600), whatever the umask and
/// whatever mode a file being replaced had: the configuration may hold passwords. The
/// mode is set before anything is written, so the text is never readable by others.
fn write_owner_only(file: &std::path::Path, text: &str) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut handle = options.open(file)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        handle.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    handle.write_all(text.as_bytes())?;
    handle.sync_all()
}

/// Set the account's password (an argon2id hash with the node's policy, in the store).
pub async fn passwd(
    ctx: &Context,
    account: Option<&str>,
    from_stdin: bool,
    out: &mut dyn Write,
) -> anyhow::Result<ExitCode> {
    let account = ctx.account(account)?;
    let password = if from_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        line.trim_end_matches(['\r', '\n']).to_string()
    } else {
        let first = prompt_hidden(&format!("New password for {}: ", account.name))?;
        let again = prompt_hidden("Again: ")?;
        if first != again {
            bail!("the passwords differ; nothing was changed");
        }
        first
    };
    if password.is_empty() {
        bail!("an empty password is not allowed");
    }
    // The node's own pool and policy, so the node checks this hash in a worker's block.
    let hash = crate::auth::PasswordChecks::with_workers(1, 0)
        .hash(&password)
        .await?;
    let store = ctx.open_store().await?;
    store.set_password_hash(&account.name, &hash).await?;
    writeln!(out, "password set for {}", account.name)?;
    Ok(ExitCode::SUCCESS)
}

/// Read a line from the terminal without echoing it.
fn prompt_hidden(prompt: &str) -> anyhow::Result<String> {
    use crossterm::event::{Event, KeyCode, KeyEventKind, KeyModifiers, read};
    use crossterm::terminal::{disable_raw_mode, enable_raw_mode};
    use std::io::IsTerminal;
    if !std::io::stdin().is_terminal() {
        return Err(anyhow!("no terminal to ask for a password; use --stdin"));
    }
    let mut err = std::io::stderr();
    write!(err, "{prompt}")?;
    err.flush()?;
    enable_raw_mode()?;
    let mut text = String::new();
    let result = loop {
        match read() {
            Ok(Event::Key(key)) if key.kind != KeyEventKind::Release => match key.code {
                KeyCode::Enter => break Ok(()),
                KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                    break Err(anyhow!("cancelled"));
                }
                KeyCode::Char(c) => text.push(c),
                KeyCode::Backspace => {
                    text.pop();
                }
                _ => {}
            },
            Ok(_) => {}
            Err(e) => break Err(e.into()),
        }
    };
    disable_raw_mode()?;
    writeln!(err)?;
    result.map(|()| text)
}
