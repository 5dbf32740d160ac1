//! The network layer both mail drivers share, so that SMTP and POP3 differ only in their
//! sans-IO sessions:
//!
//! - [`listener`]: bind (one way, with a backlog), the accept loop, refusals and the
//!   stop/drain rule ([`Stop`]).
//! - [`gate`]: the global and per-address connection limits.
//! - [`conn`]: one connection: reads and writes bounded by [`deadline`]s that bytes cannot
//!   reset, and the TLS handshake to a [`TlsInfo`].
//! - [`line`]: the one bounded command-line buffer both protocol cores use.
//! - [`throttle`] and [`login`]: per-address failed-login throttling around every password
//!   check, and the [`Credentials`] checked.

pub mod conn;
pub mod deadline;
pub mod gate;
mod handshake;
pub mod line;
pub mod listener;
pub mod login;
pub mod throttle;

pub use conn::{Conn, ConnError, Input};
pub use deadline::{Deadlines, Expired, Phase, SessionClock};
pub use gate::{Gate, Permit, Refusal};
pub use handshake::TlsInfo;
pub use line::{Line, LineBuffer};
pub use listener::{BACKLOG, Listener, Service, bind, serve};
pub use login::{Credentials, LoginGuard};
pub use throttle::{Admission, LoginThrottle, ThrottleConfig};

use std::net::{IpAddr, Ipv6Addr};

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::watch;

/// Any byte stream a session runs over (TCP, TLS over TCP, `tokio::io::duplex`).
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// The server's stop signal as one connection sees it.
#[derive(Debug, Clone)]
pub struct Stop(watch::Receiver<bool>);

impl Stop {
    /// A signal that never fires (a connection served on its own, e.g. in tests).
    pub fn never() -> Self {
        let (_, stopped) = watch::channel(false);
        Self(stopped)
    }

    /// Resolves once the server stops; never if its sender is gone without stopping.
    pub async fn wait(&mut self) {
        if self.0.wait_for(|stop| *stop).await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

impl From<watch::Receiver<bool>> for Stop {
    fn from(stopped: watch::Receiver<bool>) -> Self {
        Self(stopped)
    }
}

/// The key a peer is counted under by the per-address limits and the login throttle: an
/// IPv4 address (also when mapped into IPv6) as it is, an IPv6 address by its /64, since
/// one subscriber is routinely given a whole /64 and could otherwise pick a fresh address
/// for every connection.
pub fn peer_key(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let bits = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(Ipv6Addr::from(bits))
        }
        v4 => v4,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::peer_key;

    #[test]
    fn ipv6_peers_count_by_their_64_and_ipv4_by_address() {
        let key = |text: &str| peer_key(text.parse().unwrap()).to_string();
        assert_eq!(key("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::");
        assert_eq!(key("2001:db8:1:2:bbbb::9"), "2001:db8:1:2::");
        assert_eq!(key("2001:db8:1:3::1"), "2001:db8:1:3::");
        assert_eq!(key("::ffff:192.0.2.7"), "192.0.2.7");
        assert_eq!(key("192.0.2.7"), "192.0.2.7");
    }
}
