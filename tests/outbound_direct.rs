//! Direct delivery end to end: a loopback DNS server (MX, null MX, no MX, dead first MX,
//! IPv6-only, NXDOMAIN, SERVFAIL) and real receivers on 127.0.0.x (postie's own node,
//! Python aiosmtpd). Time is a manual clock: retries and expiry without sleeping.

#![allow(clippy::unwrap_used, clippy::print_stderr)]

#[path = "support/dns.rs"]
mod dns;
#[path = "support/peers.rs"]
mod peers;
#[path = "support/receivers.rs"]
mod receivers;

use dns::{TestDns, Zone};
use postie::outbound::Clock;
use postie::store::RecipientState;
use receivers::*;

fn zone() -> Zone {
    Zone::default()
        .mx("postie.test", 10, "mx1.postie.test")
        .addr("mx1.postie.test", "127.0.0.2")
        .mx("fallback.test", 10, "dead.fallback.test")
        .mx("fallback.test", 20, "mx1.postie.test")
        .addr("dead.fallback.test", "127.0.0.4")
        .null_mx("nullmx.test")
        .addr("implicit.test", "127.0.0.2")
        .mx("six.test", 10, "mx6.six.test")
        .addr("mx6.six.test", "::1")
        .mx("py.test", 10, "mx.py.test")
        .addr("mx.py.test", "127.0.0.3")
        .servfail("servfail.test")
}

