//! The smarthost's name is resolved through `[dns]`, not the system resolver: a loopback
//! test DNS answers `smarthost.test`, and a postie node with a certificate for that name
//! receives the message over verified STARTTLS.

#![allow(clippy::unwrap_used, clippy::print_stderr)]

#[path = "support/dns.rs"]
mod dns;
#[path = "support/peers.rs"]
mod peers;
#[path = "support/receivers.rs"]
mod receivers;

use dns::{TestDns, Zone};
use hickory_proto::rr::RecordType;
use postie::config::{OutboundConfig, OutboundMode, SmarthostConfig, SmarthostTls};
use postie::node::Node;
use postie::store::RecipientState;
use receivers::{Sender, inbox, message, postie_receiver_named};

/// One smarthost delivery under test: the DNS, the receiving node named `smarthost.test`
/// and a sender using `host` as its smarthost, with one message queued for alice.
struct Rig {
    dns: TestDns,
    node: Node,
    _home: tempfile::TempDir,
    sender: Sender,
    queue_id: i64,
}

impl Rig {
    async fn new(zone: Zone, host: &str) -> Self {
        let dns = TestDns::start(zone);
        let (home, node) = postie_receiver_named("127.0.0.1:0", "smarthost.test", "").await;
        let outbound = OutboundConfig {
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
        };
        let sender = Sender::new(outbound, dns.config()).await;
        let queue_id = sender.enqueue(&message(host), &["alice@postie.test"]).await;
        Self {
            dns,
            node,
            _home: home,
            sender,
            queue_id,
        }
    }

    /// The types of the questions the test DNS was asked about `name`.
    fn asked(&self, name: &str) -> Vec<RecordType> {
        self.dns
            .queries()
            .into_iter()
            .filter(|(n, _)| n == name)
            .map(|(_, t)| t)
            .collect()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn smarthost_name_is_answered_by_the_configured_dns_server() {
    let zone = Zone::default().addr("smarthost.test", "127.0.0.1");
    let rig = Rig::new(zone, "smarthost.test").await;
    let (sender, id) = (&rig.sender, rig.queue_id);

    let report = sender.runner.run_once().await.unwrap();

    let attempts = sender.store.queue_attempts(id).await.unwrap();
    assert_eq!(report.delivered, 1, "{attempts:?}");
    assert_eq!(sender.states(id).await[0].state, RecipientState::Delivered);
    assert_eq!(attempts[0].log.host.as_deref(), Some("smarthost.test"));
    assert_eq!(attempts[0].log.ip.as_deref(), Some("127.0.0.1"));
    assert!(attempts[0].log.tls, "STARTTLS verified for smarthost.test");
    let got = inbox(&rig.node.store, "alice").await;
    assert_eq!(got.len(), 1);
    assert!(got[0].ends_with(&sender.store.queued_message(id).await.unwrap().raw));
    let types = rig.asked("smarthost.test");
    assert!(types.contains(&RecordType::A), "queries seen: {types:?}");
    assert!(types.contains(&RecordType::AAAA), "queries seen: {types:?}");
    rig.node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn smarthost_name_unknown_to_the_configured_dns_defers() {
    let rig = Rig::new(Zone::default(), "nowhere.test").await;
    let (sender, id) = (&rig.sender, rig.queue_id);

    sender.runner.run_once().await.unwrap();

    let entry = &sender.states(id).await[0];
    assert_eq!(entry.state, RecipientState::Deferred);
    let reply = entry.last_reply.clone().unwrap_or_default();
    assert!(reply.contains("cannot resolve nowhere.test"), "{reply}");
    assert!(
        !rig.asked("nowhere.test").is_empty(),
        "the DNS was not asked"
    );
    assert!(inbox(&rig.node.store, "alice").await.is_empty());
    rig.node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn smarthost_localhost_resolves_without_asking_the_dns_server() {
    let rig = Rig::new(Zone::default(), "localhost").await;
    let (sender, id) = (&rig.sender, rig.queue_id);

    let report = sender.runner.run_once().await.unwrap();

    let attempts = sender.store.queue_attempts(id).await.unwrap();
    assert_eq!(report.delivered, 1, "{attempts:?}");
    assert_eq!(inbox(&rig.node.store, "alice").await.len(), 1);
    assert!(rig.asked("localhost").is_empty(), "{:?}", rig.dns.queries());
    rig.node.shutdown().await;
}

/// A receiver named `smarthost.test` with an implicit-TLS listener, a sender relaying to it
/// (trusting its certificate when `trusted`), and one message queued for alice.
async fn implicit_tls(trusted: bool) -> (TestDns, tempfile::TempDir, Node, Sender, i64) {
    let dns = TestDns::start(Zone::default().addr("smarthost.test", "127.0.0.1"));
    let (home, node) = postie_receiver_named(
        "127.0.0.1:0",
        "smarthost.test",
        r#"implicit_tls_listen = ["127.0.0.1:0"]"#,
    )
    .await;
    let outbound = OutboundConfig {
        mode: OutboundMode::Smarthost,
        timeout_secs: 10,
        smarthost: SmarthostConfig {
            host: "smarthost.test".into(),
            port: Some(node.smtps_addrs[0].port()),
            tls: SmarthostTls::Tls,
            ca_file: trusted.then(|| node.tls_cert.clone()),
            ..Default::default()
        },
        ..Default::default()
    };
    let sender = Sender::new(outbound, dns.config()).await;
    let id = sender
        .enqueue(&message("implicit"), &["alice@postie.test"])
        .await;
    (dns, home, node, sender, id)
}

#[tokio::test(flavor = "multi_thread")]
async fn implicit_tls_smarthost_is_verified_and_delivers() {
    let (_dns, _home, node, sender, id) = implicit_tls(true).await;
    let report = sender.runner.run_once().await.unwrap();
    let attempts = sender.store.queue_attempts(id).await.unwrap();
    assert_eq!(report.delivered, 1, "{attempts:?}");
    assert!(attempts[0].log.tls, "TLS from the first byte");
    assert_eq!(inbox(&node.store, "alice").await.len(), 1);
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn implicit_tls_smarthost_with_an_untrusted_certificate_is_refused() {
    let (_dns, _home, node, sender, id) = implicit_tls(false).await;
    sender.runner.run_once().await.unwrap();
    assert_eq!(sender.states(id).await[0].state, RecipientState::Deferred);
    assert!(inbox(&node.store, "alice").await.is_empty());
    node.shutdown().await;
}
