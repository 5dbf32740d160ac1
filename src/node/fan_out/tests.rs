//! Fan-out plans: trace lines per local copy, forwarded and list queue entries, dedupe.

#![allow(clippy::unwrap_used)]

use super::*;
use crate::config::{AccountConfig, ForwardConfig, ListConfig};
use crate::smtp::AcceptedRecipient;

fn directory() -> Directory {
    let account = |name: &str| AccountConfig {
        name: name.into(),
        addresses: vec![format!("{name}@example.org")],
        ..AccountConfig::default()
    };
    Directory::new(&[account("alice"), account("bob")]).with_routes(
        &[ForwardConfig {
            address: "alice@example.org".into(),
            to: vec!["alice@new.example".into()],
            keep_copy: true,
        }],
        &[ListConfig {
            address: "staff@example.org".into(),
            members: vec![
                "bob@example.org".into(),
                "carol@remote.example".into(),
                "alice@new.example".into(),
            ],
        }],
    )
}

fn inboxes() -> HashMap<String, MailboxId> {
    HashMap::from([("alice".into(), 1), ("bob".into(), 2)])
}

fn message(from: &str, rcpts: &[&str]) -> AcceptedMessage {
    let dir = directory();
    let policy = crate::node::DirectoryPolicy(std::sync::Arc::new(dir));
    use crate::smtp::Policy as _;
    AcceptedMessage {
        queue_id: "Q1".into(),
        mail_from: from.into(),
        recipients: rcpts
            .iter()
            .map(|a| AcceptedRecipient {
                address: (*a).into(),
                class: policy.classify_recipient(a),
            })
            .collect(),
        data: b"Subject: x\r\n\r\nhi\r\n".to_vec(),
        peer: "192.0.2.1:25".parse().unwrap(),
        helo: "client".into(),
        tls: None,
        auth_user: None,
        smtputf8: false,
        body: None,
        received_at: chrono::Utc::now().fixed_offset(),
        long_lines: 0,
    }
}

fn text(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).unwrap()
}

#[test]
fn local_copy_gets_return_path_then_delivered_to() {
    let plan = plan(
        &message("s@remote.example", &["bob@example.org"]),
        &directory(),
        &inboxes(),
    )
    .unwrap();
    assert_eq!(plan.local.len(), 1);
    assert_eq!(
        text(&plan.local[0].prepend),
        "Return-Path: <s@remote.example>\r\nDelivered-To: bob@example.org\r\n"
    );
    assert!(plan.relay.is_empty());
}

#[test]
fn null_sender_is_written_as_empty_angle_brackets() {
    let plan = plan(&message("", &["bob@example.org"]), &directory(), &inboxes()).unwrap();
    assert!(text(&plan.local[0].prepend).starts_with("Return-Path: <>\r\n"));
}

#[test]
fn forward_with_keep_copy_queues_the_target_and_keeps_a_local_copy() {
    let plan = plan(
        &message("s@remote.example", &["alice@example.org"]),
        &directory(),
        &inboxes(),
    )
    .unwrap();
    assert_eq!(plan.local.len(), 1);
    assert_eq!(plan.local[0].mailbox, 1);
    assert_eq!(
        plan.relay,
        vec![RelayCopy {
            prepend: b"Delivered-To: alice@example.org\r\n".to_vec(),
            recipients: vec!["alice@new.example".into()],
        }]
    );
}

#[test]
fn list_fans_out_to_local_and_remote_members_once_each() {
    let plan = plan(
        &message(
            "s@remote.example",
            &["staff@example.org", "bob@example.org", "alice@example.org"],
        ),
        &directory(),
        &inboxes(),
    )
    .unwrap();
    let bob = plan.local.iter().find(|c| c.mailbox == 2).unwrap();
    assert_eq!(
        text(&bob.prepend),
        "Return-Path: <s@remote.example>\r\nDelivered-To: bob@example.org\r\n\
         Delivered-To: staff@example.org\r\n"
    );
    assert_eq!(plan.local.len(), 2, "bob once, alice's kept copy once");
    let staff = &plan.relay[0];
    assert_eq!(staff.prepend, b"Delivered-To: staff@example.org\r\n");
    assert_eq!(
        staff.recipients,
        vec!["carol@remote.example", "alice@new.example"]
    );
    assert_eq!(plan.relay.len(), 1, "alice@new.example is not queued twice");
}
