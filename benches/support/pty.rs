//! Bench support: the real `postie` binary on a pseudo-terminal over the bench's store,
//! driven by `pty_keys.py` (keys written, crossterm's output read back and timed), for
//! the figures #17 asks for through a real terminal: key press -> changed screen and a
//! search typed at `/`. Without python3 the caller prints a SKIP line.

#![allow(dead_code, clippy::unwrap_used)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A `POSTIE_HOME` whose `data/postie.db` is a symlink to the bench's store (SQLite
/// follows it, so the WAL and its index are the store's own), with one account "bench"
/// (me@example.org), listeners on loopback port 0 and DNS to a discard port, so the
/// binary neither takes a real port nor asks the machine's resolver anything.
pub struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    pub fn new(store: &Path) -> Home {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir_all(&data).unwrap();
        let store = std::fs::canonicalize(store).unwrap();
        std::os::unix::fs::symlink(store, data.join("postie.db")).unwrap();
        std::fs::write(
            dir.path().join("config.toml"),
            "[smtp]\nlisten = [\"127.0.0.1:0\"]\nhostname = \"bench.example.org\"\n\n\
             [pop3]\nlisten = [\"127.0.0.1:0\"]\n\n\
             [dns]\nreverse_lookups = false\nnameservers = [\"127.0.0.1:9\"]\n\n\
             [ui]\nbell = false\n\n\
             [[accounts]]\nname = \"bench\"\naddresses = [\"me@example.org\"]\n",
        )
        .unwrap();
        Home { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

/// Is python3 here to drive the pty?
pub fn python() -> bool {
    Command::new("python3")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// What one run of the script reported.
#[derive(Default)]
pub struct Report {
    /// Spawn to the first frame showing the newest message.
    pub ready_ms: Option<f64>,
    /// Per key (or `search`): the samples in ms and how many presses drew nothing.
    pub samples: Vec<(String, Vec<f64>, usize)>,
    /// The count of all matches the status line gave.
    pub hits: Option<String>,
    pub errors: Vec<String>,
}

/// Run `pty_keys.py MODE` on the binary in `home` (the first full frame shows `ready`),
/// killed after `limit` if it has not finished.
pub fn run(mode: &str, home: &Home, ready: &str, args: &[&str], limit: Duration) -> Report {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/support/pty_keys.py");
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_postie"));
    let spawned = Command::new("python3")
        .arg(script)
        .arg(mode)
        .arg(binary)
        .arg(home.path())
        .arg(ready)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn();
    let mut child = match spawned {
        Ok(c) => c,
        Err(e) => {
            return Report {
                errors: vec![format!("python3: {e}")],
                ..Report::default()
            };
        }
    };
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut out = String::new();
        let _ = stdout.read_to_string(&mut out);
        out
    });
    let deadline = Instant::now() + limit;
    let mut report = Report::default();
    while child.try_wait().ok().flatten().is_none() {
        if Instant::now() > deadline {
            // The binary gets SIGHUP when the pty's master side closes with the script.
            let _ = child.kill();
            let _ = child.wait();
            report
                .errors
                .push(format!("killed after {} s", limit.as_secs()));
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let out = reader.join().unwrap_or_default();
    for line in out.lines() {
        let mut words = line.split_whitespace();
        match words.next() {
            Some("ready") => report.ready_ms = words.next().and_then(|w| w.parse().ok()),
            Some("hits") => report.hits = words.next().map(str::to_string),
            Some("samples") => {
                let name = words.next().unwrap_or("?").to_string();
                let silent = words.next().and_then(|w| w.parse().ok()).unwrap_or(0);
                let ms = words.filter_map(|w| w.parse().ok()).collect();
                report.samples.push((name, ms, silent));
            }
            Some("error") => report.errors.push(line["error".len()..].trim().to_string()),
            _ => {}
        }
    }
    report
}

/// `p50 / p95 / p99 / max` of samples in ms, one line.
pub fn print_samples(name: &str, mut ms: Vec<f64>, silent: usize) {
    if ms.is_empty() {
        println!("{name:<28} no samples ({silent} presses drew nothing)");
        return;
    }
    ms.sort_by(f64::total_cmp);
    let at = |p: usize| ms[(ms.len() * p / 100).min(ms.len() - 1)];
    let nothing = if silent > 0 {
        format!("  ({silent} presses drew nothing)")
    } else {
        String::new()
    };
    println!(
        "{name:<28} n={:<5} p50 {:>8.3} ms  p95 {:>8.3} ms  p99 {:>8.3} ms  max {:>8.3} ms{nothing}",
        ms.len(),
        at(50),
        at(95),
        at(99),
        ms[ms.len() - 1]
    );
}
