//! POP3 security over real sockets: STLS, the implicit-TLS listener and the policy for
//! credentials without TLS (RFC 2595, RFC 2449 response codes).
#![allow(clippy::unwrap_used)]

mod pop3_common;

use std::net::SocketAddr;
use std::sync::Arc;

use pop3_common::{
    Client, backend_with_fixtures, fixtures, start, start_implicit, start_tls, test_config,
    test_tls,
};
use postie::pop3::{PlaintextAuthPolicy, Pop3Config, Pop3Context, serve_connection};

fn tls_only() -> Pop3Config {
    Pop3Config {
        allow_plaintext_auth_from: PlaintextAuthPolicy::Nowhere,
        ..test_config()
    }
}

#[tokio::test]
async fn credentials_without_tls_are_refused_and_stls_then_permits_them() {
    let tls = test_tls();
    let server = start(
        tls_only(),
        backend_with_fixtures(),
        Some(tls.acceptor.clone()),
    )
    .await;
    let mut client = server.connect().await;
    client.line().await;
    client
        .cmd(
            "USER alice",
            "-ERR [AUTH] plaintext authentication disallowed without TLS",
        )
        .await;
    client
        .cmd("AUTH PLAIN AGFsaWNlAHNlY3JldA==", "-ERR [AUTH]")
        .await;
    let caps = String::from_utf8(client.multi("CAPA").await).unwrap();
    assert!(
        caps.contains("STLS\r\n") && !caps.contains("USER\r\n"),
        "{caps}"
    );
    client.cmd("STLS", "+OK begin TLS negotiation").await;
    let mut secure = start_tls(&tls.connector, client.into_inner()).await;
    let caps = String::from_utf8(secure.multi("CAPA").await).unwrap();
    assert!(
        !caps.contains("STLS") && caps.contains("USER\r\n"),
        "{caps}"
    );
    secure.cmd("STLS", "-ERR TLS already active").await;
    secure.login("alice", "secret").await;
    assert_eq!(secure.multi("RETR 3").await, fixtures()[2]);
    secure.cmd("QUIT", "+OK").await;
}

#[tokio::test]
async fn plaintext_pipelined_after_stls_is_discarded() {
    let tls = test_tls();
    let server = start(
        test_config(),
        backend_with_fixtures(),
        Some(tls.acceptor.clone()),
    )
    .await;
    let mut client = server.connect().await;
    client.line().await;
    client.send(b"STLS\r\nUSER alice\r\n").await;
    assert!(client.line().await.starts_with("+OK begin TLS"));
    let mut secure = start_tls(&tls.connector, client.into_inner()).await;
    // Had the injected USER survived, PASS would be accepted straight away.
    secure.cmd("PASS secret", "-ERR send USER first").await;
}

#[tokio::test]
async fn without_a_certificate_stls_is_not_offered_and_tls_only_policy_is_permanent() {
    let server = start(tls_only(), backend_with_fixtures(), None).await;
    let mut client = server.connect().await;
    client.line().await;
    let caps = String::from_utf8(client.multi("CAPA").await).unwrap();
    assert!(!caps.contains("STLS"), "{caps}");
    client.cmd("STLS", "-ERR STLS not available").await;
    client.cmd("USER alice", "-ERR [SYS/PERM]").await;
}

#[tokio::test]
async fn implicit_tls_listener_serves_mail_byte_for_byte() {
    let tls = test_tls();
    let server = start_implicit(tls_only(), backend_with_fixtures(), tls.acceptor.clone()).await;
    let tcp = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let mut client = start_tls(&tls.connector, tcp).await;
    assert_eq!(client.line().await, "+OK mx.test POP3 server ready\r\n");
    let caps = String::from_utf8(client.multi("CAPA").await).unwrap();
    assert!(!caps.contains("STLS"), "{caps}");
    client.login("alice", "secret").await;
    for (n, raw) in fixtures().iter().enumerate() {
        let expected = postie::pop3::message::canonicalise(raw);
        assert_eq!(client.multi(&format!("RETR {}", n + 1)).await, expected);
    }
    client.cmd("QUIT", "+OK").await;
}

