//! `postie list` and `postie show`.

use super::Context;
use super::output::{self, MessageJson};
use crate::mail::address::{format_list, format_mailboxes};
use crate::mail::body::{body_text_width, render_message_text};
use crate::mail::fields::Fields;
use crate::mail::mime::{MimePart, leaves, mime_tree_of, with_parsed};
use crate::store::{MessageSummary, SearchQuery, SortKey};
use anyhow::anyhow;
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
    if json {
        let envelope = serde_json::to_value(store.envelope(id).await?)?;
        serde_json::to_writer_pretty(&mut *out, &show_json(&summary, &bytes, envelope))?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    let view = MessageView::read(&bytes);
    for (name, value) in &view.lines {
        writeln!(out, "{name}: {value}")?;
    }
    for part in view.parts.iter().filter(|p| p.filename.is_some()) {
        let name = part.filename.as_deref().unwrap_or_default();
        writeln!(
            out,
            "Part: {} {name} ({} bytes)",
            part.content_type, part.size
        )?;
    }
    writeln!(out)?;
    writeln!(out, "{}", view.body)?;
    Ok(ExitCode::SUCCESS)
}

/// Width `postie show` renders HTML bodies at.
pub const SHOW_WIDTH: usize = 78;

/// One message as `postie show` prints it, read through the mail model in one parse.
struct MessageView {
    /// Every header field, decoded (for JSON).
    headers: Vec<(String, String)>,
    /// Date, From, To, Cc and Subject as the text view prints them.
    lines: Vec<(&'static str, String)>,
    body: String,
    /// The MIME leaves: the reader's part list.
    parts: Vec<MimePart>,
}

impl MessageView {
    fn read(raw: &[u8]) -> Self {
        let read = with_parsed(raw, |parsed| {
            let fields = Fields::new(parsed);
            let lines = [
                ("Date", fields.text("Date").unwrap_or_default()),
                ("From", format_mailboxes(&fields.from())),
                ("To", format_list(&fields.addresses("To"))),
                ("Cc", format_list(&fields.addresses("Cc"))),
                ("Subject", fields.subject()),
            ];
            MessageView {
                headers: fields.all(),
                lines: lines.into_iter().filter(|(_, v)| !v.is_empty()).collect(),
                body: body_text_width(parsed, SHOW_WIDTH).text,
                parts: leaves(&mime_tree_of(parsed)).cloned().collect(),
            }
        });
        read.unwrap_or_else(|| MessageView {
            headers: Vec::new(),
            lines: Vec::new(),
            body: render_message_text(raw, SHOW_WIDTH).text,
            parts: Vec::new(),
        })
    }
}

/// The `postie show --json` object: the list's row for the message, every header
/// decoded, the envelope, the body text and the parts (MIME leaves in the reader's order).
/// The envelope's `auth_verdicts` (our own checks, as JSON text) become an object,
/// `verdicts`, null for mail this node did not check.
pub fn show_json(
    summary: &MessageSummary,
    raw: &[u8],
    envelope: serde_json::Value,
) -> serde_json::Value {
    let view = MessageView::read(raw);
    let parts: Vec<serde_json::Value> = view
        .parts
        .iter()
        .enumerate()
        .map(|(index, p)| {
            serde_json::json!({
                "index": index,
                "path": p.path,
                "content_type": p.content_type,
                "filename": p.filename,
                "size": p.size,
                "is_attachment": p.is_attachment,
            })
        })
        .collect();
    let verdicts = envelope
        .get("auth_verdicts")
        .and_then(|v| v.as_str())
        .and_then(|text| serde_json::from_str::<serde_json::Value>(text).ok())
        .unwrap_or(serde_json::Value::Null);
    serde_json::json!({
        "message": MessageJson::new(summary, ""),
        "headers": view.headers,
        "envelope": envelope,
        "verdicts": verdicts,
        "body": view.body,
        "parts": parts,
    })
}

/// Offset just past the blank line that ends the header section (or the whole message).
fn find_header_end(bytes: &[u8]) -> usize {
    bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(bytes.len(), |p| p + 4)
}
