//! postie: a terminal mail workstation that is also the user's own small mail node.
//!
//! Architecture map (each subsystem owns one folder and exposes a small surface):
//! - [`config`]: TOML configuration, defaults, validation and the XDG/`POSTIE_HOME` paths.
//! - [`store`]: the only module that speaks SQL. A writer thread with group commit owns the
//!   write connection; readers open their own. Everything else uses its typed async API.
//! - [`mail`]: the one mail model: raw RFC 5322 bytes -> structured addresses, dates,
//!   summaries, decoded text, MIME trees; [`mail::trace`] analyses Received chains and
//!   authentication results. The store, the CLI and the TUI all read mail through it.
//! - [`auth`]: account passwords (argon2) and SASL PLAIN/LOGIN decoding, shared by SMTP and POP3.
//! - [`smtp`], [`pop3`]: sans-IO protocol cores plus small tokio drivers.
//! - [`net`]: the one network layer under both drivers: bind, accept with global and
//!   per-address limits, deadlines that bytes cannot reset, TLS, the line buffer, the
//!   failed-login throttle and the stop/drain rule.
//! - [`routing`]: the one routing decision every door makes (local Inbox, forward, list or
//!   queue), and what locally written mail carries (Received line, Message-ID).
//! - [`outbound`]: the queue runner, MX resolution, smarthost/direct transports, DSNs.
//! - [`node`]: the composition root of the mail node: lock, listeners, runner, the
//!   scheduler that releases sends that wait (undo send, send later), control socket; used
//!   by `postie serve` and by the TUI's embedded node.
//! - [`verify`]: SPF, DKIM, DMARC and ARC checks of received mail; our Authentication-Results.
//! - [`dns`]: every lookup postie makes, through the `[dns]` servers; [`tls`]: certificates.
//! - [`logging`]: tracing to daily files in the data dir.
//! - [`mailbox_io`]: import from mbox/Maildir/.eml and export to mbox.
//! - [`tui`]: the ratatui workstation (event -> update -> effects -> render).
//! - [`access_log`]: one line per SMTP/POP3 session, for `postie log --sessions`.
//! - [`cli`]: the command-line surface; `main.rs` only parses arguments and calls it.
//! - `fuzzing` (hidden): the fuzz target bodies, shared by `fuzz/` and `tests/fuzz_seeds.rs`.
//!
//! Data flow: every message entering the node (SMTP, `postie sendmail`, the TUI's send, the
//! node's own notices) is routed once by [`routing::Router`] and committed with
//! [`store::Store::submit`] in one durable write: local copies, queue entries, the Sent copy.
//! SMTP answers 250 only once that write is on disk. The store
//! notifies listeners (the outbound runner, the TUI, the control socket for other processes)
//! through a broadcast channel, and announces commits made by other processes to the same
//! database as `External`; the TUI reads through the store's reader API, coalesces its
//! loads, and never blocks on IO.

/// jemalloc for every allocation of the process (SQLite's too), in the binary, its
/// benchmarks and its tests, so they measure what ships. With twenty SMTP sessions glibc's
/// malloc took about a seventh of the async worker's time, consolidating the chunks each
/// connection frees; jemalloc raised the median rate by 6% in interleaved runs, with the
/// same peak memory under a login flood (tests/auth_flood.rs). mimalloc was as fast but
/// its peak there was 110-137 MB against 86. Fuzz builds keep the system allocator their
/// sanitizer watches.
#[cfg(not(fuzzing))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

pub mod access_log;
pub mod auth;
pub mod cli;
pub mod config;
pub mod contacts;
pub mod dkim;
pub mod dns;
#[doc(hidden)]
pub mod fuzzing;
pub mod logging;
pub mod mail;
pub mod mailbox_io;
pub mod net;
pub mod node;
pub mod outbound;
pub mod plural;
pub mod pop3;
pub mod routing;
pub mod smtp;
pub mod store;
pub mod tls;
pub mod tui;
pub mod verify;
