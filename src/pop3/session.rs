//! The POP3 session state machine (RFC 1939 §§3-6, RFC 2449, RFC 2595, RFC 5034): bytes
//! and effect results in, replies and effects out. No IO, no clocks, no store access.
//!
//! While an effect that needs an answer is outstanding (login, TLS, commit), further
//! pipelined input stays buffered; the result-feeding method resumes processing it.

use std::fmt;
use std::time::Duration;

use super::command::{Command, CommandError};
use super::response::{self, RespCode};
use crate::auth;
pub use crate::net::Credentials;
use crate::net::{Line, LineBuffer, Phase};

/// After this many malformed or misplaced commands the session is closed.
const MAX_PROTOCOL_ERRORS: u32 = 25;

/// The fixed facts a session starts from, decided by the driver per connection.
#[derive(Debug, Clone)]
pub struct SessionSettings {
    /// Host name shown in the greeting and sign-off.
    pub hostname: String,
    /// Whether credentials may be sent before TLS (the policy applied to the peer).
    pub plaintext_auth_allowed: bool,
    /// Whether the connection is already encrypted (implicit TLS).
    pub tls_active: bool,
    /// Whether STLS can be offered (a certificate is configured).
    pub stls_available: bool,
    /// The `<...>` greeting timestamp, present only when APOP is available (RFC 1939 §7).
    pub apop_timestamp: Option<String>,
    /// Pause before a failed login is answered.
    pub failed_login_delay: Duration,
    /// Failed logins after which the connection is closed.
    pub max_auth_failures: u32,
    /// Longest command line in octets, CRLF included.
    pub max_line: usize,
}

/// The RFC 1939 §3 session states.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Before the client has identified itself.
    Authorization,
    /// The maildrop is locked and snapshotted.
    Transaction,
    /// QUIT was given; deletions are being committed.
    Update,
    /// The connection is to be closed.
    Closed,
}

/// One message of the snapshot taken at login (RFC 1939 §5 scan listing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaildropEntry {
    /// The store's identifier, used to fetch and delete.
    pub id: i64,
    /// The store's never-reused UID.
    pub uid: u64,
    /// Exact octets of the CRLF form ([`super::message::canonical_size`]).
    pub size: u64,
}

/// The maildrop as snapshotted at login; numbers stay fixed for the session.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Maildrop {
    /// Per-account value prefixed to UIDs so unique-ids stay unique forever.
    pub uid_validity: u64,
    /// Messages in maildrop order; message n is `messages[n - 1]`.
    pub messages: Vec<MaildropEntry>,
}

/// A login handed to the driver for checking.
#[derive(Clone, PartialEq, Eq)]
pub enum Login {
    /// USER/PASS or AUTH PLAIN.
    Password(Credentials),
    /// APOP: `digest` is MD5(timestamp + secret) in hex, per the greeting's timestamp.
    Apop {
        user: String,
        timestamp: String,
        digest: String,
    },
}

impl Login {
    /// The user name the client claims.
    pub fn user(&self) -> &str {
        match self {
            Self::Password(credentials) => &credentials.username,
            Self::Apop { user, .. } => user,
        }
    }
}

impl fmt::Debug for Login {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Login({:?}, <redacted>)", self.user())
    }
}

/// What the driver must do, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// Write these bytes.
    Reply(Vec<u8>),
    /// Wait this long before performing the next output (failed-login delay).
    Pause(Duration),
    /// Check the credentials, lock and snapshot the maildrop, then call
    /// [`Session::login_result`].
    Authenticate(Login),
    /// Fetch message `id`; on success write `status`, the message (or its TOP prefix of
    /// `top` body lines) byte-stuffed and `.CRLF`; on failure write
    /// [`response::message_unavailable`].
    SendMessage {
        id: i64,
        top: Option<u32>,
        status: Vec<u8>,
    },
    /// Remove these messages in one transaction, then call [`Session::commit_result`].
    Commit { ids: Vec<i64> },
    /// Run the TLS handshake on the connection, then call [`Session::tls_established`].
    StartTls,
    /// Close the connection (after writing everything before it).
    Close,
}

