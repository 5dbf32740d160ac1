//! The effect runner on drafts and the address book: a resumed draft keeps its
//! attachments (even once the file is gone) and sends them; completion candidates come
//! from the store's address book, most used first.
#![allow(clippy::unwrap_used)]

use postie::store::{Role, SortKey};
use postie::tui::action::Outcome;
use postie::tui::compose::Draft;
use postie::tui::effects::Effect;

#[path = "support/effects.rs"]
mod support;
use support::{fixture, inbox_message, mailbox};

#[tokio::test]
async fn a_resumed_draft_keeps_its_attachment_after_the_file_is_gone_and_sends_it() {
    let f = fixture().await;
    let file = f._dir.path().join("report.pdf");
    let payload: Vec<u8> = (0..=255u8).cycle().take(3000).collect();
    std::fs::write(&file, &payload).unwrap();
    let draft = Draft {
        from: "alice@localhost".into(),
        to: "bob@example.org".into(),
        subject: "the report".into(),
        body: "see attached".into(),
        attachments: vec![file.clone()],
        ..Draft::default()
    };
    let Outcome::DraftSaved(saved) = f
        .runner
        .run(Effect::SaveDraft(Box::new(draft)))
        .await
        .unwrap()
    else {
        panic!()
    };
    std::fs::remove_file(&file).unwrap();

    let Outcome::Draft(resumed) = f
        .runner
        .run(Effect::LoadMessage {
            id: saved,
            width: 72,
            as_draft: true,
        })
        .await
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(resumed.body.trim_end(), "see attached");
    assert!(
        resumed.attachments.is_empty(),
        "no path to a file that is gone"
    );
    let kept = &resumed.kept_attachments;
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(kept[0].name, "report.pdf");
    assert_eq!(kept[0].mime_type, "application/pdf");
    assert_eq!(kept[0].bytes, payload, "the bytes survive the round trip");

    // Saved again, then sent: the attachment is still there, exactly once.
    let Outcome::DraftSaved(again) = f
        .runner
        .run(Effect::SaveDraft(resumed.clone()))
        .await
        .unwrap()
    else {
        panic!()
    };
    let mut to_send = *resumed;
    to_send.draft_id = Some(again);
    f.runner.run(Effect::Send(Box::new(to_send))).await.unwrap();
    let sent = mailbox(&f, Role::Sent).await;
    let row = &f
        .store
        .list(sent.id, SortKey::Date, true, 0, 1)
        .await
        .unwrap()[0];
    assert!(row.has_attachments);
    let raw = f.store.raw(row.id).await.unwrap().unwrap();
    let parsed = mailparse::parse_mail(&raw).unwrap();
    let attached: Vec<_> = parsed
        .subparts
        .iter()
        .filter(|p| p.get_content_disposition().params.contains_key("filename"))
        .collect();
    assert_eq!(attached.len(), 1);
    assert_eq!(attached[0].get_body_raw().unwrap(), payload);
    let drafts = mailbox(&f, Role::Drafts).await;
    assert_eq!(drafts.total, 0, "sending drops the draft");
}

#[tokio::test]
async fn completion_candidates_come_from_the_address_book_most_used_first() {
    let f = fixture().await;
    for (i, from) in [
        "Zoe <zoe@example.org>",
        "Adam <adam@example.org>",
        "Zoe <zoe@example.org>",
    ]
    .iter()
    .enumerate()
    {
        let raw = format!(
            "From: {from}\r\nTo: alice@localhost\r\nSubject: s{i}\r\n\
             Date: Tue, 1 Oct 2024 10:0{i}:00 +0000\r\n\r\nx\r\n"
        );
        inbox_message(&f, raw.as_bytes()).await;
    }
    let Outcome::Addresses(list) = f.runner.run(Effect::LoadAddresses).await.unwrap() else {
        panic!()
    };
    assert_eq!(list[0], "alice@localhost", "on every To: line");
    assert_eq!(
        list[1], "Zoe <zoe@example.org>",
        "seen twice, ahead of adam"
    );
    assert_eq!(list[2], "Adam <adam@example.org>");
}

#[tokio::test]
async fn open_hands_the_saved_part_and_links_to_the_configured_opener() {
    let f = fixture().await;
    let raw = std::fs::read(format!(
        "{}/tests/fixtures/tui/html-attachment.eml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let id = inbox_message(&f, &raw).await;
    // A stand-in opener that records its arguments, one call per line.
    let log = f._dir.path().join("opened.log");
    let script = f._dir.path().join("opener.sh");
    std::fs::write(
        &script,
        format!("#!/bin/sh\necho \"$@\" >> '{}'\n", log.display()),
    )
    .unwrap();
    std::process::Command::new("chmod")
        .arg("755")
        .arg(&script)
        .status()
        .unwrap();
    let mut runner = f.runner.clone();
    runner.opener = format!("{} --flag", script.display());

    let Outcome::Done(said) = runner.run(Effect::OpenPart { id, index: 1 }).await.unwrap() else {
        panic!()
    };
    runner
        .run(Effect::OpenUrl("https://example.org/a?b=c".into()))
        .await
        .unwrap();
    let calls = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<&str> = calls.lines().collect();
    assert_eq!(lines.len(), 2, "{calls}");
    let opened = lines[0].strip_prefix("--flag ").unwrap();
    assert!(said.contains(opened), "{said}");
    assert_eq!(
        std::fs::read(opened).unwrap(),
        b"%PDF-1.4\n%\xc7\xec\x8f\xa2\n",
        "the opener gets the decoded part"
    );
    assert!(opened.starts_with(&f.runner.data_dir.display().to_string()));
    assert_eq!(lines[1], "--flag https://example.org/a?b=c");

    // A failing opener is an error the status line shows, not a hang or a panic.
    runner.opener = "false".into();
    let err = runner
        .run(Effect::OpenUrl("https://example.org".into()))
        .await
        .unwrap_err();
    assert!(err.contains("false failed"), "{err}");
}
