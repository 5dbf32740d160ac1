//! `postie sendmail`: sendmail-compatible submission into the queue, with sysexits codes.
//! Works with or without a running node (a running node polls the queue and picks it up).

use super::Context;
use crate::config::{Directory, Resolution};
use crate::outbound::sendmail::{SendmailError, SendmailOptions, prepare};
use crate::store::{Flags, NewMessage, Role};
use std::io::{Read, Write};
use std::process::ExitCode;

/// sysexits.h: command line usage error.
const EX_USAGE: u8 = 64;
/// sysexits.h: data format error.
const EX_DATAERR: u8 = 65;
/// sysexits.h: temporary failure; the caller should try again later.
const EX_TEMPFAIL: u8 = 75;
/// sysexits.h: input/output error.
const EX_IOERR: u8 = 74;

/// The parsed sendmail flags.
#[derive(Debug, Clone, Default)]
pub struct SendmailArgs {
    pub read_recipients: bool,
    pub ignore_dots: bool,
    pub sender: Option<String>,
    pub full_name: Option<String>,
    pub recipients: Vec<String>,
}

/// Read stdin, queue the message, file a copy in Sent; report problems as sysexits codes.
pub async fn sendmail(ctx: &Context, args: SendmailArgs) -> anyhow::Result<ExitCode> {
    let mut input = Vec::new();
    if let Err(e) = std::io::stdin().lock().read_to_end(&mut input) {
        return Ok(fail(EX_IOERR, &format!("cannot read the message: {e}")));
    }
    let accounts = ctx.config.effective_accounts();
    let directory = Directory::new(&accounts);
    let first = ctx.account(None)?;
    let sender = args
        .sender
        .clone()
        .or_else(|| first.addresses.first().cloned())
        .unwrap_or_else(|| format!("{}@{}", first.name, ctx.config.hostname()));
    let sender = sender.trim_matches(['<', '>']).to_string();
    let account = match directory.resolve(&sender) {
        Resolution::Local { account } => ctx.account(Some(&account))?,
        _ => first,
    };
    let now = chrono::Utc::now().timestamp();
    let opts = SendmailOptions {
        recipients_from_headers: args.read_recipients,
        ignore_dots: args.ignore_dots,
        sender,
        full_name: args.full_name.or_else(|| account.display_name.clone()),
        recipients: args.recipients,
        hostname: ctx.config.hostname(),
        now,
    };
    let submission = match prepare(&input, &opts) {
        Ok(s) => s,
        Err(e @ SendmailError::NoRecipients) => return Ok(fail(EX_USAGE, &e.to_string())),
        Err(e @ SendmailError::Empty) => return Ok(fail(EX_DATAERR, &e.to_string())),
    };
    let store = match ctx.open_store().await {
        Ok(s) => s,
        Err(e) => return Ok(fail(EX_TEMPFAIL, &format!("{e:#}"))),
    };
    let account_id = match ctx.account_id(&store, Some(&account.name)).await {
        Ok(id) => id,
        Err(e) => return Ok(fail(EX_TEMPFAIL, &format!("{e:#}"))),
    };
    if let Err(e) = store
        .enqueue(
            &submission.mail_from,
            &submission.raw,
            submission.recipients.clone(),
            "sendmail",
            Some(account_id),
        )
        .await
    {
        return Ok(fail(EX_TEMPFAIL, &format!("cannot queue the message: {e}")));
    }
    if let Ok(sent) = store.mailbox_by_role(account_id, Role::Sent).await {
        let copy = NewMessage {
            mailbox_id: sent.id,
            raw: submission.raw,
            flags: Flags::SEEN,
            received_at: now,
            envelope: None,
        };
        if let Err(e) = store.insert(copy, false).await {
            tracing::warn!(error = %e, "queued, but the copy to Sent failed");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn fail(code: u8, message: &str) -> ExitCode {
    let _ = writeln!(std::io::stderr(), "postie sendmail: {message}");
    ExitCode::from(code)
}
