//! POP3 targets: the command parser, and a whole session driven through
//! [`Session::handle`] over the in-memory maildrop, its effects performed as the tokio
//! driver performs them.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use super::{chunks, header};
use crate::mail::canonical::is_canonical_crlf;
use crate::pop3::command::Command;
use crate::pop3::memory::MemoryBackend;
use crate::pop3::message::{DotStuffer, canonical_size, canonicalise, top};
use crate::pop3::session::Login;
use crate::pop3::{
    Backend, DeletedMessages, LoginResult, Maildrop, MaildropLock, Output, Session, SessionSettings,
};

/// One command line: never panics, keywords are case-insensitive, and secrets never show in
/// the command's `Debug` form.
pub fn command(data: &[u8]) {
    let parsed = Command::parse(data);
    let start = data.iter().position(|b| *b != b' ').unwrap_or(data.len());
    let end = data[start..]
        .iter()
        .position(|b| *b == b' ')
        .map_or(data.len(), |i| start + i);
    let mut lower = data.to_vec();
    lower[start..end].make_ascii_lowercase();
    assert_eq!(
        Command::parse(&lower),
        parsed,
        "the keyword's case changed the parse"
    );
    if let Ok(command) = &parsed {
        // The Debug form must not depend on the secret at all: the same command with another
        // secret shows the same. (Looking for the secret's text in the output is not enough:
        // a mechanism name or "<redacted>" itself can contain it.)
        let mut other = command.clone();
        let secret = match &mut other {
            Command::Pass(secret) => Some(secret),
            Command::Apop { digest, .. } => Some(digest),
            Command::Auth {
                initial_response, ..
            } => initial_response.as_mut(),
            _ => None,
        };
        if let Some(secret) = secret {
            *secret = format!("{secret}-other");
            assert_eq!(
                format!("{other:?}"),
                format!("{command:?}"),
                "the Debug form shows the secret"
            );
        }
    }
}

/// The maildrop of account `a` (password `pw`, APOP secret `tanstaaf`): awkward messages
/// (dots at line starts, bare LF and CR, no final newline, empty) and the transcript itself.
fn messages(transcript: &[u8]) -> Vec<Vec<u8>> {
    vec![
        b"Subject: one\r\n\r\n.leading dot\r\n..two\r\n.\r\nend\r\n".to_vec(),
        b"Subject: bare\n\nline\rcr\n.\nno final newline".to_vec(),
        Vec::new(),
        b"no header at all, no blank line\r\n.".to_vec(),
        transcript.to_vec(),
    ]
}

/// The configuration the flags byte picks.
#[derive(Debug, Clone, Copy)]
struct Setup {
    plaintext: bool,
    implicit_tls: bool,
    stls: bool,
    apop: bool,
    max_auth_failures: u32,
    fail_commits: bool,
    deleted: DeletedMessages,
    max_line: usize,
}

impl Setup {
    fn new(flags: u8) -> Self {
        Self {
            plaintext: flags & 0x01 != 0,
            implicit_tls: flags & 0x02 != 0,
            stls: flags & 0x04 != 0,
            apop: flags & 0x08 != 0,
            max_auth_failures: if flags & 0x10 != 0 { 1 } else { 3 },
            fail_commits: flags & 0x20 != 0,
            deleted: if flags & 0x40 != 0 {
                DeletedMessages::Trash
            } else {
                DeletedMessages::Expunge
            },
            max_line: if flags & 0x80 != 0 { 64 } else { 255 },
        }
    }
}

/// What one run wrote, and whether it went through STLS.
struct Run {
    wire: Vec<u8>,
    started_tls: bool,
}

/// A whole session over any transcript. The session must: write only well-formed replies
/// and nothing after closing; never take a password where plaintext is not allowed; send
/// messages byte-exact (un-stuffed RETR is the canonical message, its size the listed one);
/// delete only at QUIT and only the marked messages of its snapshot, keeping everything when
/// the commit fails; and (without STLS, which drops what was pipelined behind it) answer the
/// same however the transcript was cut into reads.
pub fn session(data: &[u8]) {
    let (flags, chunking, transcript) = header(data);
    let setup = Setup::new(flags);
    let cut = run(setup, &chunks(transcript, chunking), transcript);
    let whole = run(setup, &[transcript], transcript);
    if !cut.started_tls && !whole.started_tls {
        assert_eq!(
            String::from_utf8_lossy(&cut.wire),
            String::from_utf8_lossy(&whole.wire),
            "the replies depend on how the input was cut into reads"
        );
    }
}

