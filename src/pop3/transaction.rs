//! TRANSACTION-state commands (RFC 1939 §§5, 7): scan listings, retrieval, deletion marks.

use super::{Output, Session, State, Transaction};
use crate::pop3::command::Command;
use crate::pop3::response;
use crate::pop3::session::MaildropEntry;

impl Session {
    pub(super) fn transaction(&mut self, command: Command, out: &mut Vec<Output>) {
        match command {
            Command::Stat => {
                let (count, octets) = self.totals();
                Self::reply(out, response::ok(&format!("{count} {octets}")));
            }
            Command::List(None) => {
                let lines = self.live().map(|(n, e)| format!("{n} {}", e.size));
                let summary = self.summary();
                Self::reply(out, response::multiline(&summary, lines));
            }
            Command::List(Some(n)) => match self.entry(n) {
                Ok(entry) => Self::reply(out, response::ok(&format!("{n} {}", entry.size))),
                Err(text) => self.protocol_error(out, &text),
            },
            Command::Uidl(None) => {
                let validity = self.validity();
                let lines = self
                    .live()
                    .map(|(n, e)| format!("{n} {validity}.{}", e.uid));
                Self::reply(out, response::multiline("unique-id listing follows", lines));
            }
            Command::Uidl(Some(n)) => match self.entry(n) {
                Ok(entry) => {
                    let text = format!("{n} {}.{}", self.validity(), entry.uid);
                    Self::reply(out, response::ok(&text));
                }
                Err(text) => self.protocol_error(out, &text),
            },
            Command::Retr(n) => match self.entry(n) {
                Ok(entry) => out.push(Output::SendMessage {
                    id: entry.id,
                    top: None,
                    status: response::ok(&format!("{} octets", entry.size)),
                }),
                Err(text) => self.protocol_error(out, &text),
            },
            Command::Top { msg, lines } => match self.entry(msg) {
                Ok(entry) => out.push(Output::SendMessage {
                    id: entry.id,
                    top: Some(lines),
                    status: response::ok("top of message follows"),
                }),
                Err(text) => self.protocol_error(out, &text),
            },
            Command::Dele(n) => match self.entry(n) {
                Ok(_) => {
                    if let Some(mark) = self.marks().and_then(|m| m.get_mut(n as usize - 1)) {
                        *mark = true;
                    }
                    Self::reply(out, response::ok(&format!("message {n} deleted")));
                }
                Err(text) => self.protocol_error(out, &text),
            },
            Command::Rset => {
                if let Some(marks) = self.marks() {
                    marks.iter_mut().for_each(|m| *m = false);
                }
                let summary = self.summary();
                Self::reply(out, response::ok(&format!("maildrop has {summary}")));
            }
            Command::Noop => Self::reply(out, response::ok("")),
            Command::Quit => self.quit(out),
            _ => self.protocol_error(out, "command not valid in TRANSACTION state"),
        }
    }

    /// QUIT from TRANSACTION enters UPDATE (RFC 1939 §6).
    fn quit(&mut self, out: &mut Vec<Output>) {
        let ids: Vec<i64> = match &self.transaction {
            Some(t) => t
                .maildrop
                .messages
                .iter()
                .zip(&t.deleted)
                .filter(|(_, deleted)| **deleted)
                .map(|(entry, _)| entry.id)
                .collect(),
            None => Vec::new(),
        };
        self.state = State::Update;
        self.input.clear();
        if ids.is_empty() {
            self.sign_off(true, out);
        } else {
            out.push(Output::Commit { ids });
            self.awaiting = Some(super::Awaiting::Commit);
        }
    }

    fn marks(&mut self) -> Option<&mut Vec<bool>> {
        self.transaction.as_mut().map(|t| &mut t.deleted)
    }

    fn validity(&self) -> u64 {
        self.transaction
            .as_ref()
            .map_or(0, |t| t.maildrop.uid_validity)
    }

    /// Messages not marked deleted, with their 1-based numbers.
    fn live(&self) -> impl Iterator<Item = (usize, &MaildropEntry)> {
        self.transaction.iter().flat_map(|t: &Transaction| {
            t.maildrop
                .messages
                .iter()
                .zip(&t.deleted)
                .enumerate()
                .filter(|(_, (_, deleted))| !**deleted)
                .map(|(i, (entry, _))| (i + 1, entry))
        })
    }

    /// A live message by number, or the `-ERR` text explaining why not.
    fn entry(&self, n: u32) -> Result<MaildropEntry, String> {
        let transaction = self.transaction.as_ref().ok_or("no maildrop")?;
        let index = (n as usize)
            .checked_sub(1)
            .filter(|i| *i < transaction.maildrop.messages.len())
            .ok_or("no such message")?;
        if transaction.deleted[index] {
            return Err(format!("message {n} already deleted"));
        }
        Ok(transaction.maildrop.messages[index])
    }

    fn totals(&self) -> (usize, u64) {
        self.live().fold((0, 0), |(count, octets), (_, e)| {
            (count + 1, octets + e.size)
        })
    }

    pub(super) fn summary_count(&self) -> usize {
        self.totals().0
    }

    /// "n messages (m octets)" for the live messages ("1 message" for one).
    pub(super) fn summary(&self) -> String {
        let (count, octets) = self.totals();
        format!(
            "{} ({octets} octets)",
            crate::plural::count(count, "message")
        )
    }
}