/// The answer to [`Output::Authenticate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginResult {
    /// Credentials valid, maildrop locked and snapshotted.
    Granted(Maildrop),
    /// Unknown user or wrong secret.
    Rejected,
    /// Credentials valid but another session holds the maildrop.
    InUse,
    /// The store could not be consulted.
    Unavailable,
    /// Not checked: too many failed logins from the client's address lately.
    Throttled,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Awaiting {
    Login,
    Tls,
    Commit,
}

/// Marks on the snapshot during TRANSACTION.
#[derive(Debug)]
struct Transaction {
    maildrop: Maildrop,
    deleted: Vec<bool>,
}

/// One POP3 conversation.
#[derive(Debug)]
pub struct Session {
    settings: SessionSettings,
    state: State,
    user: Option<String>,
    sasl_pending: bool,
    transaction: Option<Transaction>,
    input: LineBuffer,
    awaiting: Option<Awaiting>,
    auth_failures: u32,
    protocol_errors: u32,
}

impl Session {
    pub fn new(settings: SessionSettings) -> Self {
        Self {
            input: LineBuffer::new(settings.max_line),
            settings,
            state: State::Authorization,
            user: None,
            sasl_pending: false,
            transaction: None,
            awaiting: None,
            auth_failures: 0,
            protocol_errors: 0,
        }
    }

    /// The greeting (RFC 1939 §4), with the APOP timestamp when APOP is available.
    pub fn greeting(&self) -> Vec<u8> {
        let host = &self.settings.hostname;
        match &self.settings.apop_timestamp {
            Some(stamp) => response::ok(&format!("{host} POP3 server ready {stamp}")),
            None => response::ok(&format!("{host} POP3 server ready")),
        }
    }

    pub fn state(&self) -> State {
        self.state
    }

    /// Whether the session waits for an effect's result before reading more commands.
    pub fn is_awaiting(&self) -> bool {
        self.awaiting.is_some()
    }

    /// Whether the connection is encrypted (implicitly or after STLS).
    pub fn tls_active(&self) -> bool {
        self.settings.tls_active
    }

    /// What the driver is waiting for, so it can apply that phase's deadline.
    pub fn phase(&self) -> Phase {
        let lines = self.input.lines();
        if self.input.has_partial() {
            Phase::Line(lines)
        } else {
            Phase::Idle(lines)
        }
    }

    /// Feed bytes read from the client; complete lines are processed in order.
    pub fn handle(&mut self, input: &[u8]) -> Vec<Output> {
        if self.state == State::Closed {
            return Vec::new();
        }
        self.input.push(input);
        let mut out = Vec::new();
        self.drain(&mut out);
        out
    }

    /// The server is stopping: say so and close. Nothing is deleted (no UPDATE, RFC 1939
    /// §6), and the maildrop is released with the connection.
    pub fn shutdown(&mut self) -> Vec<Output> {
        let mut out = Vec::new();
        if self.state == State::Closed {
            return out;
        }
        let text = format!("{} POP3 server shutting down", self.settings.hostname);
        out.push(Output::Reply(response::err(Some(RespCode::SysTemp), &text)));
        self.close(&mut out);
        out
    }

    /// Feed the answer to [`Output::Authenticate`].
    pub fn login_result(&mut self, result: LoginResult) -> Vec<Output> {
        let mut out = Vec::new();
        if self.awaiting != Some(Awaiting::Login) {
            return out;
        }
        self.awaiting = None;
        match result {
            LoginResult::Granted(maildrop) => {
                let deleted = vec![false; maildrop.messages.len()];
                self.transaction = Some(Transaction { maildrop, deleted });
                self.state = State::Transaction;
                let summary = self.summary();
                out.push(Output::Reply(response::ok(&format!(
                    "maildrop has {summary}"
                ))));
            }
            LoginResult::Rejected => {
                self.auth_failures += 1;
                out.push(Output::Pause(self.settings.failed_login_delay));
                if self.auth_failures >= self.settings.max_auth_failures {
                    let text = "invalid credentials; too many failures, closing";
                    out.push(Output::Reply(response::err(Some(RespCode::Auth), text)));
                    self.close(&mut out);
                    return out;
                }
                let text = "invalid credentials";
                out.push(Output::Reply(response::err(Some(RespCode::Auth), text)));
            }
            LoginResult::InUse => {
                let text = "maildrop is in use by another session";
                out.push(Output::Reply(response::err(Some(RespCode::InUse), text)));
            }
            LoginResult::Unavailable => {
                let text = "maildrop cannot be opened now";
                out.push(Output::Reply(response::err(Some(RespCode::SysTemp), text)));
            }
            LoginResult::Throttled => {
                let text = "too many failed logins from your address, try again later";
                out.push(Output::Reply(response::err(Some(RespCode::SysTemp), text)));
            }
        }
        self.drain(&mut out);
        out
    }

