//! `postie list` and `postie show`.

use super::Context;
use super::output::{self, MessageJson};
use crate::store::{SearchQuery, SortKey};
use anyhow::anyhow;
use mailparse::MailHeaderMap;
use std::io::Write;
use std::process::ExitCode;

pub struct ListArgs<'a> {
    /// `None`: the Inbox when listing, every folder when searching.
    pub mailbox: Option<&'a str>,
    pub account: Option<&'a str>,
    pub search: Option<&'a str>,
    pub limit: u64,
    pub json: bool,
}

pub async fn list(
    ctx: &Context,
    args: ListArgs<'_>,
    out: &mut dyn Write,
) -> anyhow::Result<ExitCode> {
    let store = ctx.open_store().await?;
    let account = ctx.account_id(&store, args.account).await?;
    let boxes = store.mailboxes(account).await?;
    let messages = match args.search {
        Some(query) => {
            let mut query = SearchQuery::parse(query)?;
            if let Some(name) = args.mailbox {
                query = query.in_mailbox(ctx.mailbox(&store, account, name).await?.id);
            }
            store.search(account, query, args.limit).await?
        }
        None => {
            let name = args.mailbox.unwrap_or("Inbox");
            let mailbox = ctx.mailbox(&store, account, name).await?;
            store
                .list(mailbox.id, SortKey::Date, true, 0, args.limit)
                .await?
        }
    };
    let name_of = |id| {
        boxes
            .iter()
            .find(|b| b.id == id)
            .map_or("", |b| b.name.as_str())
    };
    if args.json {
        let rows: Vec<MessageJson<'_>> = messages
            .iter()
            .map(|m| MessageJson::new(m, name_of(m.mailbox_id)))
            .collect();
        serde_json::to_writer_pretty(&mut *out, &rows)?;
        writeln!(out)?;
    } else {
        for m in &messages {
            writeln!(out, "{}", output::line(m))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn show(
    ctx: &Context,
    id: i64,
    raw: bool,
    headers_only: bool,
    json: bool,
    out: &mut dyn Write,
) -> anyhow::Result<ExitCode> {
    let store = ctx.open_store().await?;
    let bytes = store
        .raw(id)
        .await?
        .ok_or_else(|| anyhow!("no message with id {id}"))?;
    if raw {
        out.write_all(&bytes)?;
        return Ok(ExitCode::SUCCESS);
    }
    let header_end = find_header_end(&bytes);
    if headers_only {
        out.write_all(&bytes[..header_end])?;
        return Ok(ExitCode::SUCCESS);
    }
    let summary = store
        .summary(id)
        .await?
        .ok_or_else(|| anyhow!("no message with id {id}"))?;
    let body = crate::mail::body::render_message_text(&bytes, 78).text;
    if json {
        let headers: Vec<(String, String)> = mailparse::parse_headers(&bytes)
            .map(|(h, _)| h.iter().map(|h| (h.get_key(), h.get_value())).collect())
            .unwrap_or_default();
        let envelope = store.envelope(id).await?;
        let value = serde_json::json!({
            "message": MessageJson::new(&summary, ""),
            "headers": headers,
            "envelope": envelope,
            "body": body,
        });
        serde_json::to_writer_pretty(&mut *out, &value)?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    let parsed = mailparse::parse_headers(&bytes).map(|(h, _)| h).ok();
    for name in ["Date", "From", "To", "Cc", "Subject"] {
        if let Some(value) = parsed.as_ref().and_then(|h| h.get_first_value(name)) {
            writeln!(out, "{name}: {value}")?;
        }
    }
    writeln!(out)?;
    writeln!(out, "{body}")?;
    Ok(ExitCode::SUCCESS)
}

/// Offset just past the blank line that ends the header section (or the whole message).
fn find_header_end(bytes: &[u8]) -> usize {
    bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(bytes.len(), |p| p + 4)
}
