//! The SMTP node end to end: `postie serve` as a child process, real clients over loopback,
//! crashes by SIGKILL, and Postfix's smtp-source as a load peer.

#![allow(clippy::unwrap_used, clippy::print_stderr)]

#[path = "support/peers.rs"]
mod peers;
#[path = "support/node.rs"]
mod support;

use rand::{Rng, SeedableRng};
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use support::*;

#[test]
fn serve_stores_mail_and_stops_cleanly_on_sigterm() {
    let home = test_home();
    let node = ServeProcess::start(home.path());
    let mut client = SmtpClient::connect(node.smtp).unwrap();
    let reply = client
        .send(
            "bob@remote.test",
            "alice@postie.test",
            &test_message("one@t", 100),
        )
        .unwrap();
    assert!(reply.starts_with("250 2.0.0"), "{reply}");
    let rest = node.stop();
    assert!(rest.contains("stopped"), "{rest}");
    assert_eq!(stored_message_ids(home.path()), vec!["one@t"]);
    let raw = postie(home.path(), &["show", "--raw", "1"]);
    assert!(
        raw.starts_with(
            "Return-Path: <bob@remote.test>\r\nDelivered-To: alice@postie.test\r\n\
             Received: from client.postie.test (unknown [127.0.0.1])"
        ),
        "{raw}"
    );
    assert!(
        raw.contains("by mail.postie.test (postie) with ESMTP id"),
        "{raw}"
    );
}

#[test]
fn second_node_on_the_same_home_is_refused_naming_the_holder() {
    let home = test_home();
    let node = ServeProcess::start(home.path());
    let out = std::process::Command::new(postie_bin())
        .arg("serve")
        .env("POSTIE_HOME", home.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!(
            "another postie node is running for this home (pid {}",
            node.child.id()
        )),
        "{err}"
    );
    node.stop();
}

/// Clients send continuously; the node is SIGKILLed at random moments and restarted.
/// Every message a client saw 250 for must be in the store afterwards.
#[test]
fn messages_acknowledged_with_250_survive_sigkill() {
    let seed: u64 = rand::random();
    eprintln!("crash test seed {seed}");
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let home = test_home();
    let acked = Arc::new(Mutex::new(HashSet::new()));
    for round in 0..4 {
        let node = ServeProcess::start(home.path());
        let running = Arc::new(AtomicBool::new(true));
        let clients: Vec<_> = (0..4)
            .map(|c| {
                let (acked, running, addr) = (acked.clone(), running.clone(), node.smtp);
                std::thread::spawn(move || {
                    let Ok(mut client) = SmtpClient::connect(addr) else {
                        return;
                    };
                    // Bounded: at most 2000 messages per client per round.
                    for n in 0..2000 {
                        if !running.load(Ordering::Relaxed) {
                            return;
                        }
                        let id = format!("r{round}-c{c}-{n}@crash.test");
                        match client.send(
                            "bob@remote.test",
                            "alice@postie.test",
                            &test_message(&id, 2048),
                        ) {
                            Ok(_) => {
                                acked.lock().unwrap().insert(id);
                            }
                            Err(_) => return,
                        }
                    }
                })
            })
            .collect();
        std::thread::sleep(std::time::Duration::from_millis(
            rng.random_range(300..1000),
        ));
        node.kill();
        running.store(false, Ordering::Relaxed);
        for c in clients {
            c.join().unwrap();
        }
    }
    let acked = acked.lock().unwrap().clone();
    assert!(
        acked.len() > 20,
        "clients got too few 250s ({}) to test anything",
        acked.len()
    );
    // Restart once more so recovery runs, then compare.
    ServeProcess::start(home.path()).stop();
    let stored: HashSet<String> = stored_message_ids(home.path()).into_iter().collect();
    let lost: Vec<_> = acked.difference(&stored).collect();
    assert!(
        lost.is_empty(),
        "{} acknowledged messages lost, e.g. {:?}",
        lost.len(),
        lost.first()
    );
    eprintln!(
        "crash test: {} acknowledged, {} stored",
        acked.len(),
        stored.len()
    );
}

#[test]
fn smtp_source_load_of_5000_messages_stores_exactly_5000() {
    let Some(smtp_source) = peers::require("smtp-source") else {
        return;
    };
    let home = test_home();
    let node = ServeProcess::start(home.path());
    let out = std::process::Command::new(smtp_source)
        .args([
            "-s",
            "20",
            "-m",
            "5000",
            "-l",
            "4096",
            "-M",
            "client.postie.test",
        ])
        .args(["-f", "load@client.postie.test", "-t", "alice@postie.test"])
        .arg(node.smtp.to_string())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    node.stop();
    let count = postie(home.path(), &["list", "--json", "--limit", "1000000"]);
    let rows: Vec<serde_json::Value> = serde_json::from_str(&count).unwrap();
    assert_eq!(rows.len(), 5000);
}

/// SIGTERM while clients send: the node exits 0 and every message a client saw 250 for is
/// stored; sessions cut off mid-transaction got 421, not a lost 250.
#[test]
fn graceful_shutdown_under_load_keeps_every_acknowledged_message() {
    let home = test_home();
    let node = ServeProcess::start(home.path());
    let acked = Arc::new(Mutex::new(HashSet::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let (first_ack_tx, first_ack) = std::sync::mpsc::channel::<()>();
    let clients: Vec<_> = (0..6)
        .map(|c| {
            let (acked, stop, addr, tx) =
                (acked.clone(), stop.clone(), node.smtp, first_ack_tx.clone());
            std::thread::spawn(move || {
                let Ok(mut client) = SmtpClient::connect(addr) else {
                    return;
                };
                for n in 0..5000 {
                    if stop.load(Ordering::Relaxed) {
                        return;
                    }
                    let id = format!("g-c{c}-{n}@term.test");
                    match client.send(
                        "bob@remote.test",
                        "alice@postie.test",
                        &test_message(&id, 1024),
                    ) {
                        Ok(_) => {
                            acked.lock().unwrap().insert(id);
                            let _ = tx.send(());
                        }
                        Err(_) => return,
                    }
                }
            })
        })
        .collect();
    // Stop once the load is really flowing: after the 50th acknowledgement.
    for _ in 0..50 {
        first_ack.recv().unwrap();
    }
    let rest = node.stop();
    stop.store(true, Ordering::Relaxed);
    for c in clients {
        c.join().unwrap();
    }
    assert!(rest.contains("stopped"));
    let acked = acked.lock().unwrap().clone();
    let stored: HashSet<String> = stored_message_ids(home.path()).into_iter().collect();
    let lost: Vec<_> = acked.difference(&stored).collect();
    assert!(lost.is_empty(), "{} acknowledged messages lost", lost.len());
    assert!(acked.len() >= 50);
}
