//! One mail model, three views: for every corpus message the reader
//! (`tui::message::ReaderDoc`), `postie show --json` (its library function) and the list
//! (the store's `MessageSummary`, written from `mail::summarize`) agree on subject, from,
//! date, body text and part names.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

#[path = "support/corpus.rs"]
mod corpus;
#[path = "support/effects.rs"]
mod effects;
#[path = "support/peers.rs"]
mod peers;

use postie::cli::messages::{SHOW_WIDTH, show_json};
use postie::mail::body::DEFAULT_WIDTH;
use postie::mail::summarize;
use postie::mail::summary::{BODY_TEXT_LIMIT, PREVIEW_CHARS, preview};
use postie::tui::message::ReaderDoc;

fn trimmed_lines(text: &str) -> Vec<String> {
    text.lines().map(|l| l.trim_end().to_string()).collect()
}

#[tokio::test]
async fn reader_show_and_list_agree_on_every_corpus_message() {
    let Some(messages) = corpus::corpus_messages() else {
        return;
    };
    let f = effects::fixture().await;
    let (mut dated, mut ahead, mut with_parts) = (0, 0, 0);
    for (name, raw) in &messages {
        let id = effects::inbox_message(&f, raw).await;
        let row = f.store.summary(id).await.unwrap().unwrap();
        let raw = f.store.raw(id).await.unwrap().unwrap();
        let reader = ReaderDoc::parse(id, Some(row.clone()), &raw, SHOW_WIDTH);
        let show = show_json(&row, &raw, serde_json::Value::Null);
        let message = &show["message"];

        assert_eq!(reader.subject, row.subject, "{name}: subject");
        assert_eq!(message["subject"], row.subject.as_str(), "{name}: subject");

        let first = reader.from.first();
        let reader_addr = first.map(|m| m.addr.clone()).filter(|a| !a.is_empty());
        assert_eq!(reader_addr, row.from_addr, "{name}: from address");
        assert_eq!(
            first.and_then(|m| m.name.clone()),
            row.from_name,
            "{name}: from name"
        );
        assert_eq!(message["from"].as_str(), row.from_addr.as_deref(), "{name}");
        assert_eq!(
            message["from_name"].as_str(),
            row.from_name.as_deref(),
            "{name}"
        );

        assert_eq!(reader.date, summarize(&raw).date, "{name}: date");
        if let Some(date) = reader.date {
            if date <= row.received_at + 86_400 {
                assert_eq!(row.date, date, "{name}: the list sorts by the Date: field");
                dated += 1;
            } else {
                assert_eq!(row.date, row.received_at, "{name}: dated ahead of arrival");
                ahead += 1;
            }
        }
        let rfc3339 = chrono::DateTime::from_timestamp(row.date, 0)
            .unwrap()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        assert_eq!(message["date"], rfc3339.as_str(), "{name}: date");

        let show_body = trimmed_lines(show["body"].as_str().unwrap());
        assert_eq!(reader.body, show_body, "{name}: body text");
        let summary = summarize(&raw);
        let wide = ReaderDoc::parse(id, None, &raw, DEFAULT_WIDTH);
        if summary.body_text.len() < BODY_TEXT_LIMIT {
            assert_eq!(
                wide.body,
                trimmed_lines(&summary.body_text),
                "{name}: indexed body"
            );
        }
        assert_eq!(
            row.preview,
            preview(&wide.body.join("\n"), PREVIEW_CHARS),
            "{name}"
        );

        let show_parts: Vec<(String, Option<String>)> = show["parts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                let name = p["filename"].as_str().map(str::to_owned);
                (p["content_type"].as_str().unwrap().to_owned(), name)
            })
            .collect();
        let reader_parts: Vec<(String, Option<String>)> = reader
            .parts
            .iter()
            .map(|p| (p.mime_type.clone(), p.filename.clone()))
            .collect();
        assert_eq!(reader_parts, show_parts, "{name}: parts");
        let attached = show["parts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["is_attachment"] == true);
        assert_eq!(row.has_attachments, attached, "{name}: attachment flag");
        with_parts += usize::from(reader.parts.iter().any(|p| p.filename.is_some()));
    }
    eprintln!(
        "{} messages, {dated} dated, {ahead} dated ahead of arrival, {with_parts} with named parts",
        messages.len()
    );
    // raw_email_bad_time.eml is dated in 3609.
    assert!(
        dated > 300 && ahead >= 1 && with_parts > 50,
        "{dated} dated, {ahead} ahead, {with_parts} with parts"
    );
}
