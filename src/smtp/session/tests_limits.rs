//! Limit transcripts: line lengths, sizes, recipients, messages, errors, timeouts, loops,
//! bare newlines. Each limit is configurable and tested at its edge.

#![allow(clippy::unwrap_used)]

use super::testkit::Harness;
use super::*;
use crate::smtp::config::BareNewlines;
use crate::smtp::config::SmtpConfig;

const PEER: &str = "192.0.2.10:1";

fn with(f: impl FnOnce(&mut SmtpConfig)) -> Harness {
    let mut config = SmtpConfig::default();
    f(&mut config);
    Harness::with(config, PEER)
}

#[test]
fn command_line_over_the_limit_gets_500_5_5_2_and_the_session_continues() {
    let mut h = Harness::new();
    h.ehlo();
    let long = format!("NOOP {}", "x".repeat(4096));
    h.cmd(&long, "500 5.5.2");
    let fits = format!("NOOP {}", "x".repeat(4096 - 7));
    h.cmd(&fits, "250 2.0.0");
    let mut h = with(|c| c.max_command_line = 20);
    h.cmd("NOOP 123456789012345", "500 5.5.2");
}

#[test]
fn endless_line_without_newline_is_refused_once_and_skipped() {
    let mut h = with(|c| c.max_command_line = 64);
    h.ehlo();
    assert!(h.send(&[b'A'; 100]).starts_with("500 5.5.2"));
    assert_eq!(h.send(&[b'A'; 100]), "");
    assert_eq!(h.send(b"AAAA\r\nNOOP\r\n"), "250 2.0.0 Ok\r\n");
}

#[test]
fn declared_size_over_the_limit_is_refused_552_5_3_4() {
    let mut h = with(|c| c.max_message_size = 1000);
    h.ehlo();
    assert!(h.cmd("EHLO c", "250-").contains("250-SIZE 1000\r\n"));
    h.cmd("MAIL FROM:<a@remote.example> SIZE=1001", "552 5.3.4");
    h.cmd("MAIL FROM:<a@remote.example> SIZE=1000", "250 2.1.0");
}

#[test]
fn content_over_the_size_limit_is_refused_after_the_dot() {
    let mut h = with(|c| c.max_message_size = 100);
    h.envelope();
    h.cmd("DATA", "354");
    let mut content = vec![b'x'; 200];
    content.extend_from_slice(b"\r\n.\r\n");
    assert!(h.send(&content).starts_with("552 5.3.4"));
    assert!(h.delivered.is_empty());
    h.cmd("MAIL FROM:<a@remote.example>", "250");
}

#[test]
fn oversized_bdat_chunk_ends_the_transaction() {
    let mut h = with(|c| c.max_message_size = 4);
    h.envelope();
    assert!(h.send(b"BDAT 10\r\n0123456789").starts_with("552 5.3.4"));
    assert!(h.send(b"BDAT 2 LAST\r\nab").starts_with("503 5.5.1"));
    assert!(h.delivered.is_empty());
}

#[test]
fn recipients_beyond_the_limit_get_452_4_5_3() {
    let mut h = with(|c| c.max_recipients = 2);
    h.envelope();
    h.cmd("RCPT TO:<bob@example.org>", "250");
    h.cmd("RCPT TO:<postmaster@example.org>", "452 4.5.3");
}

#[test]
fn messages_per_connection_limit_closes_with_421() {
    let mut h = with(|c| c.max_messages_per_connection = 1);
    h.envelope();
    h.cmd("DATA", "354");
    h.send(b"x\r\n.\r\n");
    h.cmd("MAIL FROM:<a@remote.example>", "421 4.7.0");
    assert!(h.closed);
}

#[test]
fn tenth_error_is_followed_by_421_and_close() {
    let mut h = Harness::new();
    for _ in 0..9 {
        h.cmd("BOGUS", "500 5.5.1");
    }
    assert!(!h.closed);
    let r = h.cmd("BOGUS", "500 5.5.1");
    assert!(
        r.ends_with("421 4.7.0 mx.example.org Error: too many errors\r\n"),
        "{r}"
    );
    assert!(h.closed);
    let mut h = with(|c| c.max_errors = 2);
    h.cmd("RCPT TO:<a@b.example>", "503");
    assert!(h.cmd("DATA", "503").contains("421 4.7.0"));
}

#[test]
fn phases_follow_the_dialogue_for_the_drivers_deadlines() {
    let mut h = Harness::new();
    let Phase::Idle(first) = h.session.phase() else {
        panic!("a greeted session waits for a command");
    };
    h.send(b"NOO");
    assert_eq!(
        h.session.phase(),
        Phase::Line(first),
        "part of a line is in"
    );
    h.send(b"P\r\n");
    assert_eq!(h.session.phase(), Phase::Idle(first + 1));
    h.envelope();
    h.cmd("DATA", "354");
    let Phase::Transfer(data) = h.session.phase() else {
        panic!("DATA content is a transfer");
    };
    h.send(b"Subject: x\r\n\r\nbody\r\n.\r\n");
    assert_eq!(h.session.phase(), Phase::Idle(data));
    h.cmd("BDAT 10", "");
    assert!(matches!(h.session.phase(), Phase::Transfer(_)));
}

