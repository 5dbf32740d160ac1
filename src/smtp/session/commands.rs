//! Command handlers: greeting commands, the mail transaction, and the informational verbs.

use super::{Envelope, Helo, Output, Session, State};
use crate::smtp::address::needs_smtputf8;
use crate::smtp::backend::{AcceptedRecipient, RecipientClass, SenderFacts};
use crate::smtp::command::{self, Command, MailParams};
use crate::smtp::config::VrfyPolicy;
use crate::smtp::data::{DataLimits, DataReader};
use crate::smtp::limits::Counter;
use crate::smtp::reply::Reply;

/// `<a>, <b>` for reply texts.
fn bracketed(addresses: &[String]) -> String {
    let all: Vec<String> = addresses.iter().map(|a| format!("<{a}>")).collect();
    all.join(", ")
}

fn out_of_sequence(text: &str) -> Reply {
    Reply::new(503, "5.5.1", format!("Error: {text}"))
}

impl Session {
    /// One command line in the command state.
    pub(super) fn command_line(&mut self, line: &[u8], pipelined: bool, out: &mut Vec<Output>) {
        let parsed = command::parse(line);
        // RFC 2920 §3.1: these must end a pipelined group; without EHLO nothing may be
        // pipelined (Postfix smtpd_forbid_unauth_pipelining). Refusing data after STARTTLS
        // is the plaintext-injection defence (CVE-2011-0411).
        let must_be_last = matches!(
            parsed,
            Ok(Command::Helo(_)
                | Command::Ehlo(_)
                | Command::Data
                | Command::StartTls
                | Command::Auth { .. })
        );
        let pipelining = self.helo.as_ref().is_some_and(|h| h.extended);
        let is_bdat = matches!(parsed, Ok(Command::Bdat { .. }));
        if pipelined && !is_bdat && (must_be_last || !pipelining) {
            out.push(Output::Reply(Reply::new(
                554,
                "5.5.0",
                "Error: SMTP protocol synchronization",
            )));
            self.end = "protocol-violation";
            self.close(out);
            return;
        }
        match parsed {
            Err(e) => self.reply(e.reply(), out),
            Ok(cmd) => self.command(cmd, out),
        }
    }

    fn command(&mut self, cmd: Command, out: &mut Vec<Output>) {
        let host = self.ctx.hostname.clone();
        match cmd {
            Command::Helo(name) => {
                self.envelope = None;
                self.helo = Some(Helo {
                    name,
                    extended: false,
                });
                self.reply(Reply::bare(250, host), out);
            }
            Command::Ehlo(name) => {
                self.envelope = None;
                self.helo = Some(Helo {
                    name,
                    extended: true,
                });
                let reply = self.ehlo_reply();
                self.reply(reply, out);
            }
            Command::Mail { from, params } => self.mail(from, params, out),
            Command::Rcpt { to } => self.rcpt(to, out),
            Command::Data => self.data(out),
            Command::Bdat { size, last } => self.bdat(size, last),
            Command::Rset => {
                self.envelope = None;
                self.reply(Reply::new(250, "2.0.0", "Ok"), out);
            }
            Command::Noop => self.reply(Reply::new(250, "2.0.0", "Ok"), out),
            Command::Quit => {
                out.push(Output::Reply(Reply::new(221, "2.0.0", "Bye")));
                self.end = "quit";
                self.close(out);
            }
            Command::Help => self.reply(
                Reply::new(214, "2.0.0", "postie: see RFC 5321 for the command set"),
                out,
            ),
            Command::Vrfy(address) => self.vrfy(&address, out),
            Command::Expn(name) => self.expn(&name, out),
            Command::NotImplemented(verb) => self.reply(
                Reply::new(502, "5.5.1", format!("Error: {verb} not implemented")),
                out,
            ),
            Command::StartTls => self.starttls(out),
            Command::Auth { mechanism, initial } => self.auth(&mechanism, initial, out),
        }
    }

    /// EHLO response (RFC 5321 §4.1.1.1) listing the service extensions.
    fn ehlo_reply(&self) -> Reply {
        let mut lines = vec![
            self.ctx.hostname.clone(),
            "PIPELINING".to_owned(),
            format!("SIZE {}", self.ctx.config.max_message_size),
            "8BITMIME".to_owned(),
            "SMTPUTF8".to_owned(),
            "ENHANCEDSTATUSCODES".to_owned(),
            "CHUNKING".to_owned(),
        ];
        if self.ctx.starttls_available && self.tls.is_none() {
            lines.push("STARTTLS".to_owned());
        }
        if self.auth_allowed() {
            lines.push("AUTH PLAIN LOGIN".to_owned());
        }
        Reply::multiline(250, lines)
    }

