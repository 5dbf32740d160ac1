//! Session transcripts: greeting, EHLO, command order, every verb's reply, DATA, BDAT,
//! pipelining and smuggling, each asserting codes, enhanced codes and delivered bytes.

#![allow(clippy::unwrap_used)]

use super::testkit::Harness;
use super::*;
use crate::smtp::backend::RecipientClass;
use crate::smtp::command::Body;
use crate::smtp::config::SmtpConfig;
use crate::smtp::config::VrfyPolicy;

#[test]
fn greeting_names_the_host() {
    let mut h = Harness::ungreeted(SmtpConfig::default(), "192.0.2.1:1", None);
    assert_eq!(
        h.session.greeting().to_string(),
        "220 mx.example.org ESMTP postie\r\n"
    );
}

#[test]
fn early_talker_before_greeting_gets_554_and_is_closed() {
    let mut h = Harness::ungreeted(SmtpConfig::default(), "192.0.2.1:1", None);
    let replies = h.send(b"EHLO eager.example\r\n");
    assert!(replies.starts_with("554 5.5.0"), "{replies}");
    assert!(h.closed);
    assert_eq!(h.send(b"QUIT\r\n"), "");
}

#[test]
fn ehlo_advertises_extensions_without_auth_on_remote_plaintext() {
    let mut h = Harness::new();
    let r = h.cmd("EHLO client.example", "250-mx.example.org\r\n");
    for ext in [
        "250-PIPELINING\r\n",
        "250-SIZE 52428800\r\n",
        "250-8BITMIME\r\n",
        "250-SMTPUTF8\r\n",
        "250-ENHANCEDSTATUSCODES\r\n",
        "250-CHUNKING\r\n",
        "250 STARTTLS\r\n",
    ] {
        assert!(r.contains(ext), "{ext} missing in {r}");
    }
    assert!(!r.contains("AUTH"));
}

#[test]
fn ehlo_offers_auth_on_loopback_and_after_tls_but_no_starttls_inside_tls() {
    let mut h = Harness::loopback();
    let r = h.cmd("EHLO c", "250-");
    assert!(
        r.ends_with("250-STARTTLS\r\n250 AUTH PLAIN LOGIN\r\n"),
        "{r}"
    );
    let mut h = Harness::new();
    h.ehlo();
    h.cmd("STARTTLS", "220 2.0.0");
    assert!(h.starttls_requested);
    let r = h.cmd("EHLO c", "250-");
    assert!(!r.contains("STARTTLS"));
    assert!(r.ends_with("250 AUTH PLAIN LOGIN\r\n"), "{r}");
}

#[test]
fn helo_gets_plain_250_and_missing_argument_501() {
    let mut h = Harness::new();
    h.cmd("HELO", "501 5.5.4");
    h.cmd("EHLO", "501 5.5.4");
    h.cmd("HELO client.example", "250 mx.example.org\r\n");
}

#[test]
fn commands_out_of_order_are_rejected_503() {
    let mut h = Harness::new();
    h.cmd("MAIL FROM:<a@remote.example>", "503 5.5.1");
    h.ehlo();
    h.cmd("RCPT TO:<alice@example.org>", "503 5.5.1");
    h.cmd("DATA", "503 5.5.1");
    h.cmd("BDAT 0 LAST", "503 5.5.1");
    h.cmd("MAIL FROM:<a@remote.example>", "250 2.1.0");
    h.cmd("MAIL FROM:<a@remote.example>", "503 5.5.1");
    h.cmd("DATA", "503 5.5.1");
}

#[test]
fn every_informational_verb_has_its_reply() {
    let mut h = Harness::new();
    h.ehlo();
    h.cmd("NOOP", "250 2.0.0");
    h.cmd("RSET", "250 2.0.0");
    h.cmd("HELP", "214 2.0.0");
    h.cmd("VRFY alice", "252 2.5.2");
    h.cmd("EXPN staff", "550 5.7.1");
    for verb in [
        "TURN",
        "SEND FROM:<a@b.example>",
        "SOML FROM:<a@b.example>",
        "SAML FROM:<a@b.example>",
        "ETRN example.org",
    ] {
        h.cmd(verb, "502 5.5.1");
    }
    h.cmd("FROBNICATE", "500 5.5.1");
    let r = h.cmd("QUIT", "221 2.0.0");
    assert_eq!(r, "221 2.0.0 Bye\r\n");
    assert!(h.closed);
}

#[test]
fn vrfy_can_be_disabled_or_verify_local_users() {
    let mut config = SmtpConfig {
        vrfy: VrfyPolicy::Disabled,
        ..SmtpConfig::default()
    };
    let mut h = Harness::with(config.clone(), "192.0.2.1:1");
    h.cmd("VRFY alice@example.org", "502 5.5.1");
    config.vrfy = VrfyPolicy::Verify;
    let mut h = Harness::with(config, "192.0.2.1:1");
    h.cmd("VRFY <alice@example.org>", "250 2.1.5");
    h.cmd("VRFY nobody@example.org", "550 5.1.1");
}

