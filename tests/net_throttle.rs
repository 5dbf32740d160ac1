//! The per-address failed-login throttle through the real SMTP and POP3 drivers, with
//! paused tokio time: free failures, then growing delays, then a temporary refusal
//! (`454 4.7.0`, `-ERR [SYS/TEMP]`) even for the right password; one throttle shared by
//! both protocols; other addresses untouched; the window's end lets the owner back in;
//! the delays and refusals are in the access log.
#![allow(clippy::unwrap_used)]

#[path = "support/net.rs"]
mod net_support;
#[path = "smtp_support.rs"]
mod smtp_support;

use smtp_support::peers;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use net_support::{Lines, capture};
use postie::net::{LoginThrottle, ThrottleConfig};
use postie::pop3::memory::MemoryBackend;
use postie::pop3::{Pop3Config, Pop3Context, serve_connection};
use postie::smtp::{SmtpConfig, run_connection};
use tokio::io::{AsyncWriteExt, DuplexStream, ReadHalf, WriteHalf};
use tokio::time::{Instant, sleep};

type Reader = Lines<ReadHalf<DuplexStream>>;
type Writer = WriteHalf<DuplexStream>;

/// Two failures free, then 1 s, 2 s, capped at 2 s; refused from the fifth failure on.
fn throttle() -> Arc<LoginThrottle> {
    Arc::new(LoginThrottle::new(ThrottleConfig {
        free_failures: 2,
        window_secs: 600,
        first_delay_ms: 1000,
        max_delay_ms: 2000,
        refuse_after: 5,
    }))
}

fn peer(ip: &str, port: u16) -> SocketAddr {
    format!("{ip}:{port}").parse().unwrap()
}

/// One SMTP session from `from` (greeted and EHLO done) over a duplex pipe.
async fn smtp(f: &smtp_support::Fixture, from: SocketAddr) -> (Reader, Writer) {
    let (client, server) = tokio::io::duplex(64 * 1024);
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let ctx = Arc::clone(&f.ctx);
    tokio::spawn(async move {
        let _ = run_connection(server, from, ctx, false, stopped).await;
        drop(stop);
    });
    let (read, mut write) = tokio::io::split(client);
    let mut reader = Lines::new(read);
    assert!(reader.reply().await.starts_with("220"));
    write.write_all(b"EHLO client.example\r\n").await.unwrap();
    assert!(reader.reply().await.contains("AUTH"), "AUTH is offered");
    (reader, write)
}

/// AUTH PLAIN as alice with `password`; the reply and how long it took.
async fn auth(reader: &mut Reader, writer: &mut Writer, password: &str) -> (String, Duration) {
    let token = base64::engine::general_purpose::STANDARD.encode(format!("\0alice\0{password}"));
    let started = Instant::now();
    writer
        .write_all(format!("AUTH PLAIN {token}\r\n").as_bytes())
        .await
        .unwrap();
    (reader.reply().await, started.elapsed())
}

fn about(elapsed: Duration, secs: u64) -> bool {
    let want = Duration::from_secs(secs);
    elapsed >= want && elapsed < want + Duration::from_millis(100)
}

/// One POP3 session from `from` on a maildrop for alice ("secret"), greeted.
async fn pop3(ctx: &Arc<Pop3Context<MemoryBackend>>, from: SocketAddr) -> (Reader, Writer) {
    let ctx = Arc::clone(ctx);
    let (client, server) = tokio::io::duplex(64 * 1024);
    tokio::spawn(async move { serve_connection(&ctx, server, from, None, None).await });
    let (read, write) = tokio::io::split(client);
    let mut reader = Lines::new(read);
    assert!(reader.line().await.starts_with("+OK"));
    (reader, write)
}

async fn pop3_login(
    reader: &mut Reader,
    writer: &mut Writer,
    password: &str,
) -> (String, Duration) {
    writer.write_all(b"USER alice\r\n").await.unwrap();
    assert!(reader.line().await.starts_with("+OK"));
    let started = Instant::now();
    writer
        .write_all(format!("PASS {password}\r\n").as_bytes())
        .await
        .unwrap();
    (reader.line().await, started.elapsed())
}

