//! Local mail stays local, whatever the door: `postie sendmail` (plain, `-t`, bare login
//! names), bsd-mailx and git send-email configured to use it, and an SMTP client from a
//! trusted network, each to a local, a remote and a mixed recipient list. Local copies are
//! filed in the Inbox at once with their trace lines; remote ones reach a receiver found by
//! MX on a loopback DNS server; nothing is queued for a local address.

#![allow(clippy::unwrap_used, clippy::print_stderr)]

#[path = "support/dns.rs"]
mod dns;
#[path = "support/local_rig.rs"]
mod local_rig;
#[path = "support/node.rs"]
mod node;
#[path = "support/peers.rs"]
mod peers;
#[path = "support/receivers.rs"]
mod receivers;

use local_rig::{Rig, text};
use std::process::Command;

/// What our Received line says for mail written on this machine.
const LOCAL_TRACE: &str = "Received: by node.home.test (postie, from userid ";

fn message(subject: &str, headers: &str) -> Vec<u8> {
    format!("{headers}Subject: {subject}\nX-Test: local mail\n\nhello from {subject}\n")
        .into_bytes()
}

fn assert_ok(out: &std::process::Output, what: &str) {
    assert!(
        out.status.success(),
        "{what} failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn sendmail_files_local_recipients_queues_remote_ones_and_does_both_when_mixed() {
    let rig = Rig::start().await;
    let cases: [(&str, &[&str], bool, bool); 4] = [
        ("sm-local", &["me@home.test"], true, false),
        ("sm-remote", &["alice@postie.test"], false, true),
        (
            "sm-mixed",
            &["alice@postie.test", "Me@Home.Test"],
            true,
            true,
        ),
        // A bare login name is a local recipient in the first account's domain.
        ("sm-bare", &["me"], true, false),
    ];
    for (subject, rcpts, local, remote) in cases {
        let out = rig.sendmail(rcpts, &message(subject, ""));
        assert_ok(&out, subject);
        // At once: the command has returned, so the copy is on disk.
        assert_eq!(rig.local_copies(subject).await.len(), usize::from(local));
        rig.expect(subject, local, remote, LOCAL_TRACE).await;
    }
    let copy = text(&rig.local_copies("sm-local").await[0]);
    assert!(
        copy.starts_with("Return-Path: <me@home.test>\r\n"),
        "{copy}"
    );
    assert!(
        copy.contains("From: Me Myself <me@home.test>\r\n"),
        "{copy}"
    );
    assert!(
        copy.contains("@node.home.test>\r\n"),
        "Message-ID on the node's name:\n{copy}"
    );
    // Every door also leaves the sender a Sent copy.
    assert_eq!(rig.sent_copies("sm-mixed").await.len(), 1);
    rig.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sendmail_t_reads_to_cc_bcc_and_strips_bcc() {
    let rig = Rig::start().await;
    let headers = "To: Me <me@home.test>\nCc: Alice <alice@postie.test>\nBcc: me\n";
    let out = rig.sendmail(&["-t", "-i"], &message("sm-t-mixed", headers));
    assert_ok(&out, "sendmail -t");
    rig.expect("sm-t-mixed", true, true, LOCAL_TRACE).await;
    let remote = text(&rig.remote_copy("sm-t-mixed").await);
    assert!(!remote.contains("Bcc:"), "{remote}");
    for (subject, headers, local, remote) in [
        ("sm-t-local", "To: root\nCc: me@home.test\n", true, false),
        ("sm-t-remote", "To: alice@postie.test\n", false, true),
    ] {
        let out = rig.sendmail(&["-t"], &message(subject, headers));
        if subject == "sm-t-local" {
            // root is no account here: refused, and the rest is delivered.
            assert_ok(&out, subject);
            assert!(text(&out.stderr).contains("root@home.test"), "{out:?}");
        } else {
            assert_ok(&out, subject);
        }
        rig.expect(subject, local, remote, LOCAL_TRACE).await;
    }
    // The refused root@home.test comes back to the sender as a report from the node.
    let subject = "Undelivered Mail Returned to Sender";
    wait_for_local(&rig, subject).await;
    let dsn = text(&rig.local_copies(subject).await[0]);
    assert!(
        dsn.starts_with("Return-Path: <>\r\nDelivered-To: me@home.test\r\n"),
        "{dsn}"
    );
    assert!(
        dsn.contains("Final-Recipient: rfc822; root@home.test"),
        "{dsn}"
    );
    assert!(dsn.contains("Status: 5.1.1"), "{dsn}");
    rig.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sendmail_to_nobody_here_exits_67_and_stores_nothing() {
    let rig = Rig::start().await;
    let out = rig.sendmail(&["ghost@home.test"], &message("sm-ghost", ""));
    assert_eq!(out.status.code(), Some(67), "{out:?}");
    assert!(text(&out.stderr).contains("ghost@home.test"));
    assert!(rig.node.store.queue().await.unwrap().is_empty());
    assert!(rig.sent_copies("sm-ghost").await.is_empty());
    rig.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn bsd_mailx_with_postie_sendmail_reaches_local_remote_and_mixed() {
    let Some(mailx) = peers::require("bsd-mailx") else {
        return;
    };
    let rig = Rig::start().await;
    let mailrc = rig.home().join("mailrc");
    std::fs::write(
        &mailrc,
        format!("set sendmail={}\n", rig.sendmail_wrapper().display()),
    )
    .unwrap();
    for (subject, rcpts, local, remote) in [
        ("mailx-local", vec!["me@home.test"], true, false),
        ("mailx-remote", vec!["alice@postie.test"], false, true),
        ("mailx-mixed", vec!["me", "alice@postie.test"], true, true),
    ] {
        let mut child = Command::new(&mailx)
            .arg("-s")
            .arg(subject)
            .args(&rcpts)
            .env("MAILRC", &mailrc)
            .env("HOME", rig.home())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(b"sent with mailx\n")
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert_ok(&out, "mailx");
        // mailx returns before its sendmail child finishes: wait for the local copy.
        if local {
            wait_for_local(&rig, subject).await;
        }
        rig.expect(subject, local, remote, LOCAL_TRACE).await;
    }
    rig.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn git_send_email_to_yourself_and_others_through_postie_sendmail() {
    let Some(git) = git_with_send_email() else {
        return;
    };
    let rig = Rig::start().await;
    let repo = rig.home().join("repo");
    let run = |args: &[&str]| {
        let out = Command::new(&git)
            .args(args)
            .current_dir(&repo)
            .env("HOME", rig.home())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "Me Myself")
            .env("GIT_AUTHOR_EMAIL", "me@home.test")
            .env("GIT_COMMITTER_NAME", "Me Myself")
            .env("GIT_COMMITTER_EMAIL", "me@home.test")
            .output()
            .unwrap();
        assert_ok(&out, &format!("git {args:?}"));
        text(&out.stdout)
    };
    std::fs::create_dir_all(&repo).unwrap();
    run(&["init", "-q"]);
    let wrapper = rig.sendmail_wrapper();
    for (case, to, local, remote) in [
        ("git-local", vec!["me@home.test"], true, false),
        ("git-remote", vec!["alice@postie.test"], false, true),
        (
            "git-mixed",
            vec!["me@home.test", "alice@postie.test"],
            true,
            true,
        ),
    ] {
        std::fs::write(repo.join("file.txt"), case).unwrap();
        run(&["add", "file.txt"]);
        run(&["commit", "-q", "-m", case]);
        let patch = run(&["format-patch", "-1", "-o", "out"]);
        let mut args = vec![
            "send-email".to_string(),
            format!("--sendmail-cmd={}", wrapper.display()),
            "--from=Me Myself <me@home.test>".into(),
            "--confirm=never".into(),
            "--suppress-cc=all".into(),
            "--no-validate".into(),
            "--quiet".into(),
        ];
        args.extend(to.iter().map(|t| format!("--to={t}")));
        args.push(patch.trim().to_string());
        run(&args.iter().map(String::as_str).collect::<Vec<_>>());
        rig.expect(&format!("[PATCH] {case}"), local, remote, LOCAL_TRACE)
            .await;
    }
    rig.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn smtp_from_a_trusted_network_is_routed_the_same_way() {
    let rig = Rig::start().await;
    let addr = rig.node.smtp_addrs[0];
    for (subject, rcpts, local, remote) in [
        ("smtp-local", vec!["me@home.test"], true, false),
        ("smtp-remote", vec!["alice@postie.test"], false, true),
        (
            "smtp-mixed",
            vec!["me@home.test", "alice@postie.test"],
            true,
            true,
        ),
    ] {
        let message = message(subject, "From: someone@client.test\n");
        let message = String::from_utf8(message).unwrap().replace('\n', "\r\n");
        smtp_send(addr, "someone@client.test", &rcpts, &message);
        rig.expect(subject, local, remote, "Received: from client.test")
            .await;
    }
    rig.shutdown().await;
}

/// One blocking SMTP transaction with several recipients.
fn smtp_send(addr: std::net::SocketAddr, from: &str, rcpts: &[&str], message: &str) {
    use std::io::{BufRead, BufReader, Write};
    let stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut w = stream;
    let mut reply = |expect: &str| loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        assert!(line.starts_with(expect), "expected {expect}, got {line}");
        if line.as_bytes().get(3) != Some(&b'-') {
            break;
        }
    };
    reply("220");
    let mut commands = vec![
        ("EHLO client.test".to_string(), "250"),
        (format!("MAIL FROM:<{from}>"), "250"),
    ];
    commands.extend(rcpts.iter().map(|r| (format!("RCPT TO:<{r}>"), "250")));
    commands.push(("DATA".to_string(), "354"));
    for (cmd, code) in commands {
        write!(w, "{cmd}\r\n").unwrap();
        reply(code);
    }
    write!(w, "{message}.\r\n").unwrap();
    reply("250");
    write!(w, "QUIT\r\n").unwrap();
}

/// mailx hands the message to its sendmail child and may return first.
async fn wait_for_local(rig: &Rig, subject: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let mut events = rig.node.store.subscribe();
    while rig.local_copies(subject).await.is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "`{subject}` never filed"
        );
        // Another process writes the file: poll the store, at a bounded pace.
        let _ = tokio::time::timeout(std::time::Duration::from_millis(100), events.recv()).await;
    }
}

/// A git whose send-email works (Debian's git with git-email, or another with it built in).
fn git_with_send_email() -> Option<std::path::PathBuf> {
    // Debian's git needs libmailtools-perl for send-email; another git may carry its own.
    for git in ["git", "/usr/bin/git"] {
        let ok = Command::new(git)
            .args(["send-email", "--help"])
            .env("GIT_PAGER", "cat")
            .env("MANPAGER", "cat")
            .output()
            .is_ok_and(|o| o.status.success() || text(&o.stdout).contains("send-email"));
        if ok {
            return Some(git.into());
        }
    }
    peers::skip("git send-email not installed (apt git-email)");
    None
}
