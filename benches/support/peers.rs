//! Bench support: the SMTP receivers postie is measured against, each on loopback, with
//! the load from Postfix's smtp-source: a private Postfix instance delivering into a
//! Maildir (end to end, as a user's mail server; needs root), aiosmtpd committing every
//! message to SQLite (WAL, synchronous=FULL) before its 250, and smtp-sink (stores
//! nothing: the ceiling of the protocol on this machine). Each stops on drop.

#![allow(dead_code, clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A system program from the usual directories (Postfix installs into /usr/sbin).
pub fn find(tool: &str) -> Option<PathBuf> {
    ["/usr/sbin", "/usr/bin", "/usr/local/sbin", "/sbin"]
        .iter()
        .map(|d| PathBuf::from(d).join(tool))
        .find(|p| p.is_file())
}

fn free_port() -> u16 {
    let probe = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
    probe.local_addr().unwrap().port()
}

fn wait_for_port(port: u16, what: &str) -> bool {
    let deadline = Instant::now() + Duration::from_secs(15);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline {
            println!("  {what} did not start listening on port {port}");
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    true
}

/// `smtp-source -s SESSIONS -m COUNT -l 4096` against `port`; the time it took.
pub fn smtp_source(port: u16, sessions: usize, count: usize) -> Duration {
    let began = Instant::now();
    let status = Command::new(find("smtp-source").expect("smtp-source"))
        .args(["-s", &sessions.to_string(), "-m", &count.to_string()])
        .args(["-l", "4096", "-M", "client.test", "-f", "bench@client.test"])
        .args(["-t", "alice@postie.test", &format!("127.0.0.1:{port}")])
        .status()
        .unwrap();
    assert!(status.success(), "smtp-source failed");
    began.elapsed()
}

/// A private Postfix: smtpd on a loopback port, virtual(8) delivering
/// `alice@postie.test` into a Maildir, no chroot, its own queue, log and data directories.
pub struct Postfix {
    dir: tempfile::TempDir,
    pub port: u16,
}

impl Postfix {
    /// `None` (with the reason printed) when Postfix is not installed or cannot start
    /// (it must run as root).
    pub fn start() -> Option<Postfix> {
        let postfix = find("postfix")?;
        let master = std::fs::read_to_string("/etc/postfix/master.cf").ok()?;
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let d = dir.path();
        for sub in ["etc", "queue", "data", "mail"] {
            std::fs::create_dir_all(d.join(sub)).unwrap();
        }
        let chown = |path: &Path, uid: u32| std::os::unix::fs::chown(path, Some(uid), None);
        let postfix_uid = Command::new("id").args(["-u", "postfix"]).output().ok()?;
        let postfix_uid: u32 = String::from_utf8_lossy(&postfix_uid.stdout)
            .trim()
            .parse()
            .ok()?;
        if chown(&d.join("data"), postfix_uid).is_err() || chown(&d.join("mail"), 65534).is_err() {
            println!("  Postfix peer skipped: the bench is not running as root");
            return None;
        }
        let p = d.display();
        std::fs::write(
            d.join("etc/main.cf"),
            format!(
                "compatibility_level = 3.6\nqueue_directory = {p}/queue\n\
                 data_directory = {p}/data\nmail_owner = postfix\nsetgid_group = postdrop\n\
                 inet_interfaces = loopback-only\ninet_protocols = ipv4\n\
                 myhostname = postfix.bench.test\nmydestination =\nmynetworks = 127.0.0.0/8\n\
                 smtpd_relay_restrictions = permit_mynetworks, reject\n\
                 virtual_mailbox_domains = postie.test\nvirtual_mailbox_base = {p}/mail\n\
                 virtual_mailbox_maps = texthash:{p}/etc/vmailbox\n\
                 virtual_uid_maps = static:65534\nvirtual_gid_maps = static:65534\n\
                 virtual_minimum_uid = 100\nmaillog_file = {p}/maillog\n\
                 maillog_file_prefixes = {p}\nsmtpd_peername_lookup = no\n\
                 smtp_dns_support_level = disabled\n"
            ),
        )
        .unwrap();
        std::fs::write(d.join("etc/vmailbox"), "alice@postie.test alice/\n").unwrap();
        std::fs::write(d.join("etc/master.cf"), private_master_cf(&master, port)).unwrap();
        let started = Command::new(&postfix)
            .args(["-c", &format!("{p}/etc"), "start"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .ok()?;
        if !started.success() || !wait_for_port(port, "Postfix") {
            println!("  Postfix peer did not start (see {p}/maillog)");
            return None;
        }
        Some(Postfix { dir, port })
    }

    /// Messages delivered into the Maildir so far.
    pub fn delivered(&self) -> usize {
        std::fs::read_dir(self.dir.path().join("mail/alice/new")).map_or(0, |d| d.count())
    }

    /// smtp-source's load, timed until every message is in the Maildir (bounded at 5 min).
    pub fn end_to_end(&self, sessions: usize, count: usize) -> Duration {
        let before = self.delivered();
        let began = Instant::now();
        smtp_source(self.port, sessions, count);
        let deadline = Instant::now() + Duration::from_secs(300);
        while self.delivered() < before + count {
            assert!(
                Instant::now() < deadline,
                "Postfix did not deliver everything"
            );
            std::thread::sleep(Duration::from_millis(2));
        }
        began.elapsed()
    }
}

impl Drop for Postfix {
    fn drop(&mut self) {
        if let Some(postfix) = find("postfix") {
            let _ = Command::new(postfix)
                .args(["-c", &format!("{}/etc", self.dir.path().display()), "stop"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
    }
}

/// The system master.cf with smtpd on `127.0.0.1:port` and chroot off for every service
/// (the private queue directory has no chroot environment).
fn private_master_cf(system: &str, port: u16) -> String {
    let mut out = String::new();
    for line in system.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let is_service = !line.starts_with('#') && !line.starts_with(char::is_whitespace);
        if is_service && fields.len() >= 8 {
            let mut fields = fields;
            let listen = format!("127.0.0.1:{port}");
            if fields[0] == "smtp" && fields[1] == "inet" {
                fields[0] = &listen;
            }
            fields[4] = "n";
            out.push_str(&fields.join(" "));
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    out
}

/// aiosmtpd with `aiosmtpd_sqlite.py` as its handler.
pub struct Aiosmtpd {
    child: Child,
    _dir: tempfile::TempDir,
    pub port: u16,
}

impl Aiosmtpd {
    /// `None` when python3 or aiosmtpd is missing.
    pub fn start() -> Option<Aiosmtpd> {
        let ok = Command::new("python3")
            .args(["-c", "import aiosmtpd"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let script =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/support/aiosmtpd_sqlite.py");
        let child = Command::new("python3")
            .arg(script)
            .arg(port.to_string())
            .arg(dir.path().join("mail.db"))
            .stdout(Stdio::null())
            .spawn()
            .ok()?;
        let peer = Aiosmtpd {
            child,
            _dir: dir,
            port,
        };
        wait_for_port(port, "aiosmtpd").then_some(peer)
    }
}

impl Drop for Aiosmtpd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
