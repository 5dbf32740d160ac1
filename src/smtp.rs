//! SMTP receiver (RFC 5321 and extensions): a sans-IO session core plus a small tokio driver.
//!
//! - [`command`], [`address`]: parse command lines and envelope paths.
//! - [`data`]: DATA/BDAT content reader (only `<CRLF>.<CRLF>` ends DATA; bare LF/CR normalised).
//! - [`session`]: the state machine; bytes in, [`session::Output`]s out.
//! - [`received`]: the Received trace header and loop detection.
//! - [`backend`]: the [`Policy`] and [`Backend`] traits the node implements, and
//!   [`AcceptedMessage`].
//! - [`server`]: listeners, timeouts, STARTTLS and effects around the session.
//! - [`config`]: the `[smtp]` section; [`cidr`] parses its `trusted_networks`.
//! - [`limits`]: per-client connection, message and recipient rates.
//! - [`grants`]: POP-before-SMTP relay permissions.
//! - [`reply`]: reply codes with RFC 3463 enhanced status codes.
//!
//! Relay rule: a non-local recipient is accepted only from an authenticated client, a
//! client inside `trusted_networks` (loopback by default) or, with `pop_before_smtp`, an IP
//! that logged in to POP3 recently; the [`Policy`] says what is local, the configuration says
//! who is trusted. Forwards and lists relay only to the targets their owner configured. No
//! default configuration is an open relay.
//!
//! Wiring it into a node (what `postie serve` does):
//!
//! ```no_run
//! # use std::sync::Arc;
//! # use postie::smtp::{self, Backend, Policy, ServerContext, SessionContext, SmtpConfig};
//! # async fn run<B: Backend>(
//! #     config: SmtpConfig,
//! #     data_dir: &std::path::Path,
//! #     policy: Arc<dyn Policy>,
//! #     backend: B,
//! # ) -> anyhow::Result<()> {
//! let hostname = config.hostname.clone().unwrap_or_else(|| "localhost".into());
//! let material = postie::tls::load_or_create(
//!     data_dir,
//!     &hostname,
//!     config.tls.cert.as_deref(),
//!     config.tls.key.as_deref(),
//! )?;
//! let acceptor = postie::tls::acceptor(&material)?;
//! let listeners = smtp::bind_listeners(&config)?;
//! let session = SessionContext::new(config, hostname, policy, true)?;
//! let ctx = Arc::new(ServerContext::new(session, backend, Some(acceptor)));
//! smtp::serve(listeners, ctx, async {
//!     let _ = tokio::signal::ctrl_c().await;
//! })
//! .await;
//! # Ok(())
//! # }
//! ```

pub mod address;
pub mod backend;
pub mod cidr;
pub mod command;
pub mod config;
pub mod data;
pub mod grants;
pub mod limits;
pub mod received;
pub mod reply;
pub mod server;
pub mod session;

pub use backend::{
    AcceptedMessage, AcceptedRecipient, Backend, DeliveryError, Policy, RecipientClass,
    SenderFacts, TlsInfo,
};
pub use config::{BareNewlines, SmtpConfig, SmtpTlsConfig, VrfyPolicy};
pub use grants::RelayGrants;
pub use limits::{RateLimiter, RateLimits};
pub use server::{Listener, ServerContext, bind_listeners, run_connection, serve};
pub use session::{Output, Session, SessionContext};
