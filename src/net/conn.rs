//! One accepted connection as both drivers see it: reads that end at the phase's deadline
//! or at shutdown, writes bounded by the minimum rate, and the TLS upgrade in place.

use std::io;
use std::net::SocketAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::time::{Instant, timeout_at};
use tokio_rustls::TlsAcceptor;

use super::deadline::{Deadlines, Expired, Phase, SessionClock};
use super::handshake::{self, TlsInfo};
use super::{Io, Stop};

/// What a read brought.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// This many octets are in the buffer.
    Data(usize),
    /// The client closed its side.
    Eof,
    /// A deadline passed first.
    Expired(Expired),
    /// The server is stopping: say the protocol's goodbye.
    Stopped,
}

/// Why a connection could not go on.
#[derive(Debug, thiserror::Error)]
pub enum ConnError {
    #[error("the client did not take our reply in time")]
    WriteDeadline,
    #[error("TLS handshake: {0}")]
    Tls(io::Error),
    #[error(transparent)]
    Io(#[from] io::Error),
}

impl ConnError {
    /// The access-log result of a connection that ended with this error.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::WriteDeadline => Expired::TooSlow.as_str(),
            Self::Tls(_) => "tls-failed",
            Self::Io(_) => "error",
        }
    }
}

/// A client connection with its clock.
pub struct Conn {
    io: Box<dyn Io>,
    peer: SocketAddr,
    clock: SessionClock,
    stop: Stop,
}

impl Conn {
    /// Wrap a stream accepted now from `peer`.
    pub fn new(io: Box<dyn Io>, peer: SocketAddr, limits: Deadlines, stop: Stop) -> Self {
        Self {
            io,
            peer,
            clock: SessionClock::new(limits, Instant::now()),
            stop,
        }
    }

    pub fn peer(&self) -> SocketAddr {
        self.peer
    }

    /// The session's deadlines (to credit content moved, or to read a limit).
    pub fn clock(&mut self) -> &mut SessionClock {
        &mut self.clock
    }

    /// Read what the client sends while the core is in `phase`; the phase's deadline, the
    /// lifetime and shutdown all end the wait.
    pub async fn read(&mut self, buf: &mut [u8], phase: Phase) -> io::Result<Input> {
        self.clock.enter(phase, Instant::now());
        let (deadline, why) = self.clock.deadline();
        let read = tokio::select! {
            biased;
            () = self.stop.wait() => return Ok(Input::Stopped),
            read = timeout_at(deadline, self.io.read(buf)) => read,
        };
        match read {
            Err(_) => Ok(Input::Expired(why)),
            Ok(Ok(0)) => Ok(Input::Eof),
            Ok(Ok(n)) => {
                self.clock.received(n, Instant::now());
                Ok(Input::Data(n))
            }
            Ok(Err(error)) => Err(error),
        }
    }

    /// Read whatever is already there or arrives before `deadline` (`None`: nothing did).
    /// Input that is waiting is found even when `deadline` has passed.
    pub async fn read_before(
        &mut self,
        buf: &mut [u8],
        deadline: Instant,
    ) -> io::Result<Option<usize>> {
        if deadline <= Instant::now() {
            // Only what is already waiting: a timer would round the wait up to tokio's
            // 1 ms tick, which was most of a one-message session's time on loopback.
            return tokio::select! {
                biased;
                read = self.io.read(buf) => read.map(Some),
                () = std::future::ready(()) => Ok(None),
            };
        }
        match timeout_at(deadline, self.io.read(buf)).await {
            Ok(read) => read.map(Some),
            Err(_) => Ok(None),
        }
    }

    /// Write and flush `bytes` within the grace plus their size at the minimum rate.
    pub async fn write(&mut self, bytes: &[u8]) -> Result<(), ConnError> {
        let deadline = self.write_deadline(bytes.len() as u64);
        self.write_before(bytes, deadline).await
    }

    /// When writing `octets` from now must be done (a long reply written in pieces uses
    /// one deadline for all of them).
    pub fn write_deadline(&self, octets: u64) -> Instant {
        self.clock.limits().write_deadline(octets, Instant::now())
    }

    /// Write and flush `bytes` before `deadline`.
    pub async fn write_before(&mut self, bytes: &[u8], deadline: Instant) -> Result<(), ConnError> {
        let io = &mut self.io;
        let write = async move {
            io.write_all(bytes).await?;
            io.flush().await
        };
        timeout_at(deadline, write)
            .await
            .map_err(|_| ConnError::WriteDeadline)?
            .map_err(ConnError::Io)
    }

    /// Upgrade to TLS in place; the handshake must finish within the line limit.
    pub async fn start_tls(&mut self, acceptor: &TlsAcceptor) -> Result<TlsInfo, ConnError> {
        let deadline = Instant::now() + self.clock.limits().line;
        let plain = std::mem::replace(&mut self.io, Box::new(closed()));
        let (tls, info) = timeout_at(deadline, handshake::accept(acceptor, plain))
            .await
            .map_err(|_| ConnError::Tls(io::ErrorKind::TimedOut.into()))?
            .map_err(ConnError::Tls)?;
        self.io = tls;
        Ok(info)
    }

    /// Close our side, waiting no longer than the grace for a client that does not read.
    pub async fn shutdown(&mut self) {
        let deadline = self.write_deadline(0);
        let _ = timeout_at(deadline, self.io.shutdown()).await;
    }
}

/// A stand-in stream while the real one is inside the TLS handshake.
fn closed() -> impl Io {
    tokio::io::join(tokio::io::empty(), tokio::io::sink())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};
    use std::time::Duration;

    /// A greeting without a pause must not wait for a timer: tokio rounds timers up to its
    /// 1 ms tick, which cost every one-message SMTP session about a millisecond.
    #[tokio::test]
    async fn a_deadline_already_passed_answers_on_the_first_poll() {
        let (mut client, server) = tokio::io::duplex(64);
        let peer: SocketAddr = "127.0.0.1:2525".parse().unwrap();
        let mut conn = Conn::new(
            Box::new(server),
            peer,
            Deadlines {
                idle: Duration::from_secs(300),
                line: Duration::from_secs(60),
                transfer_idle: Duration::from_secs(600),
                transfer_grace: Duration::from_secs(30),
                min_rate: 1024,
                lifetime: Duration::from_secs(3600),
            },
            Stop::never(),
        );
        let mut cx = Context::from_waker(Waker::noop());
        let mut buf = [0u8; 16];
        {
            let mut nothing = pin!(conn.read_before(&mut buf, Instant::now()));
            assert!(matches!(
                nothing.as_mut().poll(&mut cx),
                Poll::Ready(Ok(None))
            ));
        }
        client.write_all(b"EHLO x\r\n").await.unwrap();
        let mut early = pin!(conn.read_before(&mut buf, Instant::now()));
        assert!(
            matches!(early.as_mut().poll(&mut cx), Poll::Ready(Ok(Some(8)))),
            "input already waiting is an early talker"
        );
    }
}
