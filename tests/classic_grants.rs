//! POP-before-SMTP through the real driver on 127.0.0.1: with loopback untrusted, relaying
//! is refused until a grant for the client's IP exists (what a POP3 login records), and
//! refused again once the grant's window is over (time injected into the grants table).

#![allow(clippy::unwrap_used, clippy::print_stderr)]

#[path = "smtp_support.rs"]
mod support;

use std::net::IpAddr;
use std::sync::Arc;

use postie::smtp::session::SessionContext;
use postie::smtp::{RelayGrants, ServerContext, SmtpConfig, bind_listeners, serve};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot};

async fn cmd(
    reader: &mut BufReader<tokio::net::tcp::OwnedReadHalf>,
    writer: &mut tokio::net::tcp::OwnedWriteHalf,
    line: &str,
) -> String {
    writer
        .write_all(format!("{line}\r\n").as_bytes())
        .await
        .unwrap();
    read_reply(reader).await
}

async fn read_reply(reader: &mut BufReader<tokio::net::tcp::OwnedReadHalf>) -> String {
    let mut all = String::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).await.unwrap();
        all.push_str(&line);
        if line.len() < 4 || line.as_bytes()[3] != b'-' {
            return all;
        }
    }
}

#[tokio::test]
async fn relay_opens_after_a_pop3_login_grant_and_closes_when_it_expires() {
    let config = SmtpConfig {
        listen: vec!["127.0.0.1:0".into()],
        trusted_networks: Vec::new(),
        pop_before_smtp: true,
        ..SmtpConfig::default()
    };
    let grants = Arc::new(RelayGrants::new(config.pop_before_smtp_minutes));
    let listeners = bind_listeners(&config).unwrap();
    let addr = listeners[0].tcp.local_addr().unwrap();
    let session = SessionContext::new(
        config,
        "mx.example.org".into(),
        Arc::new(support::DomainPolicy),
        false,
    )
    .unwrap()
    .with_relay_grants(Arc::clone(&grants));
    let (tx, _rx) = mpsc::unbounded_channel();
    let backend = support::MemoryBackend {
        delivered: tx,
        fail: Default::default(),
        gate: Default::default(),
    };
    let ctx = Arc::new(ServerContext::new(session, backend, None));
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(serve(listeners, ctx, async {
        let _ = stopped.await;
    }));

    let (read, mut write) = TcpStream::connect(addr).await.unwrap().into_split();
    let mut read = BufReader::new(read);
    assert!(read_reply(&mut read).await.starts_with("220"));
    assert!(
        cmd(&mut read, &mut write, "EHLO c")
            .await
            .starts_with("250")
    );
    let r = cmd(&mut read, &mut write, "MAIL FROM:<alice@example.org>").await;
    assert!(r.starts_with("250"), "{r}");
    let r = cmd(&mut read, &mut write, "RCPT TO:<x@remote.example>").await;
    assert!(r.starts_with("554 5.7.1"), "{r}");

    let client: IpAddr = "127.0.0.1".parse().unwrap();
    let login_time = chrono::Utc::now().fixed_offset();
    grants.grant(client, login_time);
    let r = cmd(&mut read, &mut write, "RCPT TO:<x@remote.example>").await;
    assert!(r.starts_with("250 2.1.5"), "{r}");

    assert!(grants.is_granted(client, login_time + chrono::Duration::minutes(19)));
    assert!(!grants.is_granted(client, login_time + chrono::Duration::minutes(20)));
    // Had the only login been twenty minutes ago, the window would be closed by now.
    grants.grant(client, login_time - chrono::Duration::minutes(20));
    let r = cmd(&mut read, &mut write, "RCPT TO:<y@remote.example>").await;
    assert!(r.starts_with("554 5.7.1"), "{r}");

    let r = cmd(&mut read, &mut write, "QUIT").await;
    assert!(r.starts_with("221"), "{r}");
    let _ = stop.send(());
    server.await.unwrap();
}
