//! POP3 over real sockets on 127.0.0.1:0: every command, state and edge, byte-for-byte.
#![allow(clippy::unwrap_used)]

mod pop3_common;

use std::time::{Duration, Instant};

use pop3_common::{Client, backend_with_fixtures, fixtures, start, test_config};
use postie::pop3::message::canonicalise;
use postie::pop3::{DeletedMessages, Pop3Config};

#[tokio::test]
async fn retrieval_is_byte_for_byte_for_dots_unterminated_and_8bit_messages() {
    let server = start(test_config(), backend_with_fixtures(), None).await;
    let mut client = server.connect().await;
    assert_eq!(client.line().await, "+OK mx.test POP3 server ready\r\n");
    let status = client.login("alice", "secret").await;
    assert!(
        status.starts_with("+OK maildrop has 3 messages"),
        "{status}"
    );
    for (n, raw) in fixtures().iter().enumerate() {
        let expected = canonicalise(raw);
        let status = client.cmd(&format!("RETR {}", n + 1), "+OK").await;
        assert_eq!(status, format!("+OK {} octets\r\n", expected.len()));
        assert_eq!(client.body().await, expected, "message {}", n + 1);
    }
    assert_eq!(
        canonicalise(&fixtures()[0]),
        fixtures()[0],
        "CRLF fixture kept as is"
    );
    assert!(canonicalise(&fixtures()[1]).ends_with(b"without newline\r\n"));
    client.cmd("QUIT", "+OK").await;
}

#[tokio::test]
async fn stat_list_and_uidl_report_exact_sizes_and_stable_ids() {
    let server = start(test_config(), backend_with_fixtures(), None).await;
    let sizes: Vec<usize> = fixtures().iter().map(|r| canonicalise(r).len()).collect();
    let total: usize = sizes.iter().sum();
    let mut client = server.connect().await;
    client.line().await;
    client.login("alice", "secret").await;
    client.cmd("STAT", &format!("+OK 3 {total}\r\n")).await;
    let listing = client.multi("LIST").await;
    let expected: String = sizes
        .iter()
        .enumerate()
        .map(|(i, s)| format!("{} {s}\r\n", i + 1))
        .collect();
    assert_eq!(String::from_utf8(listing).unwrap(), expected);
    client
        .cmd("LIST 2", &format!("+OK 2 {}\r\n", sizes[1]))
        .await;
    let first_uidl = client.multi("UIDL").await;
    client.cmd("QUIT", "+OK").await;

    let mut again = server.connect().await;
    again.line().await;
    again.login("alice", "secret").await;
    assert_eq!(
        again.multi("UIDL").await,
        first_uidl,
        "UIDL stable across sessions"
    );
    let uid2 = again.cmd("UIDL 2", "+OK 2 ").await;
    again.cmd("DELE 1", "+OK").await;
    again.cmd("QUIT", "+OK").await;

    let mut third = server.connect().await;
    third.line().await;
    third.login("alice", "secret").await;
    let renumbered = third.cmd("UIDL 1", "+OK 1 ").await;
    assert_eq!(renumbered.split(' ').nth(2), uid2.split(' ').nth(2));
}

#[tokio::test]
async fn top_returns_headers_blank_line_and_requested_body_lines() {
    let backend = backend_with_fixtures();
    backend
        .deliver("alice", "A: 1\r\nB: 2\r\n\r\n.one\r\ntwo\r\nthree\r\n")
        .unwrap();
    let server = start(test_config(), backend, None).await;
    let mut client = server.connect().await;
    client.line().await;
    client.login("alice", "secret").await;
    assert_eq!(client.multi("TOP 4 0").await, b"A: 1\r\nB: 2\r\n\r\n");
    assert_eq!(
        client.multi("TOP 4 2").await,
        b"A: 1\r\nB: 2\r\n\r\n.one\r\ntwo\r\n"
    );
    assert_eq!(
        client.multi("TOP 4 100").await,
        b"A: 1\r\nB: 2\r\n\r\n.one\r\ntwo\r\nthree\r\n"
    );
    assert_eq!(
        client.multi("TOP 2 0").await,
        b"From: Alice <alice@example.test>\r\nTo: bob@example.test\r\nSubject: unterminated\r\n\r\n"
    );
    client.cmd("TOP 9 0", "-ERR no such message").await;
    client.cmd("TOP 1 x", "-ERR invalid message number").await;
}

