#![no_main]
//! Fuzz the POP3 command parser and the session core: arbitrary bytes, split at an
//! arbitrary point, must never panic, and every reply must be a well-formed status line.
use libfuzzer_sys::fuzz_target;
use postie::pop3::command::Command;
use postie::pop3::{LoginResult, Maildrop, MaildropEntry, Output, Session, SessionSettings};
use std::collections::VecDeque;
use std::time::Duration;

fuzz_target!(|data: &[u8]| {
    for line in data.split(|&b| b == b'\n') {
        let _ = Command::parse(line);
    }
    let mut session = Session::new(SessionSettings {
        hostname: "fuzz.test".into(),
        plaintext_auth_allowed: data.first().is_some_and(|b| b & 1 == 1),
        tls_active: false,
        stls_available: true,
        apop_timestamp: Some("<1.2@fuzz.test>".into()),
        failed_login_delay: Duration::ZERO,
        max_auth_failures: 3,
        max_line: 255,
    });
    let split = data.first().map_or(0, |b| usize::from(*b)).min(data.len());
    let mut queue: VecDeque<Output> = VecDeque::new();
    for chunk in [&data[..split], &data[split..]] {
        queue.extend(session.handle(chunk));
        while let Some(output) = queue.pop_front() {
            match output {
                Output::Reply(bytes) => {
                    assert!(bytes.starts_with(b"+") || bytes.starts_with(b"-ERR"));
                    assert!(bytes.ends_with(b"\r\n"));
                }
                Output::Authenticate(credentials) => {
                    let result = if credentials.user().len() % 2 == 0 {
                        LoginResult::Granted(Maildrop {
                            uid_validity: 1,
                            messages: vec![MaildropEntry { id: 1, uid: 1, size: 10 }],
                        })
                    } else {
                        LoginResult::Rejected
                    };
                    queue.extend(session.login_result(result));
                }
                Output::Commit { .. } => queue.extend(session.commit_result(true)),
                Output::StartTls => queue.extend(session.tls_established()),
                Output::SendMessage { .. } | Output::Pause(_) | Output::Close => {}
            }
        }
    }
});
