//! The sans-IO SMTP server session (RFC 5321 §3, §4): bytes and async results in, replies
//! and effects out. It buffers partial lines itself, never awaits anything, and takes the
//! current time as an argument so transcripts are deterministic.

mod auth;
mod commands;
mod context;
mod message;

pub use context::{QueueIdGenerator, SessionContext, random_queue_id};

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, FixedOffset};

use super::backend::{AcceptedMessage, AcceptedRecipient, DeliveryError, SenderFacts, TlsInfo};
use super::command::MailParams;
use super::data::DataReader;
use super::reply::Reply;
use crate::auth::AuthOutcome;
pub use crate::net::Credentials;
use crate::net::{Expired, Line, LineBuffer, Phase};

/// Wall-clock time as the session sees it (local offset kept for the Received date).
pub type Timestamp = DateTime<FixedOffset>;

/// What the driver must do, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// Write this reply.
    Reply(Reply),
    /// Start the TLS handshake now, then call [`Session::tls_established`].
    StartTls,
    /// Check these credentials, then call [`Session::auth_result`].
    Authenticate(Credentials),
    /// Store this message durably, then call [`Session::delivery_result`].
    Deliver(Box<AcceptedMessage>),
    /// Ask whether this sender may send (SPF at MAIL FROM), then call
    /// [`Session::sender_result`].
    CheckSender(SenderFacts),
    /// Wait this long before performing the following outputs (failed AUTH).
    Pause(Duration),
    /// Close the connection after writing the preceding replies.
    Close,
}

/// HELO/EHLO identity (RFC 5321 §4.1.1.1).
#[derive(Debug, Clone)]
struct Helo {
    name: String,
    extended: bool,
}

/// Mail transaction state (RFC 5321 §3.3): MAIL given, recipients so far, BDAT content.
#[derive(Debug)]
struct Envelope {
    from: String,
    params: MailParams,
    recipients: Vec<AcceptedRecipient>,
    chunks: Option<DataReader>,
}

/// Where the dialogue is. Transaction progress (MAIL, RCPT) lives in `Session::envelope`.
#[derive(Debug)]
enum State {
    /// Connected, greeting not yet sent: anything the client says now is an early talk.
    Connected,
    /// Greeted; reading commands.
    Command,
    /// Reading DATA content.
    Data(DataReader),
    /// Reading the octets of a BDAT chunk into the envelope's reader.
    Bdat { remaining: u64, last: bool },
    /// Swallowing the octets of a refused BDAT chunk, then sending `reply`.
    BdatDiscard { remaining: u64, reply: Reply },
    /// AUTH PLAIN sent 334 and waits for the response line.
    AuthPlain,
    /// AUTH LOGIN waits for the username line.
    AuthLoginUsername,
    /// AUTH LOGIN waits for the password line.
    AuthLoginPassword { username: String },
    /// Waiting for [`Session::auth_result`].
    AwaitingAuth,
    /// Waiting for [`Session::delivery_result`].
    AwaitingDelivery { queue_id: String },
    /// Waiting for [`Session::sender_result`] on this MAIL command.
    AwaitingSender { from: String, params: MailParams },
    /// Waiting for [`Session::tls_established`].
    StartingTls,
    /// QUIT, error limit, timeout or protocol violation: nothing more is read.
    Closed,
}

/// What an ended (or ending) session did, for the access log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionFacts {
    pub helo: Option<String>,
    pub tls: Option<TlsInfo>,
    pub auth_user: Option<String>,
    /// Command lines read (SASL continuation lines included).
    pub commands: usize,
    /// Queue ids of the messages accepted.
    pub queue_ids: Vec<String>,
    /// How it ended: quit, timeout, shutdown, too-many-errors, protocol-violation,
    /// too-many-messages, early-talker, or disconnected (the client just went away).
    pub end: &'static str,
}