/// The queued bytes must reach the receiver unchanged after its own trace headers.
fn assert_received_tail(received: &[u8], queued: &[u8]) {
    let prefix = &received[..received.len().saturating_sub(queued.len())];
    assert!(
        String::from_utf8_lossy(prefix).contains("Received: from out.home.test"),
        "{}",
        String::from_utf8_lossy(received)
    );
    assert!(
        received.ends_with(queued),
        "receiver got:\n{}\nqueued:\n{}",
        String::from_utf8_lossy(received),
        String::from_utf8_lossy(queued)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn mx_delivery_is_byte_identical_and_logs_host_ip_tls_and_remote_id() {
    let (_rh, receiver) = postie_receiver("127.0.0.2:0", "").await;
    let port = receiver.smtp_addrs[0].port();
    let dns = TestDns::start(zone());
    let sender = Sender::new(direct(port), dns.config()).await;
    let id = sender.enqueue(&message("m1"), &["alice@postie.test"]).await;
    let report = sender.runner.run_once().await.unwrap();
    assert_eq!((report.claimed, report.delivered), (1, 1));

    let states = sender.states(id).await;
    assert_eq!(states[0].state, RecipientState::Delivered);
    let attempts = sender.store.queue_attempts(id).await.unwrap();
    assert_eq!(attempts.len(), 1);
    let log = &attempts[0].log;
    assert_eq!(log.host.as_deref(), Some("mx1.postie.test"));
    assert_eq!(log.ip.as_deref(), Some("127.0.0.2"));
    assert!(log.tls, "postie offers STARTTLS; it must have been used");
    assert_eq!(log.code, Some(250));
    assert_eq!(log.enhanced.as_deref(), Some("2.0.0"));
    assert!(
        log.remote_id.as_deref().is_some_and(|r| !r.is_empty()),
        "{log:?}"
    );

    let queued = sender.store.queued_message(id).await.unwrap().raw;
    assert!(!queued.windows(2).any(|w| w[1] == b'\n' && w[0] != b'\r'));
    let got = inbox(&receiver.store, "alice").await;
    assert_eq!(got.len(), 1);
    assert_received_tail(&got[0], &queued);
    let envelope = receiver.store.envelope(1).await.unwrap().unwrap();
    assert_eq!(envelope.mail_from, "me@home.test");
    assert_eq!(envelope.helo.as_deref(), Some("out.home.test"));
    receiver.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn dead_first_mx_falls_back_to_the_next_preference() {
    let (_rh, receiver) = postie_receiver("127.0.0.2:0", "").await;
    let port = receiver.smtp_addrs[0].port();
    let dns = TestDns::start(zone());
    let sender = Sender::new(direct(port), dns.config()).await;
    let id = sender.enqueue(&message("m2"), &["bob@fallback.test"]).await;
    sender.runner.run_once().await.unwrap();
    assert_eq!(sender.states(id).await[0].state, RecipientState::Delivered);
    let attempts = sender.store.queue_attempts(id).await.unwrap();
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0].log.ip.as_deref(), Some("127.0.0.2"));
    assert_eq!(inbox(&receiver.store, "alice").await.len(), 1);
    receiver.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn domain_without_mx_is_delivered_to_its_address_record() {
    let (_rh, receiver) = postie_receiver("127.0.0.2:0", "").await;
    let port = receiver.smtp_addrs[0].port();
    let dns = TestDns::start(zone());
    let sender = Sender::new(direct(port), dns.config()).await;
    let id = sender
        .enqueue(&message("m3"), &["carol@implicit.test"])
        .await;
    sender.runner.run_once().await.unwrap();
    assert_eq!(sender.states(id).await[0].state, RecipientState::Delivered);
    let attempts = sender.store.queue_attempts(id).await.unwrap();
    assert_eq!(attempts[0].log.host.as_deref(), Some("implicit.test"));
    receiver.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn ipv6_only_mx_is_reached_over_ipv6() {
    let (_rh4, receiver4) = postie_receiver("127.0.0.2:0", "").await;
    let port = receiver4.smtp_addrs[0].port();
    let (_rh6, receiver6) = postie_receiver(&format!("[::1]:{port}"), "").await;
    let dns = TestDns::start(zone());
    let sender = Sender::new(direct(port), dns.config()).await;
    let id = sender.enqueue(&message("m6"), &["dave@six.test"]).await;
    sender.runner.run_once().await.unwrap();
    assert_eq!(sender.states(id).await[0].state, RecipientState::Delivered);
    let attempts = sender.store.queue_attempts(id).await.unwrap();
    assert_eq!(attempts[0].log.ip.as_deref(), Some("::1"));
    assert_eq!(inbox(&receiver6.store, "alice").await.len(), 1);
    assert_eq!(inbox(&receiver4.store, "alice").await.len(), 0);
    receiver6.shutdown().await;
    receiver4.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn null_mx_bounces_at_once_with_5_1_10_and_a_dsn_to_the_local_sender() {
    let dns = TestDns::start(zone());
    let sender = Sender::new(direct(9), dns.config()).await;
    let id = sender.enqueue(&message("m4"), &["x@nullmx.test"]).await;
    let report = sender.runner.run_once().await.unwrap();
    assert_eq!(report.bounced, 1);
    assert_eq!(sender.states(id).await[0].state, RecipientState::Bounced);
    let attempts = sender.store.queue_attempts(id).await.unwrap();
    assert_eq!(attempts[0].log.enhanced.as_deref(), Some("5.1.10"));
    assert_eq!(attempts[0].log.ip, None);

    let dsns = inbox(&sender.store, "me").await;
    assert_eq!(dsns.len(), 1);
    let dsn = String::from_utf8(dsns[0].clone()).unwrap();
    for needle in [
        "From: Mail Delivery System <MAILER-DAEMON@out.home.test>",
        "Content-Type: multipart/report; report-type=delivery-status;",
        "Content-Type: message/delivery-status",
        "Reporting-MTA: dns; out.home.test",
        "Final-Recipient: rfc822; x@nullmx.test",
        "Action: failed",
        "Status: 5.1.10",
        "Content-Type: text/rfc822-headers",
        "Message-ID: <m4@home.test>",
    ] {
        assert!(dsn.contains(needle), "{needle} missing from\n{dsn}");
    }
    assert!(!dsn.contains("hello"), "the DSN returns headers only");
}

#[tokio::test(flavor = "multi_thread")]
async fn recipient_without_a_domain_bounces_with_5_1_3() {
    let dns = TestDns::start(zone());
    let sender = Sender::new(direct(9), dns.config()).await;
    let id = sender.enqueue(&message("nd"), &["nodomain"]).await;
    sender.runner.run_once().await.unwrap();
    assert_eq!(sender.states(id).await[0].state, RecipientState::Bounced);
    let attempts = sender.store.queue_attempts(id).await.unwrap();
    assert_eq!(attempts[0].log.enhanced.as_deref(), Some("5.1.3"));
}

#[tokio::test(flavor = "multi_thread")]
async fn nxdomain_bounces_with_5_1_2() {
    let dns = TestDns::start(zone());
    let sender = Sender::new(direct(9), dns.config()).await;
    let id = sender.enqueue(&message("m5"), &["x@nowhere.test"]).await;
    sender.runner.run_once().await.unwrap();
    assert_eq!(sender.states(id).await[0].state, RecipientState::Bounced);
    let attempts = sender.store.queue_attempts(id).await.unwrap();
    assert_eq!(attempts[0].log.enhanced.as_deref(), Some("5.1.2"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bounce_is_never_bounced() {
    let dns = TestDns::start(zone());
    let sender = Sender::new(direct(9), dns.config()).await;
    let id = sender
        .enqueue_from("", &message("b"), &["x@nullmx.test"])
        .await;
    sender.runner.run_once().await.unwrap();
    assert_eq!(sender.states(id).await[0].state, RecipientState::Bounced);
    assert!(inbox(&sender.store, "me").await.is_empty());
    assert_eq!(
        sender.store.queue().await.unwrap().len(),
        1,
        "no DSN queued"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn servfail_defers_on_schedule_then_expires_with_one_delay_notice_and_a_bounce() {
    let dns = TestDns::start(zone());
    let sender = Sender::new(direct(9), dns.config()).await;
    let id = sender.enqueue(&message("m7"), &["x@servfail.test"]).await;
    let start = sender.clock.now();
    sender.runner.run_once().await.unwrap();
    let e = &sender.states(id).await[0];
    assert_eq!(e.state, RecipientState::Deferred);
    assert_eq!(e.next_attempt_at, Some(start + 60));
    sender.clock.advance(59);
    assert_eq!(sender.runner.run_once().await.unwrap().claimed, 0);
    sender.clock.advance(1);
    assert_eq!(sender.runner.run_once().await.unwrap().claimed, 1);
    assert_eq!(
        sender.states(id).await[0].next_attempt_at,
        Some(start + 60 + 300)
    );
    // Past 4 hours: one delay notice, however many retries follow.
    sender.clock.advance(5 * 3600);
    sender.runner.run_once().await.unwrap();
    sender.clock.advance(3600);
    sender.runner.run_once().await.unwrap();
    let notices = inbox(&sender.store, "me").await;
    assert_eq!(notices.len(), 1);
    let text = String::from_utf8_lossy(&notices[0]).to_string();
    assert!(
        text.contains("Action: delayed") && text.contains("Status: 4.4.3"),
        "{text}"
    );
    // Past five days: bounced as expired.
    sender.clock.advance(5 * 24 * 3600);
    sender.runner.run_once().await.unwrap();
    assert_eq!(sender.states(id).await[0].state, RecipientState::Bounced);
    let dsns = inbox(&sender.store, "me").await;
    assert_eq!(dsns.len(), 2);
    let text = String::from_utf8_lossy(&dsns[1]).to_string();
    assert!(
        text.contains("Action: failed") && text.contains("Status: 4.4.7"),
        "{text}"
    );
    assert_eq!(sender.store.queue_attempts(id).await.unwrap().len(), 5);
}

#[tokio::test(flavor = "multi_thread")]
async fn unreachable_dns_retries_every_poll_without_using_up_the_schedule_or_the_log() {
    let dead = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let config = postie::config::DnsConfig {
        nameservers: vec![dead.local_addr().unwrap().to_string()],
        reverse_lookups: false,
        timeout_secs: 1,
    };
    drop(dead);
    let sender = Sender::new(direct(9), config).await;
    let id = sender.enqueue(&message("m8"), &["x@postie.test"]).await;
    let poll = i64::try_from(direct(9).poll_secs).unwrap();
    let first = sender.clock.now();
    for _ in 0..3 {
        let now = sender.clock.now();
        sender.runner.run_once().await.unwrap();
        let e = &sender.states(id).await[0];
        assert_eq!(e.state, RecipientState::Deferred);
        assert_eq!(
            e.next_attempt_at,
            Some(now + poll),
            "offline: tried again at the next poll, so it leaves as soon as the network is back"
        );
        assert_eq!(e.attempts, 1, "offline retries are not counted");
        sender.clock.advance(poll);
    }
    // One row says offline since the first try, last tried at the third.
    let attempts = sender.store.queue_attempts(id).await.unwrap();
    assert_eq!(attempts.len(), 1, "{attempts:?}");
    assert!(attempts[0].log.offline);
    assert_eq!(attempts[0].at, first + 2 * poll);
}

#[tokio::test(flavor = "multi_thread")]
async fn per_recipient_replies_deliver_bounce_and_defer_separately_via_aiosmtpd() {
    let probe = std::net::TcpListener::bind("127.0.0.3:0").unwrap();
    let port = probe.local_addr().unwrap().port();
    drop(probe);
    let Some(sink) = PySink::start("127.0.0.3", port) else {
        return;
    };
    let dns = TestDns::start(zone());
    let sender = Sender::new(direct(port), dns.config()).await;
    let id = sender
        .enqueue(
            &message("m9"),
            &["ok@py.test", "reject@py.test", "later@py.test"],
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
    let attempts = sender.store.queue_attempts(id).await.unwrap();
    assert_eq!(attempts[0].log.remote_id.as_deref(), Some("PY1"));
    assert_eq!(attempts[1].log.code, Some(550));
    assert_eq!(attempts[1].log.enhanced.as_deref(), Some("5.1.1"));
    assert_eq!(attempts[2].log.code, Some(451));
    let got = sink.messages();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].0["rcpts"], serde_json::json!(["ok@py.test"]));
    let queued = sender.store.queued_message(id).await.unwrap().raw;
    assert_eq!(
        got[0].1, queued,
        "aiosmtpd must receive the queued bytes exactly"
    );
    let dsn = inbox(&sender.store, "me").await;
    assert_eq!(dsn.len(), 1);
    let text = String::from_utf8_lossy(&dsn[0]).to_string();
    assert!(
        text.contains("Final-Recipient: rfc822; reject@py.test"),
        "{text}"
    );
    assert!(
        !text.contains("Final-Recipient: rfc822; ok@py.test"),
        "{text}"
    );
    assert!(text.contains("Diagnostic-Code: smtp; 550 5.1.1"), "{text}");
    assert!(text.contains("Remote-MTA: dns; mx.py.test"), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn hold_release_cancel_and_retry_steer_the_runner() {
    let dns = TestDns::start(zone());
    let sender = Sender::new(direct(9), dns.config()).await;
    let id = sender.enqueue(&message("h"), &["x@servfail.test"]).await;
    assert_eq!(sender.store.queue_hold(id).await.unwrap(), 1);
    assert_eq!(sender.runner.run_once().await.unwrap().claimed, 0);
    assert_eq!(sender.states(id).await[0].state, RecipientState::Held);
    assert_eq!(sender.store.queue_release(id).await.unwrap(), 1);
    assert_eq!(sender.runner.run_once().await.unwrap().claimed, 1);
    assert_eq!(
        sender.runner.run_once().await.unwrap().claimed,
        0,
        "deferred"
    );
    assert_eq!(sender.store.queue_retry(id).await.unwrap(), 1);
    assert_eq!(
        sender.runner.run_once().await.unwrap().claimed,
        1,
        "retry ignores the schedule"
    );
    assert_eq!(sender.store.queue_cancel(id).await.unwrap(), 1);
    assert_eq!(sender.states(id).await[0].state, RecipientState::Cancelled);
    sender.clock.advance(86400);
    assert_eq!(sender.runner.run_once().await.unwrap().claimed, 0);
    assert!(sender.store.queue_hold(9999).await.is_err());
}

#[tokio::test(flavor = "multi_thread")]
async fn bare_lf_dot_in_a_message_cannot_smuggle_a_second_message() {
    let (_rh, receiver) = postie_receiver("127.0.0.2:0", "").await;
    let port = receiver.smtp_addrs[0].port();
    let dns = TestDns::start(zone());
    let sender = Sender::new(direct(port), dns.config()).await;
    let raw = b"Subject: smuggle\r\nMessage-ID: <sm@home.test>\r\n\r\nhi\n.\nMAIL FROM:<evil@x.test>\r\nRCPT TO:<alice@postie.test>\r\nDATA\r\nSubject: evil\r\n\r\n.\r\n";
    let id = sender.enqueue(raw, &["alice@postie.test"]).await;
    sender.runner.run_once().await.unwrap();
    assert_eq!(sender.states(id).await[0].state, RecipientState::Delivered);
    let got = inbox(&receiver.store, "alice").await;
    assert_eq!(got.len(), 1, "exactly one message arrives");
    let queued = sender.store.queued_message(id).await.unwrap().raw;
    assert_received_tail(&got[0], &queued);
    receiver.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn messages_to_one_destination_share_a_connection() {
    let probe = std::net::TcpListener::bind("127.0.0.3:0").unwrap();
    let port = probe.local_addr().unwrap().port();
    drop(probe);
    let Some(sink) = PySink::start("127.0.0.3", port) else {
        return;
    };
    let dns = TestDns::start(zone());
    let config = postie::config::OutboundConfig {
        per_destination: 1,
        ..direct(port)
    };
    let sender = Sender::new(config, dns.config()).await;
    for i in 0..3 {
        sender
            .enqueue(&message(&format!("r{i}")), &["ok@py.test"])
            .await;
    }
    let report = sender.runner.run_once().await.unwrap();
    assert_eq!(report.delivered, 3);
    let ports: Vec<_> = sink
        .messages()
        .iter()
        .map(|m| m.0["peer_port"].clone())
        .collect();
    assert_eq!(ports.len(), 3);
    assert!(
        ports.iter().all(|p| *p == ports[0]),
        "one connection: {ports:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_remote_senders_bounce_is_queued_back_to_them_with_the_null_sender() {
    let dns = TestDns::start(zone());
    let sender = Sender::new(direct(9), dns.config()).await;
    // Relayed for a remote client: no submitting account.
    let id = sender
        .store
        .enqueue(
            "stranger@far.test",
            &message("rb"),
            vec!["x@nullmx.test".into()],
            "smtp",
            None,
        )
        .await
        .unwrap();
    sender.runner.run_once().await.unwrap();
    assert_eq!(sender.states(id).await[0].state, RecipientState::Bounced);
    assert!(inbox(&sender.store, "me").await.is_empty());
    let queue = sender.store.queue().await.unwrap();
    let dsn = queue.iter().find(|e| e.queue_id != id).unwrap();
    assert_eq!(dsn.mail_from, "");
    assert_eq!(dsn.rcpt, "stranger@far.test");
    let raw = sender.store.queued_message(dsn.queue_id).await.unwrap().raw;
    assert!(String::from_utf8_lossy(&raw).contains("Status: 5.1.10"));
}

#[tokio::test(flavor = "multi_thread")]
async fn one_report_per_message_lists_every_failed_recipient_across_destinations() {
    let dns = TestDns::start(zone());
    let sender = Sender::new(direct(9), dns.config()).await;
    let id = sender
        .enqueue(
            &message("multi"),
            &["x@nullmx.test", "y@nowhere.test", "nodomain"],
        )
        .await;
    let report = sender.runner.run_once().await.unwrap();
    assert_eq!((report.bounced, report.notices), (3, 1));
    assert!(
        sender
            .states(id)
            .await
            .iter()
            .all(|e| e.state == RecipientState::Bounced)
    );
    let dsns = inbox(&sender.store, "me").await;
    assert_eq!(
        dsns.len(),
        1,
        "one report, not one per recipient or destination"
    );
    let dsn = String::from_utf8(dsns[0].clone()).unwrap();
    // Filed like every local copy: the null reverse path and the address it reached.
    assert!(
        dsn.starts_with("Return-Path: <>\r\nDelivered-To: me@home.test\r\nReceived: by "),
        "{dsn}"
    );
    for needle in [
        "Final-Recipient: rfc822; x@nullmx.test",
        "Final-Recipient: rfc822; y@nowhere.test",
        "Final-Recipient: rfc822; nodomain",
        "Status: 5.1.10",
        "Status: 5.1.2",
        "Status: 5.1.3",
    ] {
        assert!(dsn.contains(needle), "{needle} missing from\n{dsn}");
    }
    // Every part says how it is encoded.
    let ctes = dsn.matches("Content-Transfer-Encoding: 7bit\r\n").count();
    assert_eq!(ctes, 4, "top level, text, delivery-status, headers:\n{dsn}");
    // The notice is settled: another pass writes no second report.
    assert_eq!(sender.runner.run_once().await.unwrap().notices, 0);
    assert_eq!(inbox(&sender.store, "me").await.len(), 1);
}
