//! AUTH (RFC 4954) with the PLAIN (RFC 4616) and LOGIN mechanisms: challenges, initial
//! responses, `*` cancellation. Checking the password is the backend's job.

use std::time::Duration;

use super::{Credentials, Output, Session, State};
use crate::auth::{decode_login_step, decode_plain, encode_challenge};
use crate::smtp::reply::Reply;

impl Session {
    /// AUTH command (RFC 4954 §4).
    pub(super) fn auth(&mut self, mechanism: &str, initial: Option<String>, out: &mut Vec<Output>) {
        if !self.helo.as_ref().is_some_and(|h| h.extended) {
            return self.reply(Reply::new(503, "5.5.1", "Error: send EHLO first"), out);
        }
        if self.auth_user.is_some() {
            return self.reply(
                Reply::new(503, "5.5.1", "Error: already authenticated"),
                out,
            );
        }
        if self.envelope.is_some() {
            return self.reply(
                Reply::new(
                    503,
                    "5.5.1",
                    "Error: AUTH not allowed during a mail transaction",
                ),
                out,
            );
        }
        if !self.auth_allowed() {
            let reply = if self.ctx.starttls_available {
                Reply::new(530, "5.7.0", "Must issue a STARTTLS command first")
            } else {
                Reply::new(
                    538,
                    "5.7.11",
                    "Encryption required for requested authentication mechanism",
                )
            };
            return self.reply(reply, out);
        }
        // RFC 4954 §4: "=" is a zero-length initial response.
        let initial = initial.map(|r| if r == "=" { String::new() } else { r });
        match (mechanism, initial) {
            ("PLAIN", Some(response)) => self.auth_plain_response(response.as_bytes(), out),
            ("PLAIN", None) => {
                self.state = State::AuthPlain;
                out.push(Output::Reply(Reply::bare(334, "")));
            }
            ("LOGIN", Some(username)) => self.auth_login_username(username.as_bytes(), out),
            ("LOGIN", None) => {
                self.state = State::AuthLoginUsername;
                out.push(Output::Reply(Reply::bare(
                    334,
                    encode_challenge("Username:"),
                )));
            }
            _ => self.reply(
                Reply::new(504, "5.5.4", "Error: unsupported authentication mechanism"),
                out,
            ),
        }
    }

    /// The PLAIN response line (or initial response).
    pub(super) fn auth_plain_response(&mut self, line: &[u8], out: &mut Vec<Output>) {
        let Some(text) = self.sasl_line(line, out) else {
            return;
        };
        match decode_plain(&text) {
            Err(_) => self.cannot_decode(out),
            Ok(creds) if !creds.authzid.is_empty() && creds.authzid != creds.username => {
                // Acting as someone else is not supported: same answer as a wrong password.
                self.auth_failed(out);
            }
            Ok(creds) => self.check(creds.username, creds.password, out),
        }
    }

    /// The LOGIN username line.
    pub(super) fn auth_login_username(&mut self, line: &[u8], out: &mut Vec<Output>) {
        let Some(text) = self.sasl_line(line, out) else {
            return;
        };
        match decode_login_step(&text) {
            Err(_) => self.cannot_decode(out),
            Ok(username) => {
                self.state = State::AuthLoginPassword { username };
                out.push(Output::Reply(Reply::bare(
                    334,
                    encode_challenge("Password:"),
                )));
            }
        }
    }

    /// The LOGIN password line.
    pub(super) fn auth_login_password(
        &mut self,
        username: String,
        line: &[u8],
        out: &mut Vec<Output>,
    ) {
        let Some(text) = self.sasl_line(line, out) else {
            return;
        };
        match decode_login_step(&text) {
            Err(_) => self.cannot_decode(out),
            Ok(password) => self.check(username, password, out),
        }
    }

    /// A failed authentication: delay, then 535 (RFC 4954 §6).
    pub(super) fn auth_failed(&mut self, out: &mut Vec<Output>) {
        self.state = State::Command;
        out.push(Output::Pause(Duration::from_millis(
            self.ctx.config.auth_delay_ms,
        )));
        self.reply(
            Reply::new(535, "5.7.8", "Error: authentication failed"),
            out,
        );
    }

    fn check(&mut self, username: String, password: String, out: &mut Vec<Output>) {
        if username.is_empty() || password.is_empty() {
            return self.auth_failed(out);
        }
        self.state = State::AwaitingAuth;
        out.push(Output::Authenticate(Credentials { username, password }));
    }

    /// A SASL response line as text; `*` cancels the exchange (RFC 4954 §4: 501).
    fn sasl_line(&mut self, line: &[u8], out: &mut Vec<Output>) -> Option<String> {
        self.state = State::Command;
        if line == b"*" {
            self.reply(Reply::new(501, "5.7.0", "Authentication aborted"), out);
            return None;
        }
        match std::str::from_utf8(line) {
            Ok(text) => Some(text.to_owned()),
            Err(_) => {
                self.cannot_decode(out);
                None
            }
        }
    }

    fn cannot_decode(&mut self, out: &mut Vec<Output>) {
        self.state = State::Command;
        self.reply(
            Reply::new(501, "5.5.2", "Error: cannot decode response"),
            out,
        );
    }
}