#[tokio::test]
async fn dele_rset_and_quit_move_marked_messages_to_trash() {
    let server = start(test_config(), backend_with_fixtures(), None).await;
    let mut client = server.connect().await;
    client.line().await;
    client.login("alice", "secret").await;
    client.cmd("DELE 1", "+OK message 1 deleted").await;
    client.cmd("LIST 1", "-ERR message 1 already deleted").await;
    client.cmd("RETR 1", "-ERR message 1 already deleted").await;
    client.cmd("RSET", "+OK maildrop has 3 messages").await;
    client.cmd("LIST 1", "+OK 1 ").await;
    client.cmd("DELE 2", "+OK").await;
    client.cmd("STAT", "+OK 2 ").await;
    assert_eq!(server.backend().inbox("alice").len(), 3, "DELE only marks");
    client
        .cmd(
            "QUIT",
            "+OK mx.test POP3 server signing off (2 messages left)",
        )
        .await;
    assert!(client.until_closed().await.is_empty());
    let fixtures = fixtures();
    assert_eq!(
        server.backend().inbox("alice"),
        vec![fixtures[0].clone(), fixtures[2].clone()]
    );
    assert_eq!(server.backend().trash("alice"), vec![fixtures[1].clone()]);
}

#[tokio::test]
async fn expunge_mode_removes_without_trash() {
    let config = Pop3Config {
        deleted: DeletedMessages::Expunge,
        ..test_config()
    };
    let server = start(config, backend_with_fixtures(), None).await;
    let mut client = server.connect().await;
    client.line().await;
    client.login("alice", "secret").await;
    client.cmd("DELE 3", "+OK").await;
    client.cmd("QUIT", "+OK").await;
    assert_eq!(server.backend().inbox("alice").len(), 2);
    assert!(server.backend().trash("alice").is_empty());
}

#[tokio::test]
async fn dele_then_dropped_connection_deletes_nothing_and_releases_the_lock() {
    let server = start(test_config(), backend_with_fixtures(), None).await;
    let mut client = server.connect().await;
    client.line().await;
    client.login("alice", "secret").await;
    client.cmd("DELE 1", "+OK").await;
    client.cmd("DELE 2", "+OK").await;
    drop(client);
    let mut next = server.connect().await;
    next.line().await;
    next.cmd("USER alice", "+OK").await;
    // The server notices the drop asynchronously; IN-USE until then, never a deletion.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let status = next.cmd("PASS secret", "").await;
        if status.starts_with("+OK maildrop has 3 messages") {
            break;
        }
        assert!(status.starts_with("-ERR [IN-USE]"), "{status}");
        assert!(Instant::now() < deadline, "lock never released");
        tokio::task::yield_now().await;
        next.cmd("USER alice", "+OK").await;
    }
    assert_eq!(server.backend().inbox("alice").len(), 3);
    assert!(server.backend().trash("alice").is_empty());
}

#[tokio::test]
async fn second_login_to_a_locked_maildrop_gets_in_use() {
    let server = start(test_config(), backend_with_fixtures(), None).await;
    let mut first = server.connect().await;
    first.line().await;
    first.login("alice", "secret").await;
    let mut second = server.connect().await;
    second.line().await;
    second.cmd("USER alice", "+OK").await;
    second
        .cmd(
            "PASS secret",
            "-ERR [IN-USE] maildrop is in use by another session",
        )
        .await;
    let mut bob = server.connect().await;
    bob.line().await;
    bob.login("bob", "hunter2").await;
    first.cmd("QUIT", "+OK").await;
    assert!(first.until_closed().await.is_empty());
    second.login("alice", "secret").await;
}

#[tokio::test]
async fn mail_arriving_during_a_session_appears_at_next_login() {
    let server = start(test_config(), backend_with_fixtures(), None).await;
    let mut client = server.connect().await;
    client.line().await;
    client.login("alice", "secret").await;
    server
        .backend()
        .deliver("alice", "Subject: new\r\n\r\nhi\r\n")
        .unwrap();
    client.cmd("STAT", "+OK 3 ").await;
    client.cmd("RETR 4", "-ERR no such message").await;
    client.cmd("QUIT", "+OK").await;
    let mut next = server.connect().await;
    next.line().await;
    next.login("alice", "secret").await;
    assert_eq!(next.multi("RETR 4").await, b"Subject: new\r\n\r\nhi\r\n");
}

#[tokio::test]
async fn failed_logins_are_delayed_and_the_third_closes() {
    let server = start(test_config(), backend_with_fixtures(), None).await;
    let mut client = server.connect().await;
    client.line().await;
    for attempt in 1..=3 {
        client.cmd("USER alice", "+OK").await;
        let started = Instant::now();
        client
            .cmd("PASS wrong", "-ERR [AUTH] invalid credentials")
            .await;
        assert!(
            started.elapsed() >= Duration::from_millis(50),
            "attempt {attempt}"
        );
    }
    assert!(client.until_closed().await.is_empty());
    let mut unknown = server.connect().await;
    unknown.line().await;
    unknown.cmd("USER nobody", "+OK").await;
    unknown.cmd("PASS secret", "-ERR [AUTH]").await;
}

