//! Tests for summaries: headers, addresses, dates, ids, preview and caps.
#![allow(clippy::unwrap_used)]

use super::*;
use crate::mail::date::unix_seconds;

#[test]
fn missing_headers_leave_fields_empty() {
    let summary = summarize(b"\r\njust a body\r\n");
    assert_eq!(summary.date, None);
    assert_eq!(summary.from_addr, None);
    assert_eq!(summary.subject, "");
    assert_eq!(summary.body_text, "just a body");
    assert_eq!(summary.preview, "just a body");
}

#[test]
fn empty_input_gives_an_empty_summary() {
    assert_eq!(summarize(b""), Summary::default());
}

#[test]
fn subject_is_unfolded_decoded_and_cleaned() {
    let raw = b"Subject: =?utf-8?B?w6lsw6k=?=\r\n\tfolded\x07 line\r\n\r\n";
    assert_eq!(summarize(raw).subject, "\u{e9}l\u{e9} folded line");
}

#[test]
fn from_address_keeps_its_case_and_name_is_decoded() {
    let raw = b"From: =?utf-8?Q?Zo=C3=AB?= <Zoe.Smith@Example.ORG >\r\n\r\n";
    let summary = summarize(raw);
    assert_eq!(summary.from_name.as_deref(), Some("Zoë"));
    assert_eq!(summary.from_addr.as_deref(), Some("Zoe.Smith@Example.ORG"));
}

#[test]
fn encoded_comma_in_a_name_does_not_split_the_address_list() {
    let raw = b"To: =?utf-8?Q?Doe=2C_John?= <john@example.org>, b@example.org\r\n\r\n";
    let summary = summarize(raw);
    assert_eq!(
        summary.to,
        [
            Address::Mailbox(Mailbox::new(Some("Doe, John"), "john@example.org")),
            Address::Mailbox(Mailbox::new(None, "b@example.org")),
        ]
    );
    assert_eq!(
        summary.to_text, "\"Doe, John\" <john@example.org>, b@example.org",
        "the text column parses back to the same list"
    );
    assert_eq!(
        crate::mail::address::parse_list(&summary.to_text),
        summary.to
    );
}

#[test]
fn groups_keep_their_members_and_empty_groups_their_name() {
    let raw = b"To: team: a@x.test, B <b@x.test>;\r\nCc: undisclosed-recipients:;\r\n\r\n";
    let summary = summarize(raw);
    assert_eq!(summary.to_text, "team: a@x.test, B <b@x.test>;");
    assert_eq!(summary.cc_text, "undisclosed-recipients:;");
    assert_eq!(crate::mail::address::mailboxes(&summary.to).len(), 2);
}

#[test]
fn unparseable_from_falls_back_to_what_can_be_read() {
    let summary = summarize(b"From: Mr. Smith (at home) <smith@example.org\r\n\r\n");
    assert_eq!(summary.from_addr.as_deref(), Some("smith@example.org"));
    assert_eq!(summary.from_name.as_deref(), Some("Mr. Smith"));
    let summary = summarize(b"From: Just A Name\r\n\r\n");
    assert_eq!(summary.from_name.as_deref(), Some("Just A Name"));
    assert_eq!(summary.from_addr, None);
}

#[test]
fn sender_stands_in_for_a_missing_from() {
    let summary = summarize(b"Sender: list@x.test\r\n\r\n");
    assert_eq!(summary.from_addr.as_deref(), Some("list@x.test"));
}

#[test]
fn message_ids_lose_their_brackets() {
    assert_eq!(message_ids("<a@b> <c@d>\r\n <e@f>"), ["a@b", "c@d", "e@f"]);
    assert_eq!(message_ids("bare@id.test"), ["bare@id.test"]);
    assert_eq!(message_ids("<a@b> (comment) <broken"), ["a@b"]);
    assert!(message_ids("<>").is_empty());
    let raw = b"Message-ID: <x@y>\r\nIn-Reply-To: <p@q> <r@s>\r\nReferences: <m@n> <p@q>\r\n\r\n";
    let summary = summarize(raw);
    assert_eq!(summary.message_id.as_deref(), Some("x@y"));
    assert_eq!(summary.in_reply_to.as_deref(), Some("p@q"));
    assert_eq!(summary.references, ["m@n", "p@q"]);
}

#[test]
fn dates_are_read_tolerantly() {
    let cases = [
        ("Sat, 01 Nov 2003 10:00:00 +0000", Some(1_067_680_800)),
        ("1 Nov 2003 10:00:00 GMT", Some(1_067_680_800)),
        ("Sat, 1 Nov 03 10:00:00 EST", Some(1_067_698_800)),
        ("Sat, 01 Nov 2003 11:00:00 +0100 (CET)", Some(1_067_680_800)),
        // The one date parser knows CEST is +0200 (the old summary reader took it as UTC).
        ("Sat, 01 Nov 2003 12:00:00 CEST", Some(1_067_680_800)),
        ("Tue, 12 Oct 2010 16:21:05 H0500", Some(1_286_900_465)),
        ("Whenever", None),
        ("", None),
        ("5", None),
    ];
    for (value, expected) in cases {
        assert_eq!(unix_seconds(value), expected, "{value}");
    }
}

#[test]
fn preview_collapses_whitespace_and_stops_at_200_characters() {
    let body = format!("a\n\n  b\t c {}", "é".repeat(300));
    let text = preview(&body, PREVIEW_CHARS);
    assert!(text.starts_with("a b c éé"));
    assert_eq!(text.chars().count(), 200);
}

#[test]
fn body_text_is_capped_on_a_character_boundary() {
    let mut raw = b"Content-Type: text/plain; charset=utf-8\r\n\r\n".to_vec();
    raw.extend("é".repeat(200_000).as_bytes());
    let summary = summarize(&raw);
    assert!(summary.body_text.len() <= BODY_TEXT_LIMIT);
    assert!(summary.body_text.len() > BODY_TEXT_LIMIT - 4);
}

#[test]
fn has_attachments_follows_the_mime_tree() {
    let raw = b"Content-Type: multipart/mixed; boundary=m\r\n\r\n\
--m\r\nContent-Type: text/plain\r\n\r\nhi\r\n\
--m\r\nContent-Type: application/zip; name=a.zip\r\n\r\nPK\r\n--m--\r\n";
    assert!(summarize(raw).has_attachments);
    assert!(!summarize(b"Subject: x\r\n\r\nhi\r\n").has_attachments);
}

#[test]
fn list_id_keeps_the_identifier_lowercased() {
    let summary = summarize(b"List-Id: Rust Users <Users.Rust-Lang.org>\r\n\r\nx");
    assert_eq!(summary.list_id.as_deref(), Some("users.rust-lang.org"));
    assert_eq!(
        list_id("  bare.example.org "),
        Some("bare.example.org".into())
    );
    assert_eq!(list_id("  "), None);
    assert_eq!(summarize(b"Subject: x\r\n\r\nx").list_id, None);
}
