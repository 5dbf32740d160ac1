//! The mail model and the mbox round trip over every message of the shared real-world
//! corpus (`../shared/corpus`), plus the small self-made fixtures in `tests/fixtures/mail`.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

use std::path::{Path, PathBuf};

use postie::mail::body::render_message_text;
use postie::mail::canonical::canonical_crlf;
use postie::mail::mime::{attachment_bytes, mime_tree};
use postie::mail::summarize;
use postie::mailbox_io::{MboxReader, write_mbox};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus");

/// Every message of the corpus as (relative name, raw bytes); nice.mbox is split.
fn corpus_messages() -> Option<Vec<(String, Vec<u8>)>> {
    let root = Path::new(CORPUS);
    if !root.is_dir() {
        eprintln!("SKIP: ../shared/corpus not found");
        return None;
    }
    let mut files = Vec::new();
    walk(root, &mut files);
    files.sort();
    let mut messages = Vec::new();
    for path in files {
        let name = path.strip_prefix(root).unwrap().display().to_string();
        let raw = std::fs::read(&path).unwrap();
        if name.ends_with(".mbox") {
            for (i, message) in MboxReader::new(raw.as_slice()).enumerate() {
                messages.push((format!("{name}#{}", i + 1), message.unwrap().raw));
            }
        } else {
            messages.push((name, raw));
        }
    }
    assert!(
        !messages.is_empty(),
        "corpus present but no message files found"
    );
    Some(messages)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if path.is_dir() {
            walk(&path, out);
        } else if !(name == "INDEX.tsv"
            || name == "PROVENANCE.md"
            || name.starts_with("COPYING")
            || name.starts_with("README"))
        {
            out.push(path);
        }
    }
}

fn corpus_message(messages: &[(String, Vec<u8>)], name: &str) -> Vec<u8> {
    messages
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("{name} missing from corpus"))
        .1
        .clone()
}

#[test]
fn every_corpus_message_is_summarised_and_walked() {
    let Some(messages) = corpus_messages() else {
        return;
    };
    let (mut with_subject, mut with_date, mut with_from, mut with_body, mut with_attachment) =
        (0, 0, 0, 0, 0);
    for (name, raw) in &messages {
        let summary = summarize(raw);
        let tree = mime_tree(raw);
        assert!(!tree.is_empty(), "{name}: empty MIME tree");
        assert!(tree[0].path.is_empty(), "{name}: root is not first");
        for part in &tree {
            let bytes = attachment_bytes(raw, &part.path);
            assert_eq!(
                bytes.map(|b| b.len()),
                Some(part.size),
                "{name} {:?}",
                part.path
            );
        }
        assert_eq!(attachment_bytes(raw, &[999]), None);
        let body = render_message_text(raw, 80);
        assert!(summary.body_text.len() <= 256 * 1024);
        assert!(summary.preview.chars().count() <= 200);
        assert!(!summary.subject.chars().any(char::is_control), "{name}");
        assert!(
            !body
                .text
                .chars()
                .any(|c| c.is_control() && c != '\n' && c != '\t')
        );
        with_subject += usize::from(!summary.subject.is_empty());
        with_date += usize::from(summary.date.is_some());
        with_from += usize::from(summary.from_addr.is_some());
        with_body += usize::from(!summary.body_text.trim().is_empty());
        with_attachment += usize::from(summary.has_attachments);
        if std::env::var_os("POSTIE_CORPUS_DUMP").is_some() {
            eprintln!(
                "{name}\t{:?}\t{:?}\t{:?}\t{}\t{}\t{}",
                summary.date,
                summary.from_name,
                summary.from_addr,
                summary.subject,
                summary.has_attachments,
                summary.preview.chars().take(60).collect::<String>()
            );
        }
    }
    let total = messages.len();
    eprintln!(
        "{total} messages: subject {with_subject}, date {with_date}, from {with_from}, \
         body {with_body}, attachments {with_attachment}"
    );
    assert!(total >= 390, "{total}");
}