    /// The TLS handshake after STLS succeeded: credentials may now be sent.
    pub fn tls_established(&mut self) -> Vec<Output> {
        let mut out = Vec::new();
        if self.awaiting == Some(Awaiting::Tls) {
            self.awaiting = None;
            self.settings.tls_active = true;
            self.input.clear();
            self.drain(&mut out);
        }
        out
    }

    /// Feed the answer to [`Output::Commit`] (RFC 1939 §6).
    pub fn commit_result(&mut self, committed: bool) -> Vec<Output> {
        let mut out = Vec::new();
        if self.awaiting != Some(Awaiting::Commit) {
            return out;
        }
        self.awaiting = None;
        self.sign_off(committed, &mut out);
        out
    }

    /// The last reply of UPDATE (RFC 1939 §6), then close.
    fn sign_off(&mut self, committed: bool, out: &mut Vec<Output>) {
        if committed {
            let left = crate::plural::count(self.summary_count(), "message");
            let text = format!(
                "{} POP3 server signing off ({left} left)",
                self.settings.hostname
            );
            out.push(Output::Reply(response::ok(&text)));
        } else {
            let text = "some deleted messages not removed";
            out.push(Output::Reply(response::err(Some(RespCode::SysTemp), text)));
        }
        self.close(out);
    }

    fn close(&mut self, out: &mut Vec<Output>) {
        self.state = State::Closed;
        self.input.clear();
        out.push(Output::Close);
    }

    fn drain(&mut self, out: &mut Vec<Output>) {
        while self.awaiting.is_none() && self.state != State::Closed {
            let line = match self.input.next_line() {
                None => return,
                Some(Line::TooLong) => {
                    self.protocol_error(out, "line too long");
                    continue;
                }
                Some(Line::Complete(line)) => line,
            };
            let line = line.as_slice();
            if self.sasl_pending {
                self.sasl_pending = false;
                self.sasl_response(line, out);
                continue;
            }
            match Command::parse(line) {
                Ok(command) => self.command(command, out),
                Err(error) => self.command_error(error, out),
            }
        }
    }

    fn command_error(&mut self, error: CommandError, out: &mut Vec<Output>) {
        self.protocol_error(out, &error.to_string());
    }

    fn protocol_error(&mut self, out: &mut Vec<Output>, text: &str) {
        self.protocol_errors += 1;
        if self.protocol_errors >= MAX_PROTOCOL_ERRORS {
            out.push(Output::Reply(response::err(
                None,
                "too many errors, closing",
            )));
            self.close(out);
        } else {
            out.push(Output::Reply(response::err(None, text)));
        }
    }

    fn reply(out: &mut Vec<Output>, bytes: Vec<u8>) {
        out.push(Output::Reply(bytes));
    }

    fn command(&mut self, command: Command, out: &mut Vec<Output>) {
        match (self.state, command) {
            (_, Command::Capa) => Self::reply(out, self.capabilities()),
            (State::Authorization, Command::Quit) => {
                let text = format!("{} POP3 server signing off", self.settings.hostname);
                Self::reply(out, response::ok(&text));
                self.close(out);
            }
            (State::Authorization, command) => self.authorization(command, out),
            (State::Transaction, command) => self.transaction(command, out),
            (State::Update | State::Closed, _) => {}
        }
    }

    /// Whether credentials may be accepted on this connection now.
    fn credentials_allowed(&self) -> bool {
        self.settings.tls_active || self.settings.plaintext_auth_allowed
    }

    fn refuse_plaintext(&self, out: &mut Vec<Output>) {
        let reply = if self.settings.stls_available && !self.settings.tls_active {
            response::err(
                Some(RespCode::Auth),
                "plaintext authentication disallowed without TLS; use STLS",
            )
        } else {
            response::err(
                Some(RespCode::SysPerm),
                "plaintext authentication disallowed on this connection",
            )
        };
        Self::reply(out, reply);
    }

