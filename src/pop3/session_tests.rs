//! Transcript tables for the session core: every command, state and response code.

use super::*;

fn settings() -> SessionSettings {
    SessionSettings {
        hostname: "mx.test".into(),
        plaintext_auth_allowed: true,
        tls_active: false,
        stls_available: true,
        apop_timestamp: None,
        failed_login_delay: Duration::from_millis(5),
        max_auth_failures: 3,
        max_line: 255,
    }
}

fn maildrop() -> Maildrop {
    Maildrop {
        uid_validity: 7,
        messages: vec![
            MaildropEntry {
                id: 10,
                uid: 100,
                size: 120,
            },
            MaildropEntry {
                id: 11,
                uid: 101,
                size: 200,
            },
            MaildropEntry {
                id: 12,
                uid: 102,
                size: 300,
            },
        ],
    }
}

fn text(outputs: &[Output]) -> String {
    outputs
        .iter()
        .filter_map(|o| match o {
            Output::Reply(bytes) => Some(String::from_utf8_lossy(bytes).into_owned()),
            _ => None,
        })
        .collect()
}

/// Send one command line and check the reply text starts with `expected`.
fn cmd(session: &mut Session, line: &str, expected: &str) -> Vec<Output> {
    let outputs = session.handle(format!("{line}\r\n").as_bytes());
    let reply = text(&outputs);
    assert!(
        reply.starts_with(expected),
        "{line:?} -> {reply:?}, wanted {expected:?}"
    );
    outputs
}

fn logged_in() -> Session {
    let mut session = Session::new(settings());
    cmd(&mut session, "USER alice", "+OK");
    let outputs = cmd(&mut session, "PASS secret", "");
    assert_eq!(
        outputs,
        vec![Output::Authenticate(Login::Password(Credentials {
            username: "alice".into(),
            password: "secret".into()
        }))]
    );
    let outputs = session.login_result(LoginResult::Granted(maildrop()));
    assert_eq!(
        text(&outputs),
        "+OK maildrop has 3 messages (620 octets)\r\n"
    );
    assert_eq!(session.state(), State::Transaction);
    session
}

#[test]
fn greeting_carries_apop_timestamp_only_when_available() {
    assert_eq!(
        Session::new(settings()).greeting(),
        b"+OK mx.test POP3 server ready\r\n"
    );
    let with_apop = Session::new(SessionSettings {
        apop_timestamp: Some("<1.2@mx.test>".into()),
        ..settings()
    });
    assert_eq!(
        with_apop.greeting(),
        b"+OK mx.test POP3 server ready <1.2@mx.test>\r\n"
    );
}

#[test]
fn capa_lists_extensions_and_stls_before_tls() {
    let mut session = Session::new(settings());
    let reply = text(&cmd(&mut session, "CAPA", "+OK"));
    for cap in [
        "TOP",
        "UIDL",
        "USER",
        "SASL PLAIN",
        "RESP-CODES",
        "AUTH-RESP-CODE",
        "PIPELINING",
        "STLS",
        "EXPIRE NEVER",
        "IMPLEMENTATION postie-",
    ] {
        assert!(
            reply.contains(&format!("\r\n{cap}")),
            "missing {cap} in {reply}"
        );
    }
    assert!(reply.ends_with("\r\n.\r\n"));
    let mut session = logged_in();
    let reply = text(&cmd(&mut session, "CAPA", "+OK"));
    assert!(
        !reply.contains("STLS") && !reply.contains("USER"),
        "{reply}"
    );
}

#[test]
fn transaction_commands_before_login_are_rejected() {
    let mut session = Session::new(settings());
    for line in [
        "STAT", "LIST", "RETR 1", "DELE 1", "NOOP", "RSET", "UIDL", "TOP 1 1",
    ] {
        cmd(
            &mut session,
            line,
            "-ERR command not valid in AUTHORIZATION state",
        );
    }
    cmd(&mut session, "PASS x", "-ERR send USER first");
    assert_eq!(session.state(), State::Authorization);
}