#[test]
fn every_corpus_message_survives_mbox_export_and_reimport_byte_for_byte() {
    let Some(messages) = corpus_messages() else {
        return;
    };
    let mut mbox = Vec::new();
    let items: Vec<(&str, i64, &[u8])> = messages
        .iter()
        .map(|(_, raw)| ("corpus@example.test", 1_000_000_000, raw.as_slice()))
        .collect();
    write_mbox(&mut mbox, items).unwrap();
    let reread: Vec<Vec<u8>> = MboxReader::new(mbox.as_slice())
        .map(|m| m.unwrap().raw)
        .collect();
    assert_eq!(reread.len(), messages.len());
    for ((name, original), back) in messages.iter().zip(&reread) {
        assert!(
            canonical_crlf(original) == *back,
            "{name}: round trip changed the message"
        );
    }
}

#[test]
fn corpus_cjk_and_encoded_headers_decode_to_the_expected_text() {
    let Some(messages) = corpus_messages() else {
        return;
    };
    let expect_subject = [
        ("spamassassin/nice/cjk/gb2312.2", "RE: 装硬碟问题"),
        ("mikel-mail/emails/multi_charset/japanese.eml", "まみむめも"),
        ("mikel-mail/emails/rfc6532/utf8_headers.eml", "Säying Hello"),
        ("spamassassin/nice/unicode1", "Domače omrežje"),
    ];
    for (name, subject) in expect_subject {
        assert_eq!(
            summarize(&corpus_message(&messages, name)).subject,
            subject,
            "{name}"
        );
    }
    // Unencoded GB2312 in headers, decoded with the body's charset.
    let gb = summarize(&corpus_message(&messages, "spamassassin/nice/cjk/gb2312.1"));
    assert_eq!(gb.from_name.as_deref(), Some("台湾鑫龙商贸集团公司"));
    assert!(gb.subject.starts_with("全新原装进口"), "{}", gb.subject);
    let big5 = summarize(&corpus_message(
        &messages,
        "spamassassin/nice/cjk/big5-base64.1",
    ));
    assert!(big5.subject.contains("新片又到"), "{}", big5.subject);
    assert!(big5.body_text.contains("永久網址"), "{}", big5.preview);

    let expect_body = [
        ("spamassassin/nice/cjk/iso-2022-jp.2", "心当たりがあります"),
        (
            "mikel-mail/emails/multi_charset/japanese_iso_2022.eml",
            "すみません",
        ),
        (
            "mikel-mail/emails/multi_charset/japanese_shift_jis.eml",
            "あいうえお",
        ),
        ("spamassassin/nice/cjk/gb2312.2", "硬碟"),
    ];
    for (name, word) in expect_body {
        let summary = summarize(&corpus_message(&messages, name));
        assert!(
            summary.body_text.contains(word),
            "{name}: {}",
            summary.preview
        );
    }
}

#[test]
fn corpus_dates_attachments_and_threading_headers_are_read() {
    let Some(messages) = corpus_messages() else {
        return;
    };
    let empty_date = summarize(&corpus_message(
        &messages,
        "mikel-mail/emails/error_emails/bad_date_header.eml",
    ));
    assert_eq!(empty_date.date, None);
    let amazon = summarize(&corpus_message(
        &messages,
        "spamassassin/welcomelists/amazon_co_uk_ship",
    ));
    // Date: Mon, 3 Jun 2002 13:12:54 GMT
    assert_eq!(amazon.date, Some(1_023_109_974));
    // Two-digit year and a zone name.
    let first = summarize(&corpus_message(&messages, "spamassassin/nice.mbox#1"));
    assert!(first.date.is_some_and(|d| d > 0), "{:?}", first.date);

    let pdf = corpus_message(
        &messages,
        "mikel-mail/emails/attachment_emails/attachment_pdf.eml",
    );
    assert!(summarize(&pdf).has_attachments);
    let pdf_part = mime_tree(&pdf)
        .into_iter()
        .find(|p| p.content_type == "application/pdf")
        .unwrap();
    assert!(pdf_part.is_attachment);
    assert!(
        attachment_bytes(&pdf, &pdf_part.path)
            .unwrap()
            .starts_with(b"%PDF")
    );
}