struct Driver {
    setup: Setup,
    backend: MemoryBackend,
    session: Session,
    tls: bool,
    closed: bool,
    started_tls: bool,
    maildrop: Option<Maildrop>,
    lock: Option<MaildropLock<String>>,
    committed: Vec<i64>,
    wire: Vec<u8>,
}

fn run(setup: Setup, reads: &[&[u8]], transcript: &[u8]) -> Run {
    let backend = MemoryBackend::new();
    backend.add_account("a", "pw");
    backend.set_apop_secret("a", "tanstaaf");
    backend.add_account("held", "pw");
    backend.fail_commits(setup.fail_commits);
    let ids: Vec<i64> = messages(transcript)
        .into_iter()
        .filter_map(|raw| backend.deliver("a", raw))
        .collect();
    let before = backend.inbox("a");
    // Another session owns `held`'s maildrop: its login must answer [IN-USE].
    let other = ready(backend.lock(&"held".to_owned())).ok().flatten();
    assert!(other.is_some());
    let session = Session::new(SessionSettings {
        hostname: "pop.local.test".into(),
        plaintext_auth_allowed: setup.plaintext,
        tls_active: setup.implicit_tls,
        stls_available: setup.stls,
        apop_timestamp: setup.apop.then(|| "<1.2@pop.local.test>".into()),
        failed_login_delay: Duration::from_millis(1),
        max_auth_failures: setup.max_auth_failures,
        max_line: setup.max_line,
    });
    let mut driver = Driver {
        setup,
        backend,
        tls: setup.implicit_tls,
        closed: false,
        started_tls: false,
        maildrop: None,
        lock: None,
        committed: Vec::new(),
        wire: session.greeting(),
        session,
    };
    for piece in reads {
        let outputs = driver.session.handle(piece);
        if driver.closed {
            assert!(outputs.is_empty(), "output after close: {outputs:?}");
        }
        driver.perform(outputs);
        driver.unasked_results();
    }
    drop(driver.lock.take());
    let expected: Vec<Vec<u8>> = before
        .into_iter()
        .zip(&ids)
        .filter(|(_, id)| !driver.committed.contains(id))
        .map(|(raw, _)| raw)
        .collect();
    assert_eq!(driver.backend.inbox("a"), expected, "a message was lost");
    Run {
        wire: driver.wire,
        started_tls: driver.started_tls,
    }
}

impl Driver {
    fn perform(&mut self, outputs: Vec<Output>) {
        let mut queue = VecDeque::from(outputs);
        while let Some(output) = queue.pop_front() {
            assert!(!self.closed, "output after close: {output:?}");
            match output {
                Output::Reply(bytes) => {
                    check_reply(&bytes);
                    self.wire.extend_from_slice(&bytes);
                }
                Output::Pause(_) => {}
                Output::Authenticate(credentials) => {
                    assert!(
                        self.tls || self.setup.plaintext,
                        "credentials taken in cleartext"
                    );
                    assert!(self.maildrop.is_none(), "a second login");
                    if let Login::Apop { .. } = credentials {
                        assert!(self.setup.apop, "APOP without a timestamp");
                    }
                    let result = self.login(&credentials);
                    queue.extend(self.session.login_result(result));
                }
                Output::SendMessage { id, top, status } => self.send(id, top, &status),
                Output::Commit { ids } => {
                    let committed = self.commit(ids);
                    queue.extend(self.session.commit_result(committed));
                }
                Output::StartTls => {
                    assert!(self.setup.stls && !self.tls, "STLS not offered");
                    self.tls = true;
                    self.started_tls = true;
                    queue.extend(self.session.tls_established());
                }
                Output::Close => self.closed = true,
            }
        }
    }

    /// What the tokio driver does: check, lock, snapshot.
    fn login(&mut self, credentials: &Login) -> LoginResult {
        let account = match ready(self.backend.authenticate(credentials)) {
            Ok(Some(account)) => account,
            Ok(None) => return LoginResult::Rejected,
            Err(_) => return LoginResult::Unavailable,
        };
        let Ok(Some(lock)) = ready(self.backend.lock(&account)) else {
            return LoginResult::InUse;
        };
        match ready(self.backend.snapshot(&account)) {
            Ok(maildrop) => {
                self.lock = Some(lock);
                self.maildrop = Some(maildrop.clone());
                LoginResult::Granted(maildrop)
            }
            Err(_) => LoginResult::Unavailable,
        }
    }

