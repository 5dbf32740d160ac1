//! The smarthost's name is resolved through `[dns]`, not the system resolver: a loopback
//! test DNS answers `smarthost.test`, and a postie node with a certificate for that name
//! receives the message over verified STARTTLS.

#![allow(clippy::unwrap_used, clippy::print_stderr)]

#[path = "support/dns.rs"]
mod dns;
#[path = "support/receivers.rs"]
mod receivers;

use dns::{TestDns, Zone};
use hickory_proto::rr::RecordType;
use postie::config::{Config, OutboundConfig, OutboundMode, Paths, SmarthostConfig, SmarthostTls};
use postie::node::Node;
use postie::store::RecipientState;
use receivers::{Sender, inbox, message};

/// A postie node named `hostname` (its self-signed certificate covers that name and
/// localhost) receiving for alice@postie.test on 127.0.0.1.
async fn receiver(hostname: &str) -> (tempfile::TempDir, Node) {
    let home = tempfile::tempdir().unwrap();
    let text = format!(
        r#"
[[accounts]]
name = "alice"
addresses = ["alice@postie.test"]

[smtp]
listen = ["127.0.0.1:0"]
hostname = "{hostname}"
greet_pause_ms = 0

[pop3]
listen = ["127.0.0.1:0"]

[dns]
reverse_lookups = false
nameservers = ["127.0.0.1:9"]
"#
    );
    let config: Config = postie::config::load_from_str(&text, std::path::Path::new("t")).unwrap();
    let node = Node::start(&Paths::under(home.path()), &config)
        .await
        .unwrap();
    (home, node)
}

fn smarthost(host: &str, node: &Node) -> OutboundConfig {
    OutboundConfig {
        mode: OutboundMode::Smarthost,
        timeout_secs: 10,
        smarthost: SmarthostConfig {
            host: host.into(),
            port: Some(node.smtp_addrs[0].port()),
            tls: SmarthostTls::Starttls,
            ca_file: Some(node.tls_cert.clone()),
            ..Default::default()
        },
        ..Default::default()
    }
}

fn asked(dns: &TestDns, name: &str) -> Vec<RecordType> {
    dns.queries()
        .into_iter()
        .filter(|(n, _)| n == name)
        .map(|(_, t)| t)
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn smarthost_name_is_answered_by_the_configured_dns_server() {
    let dns = TestDns::start(Zone::default().addr("smarthost.test", "127.0.0.1"));
    let (_h, node) = receiver("smarthost.test").await;
    let sender = Sender::new(smarthost("smarthost.test", &node), dns.config()).await;
    let id = sender
        .enqueue(&message("dns1"), &["alice@postie.test"])
        .await;

    let report = sender.runner.run_once().await.unwrap();

    let attempts = sender.store.queue_attempts(id).await.unwrap();
    assert_eq!(report.delivered, 1, "{attempts:?}");
    assert_eq!(sender.states(id).await[0].state, RecipientState::Delivered);
    assert_eq!(attempts[0].log.host.as_deref(), Some("smarthost.test"));
    assert_eq!(attempts[0].log.ip.as_deref(), Some("127.0.0.1"));
    assert!(attempts[0].log.tls, "STARTTLS verified for smarthost.test");
    let got = inbox(&node.store, "alice").await;
    assert_eq!(got.len(), 1);
    assert!(got[0].ends_with(&sender.store.queued_message(id).await.unwrap().raw));
    let types = asked(&dns, "smarthost.test");
    assert!(types.contains(&RecordType::A), "queries seen: {types:?}");
    assert!(types.contains(&RecordType::AAAA), "queries seen: {types:?}");
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn smarthost_name_unknown_to_the_configured_dns_defers() {
    let dns = TestDns::start(Zone::default());
    let (_h, node) = receiver("smarthost.test").await;
    let sender = Sender::new(smarthost("nowhere.test", &node), dns.config()).await;
    let id = sender
        .enqueue(&message("dns2"), &["alice@postie.test"])
        .await;

    sender.runner.run_once().await.unwrap();

    let entry = &sender.states(id).await[0];
    assert_eq!(entry.state, RecipientState::Deferred);
    let reply = entry.last_reply.clone().unwrap_or_default();
    assert!(reply.contains("cannot resolve nowhere.test"), "{reply}");
    assert!(
        !asked(&dns, "nowhere.test").is_empty(),
        "the DNS was not asked"
    );
    assert!(inbox(&node.store, "alice").await.is_empty());
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn smarthost_localhost_resolves_without_asking_the_dns_server() {
    let dns = TestDns::start(Zone::default());
    let (_h, node) = receiver("smarthost.test").await;
    let sender = Sender::new(smarthost("localhost", &node), dns.config()).await;
    let id = sender
        .enqueue(&message("dns3"), &["alice@postie.test"])
        .await;

    let report = sender.runner.run_once().await.unwrap();

    let attempts = sender.store.queue_attempts(id).await.unwrap();
    assert_eq!(report.delivered, 1, "{attempts:?}");
    assert_eq!(inbox(&node.store, "alice").await.len(), 1);
    assert!(asked(&dns, "localhost").is_empty(), "{:?}", dns.queries());
    node.shutdown().await;
}
