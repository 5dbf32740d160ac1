//! TUI benchmark over a big Inbox: time to first frame, key press -> frame when scrolling
//! (j, page down, jump to end) in the flat and the threaded view, FTS query latency and RSS.
//! Every fourth message answers the one before it, so the Inbox has threads.
//!
//! Through a real terminal (#17), with python3 (`support/pty_keys.py`; else a SKIP line):
//! the `postie` binary on a 120x40 pty over this store, crossterm's output read back.
//! When the fill reaches 200,000 messages it pauses for a phrase search typed at `/`
//! (`"about the invoice"`, 1 message in 16; the hit count is printed): Enter -> the hits
//! listed and Enter -> the status line's count of all of them, p50/p95/p99/max over 7
//! runs, then the same search and count on the store alone for the split. A store that
//! never holds exactly 200,000 gets the search at the end, on what it holds, and says so.
//! At the end, on the full store: spawn -> first full frame, and key press -> changed
//! screen for 1000 `j` and 200 `ctrl-d`, p50/p95/p99/max.
//!
//! Run: `cargo bench --bench tui`. `POSTIE_BENCH_TUI_MESSAGES=N` (default 1,000,000)
//! resizes; `POSTIE_BENCH_TUI_DB=DIR` keeps (and reuses) the generated store there.

#![allow(clippy::unwrap_used, clippy::print_stdout)]

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use postie::config::AccountConfig;
use postie::store::{AccountId, Flags, NewMessage, Role, SearchQuery, Store};
use postie::tui::action::{Action, Outcome};
use postie::tui::app::{App, COUNT_LIMIT};
use postie::tui::effects::{Effect, Runner};
use postie::tui::keymap::Keymap;
use postie::tui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::time::{Duration, Instant};

#[path = "support/pty.rs"]
mod pty;

/// The store size the pty search runs at (#17: a phrase search on 200,000 messages).
const PTY_SEARCH_AT: u64 = 200_000;
/// In every sixteenth message's body (`about the {word}`): ~12,500 hits at 200,000.
const PTY_PHRASE: &str = "\"about the invoice\"";

const WORDS: &[&str] = &[
    "invoice", "meeting", "holiday", "report", "budget", "release", "photos", "dinner", "contract",
    "review", "draft", "server", "backup", "garden", "train", "concert",
];

fn message(i: usize) -> Vec<u8> {
    let w = |k: usize| WORDS[(i / k + k) % WORDS.len()];
    let date = chrono::DateTime::from_timestamp(1_727_776_800 + i as i64 * 60, 0)
        .unwrap()
        .to_rfc2822();
    let reply = if i % 4 == 3 {
        format!("In-Reply-To: <{}@bench.example>\r\n", i - 1)
    } else {
        String::new()
    };
    format!(
        "From: Sender {s} <sender{s}@example.org>\r\nTo: me@example.org\r\nSubject: {} {} number {i}\r\n\
         Message-ID: <{i}@bench.example>\r\nDate: {date}\r\n{reply}\r\n\
         {} {} {} and some more words about the {} for line {i}\r\n",
        w(1),
        w(5),
        w(2),
        w(3),
        w(7),
        w(11),
        s = i % 500
    )
    .into_bytes()
}

