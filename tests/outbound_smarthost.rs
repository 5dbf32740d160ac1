//! Smarthost delivery through lettre: STARTTLS verified against the receiver's certificate,
//! AUTH with a password from a command, and the failure modes (bad password, refused
//! connection, unverifiable certificate, per-recipient 4xx/5xx via aiosmtpd).

#![allow(clippy::unwrap_used, clippy::print_stderr)]

#[path = "support/peers.rs"]
mod peers;
#[path = "support/receivers.rs"]
mod receivers;

use postie::config::{DnsConfig, OutboundConfig, OutboundMode, SmarthostConfig, SmarthostTls};
use postie::store::RecipientState;
use receivers::*;

fn no_dns() -> DnsConfig {
    DnsConfig {
        nameservers: vec!["127.0.0.1:9".into()],
        reverse_lookups: false,
        timeout_secs: 1,
    }
}

fn smarthost(port: u16, tls: SmarthostTls, smarthost: SmarthostConfig) -> OutboundConfig {
    OutboundConfig {
        mode: OutboundMode::Smarthost,
        timeout_secs: 10,
        smarthost: SmarthostConfig {
            host: "127.0.0.1".into(),
            port: Some(port),
            tls,
            ..smarthost
        },
        ..Default::default()
    }
}

/// A postie node that requires AUTH to relay, with alice's password "secret".
async fn relay_node() -> (tempfile::TempDir, postie::node::Node) {
    let (home, node) = postie_receiver("127.0.0.1:0", "trusted_networks = []").await;
    let hash = postie::auth::hash_password("secret").unwrap();
    node.store.set_password_hash("alice", &hash).await.unwrap();
    (home, node)
}

#[tokio::test(flavor = "multi_thread")]
async fn starttls_and_auth_deliver_with_a_verified_certificate() {
    let (_h, node) = relay_node().await;
    let config = smarthost(
        node.smtp_addrs[0].port(),
        SmarthostTls::Starttls,
        SmarthostConfig {
            username: Some("alice".into()),
            password_command: Some("echo secret; echo ignored".into()),
            ca_file: Some(node.tls_cert.clone()),
            ..Default::default()
        },
    );
    let sender = Sender::new(config, no_dns()).await;
    let id = sender
        .enqueue_from("alice@postie.test", &message("s1"), &["alice@postie.test"])
        .await;
    let report = sender.runner.run_once().await.unwrap();
    assert_eq!(
        report.delivered,
        1,
        "{:?}",
        sender.store.queue_attempts(id).await
    );
    let attempts = sender.store.queue_attempts(id).await.unwrap();
    assert!(attempts[0].log.tls);
    assert_eq!(attempts[0].log.host.as_deref(), Some("127.0.0.1"));
    assert_eq!(attempts[0].log.ip.as_deref(), Some("127.0.0.1"));
    assert!(attempts[0].log.remote_id.is_some());
    let got = inbox(&node.store, "alice").await;
    assert_eq!(got.len(), 1);
    let queued = sender.store.queued_message(id).await.unwrap().raw;
    assert!(got[0].ends_with(&queued));
    let envelope = node.store.envelope(1).await.unwrap().unwrap();
    assert_eq!(envelope.auth_user.as_deref(), Some("alice"));
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_password_is_permanent_and_bounces() {
    let (_h, node) = relay_node().await;
    let config = smarthost(
        node.smtp_addrs[0].port(),
        SmarthostTls::Starttls,
        SmarthostConfig {
            username: Some("alice".into()),
            password: Some("wrong".into()),
            ca_file: Some(node.tls_cert.clone()),
            ..Default::default()
        },
    );
    let sender = Sender::new(config, no_dns()).await;
    let id = sender.enqueue(&message("s2"), &["alice@postie.test"]).await;
    sender.runner.run_once().await.unwrap();
    assert_eq!(sender.states(id).await[0].state, RecipientState::Bounced);
    let attempts = sender.store.queue_attempts(id).await.unwrap();
    assert_eq!(attempts[0].log.code, Some(535));
    assert_eq!(inbox(&sender.store, "me").await.len(), 1, "a DSN");
    assert!(inbox(&node.store, "alice").await.is_empty());
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn unverifiable_certificate_defers_instead_of_sending_in_clear() {
    let (_h, node) = relay_node().await;
    let config = smarthost(
        node.smtp_addrs[0].port(),
        SmarthostTls::Starttls,
        SmarthostConfig::default(),
    );
    let sender = Sender::new(config, no_dns()).await;
    let id = sender.enqueue(&message("s3"), &["alice@postie.test"]).await;
    sender.runner.run_once().await.unwrap();
    assert_eq!(sender.states(id).await[0].state, RecipientState::Deferred);
    assert!(inbox(&node.store, "alice").await.is_empty());
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn refused_connection_defers_on_the_schedule() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let config = smarthost(port, SmarthostTls::None, SmarthostConfig::default());
    let sender = Sender::new(config, no_dns()).await;
    let id = sender.enqueue(&message("s4"), &["x@far.test"]).await;
    sender.runner.run_once().await.unwrap();
    let e = &sender.states(id).await[0];
    assert_eq!(e.state, RecipientState::Deferred);
    let attempts = sender.store.queue_attempts(id).await.unwrap();
    assert_eq!(attempts[0].log.code, None);
    assert!(
        !attempts[0].log.offline,
        "a refusal is an answer, not an outage"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn smarthost_4xx_defers_and_5xx_bounces_only_that_recipient_via_aiosmtpd() {
    let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = probe.local_addr().unwrap().port();
    drop(probe);
    let Some(sink) = PySink::start("127.0.0.1", port) else {
        return;
    };
    let config = smarthost(port, SmarthostTls::None, SmarthostConfig::default());
    let sender = Sender::new(config, no_dns()).await;
    let id = sender
        .enqueue(
            &message("s5"),
            &["a@far.test", "reject@far.test", "later@far.test"],
        )
        .await;
    sender.runner.run_once().await.unwrap();
    let states: Vec<_> = sender.states(id).await.iter().map(|e| e.state).collect();
    assert_eq!(
        states,
        [
            RecipientState::Delivered,
            RecipientState::Bounced,
            RecipientState::Deferred
        ]
    );
    let got = sink.messages();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].1, sender.store.queued_message(id).await.unwrap().raw);
}
