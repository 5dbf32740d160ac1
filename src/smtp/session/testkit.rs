//! Transcript harness for session tests (Stalwart style `h.cmd("RCPT TO:<x>", "250")`):
//! a fixed clock, a counter for queue ids, a small policy and auto-resolved effects.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, FixedOffset};

use super::{Output, Session, SessionContext};
use crate::smtp::backend::{AcceptedMessage, DeliveryError, Policy, RecipientClass, TlsInfo};
use crate::smtp::config::SmtpConfig;
use crate::smtp::grants::RelayGrants;

/// Local domain `example.org` with accounts alice and bob; `postmaster` is alice;
/// `old` forwards to `old@new.example`; `staff` is a list of alice and carol@remote.example.
pub struct TestPolicy;

impl Policy for TestPolicy {
    fn classify_recipient(&self, address: &str) -> RecipientClass {
        let lower = address.to_ascii_lowercase();
        let (local, domain) = lower
            .rsplit_once('@')
            .unwrap_or((lower.as_str(), "example.org"));
        if domain != "example.org" {
            return RecipientClass::Remote;
        }
        match local {
            "alice" | "postmaster" => RecipientClass::Local {
                account: "alice".into(),
            },
            "bob" => RecipientClass::Local {
                account: "bob".into(),
            },
            "old" => RecipientClass::Forward {
                targets: vec!["old@new.example".into()],
                keep_copy_account: None,
            },
            "staff" => RecipientClass::List {
                members: vec!["alice@example.org".into(), "carol@remote.example".into()],
            },
            _ => RecipientClass::UnknownLocalUser,
        }
    }

    fn may_send_as(&self, account: &str, mail_from: &str) -> bool {
        mail_from.eq_ignore_ascii_case(&format!("{account}@example.org"))
    }
}

pub fn now() -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339("2026-11-22T08:00:00+00:00").expect("fixed test date")
}

pub fn tls_info() -> TlsInfo {
    TlsInfo {
        version: "TLSv1.3".into(),
        cipher: "TLS13_AES_128_GCM_SHA256".into(),
    }
}

pub struct Harness {
    pub session: Session,
    pub delivered: Vec<AcceptedMessage>,
    pub fail_delivery: bool,
    pub starttls_requested: bool,
    pub pauses: usize,
    pub closed: bool,
    /// The time fed to the session (starts at [`now`]).
    pub clock: DateTime<FixedOffset>,
}

impl Harness {
    /// A greeted session from a non-trusted remote address.
    pub fn new() -> Self {
        Self::with(SmtpConfig::default(), "192.0.2.10:40000")
    }

    /// A greeted session from 127.0.0.1 (trusted, AUTH allowed without TLS).
    pub fn loopback() -> Self {
        Self::with(SmtpConfig::default(), "127.0.0.1:40000")
    }

    pub fn with(config: SmtpConfig, peer: &str) -> Self {
        let mut h = Self::ungreeted(config, peer, None);
        h.session.greeting();
        h
    }

    pub fn ungreeted(config: SmtpConfig, peer: &str, tls: Option<TlsInfo>) -> Self {
        Self::build(config, peer, tls, true)
    }

    /// A greeted session on a server without any TLS certificate.
    pub fn without_starttls(peer: &str) -> Self {
        let mut h = Self::build(SmtpConfig::default(), peer, None, false);
        h.session.greeting();
        h
    }

    fn build(config: SmtpConfig, peer: &str, tls: Option<TlsInfo>, starttls: bool) -> Self {
        Self::build_with(config, peer, tls, starttls, None)
    }

    /// A greeted session whose relay check also consults POP-before-SMTP `grants`.
    pub fn with_grants(config: SmtpConfig, peer: &str, grants: Arc<RelayGrants>) -> Self {
        let mut h = Self::build_with(config, peer, None, true, Some(grants));
        h.session.greeting();
        h
    }

    /// A greeted session sharing `ctx` (and so its rate counters) with other sessions.
    pub fn sharing(ctx: &Arc<SessionContext>, peer: &str) -> Self {
        let peer = peer.parse().expect("test peer address");
        let mut h = Self::from_session(Session::new(Arc::clone(ctx), peer, None, None));
        h.session.greeting();
        h
    }

    fn from_session(session: Session) -> Self {
        Self {
            session,
            delivered: Vec::new(),
            fail_delivery: false,
            starttls_requested: false,
            pauses: 0,
            closed: false,
            clock: now(),
        }
    }

