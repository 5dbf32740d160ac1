//! The SQLite mailbox store: the only module that speaks SQL.
//!
//! One writer thread owns the write connection and commits concurrent writes in groups
//! (see [`writer`]); every async write resolves only once its data is durable. Reads run on
//! a small pool of reader connections via `spawn_blocking`. New mail and changes are
//! announced on a broadcast channel ([`Store::subscribe`]).

mod accounts;
mod address_book;
mod bulk;
mod deletions;
mod facts;
mod folders;
mod indexer;
mod ops;
mod prepared;
mod queries;
mod queue;
mod scheduled;
mod schema;
mod search;
mod submit;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_counters;
#[cfg(test)]
mod tests_deletions;
#[cfg(test)]
mod tests_events;
#[cfg(test)]
mod tests_facts;
#[cfg(test)]
mod tests_indexer;
#[cfg(test)]
mod tests_search;
#[cfg(test)]
mod tests_threads;
mod threads;
mod types;
mod writer;

pub use queue::*;
pub use scheduled::{DueSend, NewScheduledSend, ScheduleKind, ScheduledSend, TakenBack};
pub use schema::SCHEMA_VERSION;
pub use search::{QueryError, SearchQuery};
pub use submit::{Refusal, Submission, Submitted};
pub use types::*;

use ops::Prepared;
use prepared::{INLINE_PARSE_MAX, prepare, prepare_off_runtime, with_prepended};
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, mpsc};
use tokio::sync::{broadcast, oneshot};

/// What went wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error(
        "the database was written by a newer postie (schema {found}, this build knows up to {supported}); upgrade postie, the database was left untouched"
    )]
    TooNew { found: i64, supported: i64 },
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("the store is unavailable: {0}")]
    Unavailable(String),
    #[error("the write was not committed: {0}")]
    NotCommitted(String),
    /// The store will not do this (a role folder renamed, a non-empty folder removed).
    #[error("{0}")]
    Refused(String),
    #[error("cannot create {}: {source}", path.display())]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// A handle to the store; cheap to clone and share between tasks.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    writer: Mutex<mpsc::Sender<writer::Job>>,
    counters: Arc<writer::Counters>,
    /// What filed messages still wait to contribute to the index, facts and address book.
    backlog: Arc<indexer::Backlog>,
    /// Whether deletions a POP3 QUIT listed wait for the writer.
    deletions: Arc<deletions::Waiting>,
    readers: Mutex<Vec<Connection>>,
    events: broadcast::Sender<StoreEvent>,
}

