//! SMTP targets: the command parser, the DATA/BDAT reader, and a whole session driven
//! through [`Session::handle`] with its effects answered as the tokio driver would.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::Arc;

use super::{chunks, header, only_crlf};
use crate::auth::AuthOutcome;
use crate::smtp::command::{self, Command};
use crate::smtp::data::{DataLimits, DataReader};
use crate::smtp::reply::Reply;
use crate::smtp::session::Timestamp;
use crate::smtp::{
    BareNewlines, DeliveryError, Output, Policy, RecipientClass, Session, SessionContext,
    SmtpConfig, TlsInfo, VrfyPolicy,
};

/// One command line: never panics, trailing blanks and the verb's case do not matter, and
/// parsed envelope addresses carry no control characters.
pub fn command(data: &[u8]) {
    let parsed = command::parse(data);
    let mut padded = data.to_vec();
    padded.extend_from_slice(b" \t ");
    assert_eq!(
        command::parse(&padded),
        parsed,
        "trailing blanks changed the parse"
    );
    let verb_end = data.iter().position(|b| *b == b' ').unwrap_or(data.len());
    let mut lower = data.to_vec();
    lower[..verb_end].make_ascii_lowercase();
    assert_eq!(
        command::parse(&lower),
        parsed,
        "the verb's case changed the parse"
    );
    match &parsed {
        Ok(Command::Mail { from: address, .. } | Command::Rcpt { to: address }) => {
            assert!(!has_ascii_control(address.as_bytes()), "{address:?}");
        }
        Ok(Command::Helo(name) | Command::Ehlo(name)) => {
            assert!(!has_ascii_control(name.as_bytes()), "{name:?}");
        }
        Ok(_) => {}
        Err(e) => check_reply(&e.reply()),
    }
}

/// The content reader: never consumes past the terminator, produces canonical CRLF, and
/// gives the same result however the input is cut into reads.
pub fn data(data: &[u8]) {
    let (flags, chunking, input) = header(data);
    let limits = DataLimits {
        max_size: if flags & 1 == 0 { 1 << 16 } else { 64 },
        text_line_limit: 78,
        text_line_hard_limit: (flags & 2 != 0).then_some(998),
    };
    let whole = read_dot_terminated(limits, &[input]);
    let cut = read_dot_terminated(limits, &chunks(input, chunking));
    assert_eq!(
        whole, cut,
        "the content depends on how it was cut into reads"
    );
    let (consumed, done, content) = whole;
    assert!(consumed <= input.len());
    if done {
        let ended = &input[..consumed];
        assert!(
            ended.ends_with(b"\r\n.\r\n") || ended == b".\r\n",
            "{ended:?}"
        );
    } else {
        assert_eq!(consumed, input.len());
    }
    assert!(only_crlf(&content));
    assert!(content.len() as u64 <= limits.max_size);

    let mut chunked = DataReader::chunked(limits);
    for piece in chunks(input, chunking) {
        assert_eq!(chunked.feed(piece), (piece.len(), false));
    }
    chunked.finish_chunks();
    assert!(only_crlf(chunked.content()));
}

/// `(consumed, done, content)` of a DATA reader fed `reads` until it finishes.
fn read_dot_terminated(limits: DataLimits, reads: &[&[u8]]) -> (usize, bool, Vec<u8>) {
    let mut reader = DataReader::dot_terminated(limits);
    let mut consumed = 0;
    for piece in reads {
        let (used, done) = reader.feed(piece);
        assert!(used <= piece.len());
        consumed += used;
        if done {
            return (consumed, true, reader.into_content());
        }
        assert_eq!(used, piece.len(), "an unfinished reader left input behind");
    }
    (consumed, false, reader.into_content())
}

/// Local domain `local.test`: `a` (and `postmaster`) are the account `a`, `fwd` forwards,
/// `list` is a list, anyone else there is unknown; every other domain is remote.
struct FuzzPolicy;

impl Policy for FuzzPolicy {
    fn classify_recipient(&self, address: &str) -> RecipientClass {
        let lower = address.to_ascii_lowercase();
        let (local, domain) = lower.rsplit_once('@').unwrap_or((&lower, "local.test"));
        if domain != "local.test" {
            return RecipientClass::Remote;
        }
        match local {
            "a" | "postmaster" => RecipientClass::Local {
                account: "a".into(),
            },
            "fwd" => RecipientClass::Forward {
                targets: vec!["a@local.test".into(), "x@remote.test".into()],
                keep_copy_account: Some("a".into()),
            },
            "list" => RecipientClass::List {
                members: vec![".dot@remote.test".into(), "a@local.test".into()],
            },
            _ => RecipientClass::UnknownLocalUser,
        }
    }

    fn may_send_as(&self, account: &str, mail_from: &str) -> bool {
        account == "a" && mail_from.to_ascii_lowercase().ends_with("@local.test")
    }
}

/// The configuration the flags byte picks.
struct Setup {
    loopback: bool,
    implicit_tls: bool,
    starttls: bool,
    fail_every_other_delivery: bool,
    greet: bool,
    shut_down_at_end: bool,
    config: SmtpConfig,
}

