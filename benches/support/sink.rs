//! Bench support: Postfix's smtp-sink as a peer receiver on loopback, killed on drop.

#![allow(dead_code, clippy::unwrap_used)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

/// A system program from the usual directories (Postfix installs into /usr/sbin).
pub fn find(tool: &str) -> Option<PathBuf> {
    ["/usr/sbin", "/usr/bin", "/usr/local/sbin", "/sbin"]
        .iter()
        .map(|d| PathBuf::from(d).join(tool))
        .find(|p| p.is_file())
}

/// A running smtp-sink.
pub struct Sink {
    child: std::process::Child,
    pub port: u16,
}

impl Sink {
    /// smtp-sink on `ip` and a free port, once it accepts connections; `None` when Postfix
    /// is not installed.
    pub fn start(ip: &str) -> Option<Sink> {
        let bin = find("smtp-sink")?;
        let probe = std::net::TcpListener::bind((ip, 0)).unwrap();
        let port = probe.local_addr().unwrap().port();
        drop(probe);
        let child = std::process::Command::new(bin)
            .args(["-u", "root", &format!("{ip}:{port}"), "256"])
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect((ip, port)).is_err() {
            assert!(Instant::now() < deadline, "smtp-sink did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        Some(Sink { child, port })
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
