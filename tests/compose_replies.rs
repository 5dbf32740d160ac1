//! Replies keep addresses structured: To/Cc are built from parsed mailboxes and written as
//! RFC 5322 text that parses back to the same mailboxes, over hand-made "Last, First"
//! senders and every corpus message whose names carry a comma, quotes, an encoded word or
//! a comment; the composer's strict parse says which field is wrong and where.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

#[path = "support/corpus.rs"]
mod corpus;
#[path = "support/peers.rs"]
mod peers;

use postie::mail::address::{Mailbox, mailboxes, parse_list_strict};
use postie::mail::fields::Fields;
use postie::mail::mime::with_parsed;
use postie::mail::summarize;
use postie::tui::app::Field;
use postie::tui::compose::{self, ComposeError, Draft};
use postie::tui::message::ReaderDoc;

const OWN: &str = "alice@localhost";

fn doc(raw: &str) -> ReaderDoc {
    ReaderDoc::parse(1, None, raw.as_bytes(), 78)
}

fn strict(text: &str) -> Vec<Mailbox> {
    mailboxes(&parse_list_strict(text).unwrap_or_else(|e| panic!("{text:?}: {e}")))
}

fn addrs(list: &[Mailbox]) -> Vec<String> {
    list.iter().map(|m| m.addr.to_ascii_lowercase()).collect()
}

/// Build the reply as the composer would send it; the envelope and the header fields
/// written must name the same addr-specs as the draft.
fn sent(draft: &Draft) -> (Vec<String>, postie::mail::Summary) {
    let draft = Draft {
        from: OWN.into(),
        ..draft.clone()
    };
    let (raw, envelope) = compose::build_message(&draft, Vec::new(), "<r@localhost>", false)
        .unwrap_or_else(|e| panic!("{draft:?}: {e}"));
    (envelope, summarize(&raw))
}

