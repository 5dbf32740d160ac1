//! AUTH (RFC 4954), STARTTLS (RFC 3207) and relay-policy transcripts.

#![allow(clippy::unwrap_used)]

use super::testkit::{Harness, tls_info};
use super::*;
use crate::auth::encode_challenge;
use crate::smtp::backend::RecipientClass;
use crate::smtp::config::SmtpConfig;

/// base64("\0alice\0secret")
const ALICE_PLAIN: &str = "AGFsaWNlAHNlY3JldA==";

fn plain(authzid: &str, user: &str, pass: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(format!("{authzid}\0{user}\0{pass}"))
}

#[test]
fn auth_on_remote_plaintext_requires_starttls_530_or_538() {
    let mut h = Harness::new();
    h.ehlo();
    h.cmd(&format!("AUTH PLAIN {ALICE_PLAIN}"), "530 5.7.0");
    let mut h = Harness::without_starttls("192.0.2.1:1");
    h.ehlo();
    h.cmd(&format!("AUTH PLAIN {ALICE_PLAIN}"), "538 5.7.11");
}

#[test]
fn auth_plain_with_initial_response_on_loopback_succeeds_235() {
    let mut h = Harness::loopback();
    h.ehlo();
    h.cmd(&format!("AUTH PLAIN {ALICE_PLAIN}"), "235 2.7.0");
    assert_eq!(h.session.auth_user(), Some("alice"));
    h.cmd(&format!("AUTH PLAIN {ALICE_PLAIN}"), "503 5.5.1");
}

#[test]
fn a_check_that_could_not_run_is_454_not_a_failure_and_the_client_may_retry() {
    let mut h = Harness::loopback();
    h.ehlo();
    h.cmd(
        &format!("AUTH PLAIN {}", plain("", "busy", "x")),
        "454 4.7.0",
    );
    assert_eq!(h.session.auth_user(), None);
    assert_eq!(
        h.pauses, 0,
        "no failed-login delay for a check that did not run"
    );
    h.cmd(&format!("AUTH PLAIN {ALICE_PLAIN}"), "235 2.7.0");
}

#[test]
fn auth_plain_without_initial_response_uses_an_empty_challenge() {
    let mut h = Harness::loopback();
    h.ehlo();
    assert_eq!(h.cmd("AUTH PLAIN", "334"), "334 \r\n");
    h.cmd(ALICE_PLAIN, "235 2.7.0");
}

#[test]
fn auth_login_asks_for_username_then_password() {
    let mut h = Harness::loopback();
    h.ehlo();
    assert_eq!(h.cmd("AUTH LOGIN", "334"), "334 VXNlcm5hbWU6\r\n");
    assert_eq!(
        h.cmd(&encode_challenge("bob"), "334"),
        "334 UGFzc3dvcmQ6\r\n"
    );
    h.cmd(&encode_challenge("secret"), "235 2.7.0");
    let mut h = Harness::loopback();
    h.ehlo();
    h.cmd(
        &format!("auth login {}", encode_challenge("bob")),
        "334 UGFzc3dvcmQ6",
    );
    h.cmd(&encode_challenge("wrong"), "535 5.7.8");
}

#[test]
fn failed_auth_is_delayed_and_answered_535_5_7_8() {
    let mut h = Harness::loopback();
    h.ehlo();
    h.cmd(
        &format!("AUTH PLAIN {}", plain("", "alice", "nope")),
        "535 5.7.8",
    );
    assert_eq!(h.pauses, 1);
    assert_eq!(h.session.auth_user(), None);
    h.cmd(
        &format!("AUTH PLAIN {}", plain("bob", "alice", "secret")),
        "535 5.7.8",
    );
    assert_eq!(h.pauses, 2);
}

#[test]
fn auth_cancel_and_garbage_answer_501() {
    let mut h = Harness::loopback();
    h.ehlo();
    h.cmd("AUTH LOGIN", "334");
    h.cmd("*", "501 5.7.0");
    h.cmd("AUTH PLAIN", "334");
    h.cmd("!!!not-base64", "501 5.5.2");
    h.cmd("AUTH PLAIN =", "501 5.5.2");
    h.cmd("AUTH CRAM-MD5", "504 5.5.4");
}

#[test]
fn auth_needs_ehlo_and_no_open_transaction() {
    let mut h = Harness::loopback();
    h.cmd("HELO c", "250");
    h.cmd(&format!("AUTH PLAIN {ALICE_PLAIN}"), "503 5.5.1");
    h.ehlo();
    h.cmd("MAIL FROM:<x@remote.example>", "250");
    h.cmd(&format!("AUTH PLAIN {ALICE_PLAIN}"), "503 5.5.1");
}

