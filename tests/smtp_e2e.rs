//! End to end on 127.0.0.1:0 with real clients: lettre (plain, STARTTLS + AUTH PLAIN/LOGIN,
//! implicit TLS), Python smtplib (tests/fixtures/smtp/smtplib_client.py) and swaks
//! (pipelining, STARTTLS, AUTH, 8-bit body, attachment). Missing tools print `SKIP:`.
#![allow(clippy::unwrap_used)]

#[path = "smtp_support.rs"]
mod support;

use lettre::message::header::ContentType;
use lettre::message::{Attachment, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use postie::smtp::{AcceptedMessage, RecipientClass, SmtpConfig};
use support::Running;

fn tls_parameters(server: &Running) -> TlsParameters {
    let pem = std::fs::read(&server.cert_pem).unwrap();
    TlsParameters::builder("localhost".into())
        .add_root_certificate(Certificate::from_pem(&pem).unwrap())
        .build_rustls()
        .unwrap()
}

fn mail(from: &str, to: &str, subject: &str) -> Message {
    Message::builder()
        .from(from.parse().unwrap())
        .to(to.parse().unwrap())
        .subject(subject)
        .body(format!("body of {subject}\n"))
        .unwrap()
}

async fn next(server: &mut Running) -> AcceptedMessage {
    server.delivered.recv().await.unwrap()
}

fn text(m: &AcceptedMessage) -> String {
    String::from_utf8_lossy(&m.data).into_owned()
}

#[tokio::test]
async fn lettre_plain_starttls_auth_and_implicit_tls() {
    let mut server = support::start(SmtpConfig::default());
    let port = server.addr.port();
    let hello = || ClientId::Domain("lettre.test".into());

    let plain = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
        .port(port)
        .hello_name(hello())
        .build();
    plain
        .send(mail("x@remote.example", "bob@example.org", "plain"))
        .await
        .unwrap();
    let m = next(&mut server).await;
    assert!(text(&m).contains("from lettre.test (localhost [127.0.0.1])"));
    assert!(text(&m).contains("with ESMTP id"));

    for (mechanism, user) in [(Mechanism::Plain, "alice"), (Mechanism::Login, "bob")] {
        let tls = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
            .port(port)
            .hello_name(hello())
            .tls(Tls::Required(tls_parameters(&server)))
            .credentials(Credentials::new(user.into(), "secret".into()))
            .authentication(vec![mechanism])
            .build();
        let from = format!("{user}@example.org");
        tls.send(mail(&from, "friend@elsewhere.example", "relay"))
            .await
            .unwrap();
        let m = next(&mut server).await;
        assert_eq!(m.auth_user.as_deref(), Some(user));
        assert_eq!(m.recipients[0].class, RecipientClass::Remote);
        assert!(text(&m).contains("with ESMTPSA id"), "{}", text(&m));
        let wrong = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
            .port(port)
            .hello_name(hello())
            .tls(Tls::Required(tls_parameters(&server)))
            .credentials(Credentials::new(user.into(), "wrong".into()))
            .authentication(vec![mechanism])
            .build();
        let err = wrong
            .send(mail(&from, "bob@example.org", "x"))
            .await
            .unwrap_err();
        assert_eq!(err.status().map(|c| c.to_string()).as_deref(), Some("535"));
    }

    let auth_plain_loopback = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
        .port(port)
        .hello_name(hello())
        .credentials(Credentials::new("alice".into(), "secret".into()))
        .authentication(vec![Mechanism::Login])
        .build();
    auth_plain_loopback
        .send(mail(
            "alice@example.org",
            "bob@example.org",
            "loopback auth",
        ))
        .await
        .unwrap();
    assert_eq!(next(&mut server).await.auth_user.as_deref(), Some("alice"));

    let wrapper = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
        .port(server.tls_addr.port())
        .hello_name(hello())
        .tls(Tls::Wrapper(tls_parameters(&server)))
        .build();
    let attachment = Attachment::new("notes.txt".into())
        .body(b"attached bytes\n".to_vec(), ContentType::TEXT_PLAIN);
    let with_attachment = Message::builder()
        .from("x@remote.example".parse().unwrap())
        .to("alice@example.org".parse().unwrap())
        .subject("attachment")
        .multipart(
            MultiPart::mixed()
                .singlepart(SinglePart::plain("see attachment".to_owned()))
                .singlepart(attachment),
        )
        .unwrap();
    wrapper.send(with_attachment).await.unwrap();
    let m = next(&mut server).await;
    assert!(text(&m).contains("with ESMTPS id"));
    assert!(text(&m).contains("filename=\"notes.txt\""));

    server.stop.send(()).unwrap();
    server.server.await.unwrap();
}

#[tokio::test]
async fn python_smtplib_starttls_login_and_pipelining() {
    if !support::have("python3") {
        return;
    }
    let mut server = support::start(SmtpConfig::default());
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/smtp/smtplib_client.py"
    );
    let output = tokio::process::Command::new("python3")
        .arg(script)
        .arg("127.0.0.1")
        .arg(server.addr.port().to_string())
        .arg(&server.cert_pem)
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "smtplib client failed: {stderr}");
    let first = next(&mut server).await;
    assert_eq!(first.auth_user.as_deref(), Some("alice"));
    assert!(text(&first).contains("(using TLSv1.3 with cipher"));
    let utf8 = next(&mut server).await;
    assert!(utf8.smtputf8);
    assert!(text(&utf8).contains("with UTF8SMTPSA id"));
    assert!(text(&utf8).contains("Köln"));
    let login = next(&mut server).await;
    assert_eq!(login.auth_user.as_deref(), Some("bob"));
    let piped = next(&mut server).await;
    assert_eq!(piped.recipients.len(), 1);
    assert!(text(&piped).ends_with("\r\n\r\n.dot\r\n"));
    assert!(server.delivered.try_recv().is_err());
}

