//! Shapes of command output: the stable `--json` objects and one-line listings.

use crate::store::MessageSummary;
use serde::Serialize;

/// One message in `postie list --json` (stable: fields are only ever added).
#[derive(Debug, Serialize)]
pub struct MessageJson<'a> {
    pub id: i64,
    pub uid: u32,
    pub mailbox: &'a str,
    /// RFC 3339, UTC.
    pub date: String,
    pub from: Option<&'a str>,
    pub from_name: Option<&'a str>,
    pub to: &'a str,
    pub cc: &'a str,
    pub subject: &'a str,
    pub message_id: Option<&'a str>,
    pub thread_id: i64,
    pub size: u64,
    /// Letters: S seen, A answered, F flagged, D draft, T deleted.
    pub flags: String,
    pub has_attachments: bool,
}

impl<'a> MessageJson<'a> {
    pub fn new(m: &'a MessageSummary, mailbox: &'a str) -> Self {
        Self {
            id: m.id,
            uid: m.uid,
            mailbox,
            date: rfc3339(m.date),
            from: m.from_addr.as_deref(),
            from_name: m.from_name.as_deref(),
            to: &m.to_text,
            cc: &m.cc_text,
            subject: &m.subject,
            message_id: m.message_id.as_deref(),
            thread_id: m.thread_id,
            size: m.size,
            flags: m.flags.letters(),
            has_attachments: m.has_attachments,
        }
    }
}

pub fn rfc3339(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// `id  date  from  subject  [flags]`, tab separated.
pub fn line(m: &MessageSummary) -> String {
    let date = chrono::DateTime::from_timestamp(m.date, 0)
        .unwrap_or_default()
        .format("%Y-%m-%d %H:%M");
    let (from, subject) = (m.sender_label(), m.subject_label());
    format!("{}\t{date}\t{from}\t{subject}\t{}", m.id, m.flags.letters())
}