#[tokio::test]
async fn apop_and_auth_plain_log_in() {
    let backend = backend_with_fixtures();
    backend.set_apop_secret("alice", "tanstaaf");
    let server = start(test_config(), backend, None).await;
    let mut client = server.connect().await;
    let greeting = client.line().await;
    let stamp = &greeting[greeting.find('<').unwrap()..=greeting.find('>').unwrap()];
    assert!(stamp.ends_with("@mx.test>"), "{greeting}");
    client
        .cmd("APOP alice 00000000000000000000000000000000", "-ERR [AUTH]")
        .await;
    let digest = postie::pop3::apop::apop_digest(stamp, "tanstaaf");
    client
        .cmd(&format!("APOP alice {digest}"), "+OK maildrop has 3")
        .await;
    client.cmd("QUIT", "+OK").await;

    let mut plain = server.connect().await;
    plain.line().await;
    // base64("\0alice\0secret")
    plain.cmd("AUTH PLAIN", "+ ").await;
    plain
        .cmd("AGFsaWNlAHNlY3JldA==", "+OK maildrop has 3")
        .await;
}

#[tokio::test]
async fn failed_commit_is_reported_and_keeps_the_messages() {
    let server = start(test_config(), backend_with_fixtures(), None).await;
    server.backend().fail_commits(true);
    let mut client = server.connect().await;
    client.line().await;
    client.login("alice", "secret").await;
    client.cmd("DELE 1", "+OK").await;
    client
        .cmd("QUIT", "-ERR [SYS/TEMP] some deleted messages not removed")
        .await;
    assert_eq!(server.backend().inbox("alice").len(), 3);
}

#[tokio::test]
async fn garbage_and_overlong_lines_get_err_without_closing() {
    let server = start(test_config(), backend_with_fixtures(), None).await;
    let mut client = server.connect().await;
    client.line().await;
    client.send(b"\x00\x01\xff\xfe binary junk\r\n").await;
    assert!(client.line().await.starts_with("-ERR"));
    client.send(&vec![b'X'; 5000]).await;
    client.send(b"\r\n").await;
    assert_eq!(client.line().await, "-ERR line too long\r\n");
    client.cmd("HELO there", "-ERR unknown command").await;
    client
        .cmd("NOOP", "-ERR command not valid in AUTHORIZATION state")
        .await;
    client.cmd("CAPA", "+OK").await;
    client.body().await;
}

#[tokio::test]
async fn pipelined_commands_are_answered_in_order() {
    let server = start(test_config(), backend_with_fixtures(), None).await;
    let mut client = server.connect().await;
    client.line().await;
    client
        .send(b"USER alice\r\nPASS secret\r\nSTAT\r\nRETR 1\r\nDELE 1\r\nNOOP\r\nQUIT\r\n")
        .await;
    assert!(client.line().await.starts_with("+OK send PASS"));
    assert!(client.line().await.starts_with("+OK maildrop has 3"));
    assert!(client.line().await.starts_with("+OK 3 "));
    assert!(client.line().await.starts_with("+OK "));
    assert_eq!(client.body().await, fixtures()[0]);
    assert!(client.line().await.starts_with("+OK message 1 deleted"));
    assert_eq!(client.line().await, "+OK\r\n");
    assert!(
        client
            .line()
            .await
            .starts_with("+OK mx.test POP3 server signing off")
    );
    assert_eq!(server.backend().inbox("alice").len(), 2);
}

#[tokio::test]
async fn large_message_streams_intact() {
    let backend = backend_with_fixtures();
    let mut big = b"Subject: big\r\n\r\n".to_vec();
    for i in 0..40_000 {
        big.extend_from_slice(
            format!(".line {i} with a leading dot and some padding\r\n").as_bytes(),
        );
    }
    backend.deliver("alice", big.clone()).unwrap();
    let server = start(test_config(), backend, None).await;
    let mut client = server.connect().await;
    client.line().await;
    client.login("alice", "secret").await;
    let status = client.cmd("RETR 4", "+OK").await;
    assert_eq!(status, format!("+OK {} octets\r\n", big.len()));
    assert_eq!(client.body().await, big);
}

#[tokio::test]
async fn idle_session_is_logged_out_silently_without_deleting() {
    let config = Pop3Config {
        autologout_secs: 1,
        ..test_config()
    };
    let server = start(config, backend_with_fixtures(), None).await;
    let mut client = server.connect().await;
    client.line().await;
    client.login("alice", "secret").await;
    client.cmd("DELE 1", "+OK").await;
    let started = Instant::now();
    assert!(
        client.until_closed().await.is_empty(),
        "no response at autologout"
    );
    assert!(started.elapsed() >= Duration::from_millis(900));
    assert_eq!(server.backend().inbox("alice").len(), 3);
}

#[tokio::test]
async fn connections_beyond_the_limit_get_sys_temp() {
    let config = Pop3Config {
        max_connections: 1,
        ..test_config()
    };
    let server = start(config, backend_with_fixtures(), None).await;
    let mut first = server.connect().await;
    first.line().await;
    let mut second: Client<_> = server.connect().await;
    assert_eq!(
        second.line().await,
        "-ERR [SYS/TEMP] too many connections, try later\r\n"
    );
    first.cmd("QUIT", "+OK").await;
}
