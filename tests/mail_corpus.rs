//! The mail model and the mbox round trip over every message of the shared real-world
//! corpus (`../shared/corpus`), plus the small self-made fixtures in `tests/fixtures/mail`.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

use std::path::Path;

use postie::mail::body::render_message_text;
use postie::mail::canonical::canonical_crlf;
use postie::mail::mime::{attachment_bytes, mime_tree};
use postie::mail::summarize;
use postie::mailbox_io::{MboxReader, write_mbox};

#[path = "support/corpus.rs"]
mod corpus;
#[path = "support/peers.rs"]
mod peers;

use corpus::corpus_messages;

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
        // Two ISO-2022-JP encoded words, each ending in ASCII, folded over three lines.
        (
            "mikel-mail/emails/rfc2822/example14.eml",
            "Re: TEST テストテスト",
        ),
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

fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/mail")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn fixture_alternative_prefers_plain_text_and_reads_all_headers() {
    let raw = fixture("alternative_html.eml");
    let summary = summarize(&raw);
    assert_eq!(summary.subject, "Notes on the Analytical Engine");
    assert_eq!(summary.from_name.as_deref(), Some("Ada Lovelace"));
    assert_eq!(summary.from_addr.as_deref(), Some("ada@example.org"));
    assert_eq!(
        summary.to_text,
        "Charles Babbage <charles@example.org>, Mary Somerville <mary@example.org>"
    );
    // Stored as RFC 5322 text, so the comma inside the name cannot split it when read back.
    assert_eq!(summary.cc_text, "\"Doe, Jane\" <jane@example.org>");
    // 1843-12-10 was a Sunday: the wrong day name must not lose the date.
    assert_eq!(summary.date, Some(-3_978_081_000));
    assert_eq!(
        summary.message_id.as_deref(),
        Some("notes-1843@example.org")
    );
    assert_eq!(
        summary.in_reply_to.as_deref(),
        Some("engine-1842@example.org")
    );
    assert_eq!(
        summary.references,
        ["engine-1841@example.org", "engine-1842@example.org"]
    );
    assert!(!summary.has_attachments);
    assert_eq!(
        summary.body_text,
        "The engine weaves algebraic patterns just as the Jacquard loom weaves flowers and \
         leaves. — A.L."
    );
    assert!(summary.preview.starts_with("The engine weaves"));
    let body = render_message_text(&raw, 80);
    assert!(!body.from_html);
}

#[test]
fn fixture_html_only_is_rendered_to_text_with_links() {
    let raw = fixture("html_only.eml");
    let body = render_message_text(&raw, 80);
    assert!(body.from_html);
    assert!(body.text.contains("Café news"), "{}", body.text);
    assert!(body.text.contains("the first story"), "{}", body.text);
    assert!(
        !body.text.contains("<p>") && !body.text.contains("alert(1)"),
        "{}",
        body.text
    );
    assert!(!body.text.contains("color: red"), "{}", body.text);
    assert_eq!(
        body.links,
        ["https://example.com/a", "https://example.com/b"]
    );
    assert!(summarize(&raw).preview.contains("Café news"));
}

#[test]
fn fixture_attachments_are_listed_named_and_extracted() {
    let raw = fixture("attachment.eml");
    let tree = mime_tree(&raw);
    let types: Vec<&str> = tree.iter().map(|p| p.content_type.as_str()).collect();
    assert_eq!(
        types,
        [
            "multipart/mixed",
            "text/plain",
            "application/pdf",
            "image/png"
        ]
    );
    assert_eq!(tree[0].children, 3);
    assert!(!tree[1].is_attachment);
    assert_eq!(tree[2].filename.as_deref(), Some("résumé.pdf"));
    assert!(tree[2].is_attachment);
    assert_eq!(tree[2].depth, 1);
    assert_eq!(tree[3].filename.as_deref(), Some("moth.png"));
    assert!(tree[3].is_attachment, "a named image is an attachment");
    let pdf = attachment_bytes(&raw, &tree[2].path).unwrap();
    assert_eq!(pdf, b"%PDF-1.4\n% tiny test document\n%%EOF\n");
    assert_eq!(tree[2].size, pdf.len());
    let summary = summarize(&raw);
    assert!(summary.has_attachments);
    assert_eq!(summary.body_text, "First actual case of bug being found.");
}