    /// MAIL (RFC 5321 §4.1.1.2) with SIZE (RFC 1870) and SMTPUTF8 (RFC 6531) checks.
    fn mail(&mut self, from: String, params: MailParams, out: &mut Vec<Output>) {
        if self.helo.is_none() {
            return self.reply(out_of_sequence("send HELO/EHLO first"), out);
        }
        if self.envelope.is_some() {
            return self.reply(out_of_sequence("nested MAIL command"), out);
        }
        if self.messages >= self.ctx.config.max_messages_per_connection {
            out.push(Output::Reply(Reply::new(
                421,
                "4.7.0",
                format!(
                    "{} Error: too many messages in one connection",
                    self.ctx.hostname
                ),
            )));
            self.end = "too-many-messages";
            return self.close(out);
        }
        if params
            .size
            .is_some_and(|s| s > self.ctx.config.max_message_size)
        {
            return self.reply(
                Reply::new(552, "5.3.4", "Error: message size exceeds fixed limit"),
                out,
            );
        }
        if needs_smtputf8(&from) && !params.smtputf8 {
            return self.reply(
                Reply::new(553, "5.6.7", "Error: non-ASCII sender requires SMTPUTF8"),
                out,
            );
        }
        if let Some(account) = &self.auth_user
            && !from.is_empty()
            && !self.ctx.policy.may_send_as(account, &from)
        {
            return self.reply(
                Reply::new(
                    553,
                    "5.7.1",
                    format!("<{from}>: Sender address rejected: not owned by user {account}"),
                ),
                out,
            );
        }
        if !self
            .ctx
            .rates
            .allow(self.peer.ip(), Counter::Message, self.now)
        {
            return self.reply(
                Reply::new(
                    450,
                    "4.7.1",
                    "Error: too many messages from your address, try again later",
                ),
                out,
            );
        }
        if self.ctx.check_sender && !self.may_relay() {
            out.push(Output::CheckSender(SenderFacts {
                ip: self.peer.ip(),
                helo: self
                    .helo
                    .as_ref()
                    .map(|h| h.name.clone())
                    .unwrap_or_default(),
                mail_from: from.clone(),
            }));
            self.state = State::AwaitingSender { from, params };
            return;
        }
        self.start_transaction(from, params, out);
    }

    /// MAIL accepted: the transaction begins (250).
    pub(super) fn start_transaction(
        &mut self,
        from: String,
        params: MailParams,
        out: &mut Vec<Output>,
    ) {
        self.envelope = Some(Envelope {
            from,
            params,
            recipients: Vec::new(),
            chunks: None,
        });
        self.reply(Reply::new(250, "2.1.0", "Ok"), out);
    }

    /// RCPT (RFC 5321 §4.1.1.3): local users, unknown users, relay policy, recipient limit.
    fn rcpt(&mut self, to: String, out: &mut Vec<Output>) {
        let Some(envelope) = &self.envelope else {
            return self.reply(out_of_sequence("need MAIL command"), out);
        };
        if envelope.recipients.len() >= self.ctx.config.max_recipients {
            return self.reply(Reply::new(452, "4.5.3", "Error: too many recipients"), out);
        }
        if needs_smtputf8(&to) && !envelope.params.smtputf8 {
            return self.reply(
                Reply::new(553, "5.6.7", "Error: non-ASCII recipient requires SMTPUTF8"),
                out,
            );
        }
        let class = match self.ctx.policy.classify_recipient(&to) {
            RecipientClass::UnknownLocalUser => {
                return self.reply(
                    Reply::new(
                        550,
                        "5.1.1",
                        format!("<{to}>: Recipient address rejected: User unknown"),
                    ),
                    out,
                );
            }
            RecipientClass::Remote if !self.may_relay() => {
                return self.reply(
                    Reply::new(554, "5.7.1", format!("<{to}>: Relay access denied")),
                    out,
                );
            }
            class => class,
        };
        if !self
            .ctx
            .rates
            .allow(self.peer.ip(), Counter::Recipient, self.now)
        {
            return self.reply(
                Reply::new(
                    452,
                    "4.5.3",
                    "Error: too many recipients from your address, try again later",
                ),
                out,
            );
        }
        // RFC 5321 §3.4: 251 tells the client where a forwarded address's mail goes.
        let reply = match &class {
            RecipientClass::Forward { targets, .. } => Reply::new(
                251,
                "2.1.5",
                format!("User not local; will forward to {}", bracketed(targets)),
            ),
            _ => Reply::new(250, "2.1.5", "Ok"),
        };
        if let Some(envelope) = &mut self.envelope {
            envelope
                .recipients
                .push(AcceptedRecipient { address: to, class });
        }
        self.reply(reply, out);
    }

    fn data_limits(&self) -> DataLimits {
        DataLimits {
            max_size: self.ctx.config.max_message_size,
            text_line_limit: self.ctx.config.text_line_limit,
            text_line_hard_limit: self.ctx.config.text_line_hard_limit,
        }
    }