impl Setup {
    fn new(flags: u8, chunking: u8) -> Self {
        let small = flags & 0x10 != 0;
        let config = SmtpConfig {
            max_message_size: if small { 256 } else { 1 << 16 },
            max_recipients: if small { 2 } else { 100 },
            max_messages_per_connection: if small { 2 } else { 100 },
            max_errors: if small { 3 } else { 20 },
            max_command_line: if small { 64 } else { 512 },
            text_line_hard_limit: small.then_some(100),
            max_received_headers: if small { 1 } else { 50 },
            bare_newlines: if flags & 0x08 != 0 {
                BareNewlines::Reject
            } else {
                BareNewlines::Normalize
            },
            vrfy: match chunking >> 6 {
                0 | 3 => VrfyPolicy::CannotVerify,
                1 => VrfyPolicy::Disabled,
                _ => VrfyPolicy::Verify,
            },
            ..SmtpConfig::default()
        };
        Self {
            loopback: flags & 0x01 != 0,
            implicit_tls: flags & 0x02 != 0,
            starttls: flags & 0x04 != 0,
            fail_every_other_delivery: flags & 0x20 != 0,
            greet: flags & 0x40 == 0,
            shut_down_at_end: flags & 0x80 != 0,
            config,
        }
    }
}

/// What the driver has seen, to check the session against.
struct Driver {
    session: Session,
    setup: Setup,
    now: Timestamp,
    tls: bool,
    account: Option<String>,
    closed: bool,
    deliveries: usize,
    /// Queue ids the driver stored durably.
    stored: Vec<String>,
    /// Queue ids the session answered `250 ... queued as` for.
    acknowledged: Vec<String>,
}

/// A whole session over any transcript, cut into reads by the chunking byte. The session
/// must: write only well-formed CRLF replies and nothing after closing; ask for a password
/// check only over TLS or loopback; hand over only messages in canonical CRLF within the
/// size limit; relay only for authenticated or trusted clients; acknowledge with 250 exactly
/// the messages the driver stored; ignore results it did not ask for.
pub fn session(data: &[u8]) {
    let (flags, chunking, transcript) = header(data);
    let setup = Setup::new(flags, chunking);
    let Ok(ctx) = SessionContext::new(
        setup.config.clone(),
        "mx.local.test".into(),
        Arc::new(FuzzPolicy),
        setup.starttls,
    ) else {
        return;
    };
    // The sender check at MAIL FROM rides on the same flag as failing deliveries.
    let ctx = ctx.with_sender_check(setup.fail_every_other_delivery);
    let peer: SocketAddr = if setup.loopback {
        SocketAddr::from(([127, 0, 0, 1], 40000))
    } else {
        SocketAddr::from(([192, 0, 2, 7], 40000))
    };
    let tls = setup.implicit_tls.then(tls_info);
    let now = Timestamp::from(chrono::DateTime::UNIX_EPOCH);
    let mut driver = Driver {
        session: Session::new(Arc::new(ctx), peer, Some("client.test".into()), tls),
        tls: setup.implicit_tls,
        setup,
        now,
        account: None,
        closed: false,
        deliveries: 0,
        stored: Vec::new(),
        acknowledged: Vec::new(),
    };
    if driver.setup.greet {
        check_reply(&driver.session.greeting());
    }
    for piece in chunks(transcript, chunking) {
        let outputs = driver.session.handle(piece, now);
        if driver.closed {
            assert!(outputs.is_empty(), "output after close: {outputs:?}");
        }
        driver.perform(outputs);
        driver.unasked_results();
    }
    if driver.setup.shut_down_at_end && !driver.closed {
        let outputs = driver.session.shutdown();
        assert!(matches!(&outputs[..], [Output::Reply(r), Output::Close] if r.code == 421));
        driver.perform(outputs);
    }
    assert_eq!(driver.acknowledged, driver.stored, "250 without storage");
    assert_eq!(driver.session.facts().queue_ids, driver.stored);
}