#[test]
fn fixture_rfc2047_subject_spanning_two_charsets_decodes() {
    let summary = summarize(&fixture("rfc2047_subject.eml"));
    assert_eq!(
        summary.subject,
        "If you can read this you understand the example."
    );
    assert_eq!(summary.from_name.as_deref(), Some("André Pirard"));
    assert_eq!(summary.date, Some(1_616_691_600));
}

#[test]
fn fixture_unencoded_gb2312_headers_and_body_decode() {
    let summary = summarize(&fixture("cjk_gb2312.eml"));
    assert_eq!(summary.subject, "中文邮件测试");
    assert_eq!(summary.body_text, "你好，世界。这是一封简体中文邮件。");
}

#[test]
fn fixture_mbox_undoes_from_quoting_and_keeps_an_unterminated_last_message() {
    let raw = fixture("quoted_from.mbox");
    let messages: Vec<_> = MboxReader::new(raw.as_slice())
        .map(|m| m.unwrap())
        .collect();
    assert_eq!(messages.len(), 2);
    assert_eq!(
        messages[0].envelope_sender.as_deref(),
        Some("alice@example.org")
    );
    let first = String::from_utf8(messages[0].raw.clone()).unwrap();
    assert_eq!(
        first,
        "From: alice@example.org\r\nSubject: first\r\n\r\n\
         From the start this line was quoted.\r\n\
         >From here too, twice.\r\n\
         From the desk of Alice: not a separator, no blank line before it.\r\n\r\n\
         From the desk of Alice again, after a blank line, but not an envelope line.\r\n"
    );
    assert_eq!(
        messages[1].envelope_sender.as_deref(),
        Some("bob@example.org")
    );
    assert!(
        messages[1]
            .raw
            .ends_with(b"Last message ends without a newline\r\n")
    );
    assert_eq!(summarize(&messages[1].raw).subject, "second");
}

/// A small deterministic xorshift generator, so mutation runs are reproducible.
struct Xorshift(u64);

impl Xorshift {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }
}

const SNIPPETS: [&[u8]; 12] = [
    b"--",
    b"\r",
    b"\n",
    b"\n\n",
    b"=?utf-8?B?",
    b"?=",
    b"Content-Type: multipart/mixed; boundary=x\n",
    b"\n--x\n",
    b"\nFrom a b 1\n",
    b">From ",
    b"=\n",
    b"\xff\xfe",
];

fn mutate(raw: &[u8], rng: &mut Xorshift) -> Vec<u8> {
    let mut out = raw.to_vec();
    for _ in 0..=rng.below(3) {
        let at = rng.below(out.len() + 1);
        match rng.below(3) {
            0 => out.truncate(at),
            1 => {
                if let Some(byte) = out.get_mut(at) {
                    *byte = rng.below(256) as u8;
                }
            }
            _ => {
                let snippet = SNIPPETS[rng.below(SNIPPETS.len())];
                out.splice(at..at, snippet.iter().copied());
            }
        }
    }
    out
}

/// What the fuzz target checks, for one input.
fn exercise(raw: &[u8]) {
    let _ = summarize(raw);
    for part in mime_tree(raw) {
        assert!(attachment_bytes(raw, &part.path).is_some());
    }
    let _ = render_message_text(raw, 60);
    for message in MboxReader::new(raw) {
        let _ = summarize(&message.unwrap().raw);
    }
    let mut mbox = Vec::new();
    write_mbox(&mut mbox, [("m@x.test", 0, raw)]).unwrap();
    let back: Vec<_> = MboxReader::new(mbox.as_slice())
        .map(|m| m.unwrap().raw)
        .collect();
    assert_eq!(back, [canonical_crlf(raw)]);
}

#[test]
fn mutated_messages_never_panic_and_still_round_trip() {
    let mut inputs: Vec<Vec<u8>> =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mail"))
            .unwrap()
            .map(|e| std::fs::read(e.unwrap().path()).unwrap())
            .collect();
    let fixture_count = inputs.len();
    if let Some(messages) = corpus_messages() {
        // Large messages cost time without finding more: mutate the small ones.
        inputs.extend(
            messages
                .into_iter()
                .map(|(_, raw)| raw)
                .filter(|raw| raw.len() < 32 * 1024),
        );
    }
    let mut rng = Xorshift(0x9E37_79B9_7F4A_7C15);
    for (i, raw) in inputs.iter().enumerate() {
        let rounds = if i < fixture_count { 64 } else { 3 };
        for _ in 0..rounds {
            exercise(&mutate(raw, &mut rng));
        }
    }
}
