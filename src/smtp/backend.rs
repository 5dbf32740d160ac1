//! What the SMTP receiver needs from the rest of the node: a sync [`Policy`] the session
//! consults and an async [`Backend`] the driver awaits (authentication, durable delivery, rDNS).

use std::future::Future;
use std::net::{IpAddr, SocketAddr};

use chrono::{DateTime, FixedOffset};

use super::command::Body;
pub use crate::net::TlsInfo;

/// How a recipient address relates to this node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecipientClass {
    /// A configured account's address, alias or a local domain's catch-all.
    Local { account: String },
    /// A local address the owner forwards elsewhere: 251 2.1.5 (RFC 5321 §3.4). Accepted from
    /// anyone, since the owner chose the targets; the message keeps its envelope sender.
    Forward {
        /// Where copies go (local or remote addresses).
        targets: Vec<String>,
        /// Account that also keeps a copy, if the forward is configured to.
        keep_copy_account: Option<String>,
    },
    /// A local distribution list (RFC 5321 §3.5.2): delivery fans out to the members.
    List {
        /// Member addresses (local or remote), as configured.
        members: Vec<String>,
    },
    /// A local domain but nobody there: 550 5.1.1.
    UnknownLocalUser,
    /// Not a local domain: relaying, allowed only for authenticated or trusted clients.
    Remote,
}

/// Address policy consulted synchronously by the session core.
pub trait Policy: Send + Sync {
    /// Classify a RCPT address (as given, without angle brackets; `postmaster` may have no domain).
    fn classify_recipient(&self, address: &str) -> RecipientClass;
    /// May the authenticated `account` use `mail_from` as envelope sender? (never called for `<>`)
    fn may_send_as(&self, account: &str, mail_from: &str) -> bool;
}

/// Why the backend did not take a message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeliveryError {
    /// Not stored (disk, database): the client gets 451 4.3.0 and may retry.
    #[error("delivery failed: {0}")]
    Failed(String),
    /// Refused by policy (e.g. a DMARC reject): the client gets this permanent reply.
    #[error("refused: {code} {enhanced} {text}")]
    Refused {
        code: u16,
        enhanced: &'static str,
        text: String,
    },
}

/// The async side of the node the driver awaits.
pub trait Backend: Send + Sync + 'static {
    /// Check a password. Never log the password.
    fn authenticate(
        &self,
        username: &str,
        password: &str,
    ) -> impl Future<Output = crate::auth::AuthOutcome> + Send;

    /// Store the message; resolve `Ok` only once it is durable (RFC 5321 §6.1).
    fn deliver(
        &self,
        message: AcceptedMessage,
    ) -> impl Future<Output = Result<(), DeliveryError>> + Send;

    /// PTR name for the Received header; `None` when unknown or lookups are off.
    fn reverse_dns(&self, ip: IpAddr) -> impl Future<Output = Option<String>> + Send;

    /// At MAIL FROM, for an untrusted client when the server asks for it
    /// ([`crate::smtp::SessionContext::check_sender`]): a refusal (code, enhanced status,
    /// text) for a sender whose SPF fails, `None` to go on. By default every sender goes on.
    fn check_sender(
        &self,
        facts: &SenderFacts,
    ) -> impl Future<Output = Option<(u16, &'static str, String)>> + Send {
        let _ = facts;
        async { None }
    }
}

/// What is known of a sender at MAIL FROM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SenderFacts {
    pub ip: IpAddr,
    pub helo: String,
    /// The reverse path; empty for `<>`.
    pub mail_from: String,
}

/// One accepted recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcceptedRecipient {
    /// The RCPT TO address.
    pub address: String,
    /// Local, Forward, List or Remote; never `UnknownLocalUser`.
    pub class: RecipientClass,
}

/// A complete message handed to [`Backend::deliver`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcceptedMessage {
    /// Queue id, also in the Received header and the 250 reply.
    pub queue_id: String,
    /// Envelope sender; empty for the null reverse-path `<>`.
    pub mail_from: String,
    /// Accepted recipients in RCPT order.
    pub recipients: Vec<AcceptedRecipient>,
    /// Message with our Received header prepended; canonical CRLF line endings.
    pub data: Vec<u8>,
    /// Client address.
    pub peer: SocketAddr,
    /// HELO/EHLO argument.
    pub helo: String,
    /// TLS parameters when the session was encrypted.
    pub tls: Option<TlsInfo>,
    /// Authenticated account, if any.
    pub auth_user: Option<String>,
    /// The client may relay: authenticated, in `trusted_networks` or holding a
    /// POP-before-SMTP grant. Mail from others is checked (SPF, DKIM, DMARC, ARC).
    pub trusted: bool,
    /// SMTPUTF8 was requested on MAIL (RFC 6531).
    pub smtputf8: bool,
    /// BODY= parameter on MAIL (RFC 6152), if any.
    pub body: Option<Body>,
    /// When the end of data was received.
    pub received_at: DateTime<FixedOffset>,
    /// Lines longer than the configured text line limit (accepted but counted).
    pub long_lines: usize,
}
