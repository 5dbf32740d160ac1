//! `postie sendmail`: sendmail-compatible submission, with sysexits codes. Each recipient is
//! routed once (a local address is filed in its Inbox at once, the rest is queued), and the
//! whole submission is one durable write. Works with or without a running node (a running
//! node notices the queue change and delivers).

use super::Context;
use crate::config::Resolution;
use crate::outbound::sendmail::{SendmailError, SendmailOptions, prepare};
use crate::routing::{LocalMessage, Router, effective_uid, message_id_domain};
use crate::store::Role;
use std::io::{Read, Write};
use std::process::ExitCode;

/// sysexits.h: command line usage error.
const EX_USAGE: u8 = 64;
/// sysexits.h: data format error.
const EX_DATAERR: u8 = 65;
/// sysexits.h: addressee unknown.
const EX_NOUSER: u8 = 67;
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

/// Read stdin, route and commit the message (local copies, queue, Sent copy); report
/// problems as sysexits codes.
pub async fn sendmail(ctx: &Context, args: SendmailArgs) -> anyhow::Result<ExitCode> {
    let mut input = Vec::new();
    if let Err(e) = std::io::stdin().lock().read_to_end(&mut input) {
        return Ok(fail(EX_IOERR, &format!("cannot read the message: {e}")));
    }
    let store = match ctx.open_store().await {
        Ok(s) => s,
        Err(e) => return Ok(fail(EX_TEMPFAIL, &format!("{e:#}"))),
    };
    let router = match Router::load(&store, &ctx.config).await {
        Ok(r) => r,
        Err(e) => return Ok(fail(EX_TEMPFAIL, &format!("{e:#}"))),
    };
    let first = ctx.account(None)?;
    // The envelope sender: -f, else the account's own address (sendmail's rules).
    let sender = match &args.sender {
        Some(s) => s.trim().trim_matches(['<', '>']).to_string(),
        None => first
            .addresses
            .first()
            .cloned()
            .unwrap_or_else(|| format!("{}@{}", first.name, router.origin())),
    };
    let account = match router.directory().resolve(&sender) {
        Resolution::Local { account } => ctx.account(Some(&account))?,
        _ => first,
    };
    let now = chrono::Local::now().fixed_offset();
    let hostname = ctx.config.hostname();
    let opts = SendmailOptions {
        recipients_from_headers: args.read_recipients,
        ignore_dots: args.ignore_dots,
        sender: sender.clone(),
        full_name: args.full_name.or_else(|| account.display_name.clone()),
        recipients: args.recipients,
        message_id_domain: message_id_domain(&hostname, &sender),
        now: now.timestamp(),
    };
    let prepared = match prepare(&input, &opts) {
        Ok(s) => s,
        Err(e @ SendmailError::NoRecipients) => return Ok(fail(EX_USAGE, &e.to_string())),
        Err(e @ SendmailError::Empty) => return Ok(fail(EX_DATAERR, &e.to_string())),
    };
    let Some(routed) = router.account(&account.name).cloned() else {
        return Ok(fail(EX_TEMPFAIL, "the account is missing from the store"));
    };
    let sent = store.mailbox_by_role(routed.id, Role::Sent).await.ok();
    let message = LocalMessage {
        mail_from: prepared.mail_from,
        recipients: prepared.recipients,
        raw: prepared.raw,
        source: "sendmail",
        userid: Some(effective_uid()),
        account_id: Some(routed.id),
        sent_copy: sent.map(|m| m.id),
        replaces_draft: None,
        flag: None,
        now,
    };
    let submission = match router.local_submission(message) {
        Ok(s) => s,
        Err(e) => return Ok(fail(EX_TEMPFAIL, &e.to_string())),
    };
    let delivered = submission.local.len() + submission.relay.len();
    for refusal in &submission.refused {
        warn(&refusal.reason);
    }
    if delivered == 0 && !submission.refused.is_empty() {
        return Ok(fail(
            EX_NOUSER,
            "no recipient can receive the message; nothing was sent",
        ));
    }
    if !submission.refused.is_empty() {
        warn("the other recipients get the message; the sender gets a bounce for these");
    }
    if let Err(e) = store.submit(submission).await {
        return Ok(fail(
            EX_TEMPFAIL,
            &format!("cannot submit the message: {e}"),
        ));
    }
    Ok(ExitCode::SUCCESS)
}

fn warn(message: &str) {
    let _ = writeln!(std::io::stderr(), "postie sendmail: {message}");
}

fn fail(code: u8, message: &str) -> ExitCode {
    warn(message);
    ExitCode::from(code)
}
