//! Corpus test: every message in ../shared/corpus is analysed without panicking, and the
//! share of Received lines that carry a date after `;` and got it parsed is reported and
//! held to at least 99.5%.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

#[path = "support/corpus.rs"]
mod corpus;
#[path = "support/peers.rs"]
mod peers;

use std::path::{Path, PathBuf};

use postie::mail::trace::headers::{header_fields, values};
use postie::mail::trace::tokenizer::{TokenKind, tokenize};
use postie::mail::trace::{HopFlag, Trace, TraceContext, analyse, parse_received, render_text};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files(&path, out);
        } else if !matches!(
            path.file_name().and_then(|n| n.to_str()),
            Some("INDEX.tsv" | "PROVENANCE.md" | "COPYING")
        ) {
            out.push(path);
        }
    }
}

/// An mbox file holds several messages, each after a `From ` line.
fn messages(raw: &[u8]) -> Vec<&[u8]> {
    if !raw.starts_with(b"From ") {
        return vec![raw];
    }
    let mut starts = vec![0];
    for (i, window) in raw.windows(6).enumerate() {
        if window == b"\nFrom " {
            starts.push(i + 1);
        }
    }
    starts.push(raw.len());
    starts.windows(2).map(|w| &raw[w[0]..w[1]]).collect()
}

/// The text after the last top-level `;`, when the line has one.
fn after_last_semicolon(value: &str) -> Option<String> {
    let tokens = tokenize(value);
    let last = tokens
        .iter()
        .rposition(|t| t.kind == TokenKind::Semicolon)?;
    value.get(tokens[last].end..).map(str::to_string)
}

#[test]
fn every_corpus_message_is_analysed_and_dates_are_parsed() {
    let Some(dir) = corpus::corpus_dir() else {
        return;
    };
    let mut paths = Vec::new();
    files(&dir, &mut paths);
    paths.sort();
    assert!(
        !paths.is_empty(),
        "corpus present but no files found in {}",
        dir.display()
    );
    let ctx = TraceContext::default();
    let (mut with_date, mut parsed, mut hops, mut messages_seen) = (0usize, 0usize, 0usize, 0usize);
    let mut misses = Vec::new();
    for path in &paths {
        let raw = std::fs::read(path).unwrap();
        for message in messages(&raw) {
            messages_seen += 1;
            let trace = analyse(message, &ctx);
            let _ = render_text(&trace);
            let _ = serde_json::to_string(&trace).unwrap();
            hops += trace.hops.len();
            let fields = header_fields(message);
            for value in values(&fields, "Received") {
                // Counted when the text after the last top-level `;`, or after the last
                // `;` at all (an unterminated comment hides the top-level one), has digits.
                let has_digits = |t: &str| t.bytes().any(|b| b.is_ascii_digit());
                let raw_tail = value.rfind(';').and_then(|at| value.get(at + 1..));
                let carries_date = after_last_semicolon(value).is_some_and(|t| has_digits(&t))
                    || raw_tail.is_some_and(has_digits);
                if carries_date {
                    with_date += 1;
                    if parse_received(value).date.is_some() {
                        parsed += 1;
                    } else {
                        misses.push(format!("{}: {value}", path.display()));
                    }
                }
            }
        }
    }
    assert!(with_date > 0, "no Received lines with dates in the corpus");
    let share = parsed as f64 * 100.0 / with_date as f64;
    eprintln!(
        "corpus: {} files, {messages_seen} messages, {hops} hops",
        paths.len()
    );
    eprintln!("received dates parsed: {parsed}/{with_date} ({share:.2}%)");
    for miss in &misses {
        eprintln!("  unparsed date: {miss}");
    }
    assert!(
        share >= 99.5,
        "only {share:.2}% of dated Received lines parsed"
    );
}

/// The `index`-th message of a corpus file, analysed; `None` when the corpus is absent.
fn corpus_trace(path: &str, index: usize) -> Option<Trace> {
    let dir = corpus::corpus_dir()?;
    let raw = std::fs::read(dir.join(path)).unwrap();
    let message = messages(&raw)[index];
    Some(analyse(message, &TraceContext::default()))
}

#[test]
fn odd_corpus_messages_named_in_provenance() {
    let Some(amazon) = corpus_trace("spamassassin/welcomelists/amazon_co_uk_ship", 0) else {
        return;
    };
    assert_eq!(amazon.hops.len(), 10);
    assert_eq!(amazon.hops[0].hop.date, None);
    assert!(amazon.hops[0].flags.contains(&HopFlag::MissingDate));
    assert_eq!(
        amazon.hops[1].delay_ms, None,
        "no earlier dated hop to compare with"
    );

    let old = corpus_trace("spamassassin/nice.mbox", 1).unwrap();
    assert!(!old.hops.is_empty());
    for hop in &old.hops {
        let date = hop.hop.date.unwrap();
        assert_eq!(date.utc.format("%Y").to_string(), "1991", "{}", hop.hop.raw);
    }

    let gmail = corpus_trace("spamassassin/txrep/7", 0).unwrap();
    assert!(
        gmail
            .hops
            .iter()
            .any(|h| h.hop.by_ip.is_some_and(|ip| ip.is_ipv6()))
    );

    let exchange = corpus_trace("spamscope-mail-parser/mails/mail_test_1", 0).unwrap();
    let eop = exchange
        .hops
        .iter()
        .find(|h| h.hop.with.as_deref() == Some("Microsoft SMTP Server"))
        .unwrap();
    assert_eq!(eop.hop.tls_version.as_deref(), Some("TLS1_2"));
    assert_eq!(eop.hop.id.as_deref(), Some("15.20.1185.23"));
    assert_eq!(eop.hop.via.as_deref(), Some("Frontend Transport"));

    let utf8 = corpus_trace("spamassassin/nice/unicode1", 0).unwrap();
    assert!(utf8.hops[0].hop.protocol_flags.utf8 && utf8.hops[0].hop.protocol_flags.tls);

    let malformed = corpus_trace("spamscope-mail-parser/mails/mail_malformed_1", 0).unwrap();
    assert_eq!(malformed.hops.len(), 4, "no hop is dropped");
    assert_eq!(malformed.hops[1].hop.by, None, "`by (Postfix)` has no host");

    for (path, index) in [
        ("spamassassin/nice/002", 0),
        ("spamassassin/nice/007", 0),
        ("spamassassin/spam/012", 0),
        ("spamscope-mail-parser/mails/mail_test_10", 0),
    ] {
        let trace = corpus_trace(path, index).unwrap();
        assert!(
            trace
                .hops
                .iter()
                .any(|h| h.flags.contains(&HopFlag::ClockSkew)),
            "{path}: out-of-order clocks flagged"
        );
    }
}