#[test]
fn rset_aborts_the_transaction() {
    let mut h = Harness::new();
    h.envelope();
    h.cmd("RSET", "250 2.0.0");
    h.cmd("DATA", "503 5.5.1");
}

#[test]
fn data_delivers_after_backend_ok_with_received_header() {
    let mut h = Harness::new();
    h.envelope();
    h.cmd("DATA", "354 ");
    let r = h.send(b"Subject: hi\r\n\r\nbody\r\n.\r\n");
    assert_eq!(r, "250 2.0.0 Ok: queued as Q1\r\n");
    let m = &h.delivered[0];
    assert_eq!(m.queue_id, "Q1");
    assert_eq!(m.mail_from, "sender@remote.example");
    assert_eq!(m.recipients[0].address, "alice@example.org");
    assert_eq!(
        m.recipients[0].class,
        RecipientClass::Local {
            account: "alice".into()
        }
    );
    assert_eq!(m.helo, "client.example");
    let text = String::from_utf8(m.data.clone()).unwrap();
    assert!(
        text.starts_with(
            "Received: from client.example (client.example [192.0.2.10])\r\n\
             \tby mx.example.org (postie) with ESMTP id Q1\r\n\
             \tfor <alice@example.org>;\r\n\
             \tSun, 22 Nov 2026 08:00:00 +0000\r\n"
        ),
        "{text}"
    );
    assert_eq!(h.body(0), b"Subject: hi\r\n\r\nbody\r\n");
}

#[test]
fn delivery_failure_answers_451_and_the_session_continues() {
    let mut h = Harness::new();
    h.fail_delivery = true;
    h.envelope();
    h.cmd("DATA", "354");
    assert_eq!(
        h.send(b"x\r\n.\r\n"),
        "451 4.3.0 Error: message not stored, try again later\r\n"
    );
    h.cmd("MAIL FROM:<a@remote.example>", "250 2.1.0");
}

#[test]
fn no_reply_is_sent_until_the_delivery_result_arrives() {
    let mut h = Harness::new();
    h.envelope();
    h.cmd("DATA", "354");
    let outputs = h.session.handle(b"x\r\n.\r\nNOOP\r\n", testkit::now());
    assert_eq!(outputs.len(), 1);
    assert!(matches!(outputs[0], Output::Deliver(_)));
    assert!(h.session.handle(b"NOOP\r\n", testkit::now()).is_empty());
    let after = h.session.delivery_result(Ok(()), testkit::now());
    let text: Vec<String> = after
        .iter()
        .filter_map(|o| match o {
            Output::Reply(r) => Some(r.to_string()),
            _ => None,
        })
        .collect();
    assert_eq!(
        text,
        [
            "250 2.0.0 Ok: queued as Q1\r\n",
            "250 2.0.0 Ok\r\n",
            "250 2.0.0 Ok\r\n"
        ]
    );
}

/// Found by the smtp_session fuzz target: a delivery result nobody asked for replaced the
/// state with Command, reopening a closed session and cutting short a DATA in progress.
#[test]
fn an_unasked_delivery_result_changes_nothing() {
    let mut h = Harness::new();
    h.envelope();
    h.cmd("DATA", "354");
    assert!(h.session.delivery_result(Ok(()), testkit::now()).is_empty());
    assert_eq!(h.send(b"NOOP\r\n.\r\n"), "250 2.0.0 Ok: queued as Q1\r\n");
    assert_eq!(h.body(0), b"NOOP\r\n");
    h.cmd("QUIT", "221");
    assert!(h.session.delivery_result(Ok(()), testkit::now()).is_empty());
    assert!(h.session.is_closed());
    assert!(h.session.handle(b"NOOP\r\n", testkit::now()).is_empty());
}

#[test]
fn null_sender_multiple_recipients_omit_for_clause() {
    let mut h = Harness::new();
    h.ehlo();
    h.cmd("MAIL FROM:<>", "250 2.1.0");
    h.cmd("RCPT TO:<alice@example.org>", "250");
    h.cmd("RCPT TO:<Postmaster>", "250");
    h.cmd("DATA", "354");
    h.send(b"x\r\n.\r\n");
    let m = &h.delivered[0];
    assert_eq!(m.mail_from, "");
    assert_eq!(m.recipients.len(), 2);
    assert!(!String::from_utf8_lossy(&m.data).contains("for <"));
}