async fn swaks(server: &Running, args: &[&str]) -> String {
    let output = tokio::process::Command::new("swaks")
        .arg("--server")
        .arg(server.addr.to_string())
        .args(["--helo", "swaks.test", "--timeout", "20"])
        .args(args)
        .output()
        .await
        .unwrap();
    let log = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "swaks {args:?} failed:\n{log}");
    log
}

#[tokio::test]
async fn swaks_pipelining_tls_auth_8bit_and_attachment() {
    if !support::have("swaks") {
        return;
    }
    let mut server = support::start(SmtpConfig::default());
    let log = swaks(
        &server,
        &[
            "--pipeline",
            "--from",
            "a@remote.example",
            "--to",
            "alice@example.org",
            "--body",
            "pipelined",
        ],
    )
    .await;
    assert!(log.contains("PIPELINING"), "{log}");
    assert!(text(&next(&mut server).await).contains("pipelined"));

    let tls = support::have_perl_ssleay();
    let ca = server.cert_pem.to_string_lossy().into_owned();
    for auth in ["PLAIN", "LOGIN"].into_iter().filter(|_| tls) {
        swaks(
            &server,
            &[
                "--tls",
                "--tls-verify",
                "--tls-ca-path",
                &ca,
                "--tls-sni",
                "localhost",
                "--auth",
                auth,
                "--auth-user",
                "bob",
                "--auth-password",
                "secret",
                "--from",
                "bob@example.org",
                "--to",
                "friend@elsewhere.example",
                "--pipeline",
                "--body",
                "Grüße, 8-bit body ✓",
            ],
        )
        .await;
        let m = next(&mut server).await;
        assert_eq!(m.auth_user.as_deref(), Some("bob"));
        assert!(text(&m).contains("with ESMTPSA id"));
        assert!(text(&m).contains("Grüße, 8-bit body ✓"));
    }

    let attachment = server.dir.path().join("report.bin");
    std::fs::write(&attachment, [0u8, 1, 2, 250, 251, 252, b'\n', b'.', b'\n']).unwrap();
    let attach = attachment.to_string_lossy().into_owned();
    let mut args = vec![
        "--from",
        "a@remote.example",
        "--to",
        "bob@example.org",
        "--attach",
        &attach,
    ];
    if tls {
        args.push("--tls");
    }
    swaks(&server, &args).await;
    let m = next(&mut server).await;
    assert!(text(&m).contains("Content-Transfer-Encoding: BASE64") || text(&m).contains("base64"));
    assert!(text(&m).contains("AAEC+vv8Ci4K"), "{}", text(&m));

    let denied = tokio::process::Command::new("swaks")
        .arg("--server")
        .arg(server.addr.to_string())
        .args([
            "--helo",
            "swaks.test",
            "--from",
            "a@remote.example",
            "--to",
            "nobody@example.org",
        ])
        .output()
        .await
        .unwrap();
    assert!(!denied.status.success());
    assert!(String::from_utf8_lossy(&denied.stdout).contains("550 5.1.1"));
    assert!(server.delivered.try_recv().is_err());
}