#[test]
fn wrong_password_is_delayed_and_answered_auth() {
    let mut session = Session::new(settings());
    cmd(&mut session, "USER alice", "+OK");
    cmd(&mut session, "PASS nope", "");
    let outputs = session.login_result(LoginResult::Rejected);
    assert_eq!(outputs[0], Output::Pause(Duration::from_millis(5)));
    assert_eq!(text(&outputs), "-ERR [AUTH] invalid credentials\r\n");
    assert_eq!(session.state(), State::Authorization);
}

#[test]
fn third_failed_login_closes_the_connection() {
    let mut session = Session::new(settings());
    for _ in 0..3 {
        cmd(&mut session, "USER alice", "+OK");
        cmd(&mut session, "PASS nope", "");
        let outputs = session.login_result(LoginResult::Rejected);
        assert!(text(&outputs).starts_with("-ERR [AUTH]"));
    }
    assert_eq!(session.state(), State::Closed);
}

#[test]
fn locked_maildrop_is_answered_in_use() {
    let mut session = Session::new(settings());
    cmd(&mut session, "USER alice", "+OK");
    cmd(&mut session, "PASS secret", "");
    let outputs = session.login_result(LoginResult::InUse);
    assert_eq!(
        text(&outputs),
        "-ERR [IN-USE] maildrop is in use by another session\r\n"
    );
    let outputs = cmd(&mut session, "USER alice", "+OK");
    assert_eq!(outputs.len(), 1);
}

#[test]
fn store_failure_at_login_is_sys_temp() {
    let mut session = Session::new(settings());
    cmd(&mut session, "USER alice", "+OK");
    cmd(&mut session, "PASS secret", "");
    let outputs = session.login_result(LoginResult::Unavailable);
    assert!(text(&outputs).starts_with("-ERR [SYS/TEMP]"));
}

#[test]
fn plaintext_credentials_are_refused_when_not_permitted() {
    let insecure = SessionSettings {
        plaintext_auth_allowed: false,
        ..settings()
    };
    let mut session = Session::new(insecure.clone());
    cmd(
        &mut session,
        "USER alice",
        "-ERR [AUTH] plaintext authentication disallowed",
    );
    cmd(
        &mut session,
        "AUTH PLAIN AGFsaWNlAHNlY3JldA==",
        "-ERR [AUTH]",
    );
    let reply = text(&cmd(&mut session, "CAPA", "+OK"));
    assert!(!reply.contains("USER") && reply.contains("STLS"), "{reply}");
    let mut no_tls = Session::new(SessionSettings {
        stls_available: false,
        ..insecure
    });
    cmd(&mut no_tls, "USER alice", "-ERR [SYS/PERM]");
}

#[test]
fn stls_discards_pipelined_plaintext_and_then_permits_credentials() {
    let mut session = Session::new(SessionSettings {
        plaintext_auth_allowed: false,
        ..settings()
    });
    let outputs = session.handle(b"STLS\r\nUSER mallory\r\n");
    assert_eq!(text(&outputs), "+OK begin TLS negotiation\r\n");
    assert_eq!(outputs.last(), Some(&Output::StartTls));
    assert!(session.is_awaiting());
    assert!(session.tls_established().is_empty());
    assert!(session.tls_active());
    cmd(&mut session, "STLS", "-ERR TLS already active");
    let reply = text(&cmd(&mut session, "CAPA", "+OK"));
    assert!(reply.contains("USER") && !reply.contains("STLS"), "{reply}");
    cmd(&mut session, "USER alice", "+OK");
}

#[test]
fn stls_without_certificate_is_refused() {
    let mut session = Session::new(SessionSettings {
        stls_available: false,
        ..settings()
    });
    cmd(&mut session, "STLS", "-ERR STLS not available");
}

