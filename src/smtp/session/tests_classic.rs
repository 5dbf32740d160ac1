//! Classic MTA behaviours: forwards (251), lists, EXPN/VRFY for trusted clients only,
//! Delivered-To loops, sender rate limits, POP-before-SMTP grants and the session facts.

#![allow(clippy::unwrap_used)]

use super::testkit::{Harness, now};
use super::*;
use crate::smtp::backend::RecipientClass;
use crate::smtp::config::SmtpConfig;
use crate::smtp::grants::RelayGrants;
use crate::smtp::limits::RateLimits;

const STRANGER: &str = "192.0.2.10:1";

fn limited(messages: u32, recipients: u32) -> SmtpConfig {
    SmtpConfig {
        rate_limits: RateLimits {
            messages_per_minute: messages,
            recipients_per_minute: recipients,
            ..RateLimits::default()
        },
        ..SmtpConfig::default()
    }
}

#[test]
fn forward_address_gets_251_with_the_target_even_from_strangers() {
    let mut h = Harness::new();
    h.ehlo();
    h.cmd("MAIL FROM:<s@remote.example>", "250");
    let r = h.cmd("RCPT TO:<old@example.org>", "251 2.1.5");
    assert_eq!(
        r,
        "251 2.1.5 User not local; will forward to <old@new.example>\r\n"
    );
    h.cmd("RCPT TO:<old@new.example>", "554 5.7.1");
    h.cmd("DATA", "354");
    h.send(b"Subject: x\r\n\r\nhi\r\n.\r\n");
    let m = &h.delivered[0];
    assert!(matches!(
        m.recipients[0].class,
        RecipientClass::Forward { .. }
    ));
    assert_eq!(m.mail_from, "s@remote.example");
}

#[test]
fn list_address_is_accepted_from_strangers_as_a_local_recipient() {
    let mut h = Harness::new();
    h.ehlo();
    h.cmd("MAIL FROM:<s@remote.example>", "250");
    h.cmd("RCPT TO:<staff@example.org>", "250 2.1.5");
    h.cmd(
        "RCPT TO:<carol@remote.example>",
        "554 5.7.1 <carol@remote.example>",
    );
}

#[test]
fn expn_lists_members_for_trusted_clients_only() {
    let mut h = Harness::new();
    h.ehlo();
    h.cmd("EXPN staff@example.org", "550 5.7.1");
    let mut h = Harness::loopback();
    h.ehlo();
    let r = h.cmd("EXPN <staff@example.org>", "250-2.1.5");
    assert_eq!(
        r,
        "250-2.1.5 <alice@example.org>\r\n250 2.1.5 <carol@remote.example>\r\n"
    );
    h.cmd("EXPN alice@example.org", "250 2.1.5 <alice@example.org>");
    h.cmd("EXPN nobody@example.org", "550 5.1.1");
    h.cmd("EXPN list@remote.example", "550 5.1.2");
}

#[test]
fn expn_after_auth_is_answered() {
    let tls = Some(super::testkit::tls_info());
    let mut h = Harness::ungreeted(SmtpConfig::default(), STRANGER, tls);
    h.session.greeting();
    h.ehlo();
    h.cmd("AUTH PLAIN AGFsaWNlAHNlY3JldA==", "235");
    h.cmd("EXPN staff@example.org", "250-2.1.5");
}

#[test]
fn vrfy_shows_mailboxes_to_trusted_clients_and_252_to_others() {
    let mut h = Harness::new();
    h.ehlo();
    h.cmd("VRFY alice@example.org", "252 2.5.2");
    h.cmd("VRFY old@example.org", "252 2.5.2");
    let mut h = Harness::loopback();
    h.ehlo();
    h.cmd("VRFY alice@example.org", "250 2.1.5 <alice@example.org>");
    h.cmd(
        "VRFY old@example.org",
        "251 2.1.5 User not local; will forward to <old@new.example>",
    );
    h.cmd("VRFY staff@example.org", "250 2.1.5 <staff@example.org>");
    h.cmd("VRFY nobody@example.org", "550 5.1.1");
    h.cmd("VRFY someone@remote.example", "252 2.5.2");
}

#[test]
fn obsolete_verbs_stay_502_5_5_1() {
    let mut h = Harness::loopback();
    h.ehlo();
    for verb in [
        "TURN",
        "SEND FROM:<a@b.c>",
        "SOML FROM:<a@b.c>",
        "SAML FROM:<a@b.c>",
    ] {
        h.cmd(verb, "502 5.5.1");
    }
    h.cmd("ETRN example.org", "502 5.5.1");
}

