#![no_main]
//! Fuzz the SMTP command parser and the whole session: arbitrary bytes as one command line,
//! then as a client transcript split at an arbitrary point with effects resolved. Must not
//! panic; the session must never deliver content it did not receive.
use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use postie::smtp::session::{Output, Session, SessionContext, Timestamp};
use postie::smtp::{Policy, RecipientClass, SmtpConfig};

struct AnyPolicy;

impl Policy for AnyPolicy {
    fn classify_recipient(&self, address: &str) -> RecipientClass {
        match address.len() % 3 {
            0 => RecipientClass::Local { account: "a".into() },
            1 => RecipientClass::UnknownLocalUser,
            _ => RecipientClass::Remote,
        }
    }

    fn may_send_as(&self, _account: &str, mail_from: &str) -> bool {
        mail_from.len() % 2 == 0
    }
}

fuzz_target!(|data: &[u8]| {
    let _ = postie::smtp::command::parse(data);
    let config = SmtpConfig {
        max_message_size: 4096,
        max_command_line: 256,
        ..SmtpConfig::default()
    };
    let Ok(ctx) = SessionContext::new(config, "fuzz.example".into(), Arc::new(AnyPolicy), true)
    else {
        return;
    };
    let peer = "127.0.0.1:1".parse().expect("static address");
    let now: Timestamp = "2026-01-01T00:00:00Z".parse().expect("static date");
    let mut session = Session::new(Arc::new(ctx), peer, None, None);
    session.greeting();
    let split = data.first().map_or(0, |b| usize::from(*b)).min(data.len());
    for piece in [&data[..split], &data[split..]] {
        let mut queue = session.handle(piece, now);
        while let Some(output) = queue.pop() {
            let more = match output {
                Output::Authenticate(c) => session.auth_result(Some(c.username), now),
                Output::Deliver(m) => {
                    assert!(m.data.len() <= data.len() + 4096);
                    session.delivery_result(Ok(()), now)
                }
                Output::StartTls => {
                    session.tls_established(postie::smtp::TlsInfo {
                        version: "TLSv1.3".into(),
                        cipher: "X".into(),
                    });
                    Vec::new()
                }
                _ => Vec::new(),
            };
            queue.extend(more);
        }
    }
});