    /// RETR/TOP: the status line, then the message byte-stuffed; un-stuffing gives back the
    /// canonical message (RETR: exactly the listed size) or a prefix of it (TOP).
    fn send(&mut self, id: i64, lines: Option<u32>, status: &[u8]) {
        let entry = self
            .maildrop
            .as_ref()
            .and_then(|m| m.messages.iter().find(|e| e.id == id).copied());
        let Some(entry) = entry else {
            panic!("message {id} sent without a login or outside the snapshot");
        };
        let raw = ready(self.backend.fetch(&"a".to_owned(), id)).unwrap_or_default();
        check_reply(status);
        assert!(status.starts_with(b"+OK"));
        let body = lines.map_or(&raw[..], |n| top(&raw, n));
        let mut stuffed = Vec::new();
        let mut stuffer = DotStuffer::new();
        for piece in body.chunks(7) {
            stuffer.push(piece, &mut stuffed);
        }
        stuffer.finish(&mut stuffed);
        let content = unstuff(&stuffed);
        let canonical = canonicalise(&raw);
        if lines.is_none() {
            assert_eq!(content, canonical, "RETR changed the message");
            assert_eq!(
                content.len() as u64,
                entry.size,
                "RETR size differs from LIST"
            );
            assert_eq!(status, format!("+OK {} octets\r\n", entry.size).as_bytes());
        } else {
            assert!(canonical.starts_with(&content), "TOP is not a prefix");
        }
        assert_eq!(canonical_size(&raw), entry.size);
        self.wire.extend_from_slice(status);
        self.wire.extend_from_slice(&stuffed);
    }

    fn commit(&mut self, ids: Vec<i64>) -> bool {
        let snapshot = self.maildrop.as_ref().expect("UPDATE without a login");
        for (i, id) in ids.iter().enumerate() {
            assert!(
                snapshot.messages.iter().any(|e| e.id == *id),
                "{id} unknown"
            );
            assert!(!ids[..i].contains(id), "{id} deleted twice");
        }
        let account = "a".to_owned();
        let done = ready(
            self.backend
                .commit_deletions(&account, &ids, self.setup.deleted),
        )
        .is_ok();
        if done {
            self.committed.extend(ids);
        }
        done
    }

    /// Results nobody asked for change nothing.
    fn unasked_results(&mut self) {
        let login = self
            .session
            .login_result(LoginResult::Granted(Maildrop::default()));
        assert!(login.is_empty(), "unasked login answered: {login:?}");
        assert!(self.session.commit_result(true).is_empty());
        assert!(self.session.tls_established().is_empty());
        assert_eq!(self.session.tls_active(), self.tls);
    }
}

/// A multi-line block back to its content: lines until `.CRLF`, one leading dot removed.
/// A bare CR inside a stored line stays data ([`crate::pop3::message`]); a bare LF may not.
fn unstuff(block: &[u8]) -> Vec<u8> {
    let bare_lf = block
        .iter()
        .enumerate()
        .any(|(i, b)| *b == b'\n' && (i == 0 || block[i - 1] != b'\r'));
    assert!(!bare_lf && block.ends_with(b"\r\n"), "bare LF on the wire");
    let mut content = Vec::new();
    let mut lines = block.split_inclusive(|b| *b == b'\n');
    for line in lines.by_ref() {
        if line == b".\r\n" {
            break;
        }
        content.extend_from_slice(line.strip_prefix(b".").unwrap_or(line));
    }
    assert!(lines.next().is_none(), "data after the terminator");
    content
}

/// A reply: CRLF lines starting `+OK`, `-ERR` or `+ `; a multi-line block ends with `.CRLF`.
fn check_reply(bytes: &[u8]) {
    assert!(is_canonical_crlf(bytes) && !bytes.is_empty(), "{bytes:?}");
    assert!(
        bytes.starts_with(b"+OK") || bytes.starts_with(b"-ERR") || bytes.starts_with(b"+ "),
        "{bytes:?}"
    );
    let lines = bytes.split_inclusive(|b| *b == b'\n').count();
    assert!(lines == 1 || bytes.ends_with(b"\r\n.\r\n"), "{bytes:?}");
    let first = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    assert!(
        !first[..first.len() - 1]
            .iter()
            .any(|b| b.is_ascii_control() && *b != b'\t'),
        "control character in {bytes:?}"
    );
}

/// The in-memory backend's futures never wait: poll once.
fn ready<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(value) => value,
        Poll::Pending => panic!("the in-memory POP3 backend never waits"),
    }
}