#[test]
fn body_and_smtputf8_flags_reach_the_message_and_protocol_keyword() {
    let mut h = Harness::new();
    h.ehlo();
    h.cmd(
        "MAIL FROM:<jörg@remote.example> BODY=8BITMIME SMTPUTF8",
        "250",
    );
    h.cmd("RCPT TO:<alice@example.org>", "250");
    h.cmd("DATA", "354");
    h.send("Subject: grüße\r\n\r\nä\r\n.\r\n".as_bytes());
    let m = &h.delivered[0];
    assert!(m.smtputf8);
    assert_eq!(m.body, Some(Body::EightBitMime));
    assert!(String::from_utf8_lossy(&m.data).contains("with UTF8SMTP id"));
}

#[test]
fn non_ascii_addresses_without_smtputf8_get_553_5_6_7() {
    let mut h = Harness::new();
    h.ehlo();
    h.cmd("MAIL FROM:<jörg@remote.example>", "553 5.6.7");
    h.cmd("MAIL FROM:<a@remote.example>", "250");
    h.cmd("RCPT TO:<jörg@example.org>", "553 5.6.7");
}

#[test]
fn bdat_chunks_are_joined_and_delivered_on_last() {
    let mut h = Harness::new();
    h.envelope();
    let r = h.send(b"BDAT 6\r\nHello BDAT 7 LAST\r\nworld\r\n");
    assert_eq!(
        r,
        "250 2.0.0 Ok: 6 octets received\r\n250 2.0.0 Ok: queued as Q1\r\n"
    );
    assert_eq!(h.body(0), b"Hello world\r\n");
    h.cmd("DATA", "503 5.5.1");
}

#[test]
fn bdat_keeps_dots_and_refused_chunks_are_still_consumed() {
    let mut h = Harness::new();
    h.ehlo();
    let r = h.send(b"BDAT 6 LAST\r\n.\r\n.\r\nNOOP\r\n");
    assert_eq!(r, "503 5.5.1 Error: need MAIL command\r\n250 2.0.0 Ok\r\n");
    h.cmd("MAIL FROM:<a@remote.example>", "250");
    h.cmd("RCPT TO:<bob@example.org>", "250");
    h.send(b"BDAT 7 LAST\r\n.\r\n..\r\n");
    assert_eq!(h.body(0), b".\r\n..\r\n");
}

#[test]
fn data_after_bdat_is_out_of_order() {
    let mut h = Harness::new();
    h.envelope();
    h.send(b"BDAT 3\r\nabc");
    h.cmd("DATA", "503 5.5.1");
}

#[test]
fn pipelined_group_is_answered_in_order() {
    let mut h = Harness::new();
    h.ehlo();
    let r = h.send(
        b"MAIL FROM:<a@remote.example>\r\nRCPT TO:<alice@example.org>\r\nRCPT TO:<nobody@example.org>\r\nRCPT TO:<bob@example.org>\r\nDATA\r\n",
    );
    assert_eq!(
        r,
        "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n550 5.1.1 <nobody@example.org>: Recipient address rejected: User unknown\r\n250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n"
    );
    let r =
        h.send(b"x\r\n.\r\nMAIL FROM:<a@remote.example>\r\nRCPT TO:<bob@example.org>\r\nDATA\r\n");
    assert_eq!(
        r,
        "250 2.0.0 Ok: queued as Q1\r\n250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n"
    );
}

#[test]
fn input_after_starttls_in_the_same_packet_is_refused() {
    let mut h = Harness::new();
    h.ehlo();
    let r = h.send(b"STARTTLS\r\nMAIL FROM:<injected@evil.example>\r\n");
    assert!(r.starts_with("554 5.5.0"), "{r}");
    assert!(!h.starttls_requested);
    assert!(h.closed);
}

#[test]
fn commands_pipelined_after_data_ehlo_or_auth_are_refused() {
    for (setup, packet) in [
        (true, &b"MAIL FROM:<a@remote.example>\r\nRCPT TO:<alice@example.org>\r\nDATA\r\nSubject: x\r\n"[..]),
        (false, b"EHLO a\r\nMAIL FROM:<a@remote.example>\r\n"),
        (true, b"AUTH PLAIN AGFsaWNlAHNlY3JldA==\r\nMAIL FROM:<alice@example.org>\r\n"),
    ] {
        let mut h = Harness::loopback();
        if setup {
            h.ehlo();
        }
        let r = h.send(packet);
        assert!(r.ends_with("554 5.5.0 Error: SMTP protocol synchronization\r\n"), "{r}");
        assert!(h.closed);
        assert!(h.delivered.is_empty());
    }
}

#[test]
fn pipelining_without_ehlo_is_refused() {
    let mut h = Harness::new();
    h.cmd("HELO c", "250");
    let r = h.send(b"MAIL FROM:<a@remote.example>\r\nRCPT TO:<alice@example.org>\r\n");
    assert_eq!(r, "554 5.5.0 Error: SMTP protocol synchronization\r\n");
}