#[test]
fn own_delivered_to_for_a_local_recipient_is_a_loop_554_5_4_6() {
    let mut h = Harness::new();
    h.ehlo();
    h.cmd("MAIL FROM:<s@remote.example>", "250");
    h.cmd("RCPT TO:<old@example.org>", "251");
    h.cmd("DATA", "354");
    let r = h.send(b"Delivered-To: OLD@example.org\r\nSubject: x\r\n\r\nhi\r\n.\r\n");
    assert!(r.starts_with("554 5.4.6 <old@example.org>"), "{r}");
    assert!(h.delivered.is_empty());
    // Someone else's Delivered-To, or ours in the body, is no loop.
    h.cmd("MAIL FROM:<s@remote.example>", "250");
    h.cmd("RCPT TO:<alice@example.org>", "250");
    h.cmd("DATA", "354");
    let r = h.send(
        b"Delivered-To: bob@example.org\r\nSubject: x\r\n\r\nDelivered-To: alice@example.org\r\n.\r\n",
    );
    assert!(r.starts_with("250 2.0.0"), "{r}");
}

#[test]
fn messages_over_the_per_minute_limit_get_450_4_7_1() {
    let mut h = Harness::with(limited(2, 0), STRANGER);
    h.ehlo();
    for _ in 0..2 {
        h.cmd("MAIL FROM:<s@remote.example>", "250");
        h.cmd("RSET", "250");
    }
    h.cmd("MAIL FROM:<s@remote.example>", "450 4.7.1");
    h.clock = now() + chrono::Duration::seconds(60);
    h.cmd("MAIL FROM:<s@remote.example>", "250");
}

#[test]
fn recipients_over_the_per_minute_limit_get_452_4_5_3_across_sessions() {
    let ctx = Harness::context(limited(0, 2));
    let mut first = Harness::sharing(&ctx, STRANGER);
    first.ehlo();
    first.cmd("MAIL FROM:<s@remote.example>", "250");
    first.cmd("RCPT TO:<alice@example.org>", "250");
    first.cmd("RCPT TO:<bob@example.org>", "250");
    first.cmd("RCPT TO:<postmaster@example.org>", "452 4.5.3");
    let mut second = Harness::sharing(&ctx, "192.0.2.10:2");
    second.ehlo();
    second.cmd("MAIL FROM:<s@remote.example>", "250");
    second.cmd("RCPT TO:<alice@example.org>", "452 4.5.3");
    let mut other = Harness::sharing(&ctx, "192.0.2.11:1");
    other.ehlo();
    other.cmd("MAIL FROM:<s@remote.example>", "250");
    other.cmd("RCPT TO:<alice@example.org>", "250");
}

#[test]
fn loopback_is_exempt_from_sender_limits() {
    let mut h = Harness::with(limited(1, 1), "127.0.0.1:1");
    h.ehlo();
    for _ in 0..3 {
        h.cmd("MAIL FROM:<s@remote.example>", "250");
        h.cmd("RCPT TO:<alice@example.org>", "250");
        h.cmd("RCPT TO:<bob@example.org>", "250");
        h.cmd("RSET", "250");
    }
}

#[test]
fn pop_before_smtp_grant_allows_relay_until_the_window_closes() {
    let grants = Arc::new(RelayGrants::new(20));
    let mut h = Harness::with_grants(SmtpConfig::default(), STRANGER, Arc::clone(&grants));
    h.ehlo();
    h.cmd("MAIL FROM:<s@example.org>", "250");
    h.cmd("RCPT TO:<x@remote.example>", "554 5.7.1");
    grants.grant("192.0.2.10".parse().unwrap(), now());
    h.cmd("RCPT TO:<x@remote.example>", "250 2.1.5");
    h.clock = now() + chrono::Duration::minutes(20);
    h.cmd("RCPT TO:<y@remote.example>", "554 5.7.1");
}

#[test]
fn facts_count_commands_and_collect_queue_ids_and_the_end() {
    let mut h = Harness::new();
    h.envelope();
    h.cmd("DATA", "354");
    h.send(b"Subject: x\r\n\r\nhi\r\n.\r\n");
    h.cmd("QUIT", "221");
    let facts = h.session.facts();
    assert_eq!(facts.helo.as_deref(), Some("client.example"));
    assert_eq!(facts.commands, 5);
    assert_eq!(facts.queue_ids, ["Q1"]);
    assert_eq!(facts.end, "quit");
    assert_eq!(facts.auth_user, None);
    let mut h = Harness::new();
    h.session.timeout();
    assert_eq!(h.session.facts().end, "timeout");
}