impl Store {
    /// Open (creating if needed) and migrate the database at `path`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        let mut conn = Connection::open(path)?;
        schema::configure(&conn)?;
        schema::migrate(&mut conn)?;
        schema::configure_writer(&conn)?;
        let counters = Arc::new(writer::Counters::default());
        let (events, _) = broadcast::channel(1024);
        let backlog = Arc::new(indexer::Backlog::default());
        // Deletions listed before a crash are carried out before anyone reads.
        deletions::carry_out(&conn, &events);
        let deletions = Arc::new(deletions::Waiting::default());
        let sender = writer::spawn(
            conn,
            counters.clone(),
            backlog.clone(),
            deletions.clone(),
            events.clone(),
        )?;
        Ok(Self {
            inner: Arc::new(Inner {
                path: path.to_path_buf(),
                writer: Mutex::new(sender),
                counters,
                backlog,
                deletions,
                readers: Mutex::new(Vec::new()),
                events,
            }),
        })
    }

    /// Where the database lives.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Listen for new mail and changes.
    pub fn subscribe(&self) -> broadcast::Receiver<StoreEvent> {
        self.inner.events.subscribe()
    }

    /// Counters of the writer (writes vs commits shows group commit at work).
    pub fn writer_stats(&self) -> WriterStats {
        self.inner.counters.snapshot()
    }

    fn announce(&self, event: StoreEvent) {
        let _ = self.inner.events.send(event);
    }

    /// Run `f` on the writer thread inside its own savepoint; resolves after COMMIT.
    async fn write<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        let job: writer::Job = Box::new(move |conn| {
            let result = f(conn);
            let ok = result.is_ok();
            let finish: writer::Finish = Box::new(move |failure| {
                let outcome = match failure {
                    Some(e) => Err(StoreError::NotCommitted(e.to_string())),
                    None => result,
                };
                let _ = tx.send(outcome);
            });
            (ok, finish)
        });
        self.inner
            .writer
            .lock()
            .map_err(|_| StoreError::Unavailable("writer lock poisoned".into()))?
            .send(job)
            .map_err(|_| StoreError::Unavailable("the writer thread has stopped".into()))?;
        rx.await
            .map_err(|_| StoreError::NotCommitted("the write transaction failed".into()))?
    }

    /// Run `f` on a reader connection off the async runtime.
    async fn read<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let pooled = inner.readers.lock().ok().and_then(|mut pool| pool.pop());
            let conn = match pooled {
                Some(conn) => conn,
                None => open_reader(&inner.path)?,
            };
            let result = f(&conn);
            if let Ok(mut pool) = inner.readers.lock()
                && pool.len() < 8
            {
                pool.push(conn);
            }
            result
        })
        .await
        .map_err(|e| StoreError::Unavailable(format!("reader task failed: {e}")))?
    }

    // ---- accounts and mailboxes ----

    pub async fn mailboxes(&self, account: AccountId) -> Result<Vec<Mailbox>, StoreError> {
        self.read(move |c| queries::mailboxes(c, account)).await
    }

    /// The account's mailbox with this role.
    pub async fn mailbox_by_role(
        &self,
        account: AccountId,
        role: Role,
    ) -> Result<Mailbox, StoreError> {
        self.mailboxes(account)
            .await?
            .into_iter()
            .find(|m| m.role == Some(role))
            .ok_or(StoreError::NotFound("mailbox"))
    }

    /// The account's mailbox with this name (case-insensitive), if any.
    pub async fn mailbox_by_name(
        &self,
        account: AccountId,
        name: &str,
    ) -> Result<Option<Mailbox>, StoreError> {
        Ok(self
            .mailboxes(account)
            .await?
            .into_iter()
            .find(|m| m.name.eq_ignore_ascii_case(name)))
    }

    /// Create a user folder (idempotent); a new one is announced.
    pub async fn create_mailbox(
        &self,
        account: AccountId,
        name: &str,
    ) -> Result<MailboxId, StoreError> {
        let name = name.to_string();
        let now = now();
        let (id, created, name) = self
            .write(move |c| {
                let existed = ops::mailbox_named(c, account, &name)?.is_some();
                let id = ops::create_mailbox(c, account, &name, now)?;
                Ok((id, !existed, name))
            })
            .await?;
        if created {
            self.announce(StoreEvent::MailboxCreated { id, name });
        }
        Ok(id)
    }

    // ---- messages ----

    /// File one message. With `dedupe`, an identical message already in the account is
    /// reported as a duplicate instead of stored again.
    pub async fn insert(&self, message: NewMessage, dedupe: bool) -> Result<Inserted, StoreError> {
        let prepared = prepare_off_runtime(message.raw).await?;
        let (from, subject) = (
            prepared.summary.from_addr.clone(),
            prepared.summary.subject.clone(),
        );
        let NewMessage {
            mailbox_id,
            flags,
            received_at,
            envelope,
            ..
        } = message;
        let backlog = self.inner.backlog.clone();
        let inserted = self
            .write(move |c| {
                ops::insert_message(
                    c,
                    &backlog,
                    mailbox_id,
                    &prepared,
                    flags,
                    received_at,
                    envelope.as_ref(),
                    dedupe,
                )
            })
            .await?;
        if !inserted.duplicate {
            self.announce(StoreEvent::MessageAdded {
                id: inserted.id,
                mailbox_id,
                from,
                subject,
            });
        }
        Ok(inserted)
    }

    /// Save a draft (read, flagged Draft) and remove the save it replaces, in one write:
    /// a crash leaves the old save or the new one, never neither.
    pub async fn save_draft(
        &self,
        drafts: MailboxId,
        raw: Vec<u8>,
        saved_at: i64,
        replaces: Option<MessageId>,
    ) -> Result<Inserted, StoreError> {
        let prepared = prepare_off_runtime(raw).await?;
        let subject = prepared.summary.subject.clone();
        let from = prepared.summary.from_addr.clone();
        let flags = Flags::DRAFT.union(Flags::SEEN);
        let backlog = self.inner.backlog.clone();
        let (inserted, touched) = self
            .write(move |c| {
                let inserted = ops::insert_message(
                    c, &backlog, drafts, &prepared, flags, saved_at, None, false,
                )?;
                let touched = match replaces {
                    Some(old) => bulk::expunge(c, &[old])?,
                    None => Vec::new(),
                };
                Ok((inserted, touched))
            })
            .await?;
        self.announce(StoreEvent::MessageAdded {
            id: inserted.id,
            mailbox_id: inserted.mailbox_id,
            from,
            subject,
        });
        if !touched.is_empty() {
            self.announce(StoreEvent::MessagesChanged {
                mailbox_ids: touched,
            });
        }
        Ok(inserted)
    }

    /// Set and clear flags.
    pub async fn update_flags(
        &self,
        ids: Vec<MessageId>,
        set: Flags,
        clear: Flags,
    ) -> Result<(), StoreError> {
        let touched = self
            .write(move |c| ops::update_flags(c, &ids, set, clear))
            .await?;
        self.announce(StoreEvent::MessagesChanged {
            mailbox_ids: touched,
        });
        Ok(())
    }

    /// Move messages to another mailbox.
    pub async fn move_messages(
        &self,
        ids: Vec<MessageId>,
        to: MailboxId,
    ) -> Result<(), StoreError> {
        let touched = self
            .write(move |c| bulk::move_messages(c, &ids, to))
            .await?;
        self.announce(StoreEvent::MessagesChanged {
            mailbox_ids: touched,
        });
        Ok(())
    }

    /// Delete messages for good.
    pub async fn expunge(&self, ids: Vec<MessageId>) -> Result<(), StoreError> {
        let touched = self.write(move |c| bulk::expunge(c, &ids)).await?;
        self.announce(StoreEvent::MessagesChanged {
            mailbox_ids: touched,
        });
        Ok(())
    }

    /// Queue a message for outbound delivery; returns the queue id.
    pub async fn enqueue(
        &self,
        mail_from: &str,
        raw: &[u8],
        recipients: Vec<String>,
        source: &str,
        account: Option<AccountId>,
    ) -> Result<i64, StoreError> {
        // Parsing the body (HTML rendering included) is CPU work: keep it off the runtime.
        let Prepared { raw, summary, .. } = prepare_off_runtime(raw.to_vec()).await?;
        let subject = summary.subject;
        let (from, source) = (mail_from.to_string(), source.to_string());
        let now = now();
        let id = self
            .write(move |c| {
                ops::enqueue(
                    c,
                    &ops::Enqueue {
                        mail_from: &from,
                        raw: &raw,
                        subject: Some(&subject),
                        source: &source,
                        account_id: account,
                        recipients: &recipients,
                    },
                    now,
                )
            })
            .await?;
        self.announce(StoreEvent::QueueChanged);
        Ok(id)
    }

    pub async fn list(
        &self,
        mailbox: MailboxId,
        sort: SortKey,
        descending: bool,
        offset: u64,
        limit: u64,
    ) -> Result<Vec<MessageSummary>, StoreError> {
        let (_, rows) = self
            .list_window(mailbox, sort, descending, offset, limit)
            .await?;
        Ok(rows)
    }

    /// A window of the flat list and how many messages the mailbox has, in one read.
    pub async fn list_window(
        &self,
        mailbox: MailboxId,
        sort: SortKey,
        descending: bool,
        offset: u64,
        limit: u64,
    ) -> Result<(u64, Vec<MessageSummary>), StoreError> {
        self.read(move |c| queries::list(c, mailbox, sort, descending, offset, limit))
            .await
    }

    /// A window of the threaded view and how many rows the whole view has.
    pub async fn list_threads(
        &self,
        mailbox: MailboxId,
        descending: bool,
        view: ThreadView,
        offset: u64,
        limit: u64,
    ) -> Result<(u64, Vec<ThreadedRow>), StoreError> {
        self.read(move |c| {
            let total = threads::thread_rows(c, mailbox, &view)?;
            let rows = threads::list_threads(c, mailbox, descending, &view, offset, limit, total)?;
            Ok((total, rows))
        })
        .await
    }

    /// The account's address book, most used first.
    pub async fn addresses(
        &self,
        account: AccountId,
        limit: u64,
    ) -> Result<Vec<AddressEntry>, StoreError> {
        self.index_waiting().await?;
        self.read(move |c| queries::addresses(c, account, limit))
            .await
    }

    pub async fn count(&self, mailbox: MailboxId) -> Result<u64, StoreError> {
        self.read(move |c| queries::count(c, mailbox)).await
    }

    pub async fn summary(&self, id: MessageId) -> Result<Option<MessageSummary>, StoreError> {
        self.read(move |c| queries::summary(c, id)).await
    }

    /// The message's raw CRLF bytes.
    pub async fn raw(&self, id: MessageId) -> Result<Option<Vec<u8>>, StoreError> {
        self.read(move |c| queries::raw(c, id)).await
    }

    /// SMTP envelope and session facts, for mail that arrived over SMTP.
    pub async fn envelope(&self, id: MessageId) -> Result<Option<Envelope>, StoreError> {
        self.read(move |c| queries::envelope(c, id)).await
    }

    /// `(id, uid, size)` of every message in a mailbox, in UID order; messages a POP3 QUIT
    /// deleted are left out from the moment it is answered ([`Store::file_deletions`]).
    pub async fn ids_in(
        &self,
        mailbox: MailboxId,
    ) -> Result<Vec<(MessageId, u32, u64)>, StoreError> {
        self.read(move |c| queries::ids_in(c, mailbox)).await
    }

    /// Full-text and structured search across an account, newest first.
    pub async fn search(
        &self,
        account: AccountId,
        query: SearchQuery,
        limit: u64,
    ) -> Result<Vec<MessageSummary>, StoreError> {
        self.index_waiting().await?;
        self.read(move |c| queries::search(c, account, &query, limit))
            .await
    }

    /// How many messages of the account `query` matches, counted up to `cap` (`None`:
    /// more than `cap`). A search shows the newest hits; this says how many there are.
    pub async fn count_matches(
        &self,
        account: AccountId,
        query: SearchQuery,
        cap: u64,
    ) -> Result<Option<u64>, StoreError> {
        self.index_waiting().await?;
        self.read(move |c| queries::count_matches(c, account, &query, cap))
            .await
    }

    /// Take in every message still waiting for the full-text index, the transport facts
    /// and the address book (filed moments ago, or by another process), so a search or
    /// the address book sees all mail. Nothing to do costs one read.
    pub async fn index_waiting(&self) -> Result<(), StoreError> {
        // Bounded: another process filing faster than this indexes cannot hold a search
        // forever (64 batches are 131,072 messages).
        for _ in 0..64 {
            if !self.read(indexer::any_waiting).await? {
                break;
            }
            let backlog = self.inner.backlog.clone();
            let done = self
                .write(move |c| indexer::index_waiting(c, &backlog, indexer::MAX_BATCH))
                .await?;
            if done.new_addresses {
                self.announce(StoreEvent::AddressesChanged);
            }
            if done.messages == 0 {
                break;
            }
        }
        Ok(())
    }

    /// Every recipient in the outbound queue.
    pub async fn queue(&self) -> Result<Vec<QueueEntry>, StoreError> {
        self.read(queries::queue).await
    }

    /// Message count and the times of the last inbound message and outbound attempt.
    pub async fn activity(&self) -> Result<Activity, StoreError> {
        self.read(queries::activity).await
    }

    /// `PRAGMA quick_check`: "ok" or the problems found.
    pub async fn quick_check(&self) -> Result<String, StoreError> {
        self.read(|c| Ok(c.query_row("PRAGMA quick_check", [], |r| r.get::<_, String>(0))?))
            .await
    }
}

fn open_reader(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "query_only", true)?;
    Ok(conn)
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}
