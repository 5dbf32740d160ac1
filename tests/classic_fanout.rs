//! Forwarding and list fan-out observed at a real receiver through the direct-MX rig:
//! a `postie serve` node forwards and expands, its outbound runner looks up the MX on a
//! loopback DNS server and delivers to a second postie node on 127.0.0.2.

#![allow(clippy::unwrap_used, clippy::print_stderr)]

#[path = "support/dns.rs"]
mod dns;
#[path = "support/node.rs"]
mod node;
#[path = "support/peers.rs"]
mod peers;
#[path = "support/receivers.rs"]
mod receivers;

use dns::{TestDns, Zone};
use postie::store::StoreEvent;
use std::collections::HashMap;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread")]
async fn forward_and_list_reach_the_remote_receiver_with_the_original_sender() {
    let (_rh, receiver) = receivers::postie_receiver("127.0.0.2:0", "").await;
    let dns = TestDns::start(
        Zone::default()
            .mx("postie.test", 10, "mx1.postie.test")
            .addr("mx1.postie.test", "127.0.0.2"),
    );
    let home = tempfile::tempdir().unwrap();
    let config = format!(
        r#"
[[accounts]]
name = "me"
addresses = ["me@home.test"]

[[forwards]]
address = "old@home.test"
to = ["new@postie.test"]

[[lists]]
address = "team@home.test"
members = ["me@home.test", "colleague@postie.test"]

[smtp]
listen = ["127.0.0.1:0"]
hostname = "mx.home.test"

[pop3]
listen = ["127.0.0.1:0"]

[outbound]
direct_port = {port}
poll_secs = 1

[dns]
reverse_lookups = false
nameservers = ["{dns}"]
"#,
        port = receiver.smtp_addrs[0].port(),
        dns = dns.addr
    );
    std::fs::write(home.path().join("config.toml"), config).unwrap();
    let sender = tokio::task::block_in_place(|| node::ServeProcess::start(home.path()));
    let mut events = receiver.store.subscribe();
    let addr = sender.smtp;
    tokio::task::spawn_blocking(move || {
        let mut c = node::SmtpClient::connect(addr).unwrap();
        c.command("MAIL FROM:<stranger@far.test>", "250").unwrap();
        let reply = c.command("RCPT TO:<old@home.test>", "251").unwrap();
        assert!(
            reply.contains("will forward to <new@postie.test>"),
            "{reply}"
        );
        c.command("DATA", "354").unwrap();
        c.command(
            "Subject: forwarded\r\nMessage-ID: <fw@far.test>\r\n\r\nhello\r\n.",
            "250",
        )
        .unwrap();
        c.send(
            "stranger@far.test",
            "team@home.test",
            b"Subject: to the team\r\nMessage-ID: <list@far.test>\r\n\r\nhi all\r\n",
        )
        .unwrap();
    })
    .await
    .unwrap();

    let mut arrived: HashMap<String, i64> = HashMap::new();
    tokio::time::timeout(Duration::from_secs(60), async {
        while arrived.len() < 2 {
            if let Ok(StoreEvent::MessageAdded { id, .. }) = events.recv().await {
                let summary = receiver.store.summary(id).await.unwrap().unwrap();
                arrived.insert(summary.message_id.unwrap(), id);
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("only {:?} arrived at the receiver", arrived.keys()));

    for (message_id, via) in [
        ("fw@far.test", "old@home.test"),
        ("list@far.test", "team@home.test"),
    ] {
        let id = arrived[message_id];
        let envelope = receiver.store.envelope(id).await.unwrap().unwrap();
        assert_eq!(
            envelope.mail_from, "stranger@far.test",
            "original sender kept (no SRS)"
        );
        let raw = String::from_utf8(receiver.store.raw(id).await.unwrap().unwrap()).unwrap();
        assert!(raw.contains(&format!("Delivered-To: {via}")), "{raw}");
        assert!(raw.contains("by mx.postie.test (postie)"), "{raw}");
    }
    let list_envelope = receiver
        .store
        .envelope(arrived["list@far.test"])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(list_envelope.rcpt_to, vec!["colleague@postie.test"]);

    tokio::task::block_in_place(|| sender.stop());
    let local = node::postie(home.path(), &["list", "--json"]);
    assert!(
        local.contains("list@far.test"),
        "the local list member got a copy: {local}"
    );
    assert!(
        !local.contains("fw@far.test"),
        "a forward without keep_copy leaves no copy"
    );
    receiver.shutdown().await;
}
