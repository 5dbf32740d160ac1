//! Mail model targets: the MIME walk and summaries, addresses, trace headers, and the mbox
//! reader with its writer.

use std::io::BufReader;

use super::header;
use crate::mail::address::{envelope_addresses, format_list, parse_list, parse_list_strict};
use crate::mail::body::render_message_text;
use crate::mail::canonical::{canonical_crlf, is_canonical_crlf};
use crate::mail::mime::{attachment_bytes, mime_tree};
use crate::mail::summarize;
use crate::mail::trace::antispam;
use crate::mail::trace::auth_results::{parse_arc_authentication_results, parse_received_spf};
use crate::mail::trace::{
    TraceContext, analyse, parse_authentication_results, parse_date, parse_received, render_text,
    transport_facts,
};
use crate::mailbox_io::{MboxMessage, MboxReader, write_mbox};

/// Arbitrary bytes as a message: summaries, the MIME tree, every part, the text view and
/// the single-message mbox round trip (which gives back `canonical_crlf(input)`).
pub fn parse(data: &[u8]) {
    let _ = summarize(data);
    for part in mime_tree(data) {
        let _ = attachment_bytes(data, &part.path);
    }
    let _ = render_message_text(data, 72);
    let mut mbox = Vec::new();
    if write_mbox(&mut mbox, [("fuzz@example.test", 0, data)]).is_ok() {
        let back = read_mbox(&mbox);
        assert_eq!(back.len(), 1);
        assert_eq!(back[0].raw, canonical_crlf(data));
    }
}

/// The address parsers: formatting what was parsed and parsing it again is stable (a name
/// that decodes to an encoded word decodes once more, then no longer), and a strict error
/// points inside the input.
pub fn address(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let lenient = parse_list(&text);
    let _ = envelope_addresses(&text);
    match parse_list_strict(&text) {
        Ok(strict) => {
            let once = parse_list(&format_list(&strict));
            assert_eq!(parse_list(&format_list(&once)), once);
        }
        Err(e) => assert!(e.position <= text.len()),
    }
    let _ = parse_list(&format_list(&lenient));
}

/// Received parsing, dates, the whole-message trace analysis and its rendering, and the
/// transport facts filed for search.
pub fn received(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let hop = parse_received(&text);
    let _ = format!("{hop:?}");
    let _ = parse_date(&text);
    let ctx = TraceContext {
        local_hostnames: vec!["mx.example".into()],
        local_authserv_ids: vec!["mx.example".into()],
    };
    let trace = analyse(data, &ctx);
    let _ = render_text(&trace);
    // The transport facts search keeps (read at filing from the same headers).
    let facts = transport_facts(data);
    assert!(facts.hops.len() <= data.len(), "more hops than bytes");
}

/// Authentication-Results, ARC-Authentication-Results, Received-SPF and Microsoft's
/// anti-spam headers (the same bytes as every one of them).
pub fn auth_results(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let _ = parse_authentication_results(&text);
    let _ = parse_arc_authentication_results(&text);
    let _ = parse_received_spf(&text);
    let decoded = antispam::decode(|_| Some(text.as_ref()));
    let _ = antispam::summary(&decoded);
    assert_eq!(
        decoded.forefront.len(),
        antispam::parse_pairs(&text).len(),
        "every pair is kept"
    );
}

/// The mbox reader over any file: every message comes out in canonical CRLF, the result
/// does not depend on the reader's buffer size, and writing what was read then reading it
/// again gives the same messages (senders as the writer cleans them).
pub fn mbox(data: &[u8]) {
    let messages = read_mbox(data);
    let capacity = 1 + usize::from(header(data).0 % 16);
    let small: Vec<MboxMessage> = MboxReader::new(BufReader::with_capacity(capacity, data))
        .collect::<Result<_, _>>()
        .expect("reading from memory cannot fail");
    assert_eq!(small, messages, "the buffer size changed what was read");
    for message in &messages {
        assert!(is_canonical_crlf(&message.raw), "{:?}", message.raw);
    }
    let mut file = Vec::new();
    let items = messages
        .iter()
        .map(|m| (m.envelope_sender.as_deref().unwrap_or(""), 0, &m.raw[..]));
    write_mbox(&mut file, items).expect("writing to memory cannot fail");
    let back = read_mbox(&file);
    assert_eq!(back.len(), messages.len(), "{file:?}");
    for (original, again) in messages.iter().zip(&back) {
        assert_eq!(again.raw, original.raw, "{file:?}");
        let cleaned: String = original
            .envelope_sender
            .as_deref()
            .unwrap_or("")
            .chars()
            .filter(|c| !c.is_whitespace() && !c.is_control())
            .collect();
        let expected = if cleaned.is_empty() {
            "MAILER-DAEMON"
        } else {
            &cleaned
        };
        assert_eq!(again.envelope_sender.as_deref(), Some(expected));
    }
}

fn read_mbox(data: &[u8]) -> Vec<MboxMessage> {
    MboxReader::new(data)
        .collect::<Result<_, _>>()
        .expect("reading from memory cannot fail")
}
