//! Outbound under real conditions: a destination that accepts the connection and then says
//! nothing holds up only its own message; mail queued meanwhile for other destinations is
//! delivered while it stalls.

#![allow(clippy::unwrap_used)]

#[path = "support/dns.rs"]
mod dns;
#[path = "support/peers.rs"]
mod peers;
#[path = "support/receivers.rs"]
mod receivers;

use dns::{TestDns, Zone};
use postie::store::RecipientState;
use receivers::*;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread")]
async fn a_stalled_destination_does_not_hold_up_mail_for_others() {
    let (_rh, receiver) = postie_receiver("127.0.0.2:0", "").await;
    let port = receiver.smtp_addrs[0].port();
    // The stalling MX: accepts, never greets, holds the connection.
    let stall = tokio::net::TcpListener::bind(("127.0.0.5", port))
        .await
        .unwrap();
    let (accepted_tx, mut accepted) = tokio::sync::mpsc::unbounded_channel();
    let holder = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = stall.accept().await {
            held.push(socket);
            let _ = accepted_tx.send(());
        }
    });
    let dns = TestDns::start(
        Zone::default()
            .mx("postie.test", 10, "mx1.postie.test")
            .addr("mx1.postie.test", "127.0.0.2")
            .mx("stall.test", 10, "mx.stall.test")
            .addr("mx.stall.test", "127.0.0.5"),
    );
    let mut config = direct(port);
    config.timeout_secs = 60;
    let sender = Sender::new(config, dns.config()).await;
    let stalled = sender.enqueue(&message("stuck"), &["x@stall.test"]).await;
    let runner = sender.runner.clone();
    let pass = tokio::spawn(async move { runner.run_once().await });
    tokio::time::timeout(Duration::from_secs(10), accepted.recv())
        .await
        .expect("the stalling MX was reached");

    // Queued while the pass is stuck at stall.test.
    let mut events = receiver.store.subscribe();
    let mut sender_events = sender.store.subscribe();
    let mut ids = Vec::new();
    for i in 0..20 {
        ids.push(
            sender
                .enqueue(&message(&format!("other{i}")), &["alice@postie.test"])
                .await,
        );
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while inbox(&receiver.store, "alice").await.len() < 20 {
        tokio::time::timeout_at(deadline, events.recv())
            .await
            .expect("mail for postie.test waited for the stalled destination")
            .unwrap();
    }
    // The receiver commits before the sender records the 250: wait for the sender's
    // queue to say so too.
    for id in ids {
        while sender.states(id).await[0].state != RecipientState::Delivered {
            // A lagged receiver only means events were missed: the state is read again.
            let _ = tokio::time::timeout_at(deadline, sender_events.recv())
                .await
                .expect("the sender recorded every delivery");
        }
    }
    assert!(!pass.is_finished(), "stall.test is still being waited on");
    assert_eq!(
        sender.states(stalled).await[0].state,
        RecipientState::Queued,
        "leased, not yet decided"
    );
    pass.abort();
    holder.abort();
    receiver.shutdown().await;
}
