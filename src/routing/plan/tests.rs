//! Plans: trace lines per local copy, forwarded and list queue entries, dedupe, refusals.

#![allow(clippy::unwrap_used)]

use super::*;
use crate::config::{AccountConfig, Directory, ForwardConfig, ListConfig};
use crate::routing::RoutedAccount;
use std::collections::HashMap;
use std::sync::Arc;

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

fn router() -> Router {
    let accounts = HashMap::from([
        ("alice".to_string(), RoutedAccount { id: 1, inbox: 1 }),
        ("bob".to_string(), RoutedAccount { id: 2, inbox: 2 }),
    ]);
    Router::new(Arc::new(directory()), accounts, None, "mx.example.org")
}

/// Plan `rcpts` from `from` as SMTP would: classified by the router first.
fn plan(from: &str, rcpts: &[&str]) -> Plan {
    let r = router();
    let classified: Vec<(String, RecipientClass)> = rcpts
        .iter()
        .map(|a| (a.to_string(), r.classify(a)))
        .collect();
    r.plan(from, classified.iter().map(|(a, c)| (a.as_str(), c)))
        .unwrap()
}

fn text(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).unwrap()
}

#[test]
fn local_copy_gets_return_path_then_delivered_to() {
    let plan = plan("s@remote.example", &["bob@example.org"]);
    assert_eq!(plan.local.len(), 1);
    assert_eq!(
        text(&plan.local[0].prepend),
        "Return-Path: <s@remote.example>\r\nDelivered-To: bob@example.org\r\n"
    );
    assert!(plan.relay.is_empty());
}

#[test]
fn null_sender_is_written_as_empty_angle_brackets() {
    let plan = plan("", &["bob@example.org"]);
    assert!(text(&plan.local[0].prepend).starts_with("Return-Path: <>\r\n"));
}

#[test]
fn forward_with_keep_copy_queues_the_target_and_keeps_a_local_copy() {
    let plan = plan("s@remote.example", &["alice@example.org"]);
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
        "s@remote.example",
        &["staff@example.org", "bob@example.org", "alice@example.org"],
    );
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

#[test]
fn unknown_local_user_is_refused_with_5_1_1_and_nothing_else_happens() {
    let plan = plan("s@remote.example", &["nobody@example.org"]);
    assert!(plan.local.is_empty() && plan.relay.is_empty());
    assert_eq!(plan.refused.len(), 1);
    assert_eq!(plan.refused[0].rcpt, "nobody@example.org");
    assert_eq!(plan.refused[0].status, "5.1.1");
}

#[test]
fn local_and_remote_recipients_give_a_copy_and_a_queue_entry() {
    let plan = plan("bob@example.org", &["alice@new.example", "bob@example.org"]);
    assert_eq!(plan.local.len(), 1);
    assert_eq!(plan.local[0].mailbox, 2);
    assert_eq!(
        plan.relay,
        vec![RelayCopy::plain(vec!["alice@new.example".into()])]
    );
}

#[test]
fn routing_refuses_a_local_recipient_the_content_says_was_delivered_here() {
    let r = router();
    let content = b"Delivered-To: bob@example.org\r\nSubject: x\r\n\r\nhi\r\n";
    let rcpts = vec![
        "bob@example.org".to_string(),
        "x@remote.example".to_string(),
    ];
    let plan = r.route("s@remote.example", &rcpts, content).unwrap();
    assert!(plan.local.is_empty());
    assert_eq!(plan.refused.len(), 1);
    assert_eq!(plan.refused[0].status, "5.4.6");
    assert_eq!(
        plan.relay,
        vec![RelayCopy::plain(vec!["x@remote.example".into()])]
    );
}