#[test]
fn auth_plain_with_initial_response_and_continuation() {
    let mut session = Session::new(settings());
    let outputs = cmd(&mut session, "AUTH PLAIN AGFsaWNlAHNlY3JldA==", "");
    assert!(matches!(&outputs[0], Output::Authenticate(c) if c.user() == "alice"));
    let mut session = Session::new(settings());
    cmd(&mut session, "AUTH PLAIN", "+ \r\n");
    let outputs = cmd(&mut session, "AGFsaWNlAHNlY3JldA==", "");
    assert!(matches!(&outputs[0], Output::Authenticate(c) if c.user() == "alice"));
}

#[test]
fn auth_cancel_bad_base64_foreign_authzid_and_unknown_mechanism_fail() {
    let mut session = Session::new(settings());
    cmd(&mut session, "AUTH PLAIN", "+ ");
    cmd(&mut session, "*", "-ERR authentication cancelled");
    cmd(&mut session, "AUTH PLAIN !!!", "-ERR [AUTH] malformed");
    // "bob\0alice\0secret": acting as another user is not allowed.
    cmd(
        &mut session,
        "AUTH PLAIN Ym9iAGFsaWNlAHNlY3JldA==",
        "-ERR [AUTH] authorization",
    );
    cmd(
        &mut session,
        "AUTH CRAM-MD5",
        "-ERR unsupported SASL mechanism",
    );
    cmd(
        &mut session,
        "AUTH",
        "+OK SASL mechanisms follow\r\nPLAIN\r\n.\r\n",
    );
}

#[test]
fn apop_is_accepted_only_with_a_timestamp() {
    let mut session = Session::new(settings());
    cmd(
        &mut session,
        "APOP alice 0123",
        "-ERR APOP is not available",
    );
    let mut session = Session::new(SessionSettings {
        apop_timestamp: Some("<1.2@mx.test>".into()),
        ..settings()
    });
    let outputs = cmd(&mut session, "APOP alice 0123", "");
    assert_eq!(
        outputs,
        vec![Output::Authenticate(Login::Apop {
            user: "alice".into(),
            timestamp: "<1.2@mx.test>".into(),
            digest: "0123".into()
        })]
    );
}

#[test]
fn stat_list_and_uidl_describe_the_snapshot() {
    let mut session = logged_in();
    cmd(&mut session, "STAT", "+OK 3 620\r\n");
    cmd(
        &mut session,
        "LIST",
        "+OK 3 messages (620 octets)\r\n1 120\r\n2 200\r\n3 300\r\n.\r\n",
    );
    cmd(&mut session, "LIST 2", "+OK 2 200\r\n");
    cmd(&mut session, "LIST 4", "-ERR no such message");
    cmd(&mut session, "LIST 0", "-ERR no such message");
    cmd(
        &mut session,
        "UIDL",
        "+OK unique-id listing follows\r\n1 7.100\r\n2 7.101\r\n3 7.102\r\n.\r\n",
    );
    cmd(&mut session, "UIDL 3", "+OK 3 7.102\r\n");
    cmd(&mut session, "NOOP", "+OK\r\n");
}

#[test]
fn retr_and_top_ask_the_driver_for_the_message() {
    let mut session = logged_in();
    let outputs = cmd(&mut session, "RETR 2", "");
    assert_eq!(
        outputs,
        vec![Output::SendMessage {
            id: 11,
            top: None,
            status: b"+OK 200 octets\r\n".to_vec()
        }]
    );
    let outputs = cmd(&mut session, "TOP 1 0", "");
    assert!(matches!(
        outputs[0],
        Output::SendMessage {
            id: 10,
            top: Some(0),
            ..
        }
    ));
    cmd(&mut session, "RETR 9", "-ERR no such message");
    cmd(&mut session, "TOP 1", "-ERR missing argument");
}

