//! The personal mail node end to end, as a user runs it: `postie serve`, mail in by SMTP,
//! fetched by a real POP3 client, mail out through the queue to a receiver found by MX,
//! then stop and start again and see the same state.

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
use std::process::Command;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread")]
async fn serve_receive_fetch_send_restart_keeps_the_same_state() {
    if peers::require("python3").is_none() {
        return;
    }
    let (_rh, receiver) = receivers::postie_receiver("127.0.0.2:0", "").await;
    let dns = TestDns::start(
        Zone::default()
            .mx("postie.test", 10, "mx1.postie.test")
            .addr("mx1.postie.test", "127.0.0.2"),
    );
    let home = tempfile::tempdir().unwrap();
    let config = format!(
        "[[accounts]]\nname = \"me\"\naddresses = [\"me@home.test\"]\n\
         [smtp]\nlisten = [\"127.0.0.1:0\"]\nhostname = \"mx.home.test\"\n\
         [pop3]\nlisten = [\"127.0.0.1:0\"]\n\
         [outbound]\ndirect_port = {}\npoll_secs = 1\n\
         [dns]\nreverse_lookups = false\nnameservers = [\"{}\"]\n",
        receiver.smtp_addrs[0].port(),
        dns.addr
    );
    std::fs::write(home.path().join("config.toml"), config).unwrap();
    node::postie_ok_with_stdin(home.path(), &["passwd", "me", "--stdin"], b"e2e-secret\n");
    let serve = tokio::task::block_in_place(|| node::ServeProcess::start(home.path()));

    // In by SMTP.
    let smtp = serve.smtp;
    tokio::task::spawn_blocking(move || {
        node::SmtpClient::connect(smtp)
            .unwrap()
            .send(
                "friend@far.test",
                "me@home.test",
                &node::test_message("in@far.test", 500),
            )
            .unwrap();
    })
    .await
    .unwrap();

    // Fetched by Python's poplib, byte for byte.
    let stored = node::postie(home.path(), &["show", "--raw", "1"]);
    let out = tempfile::tempdir().unwrap();
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/pop3/poplib_fetch.py"
    );
    let pop3 = serve.addr("pop3").unwrap();
    let fetched = Command::new("python3")
        .args([
            script,
            "127.0.0.1",
            &pop3.port().to_string(),
            "me",
            "e2e-secret",
        ])
        .arg(out.path())
        .output()
        .unwrap();
    assert!(
        fetched.status.success(),
        "{}",
        String::from_utf8_lossy(&fetched.stderr)
    );
    assert_eq!(
        std::fs::read(out.path().join("1.eml")).unwrap(),
        stored.as_bytes()
    );

    // Out through the queue to the receiver the MX names.
    let mut events = receiver.store.subscribe();
    node::postie_ok_with_stdin(
        home.path(),
        &["sendmail", "-oi", "alice@postie.test"],
        b"From: me@home.test\nSubject: outbound e2e\nMessage-ID: <out@home.test>\n\nhi\n",
    );
    tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            if let Ok(StoreEvent::MessageAdded { subject, .. }) = events.recv().await
                && subject == "outbound e2e"
            {
                return;
            }
        }
    })
    .await
    .expect("the receiver never got the outbound message");

    // Stop, look, start, look again: the same state.
    let snapshot = |home: &std::path::Path| {
        let inbox = node::postie(home, &["list", "--json"]);
        let sent = node::postie(home, &["list", "--mailbox", "Sent", "--json"]);
        let queue: serde_json::Value =
            serde_json::from_str(&node::postie(home, &["queue", "--json"])).unwrap();
        (inbox, sent, queue)
    };
    tokio::task::block_in_place(|| serve.stop());
    let before = snapshot(home.path());
    assert!(
        before.1.contains("outbound e2e"),
        "copy in Sent: {}",
        before.1
    );
    assert!(
        before.2.to_string().contains("\"delivered\""),
        "{}",
        before.2
    );
    let again = tokio::task::block_in_place(|| node::ServeProcess::start(home.path()));
    let during = snapshot(home.path());
    tokio::task::block_in_place(|| again.stop());
    assert_eq!(before, during, "state changed across a restart");
    receiver.shutdown().await;
}
