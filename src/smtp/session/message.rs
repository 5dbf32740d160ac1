//! End of a message: BDAT chunk accounting, content checks, the Received header and the
//! hand-over to the backend (the 250 waits for [`Session::delivery_result`]).

use chrono::{DateTime, FixedOffset};

use super::{Envelope, Output, Session, State};
use crate::smtp::backend::{AcceptedMessage, RecipientClass};
use crate::smtp::config::BareNewlines;
use crate::smtp::data::DataReader;
use crate::smtp::received::{self, Trace};
use crate::smtp::reply::Reply;

impl Session {
    /// Move BDAT octets into the envelope's reader. Returns false when more input is needed.
    pub(super) fn read_chunk(
        &mut self,
        remaining: u64,
        last: bool,
        now: DateTime<FixedOffset>,
        out: &mut Vec<Output>,
    ) -> bool {
        let take = usize::try_from(remaining)
            .unwrap_or(usize::MAX)
            .min(self.input.bytes().len());
        if let Some(reader) = self.envelope.as_mut().and_then(|e| e.chunks.as_mut()) {
            reader.feed(&self.input.bytes()[..take]);
        }
        self.input.consume(take);
        let remaining = remaining - take as u64;
        if remaining > 0 {
            self.state = State::Bdat { remaining, last };
            return false;
        }
        self.state = State::Command;
        let oversized = self
            .envelope
            .as_ref()
            .and_then(|e| e.chunks.as_ref())
            .is_some_and(DataReader::oversized);
        if oversized {
            // RFC 3030 §2: a failed chunk ends the transaction; later chunks get 503.
            self.envelope = None;
            self.reply(
                Reply::new(552, "5.3.4", "Error: message size exceeds fixed limit"),
                out,
            );
            return true;
        }
        if !last {
            let size = self
                .envelope
                .as_ref()
                .and_then(|e| e.chunks.as_ref())
                .map_or(0, DataReader::size);
            self.reply(
                Reply::new(250, "2.0.0", format!("Ok: {size} octets received")),
                out,
            );
            return true;
        }
        let mut envelope = self.envelope.take();
        let reader = envelope.as_mut().and_then(|e| e.chunks.take());
        if let Some(mut reader) = reader {
            reader.finish_chunks();
            self.finish_message(envelope, reader, now, out);
        }
        true
    }

    /// 554 5.4.6 when the content already carries a Delivered-To for an address this
    /// message is delivered or forwarded through here (a forwarding or list loop).
    fn delivered_to_loop(&self, envelope: &Envelope, content: &[u8]) -> Option<Reply> {
        let seen = received::delivered_to(content);
        if seen.is_empty() {
            return None;
        }
        envelope
            .recipients
            .iter()
            .filter(|r| !matches!(r.class, RecipientClass::Remote))
            .find(|r| seen.contains(&r.address.to_ascii_lowercase()))
            .map(|r| {
                Reply::new(
                    554,
                    "5.4.6",
                    format!(
                        "<{}>: mail forwarding loop, already delivered here",
                        r.address
                    ),
                )
            })
    }

    /// Check the complete content and emit [`Output::Deliver`], or refuse it.
    pub(super) fn finish_message(
        &mut self,
        envelope: Option<Envelope>,
        reader: DataReader,
        now: DateTime<FixedOffset>,
        out: &mut Vec<Output>,
    ) {
        let Some(envelope) = envelope else {
            return self.reply(Reply::new(503, "5.5.1", "Error: no mail transaction"), out);
        };
        let config = &self.ctx.config;
        let refusal = if reader.saw_bare_newline() && config.bare_newlines == BareNewlines::Reject {
            Some(Reply::new(
                550,
                "5.5.2",
                "Error: bare <CR> or <LF> received; lines must end with <CR><LF>",
            ))
        } else if reader.hard_line_exceeded() {
            Some(Reply::new(
                550,
                "5.6.0",
                "Error: message contains a line longer than the limit",
            ))
        } else if reader.oversized() {
            Some(Reply::new(
                552,
                "5.3.4",
                "Error: message size exceeds fixed limit",
            ))
        } else if received::count_received(reader.content()) > config.max_received_headers {
            Some(Reply::new(
                554,
                "5.4.6",
                "Error: too many Received headers, mail loop detected",
            ))
        } else {
            self.delivered_to_loop(&envelope, reader.content())
        };
        if let Some(reply) = refusal {
            return self.reply(reply, out);
        }
        let queue_id = (self.ctx.queue_ids)();
        let helo = self
            .helo
            .as_ref()
            .map(|h| h.name.clone())
            .unwrap_or_default();
        let extended = self.helo.as_ref().is_some_and(|h| h.extended);
        let single = match envelope.recipients.as_slice() {
            [only] => Some(only.address.as_str()),
            _ => None,
        };
        let header = received::header(&Trace {
            helo: &helo,
            rdns: self.rdns.as_deref(),
            ip: self.peer.ip(),
            hostname: &self.ctx.hostname,
            protocol: received::protocol(
                extended,
                self.tls.is_some(),
                self.auth_user.is_some(),
                envelope.params.smtputf8,
            ),
            queue_id: &queue_id,
            tls: self.tls.as_ref(),
            single_recipient: single,
            date: now,
        });
        let long_lines = reader.long_lines();
        let mut data = header.into_bytes();
        data.extend_from_slice(&reader.into_content());
        let message = AcceptedMessage {
            queue_id: queue_id.clone(),
            mail_from: envelope.from,
            recipients: envelope.recipients,
            data,
            peer: self.peer,
            helo,
            tls: self.tls.clone(),
            auth_user: self.auth_user.clone(),
            trusted: self.may_relay(),
            smtputf8: envelope.params.smtputf8,
            body: envelope.params.body,
            received_at: now,
            long_lines,
        };
        self.state = State::AwaitingDelivery { queue_id };
        out.push(Output::Deliver(Box::new(message)));
    }
}
