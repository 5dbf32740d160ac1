//! POP3 (RFC 1939, 2449, 2595, 5034): sans-IO session core and tokio driver.
//!
//! - [`command`] parses lines, [`response`] formats replies, [`message`] turns stored bytes
//!   into the wire form (CRLF, exact sizes, TOP, byte-stuffing), [`apop`] computes digests.
//! - [`session`] is the state machine (AUTHORIZATION -> TRANSACTION -> UPDATE): it never
//!   touches sockets or the store, it emits [`Output`]s and is fed their results.
//! - [`backend`] is the trait the driver awaits for accounts and maildrops; the store
//!   implements it, [`memory`] is an in-memory implementation for tests and benchmarks.
//! - [`server`] is the tokio driver over [`crate::net`] (which accepts, limits, times and
//!   stops connections): throttled logins, STLS/implicit TLS, streaming, UPDATE.
//! - [`listeners`] binds the addresses of [`config`] (the `[pop3]` section) and serves them.

pub mod apop;
pub mod backend;
pub mod command;
pub mod config;
pub mod listeners;
pub mod memory;
pub mod message;
pub mod response;
pub mod server;
pub mod session;

pub use backend::{Backend, BackendError, MaildropLock, MaildropLocks};
pub use config::{DeletedMessages, PlaintextAuthPolicy, Pop3Config, Pop3ConfigError};
pub use listeners::Pop3Listeners;
pub use server::{
    Pop3Context, Pop3Error, run_connection, serve, serve_connection, serve_implicit_tls,
    serve_listeners,
};
pub use session::{
    Credentials, Login, LoginResult, Maildrop, MaildropEntry, Output, Session, SessionSettings,
    State,
};