    /// A context like the harness uses (queue ids Q1, Q2, ...).
    pub fn context(config: SmtpConfig) -> Arc<SessionContext> {
        Self::context_with(config, true, None)
    }

    fn context_with(
        config: SmtpConfig,
        starttls: bool,
        grants: Option<Arc<RelayGrants>>,
    ) -> Arc<SessionContext> {
        let counter = Arc::new(AtomicU64::new(0));
        let ctx = SessionContext::new(
            config,
            "mx.example.org".into(),
            Arc::new(TestPolicy),
            starttls,
        )
        .expect("valid test config")
        .with_queue_ids(Arc::new(move || {
            format!("Q{}", counter.fetch_add(1, Ordering::SeqCst) + 1)
        }));
        let ctx = match grants {
            Some(g) => ctx.with_relay_grants(g),
            None => ctx,
        };
        Arc::new(ctx)
    }

    fn build_with(
        config: SmtpConfig,
        peer: &str,
        tls: Option<TlsInfo>,
        starttls: bool,
        grants: Option<Arc<RelayGrants>>,
    ) -> Self {
        let ctx = Self::context_with(config, starttls, grants);
        let peer = peer.parse().expect("test peer address");
        Self::from_session(Session::new(ctx, peer, Some("client.example".into()), tls))
    }

    /// Send raw bytes; returns the replies written, resolving effects like a driver would.
    pub fn send(&mut self, input: &[u8]) -> String {
        let outputs = self.session.handle(input, self.clock);
        self.drive(outputs)
    }

    /// Send one command line and check that the reply text starts with `expect`.
    pub fn cmd(&mut self, line: &str, expect: &str) -> String {
        let replies = self.send(format!("{line}\r\n").as_bytes());
        assert!(
            replies.starts_with(expect),
            "{line:?}: expected {expect:?}, got {replies:?}"
        );
        replies
    }

    pub fn ehlo(&mut self) {
        self.cmd("EHLO client.example", "250-mx.example.org");
    }

    pub fn drive(&mut self, outputs: Vec<Output>) -> String {
        let mut text = String::new();
        let mut queue = std::collections::VecDeque::from(outputs);
        while let Some(output) = queue.pop_front() {
            match output {
                Output::Reply(r) => text.push_str(&r.to_string()),
                Output::StartTls => {
                    self.starttls_requested = true;
                    self.session.tls_established(tls_info());
                }
                Output::Authenticate(c) => {
                    use crate::auth::AuthOutcome;
                    let outcome = if c.username == "busy" {
                        AuthOutcome::TryLater("too many checks at once".into())
                    } else if matches!(c.username.as_str(), "alice" | "bob")
                        && c.password == "secret"
                    {
                        AuthOutcome::Accepted(c.username)
                    } else {
                        AuthOutcome::Rejected
                    };
                    queue.extend(self.session.auth_result(outcome, self.clock));
                }
                Output::CheckSender(facts) => {
                    let refusal = facts
                        .mail_from
                        .contains("spf-fail")
                        .then(|| (550, "5.7.23", "SPF says fail".to_string()));
                    queue.extend(self.session.sender_result(refusal, self.clock));
                }
                Output::Deliver(m) => {
                    let result = if self.fail_delivery {
                        Err(DeliveryError::Failed("disk full".into()))
                    } else {
                        self.delivered.push(*m);
                        Ok(())
                    };
                    queue.extend(self.session.delivery_result(result, self.clock));
                }
                Output::Pause(_) => self.pauses += 1,
                Output::Close => self.closed = true,
            }
        }
        text
    }

    /// MAIL + RCPT for a local recipient after EHLO.
    pub fn envelope(&mut self) {
        self.ehlo();
        self.cmd("MAIL FROM:<sender@remote.example>", "250 2.1.0");
        self.cmd("RCPT TO:<alice@example.org>", "250 2.1.5");
    }

    /// Content of the only delivered message without our Received header.
    pub fn body(&self, index: usize) -> Vec<u8> {
        let data = &self.delivered[index].data;
        let end = data
            .windows(2)
            .enumerate()
            .position(|(i, w)| w == b"\r\n" && data.get(i + 2) != Some(&b'\t'))
            .expect("received header ends");
        data[end + 2..].to_vec()
    }
}