impl Driver {
    fn perform(&mut self, outputs: Vec<Output>) {
        let mut queue = VecDeque::from(outputs);
        while let Some(output) = queue.pop_front() {
            assert!(!self.closed, "output after close: {output:?}");
            let asks = matches!(
                output,
                Output::StartTls
                    | Output::Authenticate(_)
                    | Output::Deliver(_)
                    | Output::CheckSender(_)
            );
            assert!(!asks || queue.is_empty(), "output after {output:?}");
            match output {
                Output::Reply(reply) => {
                    check_reply(&reply);
                    if let Some(id) = queued_as(&reply) {
                        self.acknowledged.push(id.to_owned());
                    }
                }
                Output::StartTls => {
                    assert!(self.setup.starttls && !self.tls, "STARTTLS not offered");
                    self.tls = true;
                    self.account = None;
                    self.session.tls_established(tls_info());
                }
                Output::Authenticate(credentials) => {
                    assert!(self.tls || self.setup.loopback, "password in cleartext");
                    let outcome = match (&*credentials.username, &*credentials.password) {
                        ("a", "pw") => AuthOutcome::Accepted("a".into()),
                        ("busy", _) => AuthOutcome::TryLater("busy".into()),
                        _ => AuthOutcome::Rejected,
                    };
                    if let AuthOutcome::Accepted(account) = &outcome {
                        self.account = Some(account.clone());
                    }
                    queue.extend(self.session.auth_result(outcome, self.now));
                }
                Output::CheckSender(facts) => {
                    assert!(
                        self.setup.fail_every_other_delivery && self.account.is_none(),
                        "sender check not asked for: {facts:?}"
                    );
                    let refusal = facts
                        .mail_from
                        .contains("spf-fail")
                        .then(|| (550, "5.7.23", "SPF says fail".to_string()));
                    queue.extend(self.session.sender_result(refusal, self.now));
                }
                Output::Deliver(message) => {
                    self.check_message(&message);
                    self.deliveries += 1;
                    let result = if self.setup.fail_every_other_delivery
                        && self.deliveries.is_multiple_of(2)
                    {
                        // Alternate the store failing (451) and a policy refusal (550).
                        if self.deliveries.is_multiple_of(4) {
                            Err(DeliveryError::Refused {
                                code: 550,
                                enhanced: "5.7.1",
                                text: "refused by policy".into(),
                            })
                        } else {
                            Err(DeliveryError::Failed("disk full".into()))
                        }
                    } else {
                        self.stored.push(message.queue_id.clone());
                        Ok(())
                    };
                    queue.extend(self.session.delivery_result(result, self.now));
                }
                Output::Pause(_) => {}
                Output::Close => {
                    assert!(self.session.is_closed());
                    self.closed = true;
                }
            }
        }
    }

    fn check_message(&self, message: &crate::smtp::AcceptedMessage) {
        assert!(!message.recipients.is_empty());
        for recipient in &message.recipients {
            assert_ne!(recipient.class, RecipientClass::UnknownLocalUser);
            if recipient.class == RecipientClass::Remote {
                assert!(
                    self.account.is_some() || self.setup.loopback,
                    "relayed for a stranger: {:?}",
                    recipient.address
                );
            }
        }
        assert_eq!(message.auth_user, self.account);
        assert_eq!(message.tls.is_some(), self.tls);
        assert!(message.data.starts_with(b"Received: "));
        assert!(only_crlf(&message.data), "bare CR or LF handed over");
        let config = &self.setup.config;
        let header_room = 3 * config.max_command_line as u64 + 512;
        assert!(message.data.len() as u64 <= config.max_message_size + header_room);
        assert!(!self.stored.contains(&message.queue_id), "queue id reused");
    }

    /// Results nobody asked for change nothing: no output, and a TLS "handshake" without
    /// STARTTLS must not make later messages look encrypted (checked on delivery).
    fn unasked_results(&mut self) {
        let auth = self
            .session
            .auth_result(AuthOutcome::Accepted("intruder".into()), self.now);
        assert!(auth.is_empty(), "unasked auth result answered: {auth:?}");
        let delivery = self.session.delivery_result(Ok(()), self.now);
        assert!(
            delivery.is_empty(),
            "unasked delivery answered: {delivery:?}"
        );
        let sender = self.session.sender_result(None, self.now);
        assert!(
            sender.is_empty(),
            "unasked sender check answered: {sender:?}"
        );
        self.session.tls_established(tls_info());
    }
}

fn tls_info() -> TlsInfo {
    TlsInfo {
        version: "TLSv1.3".into(),
        cipher: "TLS13_AES_128_GCM_SHA256".into(),
    }
}

/// The queue id of a `250 2.0.0 Ok: queued as X` reply.
fn queued_as(reply: &Reply) -> Option<&str> {
    if reply.code != 250 {
        return None;
    }
    reply.lines.first()?.strip_prefix("Ok: queued as ")
}

/// A reply's wire form: CRLF lines, each `ddd-` or `ddd ` (the last) with one code in
/// 2xx..5xx, and no control characters in the text (no reply splitting, no terminal games).
fn check_reply(reply: &Reply) {
    let wire = reply.to_bytes();
    assert!(
        crate::mail::canonical::is_canonical_crlf(&wire) && !wire.is_empty(),
        "{wire:?}"
    );
    assert!((200..600).contains(&reply.code), "{reply:?}");
    let lines: Vec<&[u8]> = wire.split_inclusive(|b| *b == b'\n').collect();
    for (i, line) in lines.iter().enumerate() {
        let text = &line[..line.len() - 2];
        assert!(
            text.starts_with(reply.code.to_string().as_bytes()),
            "{wire:?}"
        );
        let separator = if i + 1 == lines.len() { b' ' } else { b'-' };
        assert!(
            text.len() == 3 || text[3] == separator,
            "bad continuation in {wire:?}"
        );
        assert!(!has_ascii_control(text), "control character in {wire:?}");
    }
}

/// An ASCII control character other than HT (RFC 5321 §4.1.2 textstring).
fn has_ascii_control(bytes: &[u8]) -> bool {
    bytes.iter().any(|b| b.is_ascii_control() && *b != b'\t')
}
