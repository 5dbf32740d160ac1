//! Unit tests for outbound: reply parsing, the retry schedule, the DSN shape and sendmail
//! submission preparation.

#![allow(clippy::unwrap_used)]

use super::dsn::{self, DsnAction, DsnContext, DsnRecipient};
use super::reply::{remote_queue_id, split_enhanced};
use super::schedule::Schedule;
use super::sendmail::{SendmailError, SendmailOptions, prepare};
use crate::config::OutboundConfig;
use crate::store::{ClaimedRecipient, NextState};

fn claimed(created_at: i64, step: u32) -> ClaimedRecipient {
    ClaimedRecipient {
        recipient_id: 1,
        queue_id: 1,
        rcpt: "a@b.test".into(),
        domain: "b.test".into(),
        mail_from: "me@home.test".into(),
        account_id: None,
        created_at,
        schedule_step: step,
        delay_notified: false,
    }
}

#[test]
fn enhanced_status_is_split_from_reply_text_only_when_well_formed() {
    assert_eq!(
        split_enhanced("5.1.1 <x@y>: no such user"),
        (Some("5.1.1".into()), "<x@y>: no such user".into())
    );
    assert_eq!(split_enhanced("OK"), (None, "OK".into()));
    assert_eq!(split_enhanced("1.2.3 nope"), (None, "1.2.3 nope".into()));
    assert_eq!(
        split_enhanced("2.0.0"),
        (Some("2.0.0".into()), String::new())
    );
}

#[test]
fn remote_queue_id_is_the_word_after_queued_as() {
    assert_eq!(
        remote_queue_id("Ok: queued as 4Bc9xY1z2"),
        Some("4Bc9xY1z2".into())
    );
    assert_eq!(remote_queue_id("OK id=123"), None);
    assert_eq!(remote_queue_id("queued as"), None);
}

#[test]
fn schedule_backs_off_then_repeats_the_last_step_and_expires_after_max_age() {
    let s = Schedule::from_config(&OutboundConfig::default());
    let delays: Vec<i64> = (0..7).map(|i| s.delay_after(i)).collect();
    assert_eq!(delays, [60, 300, 900, 1800, 3600, 3600, 3600]);
    assert_eq!(
        s.after_transient(&claimed(0, 2), 1000, false),
        NextState::Deferred {
            at: 1900,
            counts: true
        }
    );
    assert_eq!(
        s.after_transient(&claimed(0, 4), 1000, true),
        NextState::Deferred {
            at: 1005,
            counts: false
        },
        "offline: the next poll, the schedule untouched"
    );
    assert_eq!(
        s.after_transient(&claimed(0, 0), 5 * 86400, false),
        NextState::Bounced
    );
}

#[test]
fn delay_notice_is_due_once_after_the_threshold_and_never_when_off() {
    let s = Schedule::from_config(&OutboundConfig::default());
    assert!(!s.delay_notice_due(&claimed(0, 1), 4 * 3600 - 1, false));
    assert!(s.delay_notice_due(&claimed(0, 1), 4 * 3600, false));
    assert!(
        !s.delay_notice_due(&claimed(0, 1), 4 * 3600, true),
        "no notice while this machine is offline"
    );
    let mut done = claimed(0, 1);
    done.delay_notified = true;
    assert!(!s.delay_notice_due(&done, 5 * 3600, false));
    let off = Schedule::from_config(&OutboundConfig {
        delay_notice_hours: 0,
        ..OutboundConfig::default()
    });
    assert!(!off.delay_notice_due(&claimed(0, 1), 100 * 3600, false));
}

#[test]
fn dsn_is_a_multipart_report_with_status_fields_and_only_the_original_headers() {
    let original = b"Subject: hi\r\nMessage-ID: <m@x>\r\n\r\nsecret body\r\n";
    let ctx = DsnContext {
        reporting_mta: "mx.home.test",
        to: "me@home.test",
        arrival: 0,
        now: 60,
        original,
    };
    let raw = dsn::build(
        &ctx,
        &[DsnRecipient {
            rcpt: "bob@far.test".into(),
            action: DsnAction::Failed,
            status: "5.1.1".into(),
            remote_mta: Some("mx.far.test".into()),
            diagnostic: Some("550 5.1.1 no\r\nsuch user".into()),
        }],
    );
    let text = String::from_utf8(raw.clone()).unwrap();
    let parsed = mailparse::parse_mail(&raw).unwrap();
    assert_eq!(parsed.ctype.mimetype, "multipart/report");
    assert_eq!(
        parsed.ctype.params.get("report-type").map(String::as_str),
        Some("delivery-status")
    );
    let types: Vec<&str> = parsed
        .subparts
        .iter()
        .map(|p| p.ctype.mimetype.as_str())
        .collect();
    assert_eq!(
        types,
        [
            "text/plain",
            "message/delivery-status",
            "text/rfc822-headers"
        ]
    );
    assert!(text.contains("Diagnostic-Code: smtp; 550 5.1.1 no such user\r\n"));
    assert!(text.contains("Remote-MTA: dns; mx.far.test\r\n"));
    assert!(text.contains("Message-ID: <m@x>"));
    assert!(!text.contains("secret body"));
    assert!(!raw.windows(2).any(|w| w[1] == b'\n' && w[0] != b'\r'));
}