/// One SMTP server session.
pub struct Session {
    ctx: Arc<SessionContext>,
    peer: SocketAddr,
    rdns: Option<String>,
    tls: Option<TlsInfo>,
    state: State,
    helo: Option<Helo>,
    auth_user: Option<String>,
    envelope: Option<Envelope>,
    input: LineBuffer,
    errors: usize,
    messages: usize,
    now: Timestamp,
    commands: usize,
    queue_ids: Vec<String>,
    end: &'static str,
}

impl Session {
    /// A new session for a client at `peer` (with its reverse DNS name), already in TLS when
    /// `tls` is given (implicit TLS listener).
    pub fn new(
        ctx: Arc<SessionContext>,
        peer: SocketAddr,
        rdns: Option<String>,
        tls: Option<TlsInfo>,
    ) -> Self {
        let max_line = ctx.config.max_command_line;
        Self {
            ctx,
            peer,
            rdns,
            tls,
            state: State::Connected,
            helo: None,
            auth_user: None,
            envelope: None,
            input: LineBuffer::new(max_line),
            errors: 0,
            messages: 0,
            now: DateTime::UNIX_EPOCH.fixed_offset(),
            commands: 0,
            queue_ids: Vec::new(),
            end: "disconnected",
        }
    }

    /// What the session did so far, for the access log.
    pub fn facts(&self) -> SessionFacts {
        SessionFacts {
            helo: self.helo.as_ref().map(|h| h.name.clone()),
            tls: self.tls.clone(),
            auth_user: self.auth_user.clone(),
            commands: self.commands,
            queue_ids: self.queue_ids.clone(),
            end: self.end,
        }
    }

    /// The 220 greeting (RFC 5321 §4.2, §3.1); moves the session to command reading.
    pub fn greeting(&mut self) -> Reply {
        if matches!(self.state, State::Connected) {
            self.state = State::Command;
        }
        Reply::bare(220, format!("{} ESMTP postie", self.ctx.hostname))
    }

    /// Feed bytes read from the client.
    pub fn handle(&mut self, input: &[u8], now: Timestamp) -> Vec<Output> {
        let mut out = Vec::new();
        match self.state {
            State::Closed => return out,
            State::Connected => {
                // Talking before the greeting: a bot or a pipelining client that cannot wait.
                out.push(Output::Reply(Reply::new(
                    554,
                    "5.5.0",
                    "Error: SMTP protocol synchronization (talked before greeting)",
                )));
                self.end = "early-talker";
                self.close(&mut out);
                return out;
            }
            _ => {}
        }
        self.input.push(input);
        self.process(now, &mut out);
        out
    }

    /// Result of an [`Output::Authenticate`] (RFC 4954 §6: 235, 535, or 454 when the check
    /// could not run now).
    pub fn auth_result(&mut self, outcome: AuthOutcome, now: Timestamp) -> Vec<Output> {
        let mut out = Vec::new();
        if !matches!(self.state, State::AwaitingAuth) {
            return out;
        }
        self.state = State::Command;
        match outcome {
            AuthOutcome::Accepted(account) => {
                self.auth_user = Some(account);
                self.reply(
                    Reply::new(235, "2.7.0", "Authentication successful"),
                    &mut out,
                );
            }
            AuthOutcome::Rejected => self.auth_failed(&mut out),
            AuthOutcome::TryLater(_) => self.reply(
                Reply::new(
                    454,
                    "4.7.0",
                    "Temporary authentication failure, try again later",
                ),
                &mut out,
            ),
        }
        self.process(now, &mut out);
        out
    }

