//! Composing and reading: reply/forward construction, the MIME built with lettre, and
//! the reader model of HTML and multipart mail.
#![allow(clippy::unwrap_used)]

use postie::tui::compose::{self, AttachmentData, Draft};
use postie::tui::message::{ReaderDoc, part_bytes};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/tui/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

#[test]
fn subjects_get_one_re_and_one_fwd() {
    assert_eq!(compose::reply_subject("Lunch"), "Re: Lunch");
    assert_eq!(compose::reply_subject("RE: Lunch"), "RE: Lunch");
    assert_eq!(
        compose::reply_subject("éé"),
        "Re: éé",
        "no panic inside a multi-byte char"
    );
    assert_eq!(compose::forward_subject("Lunch"), "Fwd: Lunch");
    assert_eq!(compose::forward_subject("Fw: Lunch"), "Fw: Lunch");
}

#[test]
fn bare_address_is_the_first_addr_spec_lowercased() {
    assert_eq!(
        compose::bare_address("Bob <Bob@Example.org>"),
        "bob@example.org"
    );
    assert_eq!(
        compose::bare_address(r#""Doe, Jane" <jane@x.org>, bob@y.org"#),
        "jane@x.org"
    );
    assert_eq!(compose::bare_address("no address here"), "");
}

#[test]
fn built_message_has_ids_date_threading_and_every_recipient_in_the_envelope() {
    let draft = Draft {
        from: "Alice <alice@localhost>".into(),
        to: "Bob <bob@example.org>".into(),
        cc: "carol@example.net".into(),
        bcc: "dave@example.com".into(),
        subject: "Re: Lunch".into(),
        body: "Yes!\n".into(),
        in_reply_to: Some("<lunch-1@example.org>".into()),
        references: vec!["<a@x>".into(), "<lunch-1@example.org>".into()],
        ..Draft::default()
    };
    let id = postie::routing::message_id("localhost", 1_795_334_400, 0xabc);
    let (raw, rcpts) = compose::build_message(&draft, Vec::new(), &id, false).unwrap();
    let text = String::from_utf8(raw).unwrap();
    assert_eq!(
        rcpts,
        vec!["bob@example.org", "carol@example.net", "dave@example.com"]
    );
    assert!(
        text.contains("Message-ID: <1795334400.0000000000000abc@localhost>\r\n"),
        "{text}"
    );
    assert!(text.contains("\r\nDate: "));
    assert!(text.contains("In-Reply-To: <lunch-1@example.org>\r\n"));
    assert!(text.contains("References: <a@x> <lunch-1@example.org>\r\n"));
    assert!(
        !text.contains("dave@example.com"),
        "Bcc is not in the sent header"
    );
    let (draft_raw, _) = compose::build_message(&draft, Vec::new(), &id, true).unwrap();
    assert!(
        String::from_utf8(draft_raw)
            .unwrap()
            .contains("dave@example.com"),
        "drafts keep Bcc"
    );
}

#[test]
fn attachments_make_a_multipart_and_bad_addresses_are_errors() {
    let draft = Draft {
        from: "alice@localhost".into(),
        to: "bob@example.org".into(),
        subject: "f".into(),
        body: "see attached".into(),
        ..Draft::default()
    };
    let a = AttachmentData {
        name: "notes.txt".into(),
        bytes: b"hello".to_vec(),
        mime_type: compose::mime_for("notes.txt").into(),
    };
    let (raw, _) = compose::build_message(&draft, vec![a], "<x@localhost>", false).unwrap();
    let doc = ReaderDoc::parse(1, None, &raw, 78);
    assert_eq!(doc.parts.len(), 2);
    assert_eq!(doc.parts[1].filename.as_deref(), Some("notes.txt"));
    assert_eq!(part_bytes(&raw, 1).unwrap().0, b"hello");
    let bad = Draft {
        to: "not an address".into(),
        ..draft.clone()
    };
    assert!(compose::build_message(&bad, Vec::new(), "<x@y>", false).is_err());
    let none = Draft {
        to: String::new(),
        ..draft
    };
    assert!(matches!(
        compose::build_message(&none, Vec::new(), "<x@y>", false),
        Err(compose::ComposeError::NoRecipients)
    ));
}

#[test]
fn html_is_rendered_to_text_with_links_and_parts_listed() {
    let doc = ReaderDoc::parse(1, None, &fixture("html-attachment.eml"), 78);
    assert!(doc.body.iter().any(|l| l.contains("Digest")));
    assert!(!doc.body.iter().any(|l| l.contains("<p>")));
    assert_eq!(doc.links, vec!["https://example.com/story"]);
    assert_eq!(
        doc.parts
            .iter()
            .map(|p| p.mime_type.as_str())
            .collect::<Vec<_>>(),
        ["text/html", "application/pdf"]
    );
    assert_eq!(
        part_bytes(&fixture("html-attachment.eml"), 1).unwrap().0,
        b"%PDF-1.4\n%\xc7\xec\x8f\xa2\n"
    );
}

#[test]
fn forward_inline_carries_the_text_and_as_attachment_the_original() {
    let doc = ReaderDoc::parse(7, None, &fixture("plain.eml"), 78);
    let inline = compose::forward(&doc, false, "alice@localhost", None);
    assert_eq!(inline.subject, "Fwd: Lunch on Friday?");
    assert!(
        inline.body.contains(
            "---------- Forwarded message ----------\nFrom: Bob Example <bob@example.org>"
        )
    );
    assert!(inline.forward_of.is_empty());
    let attached = compose::forward(&doc, true, "alice@localhost", Some("A."));
    assert_eq!(attached.forward_of, vec![7]);
    assert_eq!(attached.body, "\n-- \nA.\n");
}

#[test]
fn garbage_bytes_still_make_a_reader_doc() {
    let doc = ReaderDoc::parse(1, None, b"\xff\xfe\x00not mail at all", 78);
    assert!(doc.parts.len() <= 1);
    assert!(!doc.raw_text.is_empty());
}