#[test]
fn each_deadline_ends_the_session_with_421_4_4_2_saying_which() {
    for (what, text, end) in [
        (Expired::Idle, "timeout exceeded", "timeout"),
        (Expired::Line, "timeout exceeded", "line-timeout"),
        (Expired::TooSlow, "transfer too slow", "too-slow"),
        (Expired::Lifetime, "session lasted too long", "lifetime"),
    ] {
        let mut h = Harness::new();
        h.envelope();
        h.cmd("DATA", "354");
        let outputs = h.session.expired(what);
        let reply = h.drive(outputs);
        assert!(
            reply.starts_with("421 4.4.2") && reply.contains(text),
            "{reply}"
        );
        assert!(h.closed && h.delivered.is_empty());
        assert_eq!(h.session.facts().end, end);
    }
    let mut h = Harness::new();
    let outputs = h.session.timeout();
    assert!(h.drive(outputs).starts_with("421 4.4.2"));
}

#[test]
fn shutdown_mid_data_answers_421_and_delivers_nothing() {
    let mut h = Harness::new();
    h.envelope();
    h.cmd("DATA", "354");
    h.send(b"partial");
    let outputs = h.session.shutdown();
    assert!(h.drive(outputs).starts_with("421 4.3.2"));
    assert!(h.delivered.is_empty() && h.closed);
}

fn received_headers(n: usize) -> Vec<u8> {
    let mut m = Vec::new();
    for i in 0..n {
        m.extend_from_slice(format!("Received: from hop{i}\r\n").as_bytes());
    }
    m.extend_from_slice(b"Subject: loop\r\n\r\nbody\r\n.\r\n");
    m
}

#[test]
fn more_than_fifty_received_headers_is_a_loop_554_5_4_6() {
    let mut h = Harness::new();
    h.envelope();
    h.cmd("DATA", "354");
    assert!(h.send(&received_headers(51)).starts_with("554 5.4.6"));
    h.envelope_again();
    h.cmd("DATA", "354");
    assert!(h.send(&received_headers(50)).starts_with("250 2.0.0"));
    let mut h = with(|c| c.max_received_headers = 2);
    h.envelope();
    h.cmd("DATA", "354");
    assert!(h.send(&received_headers(3)).starts_with("554 5.4.6"));
}

#[test]
fn bare_newlines_are_normalised_by_default_and_rejected_on_request() {
    let mut h = Harness::new();
    h.envelope();
    h.cmd("DATA", "354");
    assert!(h.send(b"a\nb\rc\r\n.\r\n").starts_with("250"));
    assert_eq!(h.body(0), b"a\r\nb\r\nc\r\n");
    let mut h = with(|c| c.bare_newlines = BareNewlines::Reject);
    h.envelope();
    h.cmd("DATA", "354");
    assert!(h.send(b"a\nb\r\n.\r\n").starts_with("550 5.5.2"));
    h.envelope_again();
    h.cmd("DATA", "354");
    assert!(h.send(b"clean\r\n.\r\n").starts_with("250"));
}

#[test]
fn long_text_lines_are_counted_and_the_hard_limit_refuses_550_5_6_0() {
    let mut h = with(|c| c.text_line_limit = 10);
    h.envelope();
    h.cmd("DATA", "354");
    h.send(b"0123456789ab\r\nshort\r\n0123456789abc\r\n.\r\n");
    assert_eq!(h.delivered[0].long_lines, 2);
    let mut h = with(|c| c.text_line_hard_limit = Some(10));
    h.envelope();
    h.cmd("DATA", "354");
    assert!(h.send(b"0123456789ab\r\n.\r\n").starts_with("550 5.6.0"));
}

impl Harness {
    fn envelope_again(&mut self) {
        self.cmd("MAIL FROM:<sender@remote.example>", "250 2.1.0");
        self.cmd("RCPT TO:<alice@example.org>", "250 2.1.5");
    }
}

/// Deterministic pseudo-random transcripts built from protocol fragments: the session never
/// panics, every reply is well-formed, and nothing is answered after it closed.
#[test]
fn random_fragment_transcripts_never_panic_or_talk_after_close() {
    let fragments: &[&[u8]] = &[
        b"EHLO c\r\n",
        b"HELO c\r\n",
        b"MAIL FROM:<a@remote.example>\r\n",
        b"MAIL FROM:<>\r\n",
        b"RCPT TO:<alice@example.org>\r\n",
        b"RCPT TO:<x@elsewhere.example>\r\n",
        b"DATA\r\n",
        b"BDAT 3\r\n",
        b"BDAT 0 LAST\r\n",
        b"RSET\r\n",
        b"AUTH PLAIN\r\n",
        b"AUTH LOGIN\r\n",
        b"*\r\n",
        b"AGFsaWNlAHNlY3JldA==\r\n",
        b"STARTTLS\r\n",
        b".\r\n",
        b"\r\n.\r\n",
        b"\n.\n",
        b"\r",
        b"\n",
        b".",
        b"x",
        b"\x00",
        b"\xff",
        b"NOOP",
        b"QUIT\r\n",
    ];
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..3_000 {
        let mut h = Harness::loopback();
        let mut closed_seen = false;
        for _ in 0..(next() % 30) {
            let fragment = fragments[(next() as usize) % fragments.len()];
            let replies = h.send(fragment);
            if closed_seen {
                assert_eq!(replies, "", "talked after close");
            }
            for line in replies.split_terminator("\r\n") {
                let code: u16 = line.get(..3).and_then(|c| c.parse().ok()).unwrap_or(0);
                assert!((200..600).contains(&code), "bad reply line {line:?}");
            }
            closed_seen = h.closed;
        }
    }
}