#[test]
fn reply_to_an_encoded_last_first_name_quotes_it_and_sends() {
    let d = doc(
        "From: =?utf-8?Q?M=C3=BCller=2C_J=C3=BCrgen?= <jm@x.test>\r\nTo: alice@localhost\r\n\
         Subject: Angebot\r\nMessage-ID: <a1@x.test>\r\n\r\nHallo\r\n",
    );
    let draft = compose::reply(&d, false, OWN, &[OWN.into()], None);
    assert_eq!(draft.to, r#""Müller, Jürgen" <jm@x.test>"#);
    let (envelope, summary) = sent(&draft);
    assert_eq!(envelope, ["jm@x.test"]);
    assert_eq!(
        mailboxes(&summary.to),
        [Mailbox::new(Some("Müller, Jürgen"), "jm@x.test")],
        "the header lettre wrote decodes to the same mailbox"
    );
}

#[test]
fn reply_all_gives_a_cc_that_parses_without_own_or_repeated_addresses() {
    let d = doc(concat!(
        "From: Pepper Potts <pepper@example.com>\r\n",
        "To: tony.stark@example.com <tony.stark@example.com>, alice@localhost,\r\n",
        " John \"Johnny\" Doe <john@example.com>\r\n",
        "Cc: Pepper Potts <PEPPER@example.com>, \"Banner, Bruce\" <bruce@example.com>,\r\n",
        " John Doe <john@example.com>, undisclosed-recipients:;\r\n",
        "Subject: Suits\r\n\r\nbody\r\n",
    ));
    let draft = compose::reply(&d, true, OWN, &[OWN.into()], None);
    assert_eq!(
        strict(&draft.to),
        [Mailbox::new(Some("Pepper Potts"), "pepper@example.com")]
    );
    assert_eq!(
        strict(&draft.cc),
        [
            Mailbox::new(Some("tony.stark@example.com"), "tony.stark@example.com"),
            Mailbox::new(Some("John Johnny Doe"), "john@example.com"),
            Mailbox::new(Some("Banner, Bruce"), "bruce@example.com"),
        ]
    );
    let (envelope, _) = sent(&draft);
    assert_eq!(
        envelope,
        [
            "pepper@example.com",
            "tony.stark@example.com",
            "john@example.com",
            "bruce@example.com"
        ]
    );
}

#[test]
fn a_reply_to_your_own_message_goes_to_its_recipients() {
    let d = doc("From: Alice <alice@localhost>\r\nTo: Bob <bob@x.test>\r\n\r\nhi\r\n");
    let draft = compose::reply(&d, false, OWN, &[OWN.into()], None);
    assert_eq!(draft.to, "Bob <bob@x.test>");
}

#[test]
fn bad_recipients_name_the_field_and_the_place() {
    let base = Draft {
        from: OWN.into(),
        to: "bob@x.test".into(),
        body: "text".into(),
        ..Draft::default()
    };
    let cases = [
        (
            Draft {
                to: "Doe, John <john@example.test>".into(),
                ..base.clone()
            },
            Field::To,
            0,
            "To: `Doe` is not an address: expected local@domain at column 1",
        ),
        (
            Draft {
                cc: "ok@x.test, bob at remote".into(),
                ..base.clone()
            },
            Field::Cc,
            11,
            "Cc: `bob at remote` is not an address: expected local@domain at column 12",
        ),
        (
            Draft {
                bcc: "a@x.test b@x.test".into(),
                ..base.clone()
            },
            Field::Bcc,
            9,
            "Bcc: `a@x.test b@x.test` is not an address: expected `,` between addresses at column 10",
        ),
        (
            Draft {
                from: "a@x.test, b@x.test".into(),
                ..base.clone()
            },
            Field::From,
            0,
            "From: expected one sender address, found 2",
        ),
    ];
    for (draft, want_field, want_position, message) in cases {
        let error = compose::build_message(&draft, Vec::new(), "<x@y>", false).unwrap_err();
        assert_eq!(error.to_string(), message);
        match error {
            ComposeError::BadAddress {
                field, position, ..
            } => {
                assert_eq!((field, position), (want_field, want_position), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }
}

/// Whether a message's address fields hold a name with a comma, quotes, an encoded word or
/// a comment (the cases a flattening reply got wrong).
fn has_hard_names(raw: &[u8]) -> bool {
    with_parsed(raw, |parsed| {
        let fields = Fields::new(parsed);
        ["From", "Reply-To", "To", "Cc"].iter().any(|name| {
            fields.raw(name).is_some_and(|value| {
                let text = String::from_utf8_lossy(value);
                let comma_name = mailboxes(&fields.addresses(name))
                    .iter()
                    .any(|m| m.name.as_deref().is_some_and(|n| n.contains(',')));
                text.contains('"') || text.contains("=?") || text.contains('(') || comma_name
            })
        })
    })
    .unwrap_or(false)
}

#[test]
fn corpus_replies_parse_back_to_the_same_addr_specs() {
    let Some(messages) = corpus::corpus_messages() else {
        return;
    };
    let (mut checked, mut built) = (0, 0);
    for (name, raw) in &messages {
        if !has_hard_names(raw) {
            continue;
        }
        let d = ReaderDoc::parse(1, None, raw, 78);
        let own = [OWN.to_string()];
        let reply = compose::reply(&d, false, OWN, &own, None);
        let all = compose::reply(&d, true, OWN, &own, None);
        let authors = d.reply_mailboxes();
        // The reply names exactly the authors, with their names, as parsed.
        let mut want = Vec::new();
        for m in &authors {
            if !want.iter().any(|w: &Mailbox| w.same_addr(&m.addr)) {
                want.push(m.clone());
            }
        }
        assert_eq!(strict(&reply.to), want, "{name}: reply To {:?}", reply.to);
        // Reply-all: the same To, then every other recipient once.
        let everyone: Vec<Mailbox> = authors
            .iter()
            .cloned()
            .chain(mailboxes(&d.to))
            .chain(mailboxes(&d.cc))
            .filter(Mailbox::has_addr_spec)
            .collect();
        let mut want_all: Vec<String> = Vec::new();
        for a in addrs(&everyone) {
            if !want_all.contains(&a) {
                want_all.push(a);
            }
        }
        let mut got: Vec<String> = addrs(&strict(&all.to));
        got.extend(addrs(&strict(&all.cc)));
        assert_eq!(
            got, want_all,
            "{name}: reply-all To {:?} Cc {:?}",
            all.to, all.cc
        );
        checked += 1;
        // What lettre can send, it sends to exactly those addresses.
        let result = compose::build_message(
            &Draft {
                from: OWN.into(),
                ..all.clone()
            },
            Vec::new(),
            "<r@localhost>",
            false,
        );
        if let Err(e) = &result {
            eprintln!("{name}: not built: {e}");
        }
        if let Ok((raw, envelope)) = result {
            let envelope: Vec<String> = envelope.iter().map(|a| a.to_ascii_lowercase()).collect();
            assert_eq!(envelope, want_all, "{name}");
            let back = summarize(&raw);
            let mut header: Vec<String> = addrs(&mailboxes(&back.to));
            header.extend(addrs(&mailboxes(&back.cc)));
            assert_eq!(header, want_all, "{name}: written header");
            built += 1;
        }
    }
    eprintln!("{checked} corpus messages with hard names replied to, {built} built");
    assert!(
        checked >= 50,
        "only {checked} corpus messages with hard names"
    );
    assert!(
        built * 10 >= checked * 9,
        "lettre refused too many: {built}/{checked}"
    );
}

#[test]
fn a_reply_and_a_forward_leave_a_line_to_type_on_and_a_blank_line_before_the_quote() {
    let d = doc(
        "From: Bob <bob@x.test>\r\nTo: alice@localhost\r\nSubject: Lunch\r\n\
         Date: Sat, 21 Nov 2026 09:30:00 +0000\r\nMessage-ID: <l1@x.test>\r\n\r\nFriday?\r\n",
    );
    let reply = compose::reply(&d, false, OWN, &[OWN.into()], None);
    let lines: Vec<&str> = reply.body.lines().collect();
    assert_eq!(lines[..2], ["", ""], "{:?}", reply.body);
    assert!(lines[2].starts_with("On ") && lines[2].ends_with(" wrote:"));
    assert_eq!(lines[3], "> Friday?");
    // What the user types on the first line stays apart from the attribution.
    let typed = format!("Yes!{}", reply.body);
    assert!(typed.starts_with("Yes!\n\nOn "));

    let forward = compose::forward(&d, false, OWN, None);
    assert!(
        forward
            .body
            .starts_with("\n\n---------- Forwarded message ----------\n"),
        "{:?}",
        forward.body
    );
}