#[tokio::test]
async fn non_loopback_client_is_refused_credentials_over_plaintext() {
    let ctx = Pop3Context::new(backend_with_fixtures(), test_config(), "mx.test");
    let (server_end, client_end) = tokio::io::duplex(64 * 1024);
    let peer: SocketAddr = "192.0.2.7:40000".parse().unwrap();
    let ctx = Arc::new(ctx);
    let server_ctx = Arc::clone(&ctx);
    let task =
        tokio::spawn(
            async move { serve_connection(&server_ctx, server_end, peer, None, None).await },
        );
    let mut client = Client::new(client_end);
    client.line().await;
    client
        .cmd(
            "USER alice",
            "-ERR [SYS/PERM] plaintext authentication disallowed",
        )
        .await;
    client.cmd("APOP alice 0123", "-ERR [SYS/PERM]").await;
    client.cmd("QUIT", "+OK").await;
    task.await.unwrap().unwrap();
}

#[tokio::test]
async fn non_loopback_client_may_log_in_after_stls_over_duplex() {
    let tls = test_tls();
    let ctx = Arc::new(Pop3Context::new(
        backend_with_fixtures(),
        test_config(),
        "mx.test",
    ));
    let (server_end, client_end) = tokio::io::duplex(64 * 1024);
    let peer: SocketAddr = "192.0.2.7:40000".parse().unwrap();
    let acceptor = tls.acceptor.clone();
    let server_ctx = Arc::clone(&ctx);
    let task = tokio::spawn(async move {
        serve_connection(&server_ctx, server_end, peer, None, Some(&acceptor)).await
    });
    let mut client = Client::new(client_end);
    client.line().await;
    client.cmd("USER alice", "-ERR [AUTH]").await;
    client.cmd("STLS", "+OK").await;
    let mut secure = start_tls(&tls.connector, client.into_inner()).await;
    secure.login("alice", "secret").await;
    secure.cmd("DELE 1", "+OK").await;
    secure.cmd("QUIT", "+OK").await;
    task.await.unwrap().unwrap();
    assert_eq!(ctx.backend.inbox("alice").len(), 2);
}

#[tokio::test]
async fn configured_listeners_serve_plain_and_implicit_tls_until_shutdown() {
    use postie::pop3::Pop3Listeners;
    let tls = test_tls();
    let config = Pop3Config {
        listen: vec!["127.0.0.1:0".parse().unwrap()],
        implicit_tls_listen: vec!["127.0.0.1:0".parse().unwrap()],
        ..test_config()
    };
    assert!(matches!(
        Pop3Listeners::bind(&config, false).await,
        Err(postie::pop3::Pop3Error::ImplicitTlsWithoutCertificate)
    ));
    let listeners = Pop3Listeners::bind(&config, true).await.unwrap();
    let addrs = listeners.local_addrs();
    assert_eq!(addrs.len(), 2);
    let ctx = Arc::new(Pop3Context::new(backend_with_fixtures(), config, "mx.test"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(
        listeners.serve(ctx, Some(tls.acceptor.clone()), async move {
            let _ = stopped.await;
        }),
    );
    let mut plain = Client::new(tokio::net::TcpStream::connect(addrs[0]).await.unwrap());
    assert_eq!(plain.line().await, "+OK mx.test POP3 server ready\r\n");
    plain.multi("CAPA").await;
    let tcp = tokio::net::TcpStream::connect(addrs[1]).await.unwrap();
    let mut secure = start_tls(&tls.connector, tcp).await;
    assert_eq!(secure.line().await, "+OK mx.test POP3 server ready\r\n");
    secure.login("alice", "secret").await;
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
    // Both sessions were drained with the protocol's goodbye, not cut off.
    for line in [plain.line().await, secure.line().await] {
        assert_eq!(
            line,
            "-ERR [SYS/TEMP] mx.test POP3 server shutting down\r\n"
        );
    }
    assert!(tokio::net::TcpStream::connect(addrs[0]).await.is_err());
}
