//! The compose invariant at the effect runner: a draft is saved whatever was typed (an
//! address list that does not parse, a file that cannot be read) and comes back as typed;
//! a send that cannot go out says why and which field, and stores nothing.
#![allow(clippy::unwrap_used)]

use postie::store::Role;
use postie::tui::action::Outcome;
use postie::tui::app::Field;
use postie::tui::compose::Draft;
use postie::tui::effects::{Effect, rescue_draft};

#[path = "support/effects.rs"]
mod support;
use support::{Fixture, fixture, mailbox};

async fn save(f: &Fixture, draft: Draft) -> i64 {
    match f
        .runner
        .run(Effect::SaveDraft(Box::new(draft)))
        .await
        .unwrap()
    {
        Outcome::DraftSaved(id) => id,
        other => panic!("expected DraftSaved, got {other:?}"),
    }
}

async fn resume(f: &Fixture, id: i64) -> Draft {
    let load = Effect::LoadMessage {
        id,
        width: 80,
        as_draft: true,
    };
    match f.runner.run(load).await.unwrap() {
        Outcome::Draft(d) => *d,
        other => panic!("expected Draft, got {other:?}"),
    }
}

async fn nothing_stored(f: &Fixture) {
    assert_eq!(mailbox(f, Role::Sent).await.total, 0, "no Sent copy");
    assert!(f.store.queue().await.unwrap().is_empty(), "nothing queued");
}

#[tokio::test]
async fn a_draft_keeps_recipients_that_do_not_parse_exactly_as_typed() {
    let f = fixture().await;
    let typed = Draft {
        from: "alice@localhost".into(),
        to: "Doe, John <john@example.test>".into(),
        cc: "Müller, Jürgen <jm@x.test>, bob at remote".into(),
        bcc: "ok@example.org".into(),
        subject: "not lost".into(),
        body: "every word I typed".into(),
        ..Draft::default()
    };
    let id = save(&f, typed.clone()).await;
    let back = resume(&f, id).await;
    assert_eq!(back.to, typed.to);
    assert_eq!(back.cc, typed.cc);
    assert_eq!(back.bcc, "ok@example.org");
    assert_eq!(back.subject, typed.subject);
    assert_eq!(back.body, typed.body);
    // Saving again replaces it: one draft, whatever the number of saves.
    let again = save(
        &f,
        Draft {
            draft_id: Some(id),
            ..typed
        },
    )
    .await;
    assert_ne!(again, id);
    assert_eq!(mailbox(&f, Role::Drafts).await.total, 1);
}

#[tokio::test]
async fn a_draft_lists_an_attachment_it_could_not_read_and_keeps_the_rest() {
    let f = fixture().await;
    let here = f._dir.path().join("here.txt");
    std::fs::write(&here, "attached").unwrap();
    let gone = f._dir.path().join("gone.pdf");
    let id = save(
        &f,
        Draft {
            from: "alice@localhost".into(),
            to: "bob@example.org".into(),
            body: "see attached".into(),
            attachments: vec![here.clone(), gone.clone()],
            ..Draft::default()
        },
    )
    .await;
    let back = resume(&f, id).await;
    assert_eq!(back.attachments, vec![gone]);
    assert_eq!(back.kept_attachments.len(), 1);
    assert_eq!(back.kept_attachments[0].bytes, b"attached");
}

#[tokio::test]
async fn a_send_with_an_unreadable_attachment_fails_without_storing_anything() {
    let f = fixture().await;
    let draft = Draft {
        from: "alice@localhost".into(),
        to: "bob@example.org".into(),
        body: "see attached".into(),
        attachments: vec![f._dir.path().join("gone.pdf")],
        ..Draft::default()
    };
    let outcome = f.runner.run(Effect::Send(Box::new(draft))).await.unwrap();
    let Outcome::SendFailed { error, field, .. } = outcome else {
        panic!("expected SendFailed, got {outcome:?}")
    };
    assert!(error.contains("gone.pdf"), "{error}");
    assert_eq!(field, None);
    nothing_stored(&f).await;
}

#[tokio::test]
async fn a_send_to_an_unknown_local_user_points_at_the_address_and_stores_nothing() {
    let f = fixture().await;
    let to = "bob@example.org, ghost@localhost";
    let draft = Draft {
        from: "alice@localhost".into(),
        to: to.into(),
        body: "hi".into(),
        ..Draft::default()
    };
    let outcome = f.runner.run(Effect::Send(Box::new(draft))).await.unwrap();
    let Outcome::SendFailed {
        error,
        field,
        position,
    } = outcome
    else {
        panic!("expected SendFailed, got {outcome:?}")
    };
    assert!(error.contains("ghost@localhost"), "{error}");
    assert_eq!(field, Some(Field::To));
    assert_eq!(position, to.find("ghost").unwrap());
    nothing_stored(&f).await;
}

#[tokio::test]
async fn a_send_with_a_bad_address_names_the_field_and_position() {
    let f = fixture().await;
    let draft = Draft {
        from: "alice@localhost".into(),
        to: "bob@example.org".into(),
        cc: "Doe, John <john@example.test>".into(),
        body: "hi".into(),
        ..Draft::default()
    };
    let outcome = f.runner.run(Effect::Send(Box::new(draft))).await.unwrap();
    assert!(
        matches!(
            outcome,
            Outcome::SendFailed {
                field: Some(Field::Cc),
                position: 0,
                ..
            }
        ),
        "{outcome:?}"
    );
    nothing_stored(&f).await;
}

#[test]
fn a_draft_the_store_cannot_take_is_rescued_into_a_private_file() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let draft = Draft {
        to: "Doe, John <john@example.test>".into(),
        subject: "rescued".into(),
        body: "every word".into(),
        ..Draft::default()
    };
    let path = rescue_draft(dir.path(), &draft).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("To: Doe, John <john@example.test>\n"));
    assert!(text.ends_with("\n\nevery word\n"));
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
}