#[test]
fn credentials_debug_never_shows_the_password() {
    let c = Credentials {
        username: "alice".into(),
        password: "hunter2".into(),
    };
    assert!(!format!("{:?}", Output::Authenticate(c)).contains("hunter2"));
}

#[test]
fn untrusted_unauthenticated_clients_cannot_relay_554_5_7_1() {
    let mut h = Harness::new();
    h.ehlo();
    h.cmd("MAIL FROM:<a@remote.example>", "250");
    h.cmd("RCPT TO:<victim@elsewhere.example>", "554 5.7.1");
    h.cmd("RCPT TO:<nobody@example.org>", "550 5.1.1");
    h.cmd("RCPT TO:<bob@example.org>", "250 2.1.5");
}

#[test]
fn loopback_is_trusted_for_relay_by_default() {
    let mut h = Harness::loopback();
    h.ehlo();
    h.cmd("MAIL FROM:<a@remote.example>", "250");
    h.cmd("RCPT TO:<friend@elsewhere.example>", "250 2.1.5");
    h.cmd("DATA", "354");
    h.send(b"x\r\n.\r\n");
    assert_eq!(h.delivered[0].recipients[0].class, RecipientClass::Remote);
}

#[test]
fn configured_trusted_networks_may_relay_and_others_may_not() {
    let config = SmtpConfig {
        trusted_networks: vec!["192.0.2.0/24".into()],
        ..SmtpConfig::default()
    };
    let mut h = Harness::with(config.clone(), "192.0.2.200:1");
    h.envelope();
    h.cmd("RCPT TO:<friend@elsewhere.example>", "250");
    let mut h = Harness::with(config, "127.0.0.1:1");
    h.envelope();
    h.cmd("RCPT TO:<friend@elsewhere.example>", "554 5.7.1");
}

#[test]
fn authenticated_client_relays_but_only_from_its_own_address() {
    let mut h = Harness::new();
    h.ehlo();
    h.cmd("STARTTLS", "220 2.0.0");
    h.cmd("MAIL FROM:<a@remote.example>", "503 5.5.1");
    h.ehlo();
    h.cmd(&format!("AUTH PLAIN {ALICE_PLAIN}"), "235");
    h.cmd("MAIL FROM:<bob@example.org>", "553 5.7.1");
    h.cmd("MAIL FROM:<Alice@example.org>", "250 2.1.0");
    h.cmd("RCPT TO:<friend@elsewhere.example>", "250 2.1.5");
    h.cmd("DATA", "354");
    h.send(b"Subject: out\r\n\r\nhi\r\n.\r\n");
    let m = &h.delivered[0];
    assert_eq!(m.auth_user.as_deref(), Some("alice"));
    assert_eq!(m.tls, Some(tls_info()));
    let text = String::from_utf8_lossy(&m.data);
    assert!(
        text.contains("\t(using TLSv1.3 with cipher TLS13_AES_128_GCM_SHA256)\r\n"),
        "{text}"
    );
    assert!(text.contains("with ESMTPSA id Q1"), "{text}");
    h.cmd("MAIL FROM:<>", "250 2.1.0");
}

#[test]
fn starttls_twice_or_without_certificate_is_refused() {
    let mut h = Harness::new();
    h.ehlo();
    h.cmd("STARTTLS", "220");
    h.ehlo();
    h.cmd("STARTTLS", "503 5.5.1");
    let mut h = Harness::without_starttls("192.0.2.1:1");
    let r = h.cmd("EHLO c", "250-");
    assert!(!r.contains("STARTTLS"));
    h.cmd("STARTTLS", "454 4.7.0");
}

#[test]
fn implicit_tls_session_reports_esmtps_and_offers_auth() {
    let mut h = Harness::ungreeted(SmtpConfig::default(), "192.0.2.1:1", Some(tls_info()));
    h.session.greeting();
    let r = h.cmd("EHLO c", "250-");
    assert!(!r.contains("STARTTLS") && r.contains("AUTH PLAIN LOGIN"));
    h.cmd("MAIL FROM:<a@remote.example>", "250");
    h.cmd("RCPT TO:<bob@example.org>", "250");
    h.cmd("DATA", "354");
    h.send(b"x\r\n.\r\n");
    assert!(String::from_utf8_lossy(&h.delivered[0].data).contains("with ESMTPS id"));
}

#[test]
fn over_long_sasl_response_ends_the_auth_exchange() {
    let config = SmtpConfig {
        max_command_line: 32,
        ..SmtpConfig::default()
    };
    let mut h = Harness::with(config, "127.0.0.1:1");
    h.ehlo();
    h.cmd("AUTH LOGIN", "334");
    h.cmd(&"A".repeat(40), "500 5.5.2");
    h.cmd("NOOP", "250 2.0.0");
}