#[test]
fn lf_terminated_commands_are_accepted() {
    let mut h = Harness::new();
    assert!(h.send(b"EHLO c\n").starts_with("250-"));
    assert_eq!(h.send(b"NOOP\n"), "250 2.0.0 Ok\r\n");
}

#[test]
fn smuggling_sequences_yield_exactly_one_message_with_the_bytes_inside() {
    for attempt in [
        &b"\n.\n"[..],
        b"\r.\r",
        b"\r\n.\n",
        b"\n.\r\n",
        b"\r.\r\n",
        b"\r\n.\r",
        b"\r\n\x00.\r\n",
        b"\r\n.\r\r\n",
        b"\r\r\n.\r\r\n",
    ] {
        let mut h = Harness::new();
        h.envelope();
        h.cmd("DATA", "354");
        let mut input = b"Subject: a\r\n\r\nlegit".to_vec();
        input.extend_from_slice(attempt);
        input.extend_from_slice(b"MAIL FROM:<admin@example.org>\r\nRCPT TO:<bob@example.org>\r\nDATA\r\nSubject: smuggled\r\n\r\nevil\r\n.\r\n");
        let r = h.send(&input);
        assert_eq!(r, "250 2.0.0 Ok: queued as Q1\r\n", "{attempt:?}");
        assert_eq!(h.delivered.len(), 1, "{attempt:?}");
        let body = String::from_utf8_lossy(&h.body(0)).into_owned();
        assert!(
            body.contains("MAIL FROM:<admin@example.org>\r\n"),
            "{attempt:?}: {body}"
        );
        assert!(body.ends_with("evil\r\n"), "{attempt:?}");
    }
}

#[test]
fn transcript_split_at_every_byte_boundary_gives_the_same_replies() {
    // Each phase is what a pipelining client may send before waiting for replies.
    let phases: &[&[u8]] = &[
        b"EHLO c\r\n",
        b"MAIL FROM:<a@remote.example> SIZE=10\r\nRCPT TO:<alice@example.org>\r\nRCPT TO:<x@example.org>\r\nDATA\r\n",
        b"one\r\n..two\r\nbare\nlf\r\n.\r\nRSET\r\nQUIT\r\n",
    ];
    let mut reference = Harness::new();
    let expected: Vec<String> = phases.iter().map(|p| reference.send(p)).collect();
    assert!(expected[2].ends_with("221 2.0.0 Bye\r\n"), "{expected:?}");
    for (index, phase) in phases.iter().enumerate() {
        for split in 0..=phase.len() {
            let mut h = Harness::new();
            for earlier in &phases[..index] {
                h.send(earlier);
            }
            let mut got = h.send(&phase[..split]);
            got.push_str(&h.send(&phase[split..]));
            assert_eq!(got, expected[index], "phase {index} split {split}");
        }
    }
    assert_eq!(reference.body(0), b"one\r\n.two\r\nbare\r\nlf\r\n");
}

#[test]
fn with_a_sender_check_mail_from_waits_for_it_and_so_do_pipelined_commands() {
    let ctx = Harness::context(SmtpConfig::default());
    let ctx = Arc::new(
        Arc::try_unwrap(ctx)
            .ok()
            .expect("one owner")
            .with_sender_check(true),
    );
    let mut h = Harness::sharing(&ctx, "192.0.2.1:1");
    h.ehlo();
    let outputs = h.session.handle(
        b"MAIL FROM:<a@spf-fail.example>\r\nRCPT TO:<alice@example.org>\r\n",
        h.clock,
    );
    match outputs.as_slice() {
        [Output::CheckSender(facts)] => {
            assert_eq!(facts.mail_from, "a@spf-fail.example");
            assert_eq!(facts.helo, "client.example");
        }
        other => panic!("expected only the sender check, got {other:?}"),
    }
    let outputs = h
        .session
        .sender_result(Some((550, "5.7.23", "SPF says fail".into())), h.clock);
    let replies = h.drive(outputs);
    assert!(
        replies.starts_with("550 5.7.23 SPF says fail\r\n503"),
        "{replies:?}"
    );
    h.cmd("MAIL FROM:<b@example.net>", "250 2.1.0");
    h.cmd("RCPT TO:<alice@example.org>", "250");
    // Trusted clients are not asked about.
    let mut trusted = Harness::sharing(&ctx, "127.0.0.1:1");
    trusted.ehlo();
    let outputs = trusted
        .session
        .handle(b"MAIL FROM:<a@spf-fail.example>\r\n", trusted.clock);
    assert!(matches!(outputs.as_slice(), [Output::Reply(r)] if r.to_string().starts_with("250")));
}