    fn authorization(&mut self, command: Command, out: &mut Vec<Output>) {
        let needs_credentials = matches!(
            command,
            Command::User(_) | Command::Pass(_) | Command::Apop { .. } | Command::Auth { .. }
        );
        if needs_credentials && !self.credentials_allowed() {
            self.user = None;
            self.refuse_plaintext(out);
            return;
        }
        match command {
            Command::Stls => self.stls(out),
            Command::User(user) => {
                self.user = Some(user);
                Self::reply(out, response::ok("send PASS"));
            }
            Command::Pass(password) => match self.user.take() {
                Some(username) => {
                    self.authenticate(Login::Password(Credentials { username, password }), out)
                }
                None => self.protocol_error(out, "send USER first"),
            },
            Command::Apop { user, digest } => match self.settings.apop_timestamp.clone() {
                Some(timestamp) => self.authenticate(
                    Login::Apop {
                        user,
                        timestamp,
                        digest,
                    },
                    out,
                ),
                None => self.protocol_error(out, "APOP is not available"),
            },
            Command::Auth {
                mechanism: None, ..
            } => Self::reply(
                out,
                response::multiline("SASL mechanisms follow", ["PLAIN"]),
            ),
            Command::Auth {
                mechanism: Some(mechanism),
                initial_response,
            } => {
                if mechanism != "PLAIN" {
                    self.protocol_error(out, "unsupported SASL mechanism");
                } else if let Some(initial) = initial_response {
                    self.sasl_response(initial.as_bytes(), out);
                } else {
                    self.sasl_pending = true;
                    Self::reply(out, response::continuation(""));
                }
            }
            _ => self.protocol_error(out, "command not valid in AUTHORIZATION state"),
        }
    }

    fn stls(&mut self, out: &mut Vec<Output>) {
        if self.settings.tls_active {
            self.protocol_error(out, "TLS already active");
        } else if !self.settings.stls_available {
            self.protocol_error(out, "STLS not available");
        } else {
            self.user = None;
            Self::reply(out, response::ok("begin TLS negotiation"));
            out.push(Output::StartTls);
            // RFC 2595 §4: plaintext pipelined after STLS must not be acted upon.
            self.input.clear();
            self.awaiting = Some(Awaiting::Tls);
        }
    }

    /// The client's SASL PLAIN response (RFC 5034 §4, RFC 4616).
    fn sasl_response(&mut self, line: &[u8], out: &mut Vec<Output>) {
        if line == b"*" {
            Self::reply(out, response::err(None, "authentication cancelled"));
            return;
        }
        let decoded = std::str::from_utf8(line)
            .map_err(|_| auth::AuthError::NotUtf8)
            .and_then(auth::decode_plain);
        match decoded {
            Ok(creds) if creds.authzid.is_empty() || creds.authzid == creds.username => self
                .authenticate(
                    Login::Password(Credentials {
                        username: creds.username,
                        password: creds.password,
                    }),
                    out,
                ),
            Ok(_) => Self::reply(
                out,
                response::err(Some(RespCode::Auth), "authorization identity not permitted"),
            ),
            Err(_) => Self::reply(
                out,
                response::err(Some(RespCode::Auth), "malformed SASL PLAIN response"),
            ),
        }
    }

    fn authenticate(&mut self, login: Login, out: &mut Vec<Output>) {
        out.push(Output::Authenticate(login));
        self.awaiting = Some(Awaiting::Login);
    }

    /// CAPA (RFC 2449 §5); what is offered depends on state and transport.
    fn capabilities(&self) -> Vec<u8> {
        let authorization = self.state == State::Authorization;
        let mut caps = vec!["TOP", "UIDL"];
        if authorization && self.credentials_allowed() {
            caps.extend(["USER", "SASL PLAIN"]);
        }
        caps.extend(["RESP-CODES", "AUTH-RESP-CODE", "PIPELINING"]);
        if authorization && self.settings.stls_available && !self.settings.tls_active {
            caps.push("STLS");
        }
        caps.push("EXPIRE NEVER");
        let implementation = format!("IMPLEMENTATION postie-{}", env!("CARGO_PKG_VERSION"));
        response::multiline(
            "capability list follows",
            caps.iter().map(|c| (*c).to_owned()).chain([implementation]),
        )
    }
}

#[path = "transaction.rs"]
mod transaction;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
#[path = "session_tests.rs"]
mod tests;
