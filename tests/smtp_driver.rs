//! The tokio driver over `tokio::io::duplex` (and a TCP listener for the connection limit):
//! replies written in order, 250 only after the backend resolved, STARTTLS with a real
//! rustls client, injection refused, timeouts, shutdown and early talkers.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

#[path = "smtp_support.rs"]
mod support;

use std::sync::Arc;
use std::sync::atomic::Ordering;

use postie::smtp::{SmtpConfig, run_connection};
use support::{Fixture, fixture};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader, DuplexStream};
use tokio::sync::watch;
use tokio_rustls::rustls;

/// A line-oriented client over any stream.
struct Client<S> {
    io: BufReader<S>,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Client<S> {
    /// Read one complete (possibly multiline) reply.
    async fn reply(&mut self) -> String {
        let mut all = String::new();
        loop {
            let mut line = String::new();
            if self.io.read_line(&mut line).await.unwrap() == 0 {
                return all;
            }
            all.push_str(&line);
            if line.as_bytes().get(3) != Some(&b'-') {
                return all;
            }
        }
    }

    async fn send(&mut self, text: &str) {
        self.io.get_mut().write_all(text.as_bytes()).await.unwrap();
    }

    async fn cmd(&mut self, line: &str, expect: &str) -> String {
        self.send(&format!("{line}\r\n")).await;
        let reply = self.reply().await;
        assert!(
            reply.starts_with(expect),
            "{line}: expected {expect}, got {reply:?}"
        );
        reply
    }
}

fn peer() -> std::net::SocketAddr {
    "127.0.0.1:40000".parse().unwrap()
}

/// Start a session over a duplex pipe; returns the client end and the stop switch.
fn connect(f: &Fixture) -> (Client<DuplexStream>, watch::Sender<bool>) {
    let (client, server) = tokio::io::duplex(64 * 1024);
    let (stop, stopped) = watch::channel(false);
    let ctx = Arc::clone(&f.ctx);
    tokio::spawn(run_connection(server, peer(), ctx, false, stopped));
    (
        Client {
            io: BufReader::new(client),
        },
        stop,
    )
}

#[tokio::test]
async fn message_is_acknowledged_only_after_the_backend_stored_it() {
    let mut f = fixture(SmtpConfig::default());
    let (release, gate) = tokio::sync::oneshot::channel();
    *f.ctx.backend.gate.lock().await = Some(gate);
    let (mut c, _stop) = connect(&f);
    assert_eq!(c.reply().await, "220 mx.example.org ESMTP postie\r\n");
    c.cmd("EHLO test.example", "250-mx.example.org").await;
    c.send("MAIL FROM:<a@remote.example>\r\nRCPT TO:<bob@example.org>\r\nDATA\r\n")
        .await;
    assert!(c.reply().await.starts_with("250 2.1.0"));
    assert!(c.reply().await.starts_with("250 2.1.5"));
    assert!(c.reply().await.starts_with("354"));
    c.send("Subject: durable\r\n\r\nhello\r\n.\r\n").await;
    let message = f.delivered.recv().await.unwrap();
    // The backend holds the message but has not resolved: nothing may have been written.
    let mut probe = String::new();
    tokio::select! {
        biased;
        n = c.io.read_line(&mut probe) => panic!("reply before durable: {n:?} {probe:?}"),
        () = std::future::ready(()) => {}
    }
    release.send(()).unwrap();
    assert_eq!(
        c.reply().await,
        format!("250 2.0.0 Ok: queued as {}\r\n", message.queue_id)
    );
    let text = String::from_utf8(message.data).unwrap();
    assert!(
        text.starts_with("Received: from test.example (localhost [127.0.0.1])\r\n"),
        "{text}"
    );
    assert!(text.ends_with("\r\n\r\nhello\r\n"));
    c.cmd("QUIT", "221 2.0.0").await;
}

#[tokio::test]
async fn delivery_failure_is_answered_451_4_3_0() {
    let f = fixture(SmtpConfig::default());
    f.ctx.backend.fail.store(true, Ordering::SeqCst);
    let (mut c, _stop) = connect(&f);
    c.reply().await;
    c.cmd("EHLO t", "250").await;
    c.cmd("MAIL FROM:<>", "250").await;
    c.cmd("RCPT TO:<alice@example.org>", "250").await;
    c.cmd("DATA", "354").await;
    c.cmd("x\r\n.", "451 4.3.0").await;
}

fn client_config(cert_pem: &std::path::Path) -> Arc<rustls::ClientConfig> {
    let pem = std::fs::read(cert_pem).unwrap();
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_pemfile::certs(&mut pem.as_slice()) {
        roots.add(cert.unwrap()).unwrap();
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Arc::new(
        rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth(),
    )
}

#[tokio::test]
async fn starttls_upgrades_the_stream_and_auth_follows() {
    let mut f = fixture(SmtpConfig::default());
    let (mut c, _stop) = connect(&f);
    c.reply().await;
    let ehlo = c.cmd("EHLO test.example", "250-").await;
    assert!(ehlo.contains("250-STARTTLS\r\n"));
    c.cmd("STARTTLS", "220 2.0.0").await;
    let connector = tokio_rustls::TlsConnector::from(client_config(&f.cert_pem));
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let tls = connector.connect(name, c.io.into_inner()).await.unwrap();
    let mut c = Client {
        io: BufReader::new(tls),
    };
    let ehlo = c.cmd("EHLO test.example", "250-").await;
    assert!(!ehlo.contains("STARTTLS") && ehlo.contains("AUTH PLAIN LOGIN"));
    c.cmd("AUTH PLAIN AGFsaWNlAHNlY3JldA==", "235 2.7.0").await;
    c.cmd("MAIL FROM:<alice@example.org>", "250").await;
    c.cmd("RCPT TO:<friend@elsewhere.example>", "250").await;
    c.cmd("DATA", "354").await;
    c.cmd("Subject: tls\r\n\r\nsecret body\r\n.", "250 2.0.0")
        .await;
    let m = f.delivered.recv().await.unwrap();
    let text = String::from_utf8(m.data).unwrap();
    assert!(
        text.contains("\t(using TLSv1.3 with cipher TLS13_"),
        "{text}"
    );
    assert!(text.contains("with ESMTPSA id"), "{text}");
    assert_eq!(m.tls.unwrap().version, "TLSv1.3");
}

#[tokio::test]
async fn plaintext_pipelined_after_starttls_is_refused_and_never_executed() {
    let f = fixture(SmtpConfig::default());
    let (mut c, _stop) = connect(&f);
    c.reply().await;
    c.cmd("EHLO t", "250").await;
    c.send("STARTTLS\r\nRSET\r\nMAIL FROM:<evil@x.example>\r\n")
        .await;
    assert!(c.reply().await.starts_with("554 5.5.0"));
    assert_eq!(c.reply().await, "", "connection must be closed");
}

#[tokio::test]
async fn idle_client_gets_421_after_the_command_timeout() {
    let f = fixture(SmtpConfig {
        command_timeout_secs: 1,
        ..SmtpConfig::default()
    });
    let (mut c, _stop) = connect(&f);
    c.reply().await;
    assert!(c.reply().await.starts_with("421 4.4.2"));
    assert_eq!(c.reply().await, "");
}

#[tokio::test]
async fn shutdown_tells_idle_sessions_421_and_closes() {
    let f = fixture(SmtpConfig::default());
    let (mut c, stop) = connect(&f);
    c.reply().await;
    c.cmd("EHLO t", "250").await;
    stop.send(true).unwrap();
    assert!(c.reply().await.starts_with("421 4.3.2"));
    assert_eq!(c.reply().await, "");
}

#[tokio::test]
async fn early_talker_is_refused_554_without_a_greeting() {
    for greet_pause_ms in [0, 5_000] {
        let f = fixture(SmtpConfig {
            greet_pause_ms,
            ..SmtpConfig::default()
        });
        let (client, server) = tokio::io::duplex(4096);
        let mut c = Client {
            io: BufReader::new(client),
        };
        c.send("EHLO spammer.example\r\n").await;
        let (_stop, stopped) = watch::channel(false);
        tokio::spawn(run_connection(
            server,
            peer(),
            Arc::clone(&f.ctx),
            false,
            stopped,
        ));
        let reply = c.reply().await;
        assert!(
            reply.starts_with("554 5.5.0"),
            "pause {greet_pause_ms}: {reply}"
        );
        assert_eq!(c.reply().await, "");
    }
}

#[tokio::test]
async fn failed_auth_is_answered_after_the_delay() {
    let f = fixture(SmtpConfig {
        auth_delay_ms: 200,
        ..SmtpConfig::default()
    });
    let (mut c, _stop) = connect(&f);
    c.reply().await;
    c.cmd("EHLO t", "250").await;
    let started = std::time::Instant::now();
    c.cmd("AUTH PLAIN AGFsaWNlAHdyb25n", "535 5.7.8").await;
    assert!(started.elapsed() >= std::time::Duration::from_millis(200));
}

#[tokio::test]
async fn connections_beyond_the_limit_get_421_4_3_2() {
    let mut server = support::start(SmtpConfig {
        max_connections: 1,
        ..SmtpConfig::default()
    });
    let first = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let mut first = Client {
        io: BufReader::new(first),
    };
    assert!(first.reply().await.starts_with("220"));
    let second = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let mut second = Client {
        io: BufReader::new(second),
    };
    assert!(second.reply().await.starts_with("421 4.3.2"));
    first.cmd("QUIT", "221").await;
    server.stop.send(()).unwrap();
    server.server.await.unwrap();
    assert!(server.delivered.try_recv().is_err());
}

#[tokio::test]
async fn implicit_tls_listener_speaks_tls_from_the_first_byte() {
    let server = support::start(SmtpConfig::default());
    let tcp = tokio::net::TcpStream::connect(server.tls_addr)
        .await
        .unwrap();
    let connector = tokio_rustls::TlsConnector::from(client_config(&server.cert_pem));
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let tls = connector.connect(name, tcp).await.unwrap();
    let mut c = Client {
        io: BufReader::new(tls),
    };
    assert!(c.reply().await.starts_with("220 mx.example.org"));
    let ehlo = c.cmd("EHLO t", "250-").await;
    assert!(!ehlo.contains("STARTTLS"));
    c.cmd("QUIT", "221").await;
}

#[tokio::test]
async fn graceful_shutdown_finishes_the_delivery_in_flight_then_says_421() {
    let mut server = support::start(SmtpConfig::default());
    let (release, gate) = tokio::sync::oneshot::channel();
    // The gate is installed through the running server's backend.
    *server.backend().gate.lock().await = Some(gate);
    let tcp = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let mut c = Client {
        io: BufReader::new(tcp),
    };
    c.reply().await;
    c.cmd("EHLO t", "250").await;
    c.cmd("MAIL FROM:<a@remote.example>", "250").await;
    c.cmd("RCPT TO:<bob@example.org>", "250").await;
    c.cmd("DATA", "354").await;
    c.send("Subject: in flight\r\n\r\nx\r\n.\r\n").await;
    let message = server.delivered.recv().await.unwrap();
    server.stop.send(()).unwrap();
    release.send(()).unwrap();
    assert_eq!(
        c.reply().await,
        format!("250 2.0.0 Ok: queued as {}\r\n", message.queue_id)
    );
    assert!(c.reply().await.starts_with("421 4.3.2"));
    assert_eq!(c.reply().await, "");
    server.server.await.unwrap();
}

#[tokio::test]
async fn ipv6_loopback_listener_accepts_connections() {
    let config = SmtpConfig {
        listen: vec!["[::1]:0".into()],
        ..SmtpConfig::default()
    };
    let listeners = match postie::smtp::bind_listeners(&config) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("SKIP: no IPv6 loopback ({e})");
            return;
        }
    };
    let addr = listeners[0].tcp.local_addr().unwrap();
    let mut f = fixture(SmtpConfig::default());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(postie::smtp::serve(listeners, Arc::clone(&f.ctx), async {
        let _ = stopped.await;
    }));
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut c = Client {
        io: BufReader::new(tcp),
    };
    c.reply().await;
    let ehlo = c.cmd("EHLO v6.test", "250-").await;
    assert!(ehlo.contains("AUTH PLAIN LOGIN"), "::1 is loopback: {ehlo}");
    c.cmd("MAIL FROM:<a@remote.example>", "250").await;
    c.cmd("RCPT TO:<friend@elsewhere.example>", "250").await;
    c.cmd("DATA", "354").await;
    c.cmd("x\r\n.", "250").await;
    let m = f.delivered.recv().await.unwrap();
    assert!(String::from_utf8_lossy(&m.data).contains("[IPv6:::1]"));
    stop.send(()).unwrap();
    server.await.unwrap();
}