fn opts() -> SendmailOptions {
    SendmailOptions {
        sender: "me@home.test".into(),
        message_id_domain: "home.test".into(),
        now: 0,
        ..SendmailOptions::default()
    }
}

#[test]
fn sendmail_t_reads_to_cc_bcc_and_removes_bcc_from_the_message() {
    let input = b"To: a@x.test, B <b@x.test>\nCc: c@x.test\nBcc: d@x.test,\n e@x.test\nSubject: s\n\nbody\n";
    let s = prepare(
        input,
        &SendmailOptions {
            recipients_from_headers: true,
            ..opts()
        },
    )
    .unwrap();
    assert_eq!(
        s.recipients,
        ["a@x.test", "b@x.test", "c@x.test", "d@x.test", "e@x.test"]
    );
    let text = String::from_utf8(s.raw).unwrap();
    assert!(
        !text.contains("Bcc") && !text.contains("e@x.test"),
        "{text}"
    );
    assert!(text.starts_with("From: <me@home.test>\r\nDate: "), "{text}");
    assert!(text.contains("Message-ID: <0."));
    assert!(text.ends_with("Subject: s\r\n\r\nbody\r\n"), "{text}");
}

#[test]
fn sendmail_lone_dot_ends_input_unless_i() {
    let input = b"Subject: s\n\none\n.\ntwo\n";
    let plain = prepare(
        input,
        &SendmailOptions {
            recipients: vec!["a@x.test".into()],
            ..opts()
        },
    )
    .unwrap();
    assert!(plain.raw.ends_with(b"one\r\n"));
    let keep = prepare(
        input,
        &SendmailOptions {
            recipients: vec!["a@x.test".into()],
            ignore_dots: true,
            ..opts()
        },
    )
    .unwrap();
    assert!(keep.raw.ends_with(b"one\r\n.\r\ntwo\r\n"));
}

#[test]
fn sendmail_without_recipients_is_a_usage_error_and_f_name_fills_from() {
    assert_eq!(
        prepare(b"Subject: s\n\nx\n", &opts()),
        Err(SendmailError::NoRecipients)
    );
    let s = prepare(
        b"Subject: s\n\nx\n",
        &SendmailOptions {
            recipients: vec!["a@x.test".into()],
            full_name: Some("Jo Q. Public".into()),
            ..opts()
        },
    )
    .unwrap();
    // `.` is not atext: the name is quoted (RFC 5322 §3.2.3).
    assert!(
        s.raw
            .starts_with(b"From: \"Jo Q. Public\" <me@home.test>\r\n")
    );
    let utf8 = prepare(
        b"Subject: s\n\nx\n",
        &SendmailOptions {
            recipients: vec!["a@x.test".into()],
            full_name: Some("Jürgen".into()),
            ..opts()
        },
    )
    .unwrap();
    assert!(
        utf8.raw
            .starts_with(b"From: =?utf-8?B?SsO8cmdlbg==?= <me@home.test>\r\n")
    );
    let kept = prepare(
        b"From: x@y.test\nSubject: s\n\nx\n",
        &SendmailOptions {
            recipients: vec!["a@x.test".into()],
            full_name: Some("Ignored".into()),
            ..opts()
        },
    )
    .unwrap();
    assert!(!String::from_utf8(kept.raw).unwrap().contains("Ignored"));
}

#[test]
fn data_block_dot_stuffs_every_line_and_bare_lf_dot_cannot_end_data() {
    use super::transport::DataBlock;
    let raw = crate::mail::canonical_crlf(b"a\n.\nMAIL FROM:<evil@x>\r\n.\r\n..b\r\n");
    let wire = DataBlock(std::str::from_utf8(&raw).unwrap()).to_string();
    assert_eq!(
        wire, "a\r\n..\r\nMAIL FROM:<evil@x>\r\n..\r\n...b\r\n.\r\n",
        "only the final line may be a lone dot"
    );
    assert_eq!(DataBlock(".x").to_string(), "..x\r\n.\r\n");
}