#[test]
fn dele_marks_hides_and_rset_unmarks() {
    let mut session = logged_in();
    cmd(&mut session, "DELE 1", "+OK message 1 deleted");
    cmd(&mut session, "DELE 1", "-ERR message 1 already deleted");
    cmd(&mut session, "LIST 1", "-ERR message 1 already deleted");
    cmd(&mut session, "RETR 1", "-ERR message 1 already deleted");
    cmd(&mut session, "UIDL 1", "-ERR message 1 already deleted");
    cmd(&mut session, "STAT", "+OK 2 500\r\n");
    cmd(
        &mut session,
        "LIST",
        "+OK 2 messages (500 octets)\r\n2 200\r\n3 300\r\n.\r\n",
    );
    cmd(
        &mut session,
        "RSET",
        "+OK maildrop has 3 messages (620 octets)",
    );
    cmd(&mut session, "STAT", "+OK 3 620\r\n");
}

#[test]
fn quit_commits_marked_messages_in_update_state() {
    let mut session = logged_in();
    cmd(&mut session, "DELE 1", "+OK");
    cmd(&mut session, "DELE 3", "+OK");
    let outputs = cmd(&mut session, "QUIT", "");
    assert_eq!(outputs, vec![Output::Commit { ids: vec![10, 12] }]);
    assert_eq!(session.state(), State::Update);
    let outputs = session.commit_result(true);
    assert_eq!(
        text(&outputs),
        "+OK mx.test POP3 server signing off (1 message left)\r\n"
    );
    assert_eq!(outputs.last(), Some(&Output::Close));
    assert_eq!(session.state(), State::Closed);
}

#[test]
fn failed_commit_is_reported_sys_temp() {
    let mut session = logged_in();
    cmd(&mut session, "DELE 2", "+OK");
    cmd(&mut session, "QUIT", "");
    let outputs = session.commit_result(false);
    assert!(text(&outputs).starts_with("-ERR [SYS/TEMP] some deleted messages not removed"));
    assert_eq!(outputs.last(), Some(&Output::Close));
}

#[test]
fn quit_without_deletions_or_before_login_just_closes() {
    let mut session = logged_in();
    let outputs = cmd(
        &mut session,
        "QUIT",
        "+OK mx.test POP3 server signing off (3 messages",
    );
    assert_eq!(outputs.last(), Some(&Output::Close));
    let mut session = Session::new(settings());
    let outputs = cmd(
        &mut session,
        "QUIT",
        "+OK mx.test POP3 server signing off\r\n",
    );
    assert_eq!(outputs.last(), Some(&Output::Close));
    assert!(session.handle(b"NOOP\r\n").is_empty());
}

#[test]
fn login_commands_in_transaction_are_rejected() {
    let mut session = logged_in();
    for line in ["USER bob", "PASS x", "APOP a b", "AUTH PLAIN", "STLS"] {
        cmd(
            &mut session,
            line,
            "-ERR command not valid in TRANSACTION state",
        );
    }
}

#[test]
fn garbage_gets_err_and_overlong_lines_are_discarded() {
    let mut session = Session::new(settings());
    cmd(&mut session, "XYZZY", "-ERR unknown command");
    cmd(&mut session, "", "-ERR empty command");
    let outputs = session.handle(b"\xff\xfe\r\n");
    assert!(text(&outputs).starts_with("-ERR"));
    let long = vec![b'A'; 300];
    let outputs = session.handle(&long);
    assert_eq!(text(&outputs), "-ERR line too long\r\n");
    assert!(session.handle(b"AAAA").is_empty());
    cmd(&mut session, "AAA", "");
    cmd(&mut session, "CAPA", "+OK");
    let exact = format!("USER {}\r\n", "a".repeat(249));
    assert_eq!(exact.len(), 256);
    assert_eq!(
        text(&session.handle(exact.as_bytes())),
        "-ERR line too long\r\n"
    );
}

#[test]
fn endless_garbage_eventually_closes_with_err() {
    let mut session = Session::new(settings());
    let mut closed = false;
    for _ in 0..MAX_PROTOCOL_ERRORS {
        let outputs = session.handle(b"BOGUS\r\n");
        assert!(text(&outputs).starts_with("-ERR"));
        closed |= outputs.contains(&Output::Close);
    }
    assert!(closed);
}