    /// Result of an [`Output::CheckSender`]: the MAIL command is refused with `refusal`, or
    /// accepted (250) and the transaction starts.
    pub fn sender_result(
        &mut self,
        refusal: Option<(u16, &'static str, String)>,
        now: Timestamp,
    ) -> Vec<Output> {
        let mut out = Vec::new();
        if !matches!(self.state, State::AwaitingSender { .. }) {
            return out;
        }
        let State::AwaitingSender { from, params } =
            std::mem::replace(&mut self.state, State::Command)
        else {
            return out;
        };
        match refusal {
            Some((code, enhanced, text)) => self.reply(Reply::new(code, enhanced, text), &mut out),
            None => self.start_transaction(from, params, &mut out),
        }
        self.process(now, &mut out);
        out
    }

    /// Result of an [`Output::Deliver`]: 250 once durable, 451 otherwise (RFC 5321 §6.1).
    pub fn delivery_result(
        &mut self,
        result: Result<(), DeliveryError>,
        now: Timestamp,
    ) -> Vec<Output> {
        let mut out = Vec::new();
        // Only a delivery the session asked for moves it on; any other state stays as it is.
        let State::AwaitingDelivery { queue_id } = &self.state else {
            return out;
        };
        let queue_id = queue_id.clone();
        self.state = State::Command;
        match result {
            Ok(()) => {
                self.messages += 1;
                self.queue_ids.push(queue_id.clone());
                self.reply(
                    Reply::new(250, "2.0.0", format!("Ok: queued as {queue_id}")),
                    &mut out,
                );
            }
            Err(DeliveryError::Refused {
                code,
                enhanced,
                text,
            }) => self.reply(Reply::new(code, enhanced, text), &mut out),
            Err(DeliveryError::Failed(_)) => self.reply(
                Reply::new(451, "4.3.0", "Error: message not stored, try again later"),
                &mut out,
            ),
        }
        self.process(now, &mut out);
        out
    }

    /// The TLS handshake after [`Output::StartTls`] succeeded. Per RFC 3207 §4.2 everything
    /// learnt before is forgotten: the client must EHLO again.
    pub fn tls_established(&mut self, info: TlsInfo) {
        if matches!(self.state, State::StartingTls) {
            self.state = State::Command;
            self.tls = Some(info);
            self.helo = None;
            self.auth_user = None;
            self.envelope = None;
            self.input.clear();
        }
    }

    /// The read timeout elapsed: 421 and close (RFC 5321 §4.5.3.2).
    pub fn timeout(&mut self) -> Vec<Output> {
        self.expired(Expired::Idle)
    }

    /// A connection deadline passed: 421 4.4.2 saying which, and close. An unfinished
    /// message is not accepted.
    pub fn expired(&mut self, what: Expired) -> Vec<Output> {
        let text = match what {
            Expired::Idle | Expired::Line => "timeout exceeded",
            Expired::TooSlow => "transfer too slow",
            Expired::Lifetime => "session lasted too long",
        };
        let mut out = vec![Output::Reply(Reply::new(
            421,
            "4.4.2",
            format!("{} Error: {text}", self.ctx.hostname),
        ))];
        self.end = what.as_str();
        self.close(&mut out);
        out
    }

    /// The server is shutting down: 421 and close; an unfinished message is not accepted.
    pub fn shutdown(&mut self) -> Vec<Output> {
        let mut out = vec![Output::Reply(Reply::new(
            421,
            "4.3.2",
            format!(
                "{} Service shutting down, closing connection",
                self.ctx.hostname
            ),
        ))];
        self.end = "shutdown";
        self.close(&mut out);
        out
    }

    /// What the driver is waiting for, so it can apply that phase's deadline.
    pub fn phase(&self) -> Phase {
        let lines = self.input.lines();
        match self.state {
            State::Data(_) | State::Bdat { .. } | State::BdatDiscard { .. } => {
                Phase::Transfer(lines)
            }
            _ if self.input.has_partial() => Phase::Line(lines),
            _ => Phase::Idle(lines),
        }
    }

    /// No further input will be processed.
    pub fn is_closed(&self) -> bool {
        matches!(self.state, State::Closed)
    }

    /// Authenticated account, if any.
    pub fn auth_user(&self) -> Option<&str> {
        self.auth_user.as_deref()
    }

    fn close(&mut self, out: &mut Vec<Output>) {
        self.state = State::Closed;
        self.input.clear();
        out.push(Output::Close);
    }

    /// Queue a reply; negative ones count towards `max_errors` (Postfix's hard error limit).
    fn reply(&mut self, reply: Reply, out: &mut Vec<Output>) {
        let counts = reply.is_negative() && !matches!(reply.code, 421 | 451 | 452);
        out.push(Output::Reply(reply));
        if counts {
            self.errors += 1;
            if self.errors >= self.ctx.config.max_errors && !self.is_closed() {
                out.push(Output::Reply(Reply::new(
                    421,
                    "4.7.0",
                    format!("{} Error: too many errors", self.ctx.hostname),
                )));
                self.end = "too-many-errors";
                self.close(out);
            }
        }
    }

    fn is_trusted(&self) -> bool {
        let ip = self.peer.ip();
        self.ctx.trusted.iter().any(|net| net.contains(ip))
    }

    /// May this client relay (and see EXPN/VRFY answers)? Trusted network, AUTH, or a
    /// recent POP3 login from its IP (POP-before-SMTP).
    fn may_relay(&self) -> bool {
        self.auth_user.is_some()
            || self.is_trusted()
            || self
                .ctx
                .grants
                .as_ref()
                .is_some_and(|g| g.is_granted(self.peer.ip(), self.now))
    }

    /// AUTH is offered only over TLS or on loopback (no cleartext passwords on the network).
    fn auth_allowed(&self) -> bool {
        self.tls.is_some() || self.peer.ip().to_canonical().is_loopback()
    }

    /// Run buffered input through the state machine until it needs more input or a result.
    fn process(&mut self, now: Timestamp, out: &mut Vec<Output>) {
        self.now = now;
        loop {
            let state = std::mem::replace(&mut self.state, State::Closed);
            match state {
                State::Connected
                | State::AwaitingAuth
                | State::AwaitingDelivery { .. }
                | State::AwaitingSender { .. }
                | State::StartingTls
                | State::Closed => {
                    self.state = state;
                    return;
                }
                State::Data(mut reader) => {
                    let (consumed, done) = reader.feed(self.input.bytes());
                    self.input.consume(consumed);
                    if !done {
                        self.state = State::Data(reader);
                        return;
                    }
                    self.state = State::Command;
                    let envelope = self.envelope.take();
                    self.finish_message(envelope, reader, now, out);
                }
                State::Bdat { remaining, last } => {
                    if !self.read_chunk(remaining, last, now, out) {
                        return;
                    }
                }
                State::BdatDiscard { remaining, reply } => {
                    let take = usize::try_from(remaining)
                        .unwrap_or(usize::MAX)
                        .min(self.input.bytes().len());
                    self.input.consume(take);
                    let remaining = remaining - take as u64;
                    if remaining > 0 {
                        self.state = State::BdatDiscard { remaining, reply };
                        return;
                    }
                    self.state = State::Command;
                    self.reply(reply, out);
                }
                line_state => {
                    self.state = line_state;
                    let Some(line) = self.next_line(out) else {
                        return;
                    };
                    let pipelined = !self.input.bytes().is_empty();
                    self.commands += 1;
                    match std::mem::replace(&mut self.state, State::Command) {
                        State::AuthPlain => self.auth_plain_response(&line, out),
                        State::AuthLoginUsername => self.auth_login_username(&line, out),
                        State::AuthLoginPassword { username } => {
                            self.auth_login_password(username, &line, out);
                        }
                        _ => self.command_line(&line, pipelined, out),
                    }
                }
            }
        }
    }

    /// Take one line (without CRLF or LF), answering over-long ones (`max_command_line`).
    fn next_line(&mut self, out: &mut Vec<Output>) -> Option<Vec<u8>> {
        loop {
            match self.input.next_line()? {
                Line::Complete(line) => return Some(line),
                Line::TooLong => {
                    self.line_too_long(out);
                    if self.is_closed() {
                        return None;
                    }
                }
            }
        }
    }

    fn line_too_long(&mut self, out: &mut Vec<Output>) {
        // An over-long SASL response ends the AUTH exchange as well.
        if matches!(
            self.state,
            State::AuthPlain | State::AuthLoginUsername | State::AuthLoginPassword { .. }
        ) {
            self.state = State::Command;
        }
        self.reply(Reply::new(500, "5.5.2", "Error: line too long"), out);
    }
}

#[cfg(test)]
mod testkit;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_auth;
#[cfg(test)]
mod tests_classic;
#[cfg(test)]
mod tests_limits;