#[tokio::test(start_paused = true)]
async fn smtp_and_pop3_share_one_throttle_that_delays_then_refuses_one_address_only() {
    let log = capture();
    let throttle = throttle();
    let f = smtp_support::fixture_with_throttle(
        SmtpConfig {
            auth_delay_ms: 0,
            ..SmtpConfig::default()
        },
        Arc::clone(&throttle),
    );
    let backend = MemoryBackend::new();
    backend.add_account("alice", "secret");
    let pop = Arc::new(
        Pop3Context::new(
            backend,
            Pop3Config {
                failed_login_delay_ms: 0,
                ..Pop3Config::default()
            },
            "mx.test",
        )
        .with_login_throttle(Arc::clone(&throttle)),
    );
    let attacker = peer("127.0.0.9", 41000);

    // Two free failures over SMTP, answered at once.
    let (mut r, mut w) = smtp(&f, attacker).await;
    for _ in 0..2 {
        let (reply, took) = auth(&mut r, &mut w, "guess").await;
        assert!(reply.starts_with("535 5.7.8"), "{reply}");
        assert!(about(took, 0), "{took:?}");
    }
    // The third, over POP3: the same throttle makes it wait 1 s.
    let (mut pr, mut pw) = pop3(&pop, attacker).await;
    let (reply, took) = pop3_login(&mut pr, &mut pw, "guess").await;
    assert!(reply.starts_with("-ERR"), "{reply}");
    assert!(
        !reply.contains("SYS/TEMP"),
        "a delayed check is still a check: {reply}"
    );
    assert!(about(took, 1), "{took:?}");
    // Then 2 s, and 2 s again (the cap).
    for _ in 0..2 {
        let (reply, took) = auth(&mut r, &mut w, "guess").await;
        assert!(reply.starts_with("535 5.7.8"), "{reply}");
        assert!(about(took, 2), "{took:?}");
    }
    // Five failures: refused without a check, even with the right password.
    let (reply, took) = auth(&mut r, &mut w, "secret").await;
    assert!(reply.starts_with("454 4.7.0"), "{reply}");
    assert!(about(took, 0), "{took:?}");
    let (mut pr, mut pw) = pop3(&pop, attacker).await;
    let (reply, _) = pop3_login(&mut pr, &mut pw, "secret").await;
    assert!(reply.starts_with("-ERR [SYS/TEMP]"), "{reply}");

    // Another address is not affected, on either protocol.
    let other = peer("127.0.0.10", 41001);
    let (mut r2, mut w2) = smtp(&f, other).await;
    let (reply, took) = auth(&mut r2, &mut w2, "secret").await;
    assert!(reply.starts_with("235"), "{reply}");
    assert!(about(took, 0), "{took:?}");
    let (mut pr2, mut pw2) = pop3(&pop, other).await;
    let (reply, _) = pop3_login(&mut pr2, &mut pw2, "secret").await;
    assert!(reply.starts_with("+OK"), "{reply}");

    // Once the window is over, the right password works again, at once.
    sleep(Duration::from_secs(601)).await;
    let (mut r3, mut w3) = smtp(&f, attacker).await;
    let (reply, took) = auth(&mut r3, &mut w3, "secret").await;
    assert!(reply.starts_with("235"), "{reply}");
    assert!(about(took, 0), "{took:?}");
    assert_eq!(throttle.tracked(), 0, "a correct login clears the address");

    // The access log says what the throttle did, per session.
    // (The attacker's first session has ended on its idle deadline during the wait.)
    drop(w);
    r.drain().await;
    w3.write_all(b"QUIT\r\n").await.unwrap();
    assert!(r3.reply().await.starts_with("221"));
    assert_eq!(r3.line().await, "");
    drop((pr, pw));
    let lines = log.access_lines();
    let mine: Vec<&String> = lines
        .iter()
        .filter(|l| l.contains("peer=127.0.0.9:41000") && l.contains("proto=\"smtp\""))
        .collect();
    assert!(
        mine.iter()
            .any(|l| l.contains("auth-delayed:2000ms") && l.contains("auth-refused")),
        "{mine:#?}"
    );
}
