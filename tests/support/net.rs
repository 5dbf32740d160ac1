//! Test support for the network-layer tests: a line reader over any stream, a client socket
//! bound to a chosen loopback address, the access log captured from tracing, and a raised
//! open-files limit for connection floods.
#![allow(dead_code, clippy::unwrap_used, clippy::print_stderr)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, BufReader};
use tokio::net::{TcpSocket, TcpStream};

/// Reads replies line by line; an empty string means the server closed.
pub struct Lines<R> {
    reader: BufReader<R>,
}

impl<R: AsyncRead + Unpin> Lines<R> {
    pub fn new(reader: R) -> Self {
        Self {
            reader: BufReader::new(reader),
        }
    }

    /// One line, CRLF included ("" at the end of the stream or on a reset).
    pub async fn line(&mut self) -> String {
        let mut line = Vec::new();
        if self.reader.read_until(b'\n', &mut line).await.is_err() {
            return String::new();
        }
        String::from_utf8_lossy(&line).into_owned()
    }

    /// One SMTP reply, all lines of a multiline one.
    pub async fn reply(&mut self) -> String {
        let mut all = String::new();
        loop {
            let line = self.line().await;
            all.push_str(&line);
            if line.as_bytes().get(3) != Some(&b'-') {
                return all;
            }
        }
    }

    /// Everything until the server closes; returns how many octets came.
    pub async fn drain(&mut self) -> usize {
        let mut rest = Vec::new();
        let _ = self.reader.read_to_end(&mut rest).await;
        rest.len()
    }

    pub fn get_mut(&mut self) -> &mut BufReader<R> {
        &mut self.reader
    }
}

/// Connect to `server` from the loopback address `local` (e.g. "127.0.0.2"); `None`, with
/// a SKIP line (a failure with `POSTIE_REQUIRE_PEERS=1`), when that address is not usable.
pub async fn connect_from(local: &str, server: SocketAddr) -> Option<TcpStream> {
    let socket = TcpSocket::new_v4().unwrap();
    let bound = socket.bind(format!("{local}:0").parse().unwrap());
    match bound {
        Ok(()) => Some(socket.connect(server).await.unwrap()),
        Err(error) => {
            super::peers::skip(&format!(
                "{local} is not a usable loopback address: {error}"
            ));
            None
        }
    }
}

/// Let this process open at least `wanted` files (up to the hard limit).
pub fn raise_open_files(wanted: u64) {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE).unwrap();
    if soft < wanted {
        setrlimit(Resource::RLIMIT_NOFILE, wanted.min(hard), hard).unwrap();
    }
}

/// The log lines written since [`capture`] was first called in this process.
#[derive(Clone, Default)]
pub struct Captured(pub Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    /// The access-log lines so far.
    pub fn access_lines(&self) -> Vec<String> {
        let text = String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned();
        text.lines()
            .filter(|l| postie::access_log::is_access_line(l))
            .map(str::to_owned)
            .collect()
    }
}

/// Capture the INFO logs of this whole test process. The subscriber is global because
/// tracing caches per call site whether anyone listens: a thread-local subscriber misses
/// events when tests on other threads ran the same call sites first.
pub fn capture() -> Captured {
    static CAPTURED: std::sync::OnceLock<Captured> = std::sync::OnceLock::new();
    CAPTURED
        .get_or_init(|| {
            let captured = Captured::default();
            let writer = captured.clone();
            let subscriber = tracing_subscriber::fmt()
                .with_ansi(false)
                .with_max_level(tracing::Level::INFO)
                .with_writer(move || writer.clone())
                .finish();
            tracing::subscriber::set_global_default(subscriber).unwrap();
            captured
        })
        .clone()
}