/// File the generated messages `next..next + chunk` with 64 writers.
async fn file(store: &Store, inbox: i64, next: u64, chunk: u64) {
    let writers = 64u64;
    let tasks: Vec<_> = (0..writers)
        .map(|w| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut i = next + w;
                while i < next + chunk {
                    let raw = message(i as usize);
                    let m = NewMessage {
                        mailbox_id: inbox,
                        raw,
                        flags: if i.is_multiple_of(3) {
                            Flags::empty()
                        } else {
                            Flags::SEEN
                        },
                        // A few seconds after its Date (`message`), as mail arrives.
                        received_at: 1_727_776_800 + i as i64 * 60 + 5,
                        envelope: None,
                    };
                    store.insert(m, false).await.unwrap();
                    i += writers;
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
}

/// The fill in chunks of 20,000, each chunk's rate kept. It can stop at a count and go
/// on later, to measure something at that size (the pty search at 200,000); a pause is
/// not counted as filing time.
struct Fill {
    have: u64,
    want: u64,
    next: u64,
    filing: Duration,
    rates: Vec<f64>,
}

impl Fill {
    fn new(have: u64, want: u64) -> Fill {
        Fill {
            have,
            want,
            next: have,
            filing: Duration::ZERO,
            rates: Vec::new(),
        }
    }

    /// File messages until the Inbox holds `upto` (at most the number wanted).
    async fn up_to(&mut self, store: &Store, inbox: i64, upto: u64) {
        let upto = upto.min(self.want);
        while self.next < upto {
            let chunk_began = Instant::now();
            let chunk = (upto - self.next).min(20_000);
            file(store, inbox, self.next, chunk).await;
            let took = chunk_began.elapsed();
            self.next += chunk;
            self.filing += took;
            let rate = chunk as f64 / took.as_secs_f64();
            self.rates.push(rate);
            println!(
                "  generated {}/{} ({rate:.0} msg/s for these, {:.0} overall)",
                self.next,
                self.want,
                (self.next - self.have) as f64 / self.filing.as_secs_f64()
            );
        }
    }

    fn report(&self) {
        if let (Some(first), Some(last)) = (self.rates.first(), self.rates.last()) {
            println!(
                "ingest with 64 writers: {first:.0} msg/s at the start, {last:.0} msg/s at the end \
                 ({:.2} of the first)",
                last / first
            );
        }
        // One chunk of 20,000 varies by a tenth from the next (checkpoints, the page
        // cache); the median of five at each end says the same with less noise.
        if self.rates.len() >= 10 {
            let start = median(&self.rates[..5]);
            let end = median(&self.rates[self.rates.len() - 5..]);
            println!(
                "  median of the first five chunks {start:.0} msg/s, of the last five {end:.0} \
                 ({:.2})",
                end / start
            );
        }
    }
}

fn median(rates: &[f64]) -> f64 {
    let mut sorted = rates.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[sorted.len() / 2]
}

/// Feed effects to the store and their outcomes back to the app until quiet.
async fn settle(app: &mut App, runner: &Runner, mut effects: Vec<Effect>) {
    while !effects.is_empty() {
        let mut next = Vec::new();
        for e in effects {
            match e {
                Effect::LoadMailboxes | Effect::LoadRows { .. } | Effect::LoadMessage { .. } => {
                    let outcome = runner.run(e).await.unwrap_or_else(Outcome::Failed);
                    next.extend(app.update(Action::Outcome(outcome)));
                }
                _ => {}
            }
        }
        effects = next;
    }
}

/// One key press -> frame, printed with the rows the list then has.
async fn timed_key(
    app: &mut App,
    runner: &Runner,
    term: &mut Terminal<TestBackend>,
    name: &str,
    c: char,
) {
    let t = Instant::now();
    let fx = app.update(Action::Key(KeyEvent::new(
        KeyCode::Char(c),
        KeyModifiers::NONE,
    )));
    settle(app, runner, fx).await;
    term.draw(|f| postie::tui::ui::render(app, f)).unwrap();
    println!(
        "{name:<28} {:>8.3} ms ({} rows)",
        ms(t.elapsed()),
        app.list.total
    );
}

/// Press each key of `plan` its number of times (G alternates with g), timing key -> frame.
async fn scroll(
    app: &mut App,
    runner: &Runner,
    term: &mut Terminal<TestBackend>,
    label: &str,
    plan: &[(&str, KeyCode, usize)],
) {
    let key = |c: KeyCode| Action::Key(KeyEvent::new(c, KeyModifiers::NONE));
    for &(name, code, n) in plan {
        let mut samples = Vec::new();
        for i in 0..n {
            let code = if code == KeyCode::Char('G') && i % 2 == 1 {
                KeyCode::Char('g')
            } else {
                code
            };
            let t = Instant::now();
            let fx = app.update(key(code));
            settle(app, runner, fx).await;
            term.draw(|f| postie::tui::ui::render(app, f)).unwrap();
            samples.push(t.elapsed());
        }
        stats(&format!("{label}{name}"), samples);
    }
}

fn stats(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let n = samples.len();
    let mean = samples.iter().sum::<Duration>() / n.max(1) as u32;
    println!(
        "{name:<28} n={n:<5} mean {:>8.3} ms  p50 {:>8.3} ms  p99 {:>8.3} ms  max {:>8.3} ms",
        ms(mean),
        ms(samples[n / 2]),
        ms(samples[(n * 99 / 100).min(n - 1)]),
        ms(samples[n - 1])
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The phrase typed at `/` in the real binary: Enter -> the hits listed, and -> the
/// count of all matches on the status line, 7 runs (Esc leaves the search between
/// them); then the same two queries on the store alone, in this process, for the split.
async fn pty_search(store: &Store, account: AccountId, inbox: i64, home: &pty::Home) {
    // Nothing left waiting for the full-text index: the binary's search would index it.
    store.index_waiting().await.unwrap();
    let count = store.count(inbox).await.unwrap();
    if count == 0 {
        return;
    }
    let note = match count.cmp(&PTY_SEARCH_AT) {
        std::cmp::Ordering::Equal => String::new(),
        std::cmp::Ordering::Less => format!(" (not {PTY_SEARCH_AT}: the store holds fewer)"),
        std::cmp::Ordering::Greater => {
            format!(" (not {PTY_SEARCH_AT}: the kept store was already past that count)")
        }
    };
    let report = pty::run(
        "search",
        home,
        &format!("number {}", count - 1),
        &["--query", PTY_PHRASE, "--runs", "7"],
        Duration::from_secs(300),
    );
    println!(
        "pty search {PTY_PHRASE}: {} hits at {count} messages{note}",
        report.hits.as_deref().unwrap_or("?")
    );
    for (name, ms, silent) in report.samples {
        let first = ms.first().copied();
        if name == "listed" {
            pty::print_samples("pty / Enter -> hits listed", ms, silent);
        } else {
            pty::print_samples("pty / Enter -> count shown", ms, silent);
            if let Some(first) = first {
                println!("  (the binary's first search since it started: {first:.3} ms)");
            }
        }
    }
    for e in report.errors {
        println!("pty search: {e}");
    }
    let query = || SearchQuery::parse(PTY_PHRASE).unwrap();
    let (mut listing, mut counting) = (Vec::new(), Vec::new());
    let mut counted = None;
    for _ in 0..5 {
        let t = Instant::now();
        store.search(account, query(), 1000).await.unwrap();
        listing.push(t.elapsed());
        let t = Instant::now();
        counted = store
            .count_matches(account, query(), COUNT_LIMIT)
            .await
            .unwrap();
        counting.push(t.elapsed());
    }
    stats("  store alone: newest 1000", listing);
    let counted = counted.map_or_else(|| format!("> {COUNT_LIMIT}"), |n| n.to_string());
    stats(&format!("  store alone: count ({counted})"), counting);
}

/// Key press -> changed screen in the real binary on the full store.
async fn pty_keys(store: &Store, inbox: i64, home: &pty::Home) {
    let count = store.count(inbox).await.unwrap();
    if count == 0 {
        return;
    }
    let report = pty::run(
        "keys",
        home,
        &format!("number {}", count - 1),
        &["--key", "j:1000", "--key", "ctrl-d:200"],
        Duration::from_secs(600),
    );
    if let Some(ready) = report.ready_ms {
        println!("pty first full frame {ready:>8.3} ms after spawn ({count} messages, 120x40)");
    }
    for (name, ms, silent) in report.samples {
        pty::print_samples(&format!("pty key {name} -> screen"), ms, silent);
    }
    for e in report.errors {
        println!("pty keys: {e}");
    }
}

fn rss() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .filter(|l| l.starts_with("VmRSS") || l.starts_with("VmHWM"))
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join(", ")
}

fn main() {
    let want: u64 = std::env::var("POSTIE_BENCH_TUI_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let tmp = tempfile::tempdir().unwrap();
    let dir = std::env::var_os("POSTIE_BENCH_TUI_DB")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| tmp.path().to_path_buf());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let store = Store::open(&dir.join("bench.db")).unwrap();
        let account_id = store.ensure_account("bench", None).await.unwrap();
        let inbox = store
            .mailbox_by_role(account_id, Role::Inbox)
            .await
            .unwrap()
            .id;
        let have = store.count(inbox).await.unwrap();
        println!(
            "tui bench: {want} messages in the Inbox ({have} already stored in {})",
            dir.display()
        );
        let python = pty::python();
        if !python {
            println!("SKIP: the pty figures (the real binary on a terminal) need python3");
        }
        let pty_home = pty::Home::new(&dir.join("bench.db"));
        let mut fill = Fill::new(have, want);
        let search_in_fill = python && have < PTY_SEARCH_AT && PTY_SEARCH_AT <= want;
        if search_in_fill {
            fill.up_to(&store, inbox, PTY_SEARCH_AT).await;
            pty_search(&store, account_id, inbox, &pty_home).await;
        }
        fill.up_to(&store, inbox, want).await;
        fill.report();
        let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
        let account = AccountConfig {
            name: "bench".into(),
            addresses: vec!["me@example.org".into()],
            ..AccountConfig::default()
        };
        let router = std::sync::Arc::new(postie::routing::Router::new(
            std::sync::Arc::new(postie::config::Directory::new(std::slice::from_ref(&account))),
            std::collections::HashMap::from([(
                "bench".to_string(),
                postie::routing::RoutedAccount {
                    id: account_id,
                    inbox,
                },
            )]),
            Some(&account),
            "bench.example.org",
        ));
        let runner = Runner {
            store: store.clone(),
            router,
            account_id,
            account: account.clone(),
            tx,
            config_file: dir.join("config.toml"),
            data_dir: dir.clone(),
            smtp_ports: vec![],
            opener: String::new(),
            contacts: Default::default(),
            accounts: Vec::new(),
        };

        let began = Instant::now();
        let mut app = App::new(
            account,
            Keymap::default(),
            Theme::plain(),
            chrono::Utc::now().timestamp(),
        );
        app.width = 120;
        app.height = 40;
        let mut term = Terminal::new(TestBackend::new(120, 40)).unwrap();
        // The real loop draws before any store answer arrives.
        term.draw(|f| postie::tui::ui::render(&app, f)).unwrap();
        let empty = began.elapsed();
        let t = Instant::now();
        let outcome = runner.run(Effect::LoadMailboxes).await.unwrap();
        let fx = app.update(Action::Outcome(outcome));
        let mailboxes = t.elapsed();
        let t = Instant::now();
        settle(&mut app, &runner, fx).await;
        let rows = t.elapsed();
        term.draw(|f| postie::tui::ui::render(&app, f)).unwrap();
        let first = began.elapsed();
        assert!(app.list.total >= want.min(1), "rows shown");
        println!("time to first frame (empty)  {:>8.3} ms", ms(empty));
        println!(
            "time to first full frame     {:>8.3} ms ({} rows; mailboxes with counts {:.1} ms, count + first window {:.1} ms)",
            ms(first),
            app.list.total,
            ms(mailboxes),
            ms(rows)
        );

        let key = |c: KeyCode| Action::Key(KeyEvent::new(c, KeyModifiers::NONE));
        let plan = [
            ("key j -> frame", KeyCode::Char('j'), 2000),
            ("key pgdn -> frame", KeyCode::PageDown, 300),
            ("key G/g -> frame", KeyCode::Char('G'), 40),
        ];
        scroll(&mut app, &runner, &mut term, "", &plan).await;

        // The threaded view: T asks for a thread-ordered window; = folds every thread.
        let home = app.update(key(KeyCode::Char('g')));
        settle(&mut app, &runner, home).await;
        timed_key(&mut app, &runner, &mut term, "threads on (t)", 't').await;
        scroll(&mut app, &runner, &mut term, "threaded ", &plan).await;
        let home = app.update(key(KeyCode::Char('g')));
        settle(&mut app, &runner, home).await;
        timed_key(&mut app, &runner, &mut term, "fold all (=)", '=').await;
        scroll(&mut app, &runner, &mut term, "folded ", &plan).await;

        for q in [

            "invoice",
            "from:sender42 budget",
            "subject:\"number 4242\"",
            "meeting is:unread",
        ] {
            let mut samples = Vec::new();
            let mut hits = 0;
            for _ in 0..5 {
                let t = Instant::now();
                hits = store
                    .search(account_id, SearchQuery::parse(q).unwrap(), 1000)
                    .await
                    .unwrap()
                    .len();
                samples.push(t.elapsed());
            }
            stats(&format!("search {q} ({hits})"), samples);
        }
        if python {
            if !search_in_fill {
                pty_search(&store, account_id, inbox, &pty_home).await;
            }
            pty_keys(&store, inbox, &pty_home).await;
        }
        println!("RSS: {}", rss());
    });
}