#[test]
fn bare_lf_lines_and_pipelined_commands_are_processed_in_order() {
    let mut session = logged_in();
    let outputs = session.handle(b"STAT\nNOOP\r\nLIST 1\r\n");
    assert_eq!(text(&outputs), "+OK 3 620\r\n+OK\r\n+OK 1 120\r\n");
}

#[test]
fn commands_pipelined_behind_a_login_wait_for_its_result() {
    let mut session = Session::new(settings());
    let outputs = session.handle(b"USER alice\r\nPASS secret\r\nSTAT\r\n");
    assert_eq!(text(&outputs), "+OK send PASS\r\n");
    assert!(matches!(outputs.last(), Some(Output::Authenticate(_))));
    let outputs = session.login_result(LoginResult::Granted(maildrop()));
    assert_eq!(
        text(&outputs),
        "+OK maildrop has 3 messages (620 octets)\r\n+OK 3 620\r\n"
    );
}

#[test]
fn input_split_at_every_byte_gives_the_same_replies() {
    let script = b"CAPA\r\nUSER alice\r\nPASS secret\r\nSTAT\r\nLIST\r\nDELE 2\r\nUIDL\r\nQUIT\r\n";
    let run = |chunks: Vec<&[u8]>| {
        let mut session = Session::new(settings());
        let mut outputs = Vec::new();
        for chunk in chunks {
            for output in session.handle(chunk) {
                if matches!(output, Output::Authenticate(_)) {
                    outputs.extend(session.login_result(LoginResult::Granted(maildrop())));
                } else {
                    outputs.push(output);
                }
            }
        }
        outputs
    };
    let whole = run(vec![&script[..]]);
    assert!(whole.contains(&Output::Commit { ids: vec![11] }));
    for split in 1..script.len() {
        assert_eq!(
            run(vec![&script[..split], &script[split..]]),
            whole,
            "split {split}"
        );
    }
}

#[test]
fn results_fed_out_of_turn_are_ignored() {
    let mut session = Session::new(settings());
    assert!(
        session
            .login_result(LoginResult::Granted(maildrop()))
            .is_empty()
    );
    assert!(session.commit_result(true).is_empty());
    assert!(session.tls_established().is_empty());
    assert_eq!(session.state(), State::Authorization);
}

#[test]
fn phases_tell_the_driver_when_a_line_is_partly_in() {
    let mut session = Session::new(settings());
    assert_eq!(session.phase(), Phase::Idle(0));
    assert!(session.handle(b"NO").is_empty());
    assert_eq!(session.phase(), Phase::Line(0));
    cmd(&mut session, "OP", "-ERR");
    assert_eq!(session.phase(), Phase::Idle(1));
}

#[test]
fn shutdown_says_sys_temp_and_closes_without_update() {
    let mut session = logged_in();
    cmd(&mut session, "DELE 1", "+OK");
    let outputs = session.shutdown();
    assert_eq!(
        text(&outputs),
        "-ERR [SYS/TEMP] mx.test POP3 server shutting down\r\n"
    );
    assert_eq!(outputs.last(), Some(&Output::Close));
    assert!(
        !outputs.iter().any(|o| matches!(o, Output::Commit { .. })),
        "nothing is deleted"
    );
    assert_eq!(session.state(), State::Closed);
    assert!(session.shutdown().is_empty());
}

#[test]
fn a_throttled_login_is_told_to_come_back_and_does_not_count_as_a_failure() {
    let mut session = Session::new(settings());
    for _ in 0..5 {
        cmd(&mut session, "USER alice", "+OK");
        cmd(&mut session, "PASS secret", "");
        let outputs = session.login_result(LoginResult::Throttled);
        assert_eq!(
            text(&outputs),
            "-ERR [SYS/TEMP] too many failed logins from your address, try again later\r\n"
        );
    }
    assert_eq!(session.state(), State::Authorization, "not closed");
}
