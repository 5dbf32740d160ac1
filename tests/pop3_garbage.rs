//! A deterministic stand-in for the fuzz target (which needs cargo-fuzz and nightly):
//! pseudo-random command soup through the parser and the session never panics, and every
//! reply is a well-formed status line.
#![allow(clippy::unwrap_used)]

use std::collections::VecDeque;
use std::time::Duration;

use postie::pop3::command::Command;
use postie::pop3::{LoginResult, Maildrop, MaildropEntry, Output, Session, SessionSettings};

/// xorshift64: reproducible without a dependency on a seeded RNG.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a>(&mut self, items: &[&'a [u8]]) -> &'a [u8] {
        items[(self.next() % items.len() as u64) as usize]
    }
}

const WORDS: &[&[u8]] = &[
    b"USER",
    b"PASS",
    b"APOP",
    b"AUTH",
    b"PLAIN",
    b"STAT",
    b"LIST",
    b"RETR",
    b"DELE",
    b"NOOP",
    b"RSET",
    b"QUIT",
    b"TOP",
    b"UIDL",
    b"CAPA",
    b"STLS",
    b"alice",
    b"0",
    b"1",
    b"2",
    b"3",
    b"4294967296",
    b"-1",
    b"*",
    b"=",
    b"AGFsaWNlAHNlY3JldA==",
    b" ",
    b"  ",
    b"\r",
    b"\n",
    b"\r\n",
    b"\0",
    b"\xff",
    b".",
    b"\t",
];

fn settings() -> SessionSettings {
    SessionSettings {
        hostname: "fuzz.test".into(),
        plaintext_auth_allowed: true,
        tls_active: false,
        stls_available: true,
        apop_timestamp: Some("<1.2@fuzz.test>".into()),
        failed_login_delay: Duration::ZERO,
        max_auth_failures: 3,
        max_line: 255,
    }
}

#[test]
fn random_command_soup_never_panics_and_replies_are_well_formed() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..2_000 {
        let mut input = Vec::new();
        for _ in 0..(rng.next() % 60) {
            input.extend_from_slice(rng.pick(WORDS));
            if rng.next().is_multiple_of(3) {
                input.extend_from_slice(b" ");
            }
        }
        for line in input.split(|&b| b == b'\n') {
            let _ = Command::parse(line);
        }
        let mut session = Session::new(settings());
        let mut queue = VecDeque::new();
        let split = (rng.next() as usize) % (input.len() + 1);
        for chunk in [&input[..split], &input[split..]] {
            queue.extend(session.handle(chunk));
            while let Some(output) = queue.pop_front() {
                match output {
                    Output::Reply(bytes) => {
                        assert!(bytes.starts_with(b"+") || bytes.starts_with(b"-ERR"));
                        assert!(bytes.ends_with(b"\r\n"), "{bytes:?}");
                    }
                    Output::Authenticate(_) => {
                        let result = LoginResult::Granted(Maildrop {
                            uid_validity: 1,
                            messages: vec![MaildropEntry {
                                id: 1,
                                uid: 1,
                                size: 10,
                            }],
                        });
                        queue.extend(session.login_result(result));
                    }
                    Output::Commit { .. } => queue.extend(session.commit_result(true)),
                    Output::StartTls => queue.extend(session.tls_established()),
                    Output::SendMessage { .. } | Output::Pause(_) | Output::Close => {}
                }
            }
        }
    }
}