    /// Why a DATA/BDAT cannot start now, if it cannot.
    fn transaction_not_ready(&self) -> Option<Reply> {
        match &self.envelope {
            None => Some(out_of_sequence("need MAIL command")),
            Some(e) if e.recipients.is_empty() => Some(out_of_sequence("need RCPT command")),
            _ => None,
        }
    }

    /// DATA (RFC 5321 §4.1.1.4).
    fn data(&mut self, out: &mut Vec<Output>) {
        if let Some(reply) = self.transaction_not_ready() {
            return self.reply(reply, out);
        }
        if self.envelope.as_ref().is_some_and(|e| e.chunks.is_some()) {
            return self.reply(out_of_sequence("DATA after BDAT"), out);
        }
        self.state = State::Data(DataReader::dot_terminated(self.data_limits()));
        self.reply(Reply::bare(354, "End data with <CR><LF>.<CR><LF>"), out);
    }

    /// BDAT (RFC 3030 §2): the chunk's octets follow at once, even when we refuse it.
    fn bdat(&mut self, size: u64, last: bool) {
        if let Some(reply) = self.transaction_not_ready() {
            self.state = State::BdatDiscard {
                remaining: size,
                reply,
            };
            return;
        }
        let limits = self.data_limits();
        if let Some(envelope) = &mut self.envelope {
            envelope
                .chunks
                .get_or_insert_with(|| DataReader::chunked(limits));
        }
        self.state = State::Bdat {
            remaining: size,
            last,
        };
    }

    /// VRFY (RFC 5321 §3.5.3): trusted or authenticated clients learn the mailbox (250, or 251
    /// for a forward); others get 252 unless `vrfy = "verify"` opens it to everyone.
    fn vrfy(&mut self, address: &str, out: &mut Vec<Output>) {
        let cannot = Reply::new(
            252,
            "2.5.2",
            "Cannot VRFY user, but will accept message and attempt delivery",
        );
        let reply = match self.ctx.config.vrfy {
            VrfyPolicy::Disabled => Reply::new(502, "5.5.1", "Error: VRFY command is disabled"),
            VrfyPolicy::CannotVerify if !self.may_relay() => cannot,
            VrfyPolicy::CannotVerify | VrfyPolicy::Verify => {
                match self.ctx.policy.classify_recipient(address) {
                    RecipientClass::Local { .. } | RecipientClass::List { .. } => {
                        Reply::new(250, "2.1.5", format!("<{address}>"))
                    }
                    RecipientClass::Forward { targets, .. } => Reply::new(
                        251,
                        "2.1.5",
                        format!("User not local; will forward to {}", bracketed(&targets)),
                    ),
                    RecipientClass::UnknownLocalUser => {
                        Reply::new(550, "5.1.1", format!("<{address}>: User unknown"))
                    }
                    RecipientClass::Remote => cannot,
                }
            }
        };
        self.reply(reply, out);
    }

    /// EXPN (RFC 5321 §3.5.2): a list's members, one mailbox per reply line, only for trusted
    /// or authenticated clients (RFC 5321 §7.3: list membership is not for strangers).
    fn expn(&mut self, name: &str, out: &mut Vec<Output>) {
        if !self.may_relay() {
            return self.reply(
                Reply::new(
                    550,
                    "5.7.1",
                    "Error: EXPN is only available to trusted or authenticated clients",
                ),
                out,
            );
        }
        let reply = match self.ctx.policy.classify_recipient(name) {
            RecipientClass::List { members }
            | RecipientClass::Forward {
                targets: members, ..
            } if !members.is_empty() => Reply {
                code: 250,
                enhanced: Some("2.1.5"),
                lines: members.iter().map(|m| format!("<{m}>")).collect(),
            },
            RecipientClass::Local { .. } => Reply::new(250, "2.1.5", format!("<{name}>")),
            RecipientClass::UnknownLocalUser => {
                Reply::new(550, "5.1.1", format!("<{name}>: no such list or user"))
            }
            _ => Reply::new(550, "5.1.2", format!("<{name}>: not a local list")),
        };
        self.reply(reply, out);
    }

    /// STARTTLS (RFC 3207 §4).
    fn starttls(&mut self, out: &mut Vec<Output>) {
        if self.tls.is_some() {
            return self.reply(out_of_sequence("TLS already active"), out);
        }
        if !self.ctx.starttls_available {
            return self.reply(Reply::new(454, "4.7.0", "TLS not available"), out);
        }
        self.input.clear();
        self.state = State::StartingTls;
        out.push(Output::Reply(Reply::new(
            220,
            "2.0.0",
            "Ready to start TLS",
        )));
        out.push(Output::StartTls);
    }
}
