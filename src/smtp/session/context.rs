//! What all sessions of one server share: configuration, trusted networks, policy, rate
//! counters, POP-before-SMTP grants and the queue id source.

use std::sync::Arc;

use crate::smtp::backend::Policy;
use crate::smtp::cidr::{Cidr, CidrError};
use crate::smtp::config::SmtpConfig;
use crate::smtp::grants::RelayGrants;
use crate::smtp::limits::RateLimiter;

/// Generates queue ids (injected so tests are deterministic).
pub type QueueIdGenerator = Arc<dyn Fn() -> String + Send + Sync>;

/// Configuration shared by all sessions of a server.
pub struct SessionContext {
    /// The `[smtp]` settings.
    pub config: SmtpConfig,
    /// Our host name for the greeting, EHLO and Received.
    pub hostname: String,
    /// Parsed `trusted_networks`.
    pub trusted: Vec<Cidr>,
    /// Parsed `per_address_exempt` (for the driver's connection gate).
    pub per_address_exempt: Vec<Cidr>,
    /// Recipient and sender policy.
    pub policy: Arc<dyn Policy>,
    /// Whether STARTTLS can be offered (a TLS acceptor exists).
    pub starttls_available: bool,
    /// Queue id source.
    pub queue_ids: QueueIdGenerator,
    /// Per-client rate counters shared by all sessions (and the driver's accept loop).
    pub rates: Arc<RateLimiter>,
    /// POP-before-SMTP grants, when `pop_before_smtp` is on.
    pub grants: Option<Arc<RelayGrants>>,
    /// Ask the backend about each untrusted sender at MAIL FROM (`[verify]
    /// reject_spf_fail`): [`crate::smtp::session::Output::CheckSender`].
    pub check_sender: bool,
}

impl SessionContext {
    /// Context with random queue ids and no POP-before-SMTP grants; fails on a malformed
    /// `trusted_networks`, `per_address_exempt` or `rate_limits.exempt` entry.
    pub fn new(
        config: SmtpConfig,
        hostname: String,
        policy: Arc<dyn Policy>,
        starttls_available: bool,
    ) -> Result<Self, CidrError> {
        Ok(Self {
            trusted: config.trusted_cidrs()?,
            per_address_exempt: config.per_address_exempt_cidrs()?,
            rates: Arc::new(RateLimiter::new(config.rate_limits.clone())?),
            grants: None,
            check_sender: false,
            config,
            hostname,
            policy,
            starttls_available,
            queue_ids: Arc::new(random_queue_id),
        })
    }

    /// Consult these POP-before-SMTP grants in the relay check.
    pub fn with_relay_grants(mut self, grants: Arc<RelayGrants>) -> Self {
        self.grants = Some(grants);
        self
    }

    /// Check untrusted senders at MAIL FROM.
    pub fn with_sender_check(mut self, on: bool) -> Self {
        self.check_sender = on;
        self
    }

    /// Replace the queue id generator (tests use a counter).
    pub fn with_queue_ids(mut self, queue_ids: QueueIdGenerator) -> Self {
        self.queue_ids = queue_ids;
        self
    }
}

/// A queue id: 12 uppercase hex digits from the thread RNG.
pub fn random_queue_id() -> String {
    format!("{:012X}", rand::random::<u64>() & 0xFFFF_FFFF_FFFF)
}
