//! Delivery status notifications (RFC 3464): a multipart/report with a human part, the
//! machine-readable message/delivery-status and the original header section
//! (text/rfc822-headers, RFC 6522). Sent from MAILER-DAEMON with the null sender.

use std::fmt::Write as _;

/// What the report says about one recipient (RFC 3464 §2.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DsnRecipient {
    pub rcpt: String,
    /// Final: `failed`; not yet: `delayed` (RFC 3464 §2.3.3).
    pub action: DsnAction,
    /// Enhanced status code, e.g. `5.1.1` (RFC 3463).
    pub status: String,
    pub remote_mta: Option<String>,
    /// The remote reply, e.g. `550 5.1.1 no such user`, or a local explanation.
    pub diagnostic: Option<String>,
}

/// The `Action` field values postie reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DsnAction {
    Failed,
    Delayed,
}

impl DsnAction {
    fn as_str(self) -> &'static str {
        match self {
            Self::Failed => "failed",
            Self::Delayed => "delayed",
        }
    }
}

/// Everything a report needs besides the recipients.
#[derive(Debug, Clone)]
pub struct DsnContext<'a> {
    /// This node's host name (Reporting-MTA and the MAILER-DAEMON address).
    pub reporting_mta: &'a str,
    /// The original envelope sender, who receives the report.
    pub to: &'a str,
    /// When the original message was queued (unix seconds).
    pub arrival: i64,
    pub now: i64,
    /// The original message (only its header section is returned).
    pub original: &'a [u8],
}

/// Build the report as CRLF bytes: one report for every recipient given, each part
/// declaring its transfer encoding (8bit only where the text needs it, RFC 6152).
pub fn build(ctx: &DsnContext<'_>, recipients: &[DsnRecipient]) -> Vec<u8> {
    let delayed = recipients.iter().all(|r| r.action == DsnAction::Delayed);
    let boundary = format!("=_postie_dsn_{}_{}", ctx.now, rand::random::<u32>());
    let subject = if delayed {
        "Delayed Mail (still being retried)"
    } else {
        "Undelivered Mail Returned to Sender"
    };
    let human = human_text(ctx, recipients, delayed);
    let status = delivery_status(ctx, recipients);
    let headers = header_section(ctx.original);
    let top_8bit = !(human.is_ascii() && status.is_ascii() && headers.is_ascii());
    let mut out = String::new();
    let _ = write!(
        out,
        "From: Mail Delivery System <MAILER-DAEMON@{mta}>\r\n\
         To: <{to}>\r\n\
         Subject: {subject}\r\n\
         Date: {date}\r\n\
         Message-ID: <dsn.{now}.{rand}@{mta}>\r\n\
         Auto-Submitted: auto-replied\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: multipart/report; report-type=delivery-status;\r\n\
         \tboundary=\"{boundary}\"\r\n\
         Content-Transfer-Encoding: {top}\r\n\
         \r\n\
         This is a MIME-encapsulated delivery status notification.\r\n\
         \r\n--{boundary}\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\
         Content-Transfer-Encoding: {human_cte}\r\n\
         \r\n",
        mta = ctx.reporting_mta,
        to = ctx.to,
        date = rfc2822(ctx.now),
        now = ctx.now,
        rand = rand::random::<u32>(),
        top = cte(!top_8bit),
        human_cte = cte(human.is_ascii()),
    );
    out.push_str(&human);
    let _ = write!(
        out,
        "\r\n--{boundary}\r\n\
         Content-Type: message/delivery-status\r\n\
         Content-Transfer-Encoding: {}\r\n\
         \r\n",
        cte(status.is_ascii())
    );
    out.push_str(&status);
    let _ = write!(
        out,
        "\r\n--{boundary}\r\nContent-Type: text/rfc822-headers\r\n\
         Content-Transfer-Encoding: {}\r\n\r\n",
        cte(headers.is_ascii())
    );
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(headers);
    bytes.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    crate::mail::canonical_crlf(&bytes)
}

fn cte(ascii: bool) -> &'static str {
    if ascii { "7bit" } else { "8bit" }
}

/// The machine-readable part (RFC 3464 §2.2 and §2.3), per-message then per-recipient.
fn delivery_status(ctx: &DsnContext<'_>, recipients: &[DsnRecipient]) -> String {
    let mut out = format!(
        "Reporting-MTA: dns; {}\r\nArrival-Date: {}\r\n",
        ctx.reporting_mta,
        rfc2822(ctx.arrival)
    );
    for r in recipients {
        let _ = write!(
            out,
            "\r\nFinal-Recipient: rfc822; {}\r\nAction: {}\r\nStatus: {}\r\n",
            r.rcpt,
            r.action.as_str(),
            r.status
        );
        if let Some(mta) = &r.remote_mta {
            let _ = write!(out, "Remote-MTA: dns; {mta}\r\n");
        }
        if let Some(d) = &r.diagnostic {
            let _ = write!(out, "Diagnostic-Code: smtp; {}\r\n", one_line(d));
        }
        if r.action == DsnAction::Delayed {
            let _ = write!(out, "Last-Attempt-Date: {}\r\n", rfc2822(ctx.now));
        }
    }
    out
}

fn human_text(ctx: &DsnContext<'_>, recipients: &[DsnRecipient], delayed: bool) -> String {
    let mut text = if delayed {
        format!(
            "This is the mail system at {}.\r\n\r\nYour message could not be delivered yet; \
             it is still being retried. You do not need to send it again.\r\n\r\n",
            ctx.reporting_mta
        )
    } else {
        format!(
            "This is the mail system at {}.\r\n\r\nYour message could not be delivered to one \
             or more recipients. It has been given up on.\r\n\r\n",
            ctx.reporting_mta
        )
    };
    for r in recipients {
        let why = r.diagnostic.as_deref().unwrap_or(&r.status);
        let _ = write!(text, "<{}>: {}\r\n", r.rcpt, one_line(why));
    }
    text
}

/// The bytes up to and including the blank line that ends the header section.
pub fn header_section(raw: &[u8]) -> &[u8] {
    match raw.windows(4).position(|w| w == b"\r\n\r\n") {
        Some(end) => &raw[..end + 2],
        None => raw,
    }
}

fn one_line(text: &str) -> String {
    text.split(['\r', '\n'])
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn rfc2822(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .unwrap_or_default()
        .to_rfc2822()
}
