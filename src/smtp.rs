//! SMTP receiver (RFC 5321 and extensions): a sans-IO session core plus a small tokio driver.
//!
//! - [`command`], [`address`]: parse command lines and envelope paths.
//! - [`data`]: DATA/BDAT content reader (only `<CRLF>.<CRLF>` ends DATA; bare LF/CR normalised).
//! - [`session`]: the state machine; bytes in, [`session::Output`]s out.
//! - [`received`]: the Received trace header and loop detection.
//! - [`backend`]: the [`Policy`] and [`Backend`] traits the node implements, and
//!   [`AcceptedMessage`].
//! - [`server`]: listeners, timeouts, STARTTLS and effects around the session.
//! - [`config`]: the `[smtp]` section.

pub mod address;
pub mod backend;
pub mod cidr;
pub mod command;
pub mod config;
pub mod data;
pub mod received;
pub mod reply;
pub mod server;
pub mod session;

pub use backend::{
    AcceptedMessage, AcceptedRecipient, Backend, DeliveryError, Policy, RecipientClass, TlsInfo,
};
pub use config::{BareNewlines, SmtpConfig, SmtpTlsConfig, VrfyPolicy};
pub use server::{Listener, ServerContext, bind_listeners, run_connection, serve};
pub use session::{Output, Session, SessionContext};
