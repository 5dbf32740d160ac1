//! Schema migrations keyed by `PRAGMA user_version`, and the connection settings.
//!
//! Released migrations are never edited: a change is a new entry at the end. Migrations
//! run as cargo's `src/util/sqlite.rs` runs them: one EXCLUSIVE transaction reads the
//! version and applies every pending step, so processes opening one fresh database at once
//! migrate it exactly once.

#[cfg(test)]
mod tests;

use super::StoreError;
use rusqlite::{Connection, ErrorCode, Transaction, TransactionBehavior};
use std::time::{Duration, Instant};

/// One step of a migration.
enum Step {
    /// A batch of SQL statements.
    Sql(&'static str),
    /// Work SQL alone cannot express (e.g. parsing stored mail to fill a new table).
    Code(fn(&Transaction<'_>) -> Result<(), StoreError>),
}

/// The steps that move a database from one version to the next, in order.
type Migration = &'static [Step];

/// Migration `i` moves a database from version `i` to `i + 1`.
const MIGRATIONS: &[Migration] = &[
    &[Step::Sql(V1)],
    &[Step::Sql(V2)],
    &[Step::Sql(V3)],
    &[Step::Sql(V4), Step::Code(backfill_addresses)],
    &[Step::Sql(V5)],
    &[Step::Sql(V6)],
    &[Step::Sql(V7)],
    &[Step::Sql(V8), Step::Code(backfill_list_ids)],
    &[Step::Sql(V9), Step::Code(backfill_transport_facts)],
    &[Step::Sql(V10)],
    &[Step::Sql(V11)],
    &[Step::Sql(V12)],
    &[Step::Sql(V13)],
    &[Step::Sql(V14)],
    &[Step::Sql(V15)],
];

/// How long opening waits for other processes that hold the database locked.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// v1: accounts, mailboxes, messages with their raw bytes, full-text index.
const V1: &str = r#"
CREATE TABLE accounts (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE COLLATE NOCASE,
    display_name  TEXT,
    password_hash TEXT,
    created_at    INTEGER NOT NULL
);
CREATE TABLE mailboxes (
    id           INTEGER PRIMARY KEY,
    account_id   INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    role         TEXT,
    uid_validity INTEGER NOT NULL,
    next_uid     INTEGER NOT NULL DEFAULT 1,
    UNIQUE (account_id, name)
);
CREATE TABLE messages (
    id              INTEGER PRIMARY KEY,
    account_id      INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    mailbox_id      INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
    uid             INTEGER NOT NULL,
    date            INTEGER NOT NULL,
    received_at     INTEGER NOT NULL,
    from_addr       TEXT,
    from_name       TEXT,
    to_text         TEXT NOT NULL DEFAULT '',
    cc_text         TEXT NOT NULL DEFAULT '',
    subject         TEXT NOT NULL DEFAULT '',
    thread_subject  TEXT NOT NULL DEFAULT '',
    message_id      TEXT,
    in_reply_to     TEXT,
    refs            TEXT NOT NULL DEFAULT '',
    thread_id       INTEGER NOT NULL DEFAULT 0,
    size            INTEGER NOT NULL,
    flags           INTEGER NOT NULL DEFAULT 0,
    has_attachments INTEGER NOT NULL DEFAULT 0,
    preview         TEXT NOT NULL DEFAULT '',
    content_hash    BLOB NOT NULL,
    UNIQUE (mailbox_id, uid)
);
CREATE INDEX messages_by_date ON messages (mailbox_id, date);
CREATE INDEX messages_by_message_id ON messages (account_id, message_id);
CREATE INDEX messages_by_in_reply_to ON messages (account_id, in_reply_to);
CREATE INDEX messages_by_hash ON messages (account_id, content_hash);
CREATE INDEX messages_by_thread ON messages (thread_id);
CREATE TABLE message_raw (
    message_id INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
    raw        BLOB NOT NULL
);
CREATE VIRTUAL TABLE messages_fts USING fts5 (
    from_text, to_text, subject, body,
    content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2'
);
"#;

/// v2: SMTP envelopes and session facts; the outbound queue.
const V2: &str = r#"
CREATE TABLE envelopes (
    message_id  INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
    mail_from   TEXT NOT NULL,
    rcpt_to     TEXT NOT NULL,
    peer_ip     TEXT,
    helo        TEXT,
    tls         TEXT,
    auth_user   TEXT,
    queue_id    TEXT,
    received_at INTEGER NOT NULL
);
CREATE TABLE queue_messages (
    id          INTEGER PRIMARY KEY,
    mail_from   TEXT NOT NULL,
    raw         BLOB NOT NULL,
    size        INTEGER NOT NULL,
    subject     TEXT,
    source      TEXT NOT NULL,
    account_id  INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
    created_at  INTEGER NOT NULL
);
CREATE TABLE queue_recipients (
    id              INTEGER PRIMARY KEY,
    queue_id        INTEGER NOT NULL REFERENCES queue_messages(id) ON DELETE CASCADE,
    rcpt            TEXT NOT NULL,
    domain          TEXT NOT NULL,
    state           TEXT NOT NULL,
    next_attempt_at INTEGER,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_reply      TEXT,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX queue_recipients_due ON queue_recipients (state, next_attempt_at);
CREATE TABLE queue_attempts (
    id           INTEGER PRIMARY KEY,
    recipient_id INTEGER NOT NULL REFERENCES queue_recipients(id) ON DELETE CASCADE,
    at           INTEGER NOT NULL,
    host         TEXT,
    ip           TEXT,
    tls          INTEGER NOT NULL DEFAULT 0,
    code         INTEGER,
    enhanced     TEXT,
    reply        TEXT,
    remote_id    TEXT
);
"#;

/// v3: outbound delivery: claim leases, the retry step, delay notices, offline attempts.
const V3: &str = r#"
ALTER TABLE queue_recipients ADD COLUMN lease_until INTEGER;
ALTER TABLE queue_recipients ADD COLUMN schedule_step INTEGER NOT NULL DEFAULT 0;
ALTER TABLE queue_recipients ADD COLUMN delay_notified INTEGER NOT NULL DEFAULT 0;
ALTER TABLE queue_recipients ADD COLUMN status TEXT;
ALTER TABLE queue_attempts ADD COLUMN offline INTEGER NOT NULL DEFAULT 0;
CREATE INDEX queue_attempts_by_recipient ON queue_attempts (recipient_id);
"#;

/// v4: counters kept by triggers (mailbox totals and unread, threads per mailbox with
/// their latest date for the threaded list) and the address book behind completion; the
/// address book is filled from stored mail by [`backfill_addresses`].
const V4: &str = r#"
ALTER TABLE mailboxes ADD COLUMN total INTEGER NOT NULL DEFAULT 0;
ALTER TABLE mailboxes ADD COLUMN unread INTEGER NOT NULL DEFAULT 0;
ALTER TABLE mailboxes ADD COLUMN threads INTEGER NOT NULL DEFAULT 0;
UPDATE mailboxes SET
    total = (SELECT count(*) FROM messages m WHERE m.mailbox_id = mailboxes.id),
    unread = (SELECT count(*) FROM messages m WHERE m.mailbox_id = mailboxes.id
              AND (m.flags & 1) = 0);
CREATE INDEX messages_by_mailbox_thread ON messages (mailbox_id, thread_id, date);
CREATE INDEX messages_by_account_date ON messages (account_id, date);
CREATE TABLE mailbox_threads (
    mailbox_id    INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
    thread_id     INTEGER NOT NULL,
    latest        INTEGER NOT NULL,
    message_count INTEGER NOT NULL,
    PRIMARY KEY (mailbox_id, thread_id)
) WITHOUT ROWID;
CREATE INDEX mailbox_threads_by_latest ON mailbox_threads (mailbox_id, latest, thread_id);
INSERT INTO mailbox_threads (mailbox_id, thread_id, latest, message_count)
    SELECT mailbox_id, thread_id, max(date), count(*) FROM messages
    WHERE thread_id != 0 GROUP BY mailbox_id, thread_id;
UPDATE mailboxes SET threads =
    (SELECT count(*) FROM mailbox_threads t WHERE t.mailbox_id = mailboxes.id);
CREATE TRIGGER mailbox_thread_added AFTER INSERT ON mailbox_threads BEGIN
    UPDATE mailboxes SET threads = threads + 1 WHERE id = new.mailbox_id;
END;
CREATE TRIGGER mailbox_thread_gone AFTER DELETE ON mailbox_threads BEGIN
    UPDATE mailboxes SET threads = threads - 1 WHERE id = old.mailbox_id;
END;
CREATE TRIGGER messages_counted_in AFTER INSERT ON messages BEGIN
    UPDATE mailboxes SET total = total + 1, unread = unread + ((new.flags & 1) = 0)
        WHERE id = new.mailbox_id;
    INSERT INTO mailbox_threads (mailbox_id, thread_id, latest, message_count)
        SELECT new.mailbox_id, new.thread_id, new.date, 1 WHERE new.thread_id != 0
        ON CONFLICT (mailbox_id, thread_id) DO UPDATE SET
            message_count = message_count + 1, latest = max(latest, excluded.latest);
END;
CREATE TRIGGER messages_counted_out AFTER DELETE ON messages BEGIN
    UPDATE mailboxes SET total = total - 1, unread = unread - ((old.flags & 1) = 0)
        WHERE id = old.mailbox_id;
    UPDATE mailbox_threads SET message_count = message_count - 1,
        latest = coalesce((SELECT max(date) FROM messages
            WHERE mailbox_id = old.mailbox_id AND thread_id = old.thread_id), latest)
        WHERE mailbox_id = old.mailbox_id AND thread_id = old.thread_id;
    DELETE FROM mailbox_threads WHERE mailbox_id = old.mailbox_id
        AND thread_id = old.thread_id AND message_count <= 0;
END;
CREATE TRIGGER messages_seen_changed AFTER UPDATE OF flags ON messages
WHEN old.mailbox_id = new.mailbox_id AND (old.flags & 1) != (new.flags & 1) BEGIN
    UPDATE mailboxes SET unread = unread + ((new.flags & 1) = 0) - ((old.flags & 1) = 0)
        WHERE id = new.mailbox_id;
END;
CREATE TRIGGER messages_recounted AFTER UPDATE OF mailbox_id, thread_id, date ON messages
WHEN old.mailbox_id != new.mailbox_id OR old.thread_id != new.thread_id
    OR old.date != new.date BEGIN
    UPDATE mailboxes SET total = total - 1, unread = unread - ((old.flags & 1) = 0)
        WHERE id = old.mailbox_id AND old.mailbox_id != new.mailbox_id;
    UPDATE mailboxes SET total = total + 1, unread = unread + ((new.flags & 1) = 0)
        WHERE id = new.mailbox_id AND old.mailbox_id != new.mailbox_id;
    UPDATE mailbox_threads SET message_count = message_count - 1,
        latest = coalesce((SELECT max(date) FROM messages
            WHERE mailbox_id = old.mailbox_id AND thread_id = old.thread_id), latest)
        WHERE mailbox_id = old.mailbox_id AND thread_id = old.thread_id;
    DELETE FROM mailbox_threads WHERE mailbox_id = old.mailbox_id
        AND thread_id = old.thread_id AND message_count <= 0;
    INSERT INTO mailbox_threads (mailbox_id, thread_id, latest, message_count)
        SELECT new.mailbox_id, new.thread_id, new.date, 1 WHERE new.thread_id != 0
        ON CONFLICT (mailbox_id, thread_id) DO UPDATE SET
            message_count = message_count + 1, latest = max(latest, excluded.latest);
END;
CREATE TABLE addresses (
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    address    TEXT NOT NULL COLLATE NOCASE,
    name       TEXT,
    seen       INTEGER NOT NULL,
    last_seen  INTEGER NOT NULL,
    PRIMARY KEY (account_id, address)
) WITHOUT ROWID;
CREATE INDEX addresses_by_use ON addresses (account_id, seen DESC, last_seen DESC);
"#;

/// v6: sends that wait: held for the undo-send grace period or scheduled for later; the
/// built message and the routing facts a release needs, and the draft to bring back.
const V6: &str = r#"
CREATE TABLE scheduled_sends (
    id           INTEGER PRIMARY KEY,
    account_id   INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    kind         TEXT NOT NULL,
    send_at      INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    mail_from    TEXT NOT NULL,
    recipients   TEXT NOT NULL,
    subject      TEXT NOT NULL DEFAULT '',
    raw          BLOB NOT NULL,
    draft        BLOB NOT NULL,
    sent_copy    INTEGER,
    flag_message INTEGER,
    flag_bits    INTEGER NOT NULL DEFAULT 0,
    userid       INTEGER
);
CREATE INDEX scheduled_sends_by_time ON scheduled_sends (send_at);
"#;

/// v7: the verdicts of our own SPF/DKIM/DMARC/ARC checks, kept with the envelope facts so
/// search can use them (`auth:dmarc=fail`).
const V7: &str = r#"
ALTER TABLE envelopes ADD COLUMN auth_summary TEXT;
ALTER TABLE envelopes ADD COLUMN auth_verdicts TEXT;
"#;

/// v8: the List-Id of each message, for `list:` searches.
const V8: &str = r#"
ALTER TABLE messages ADD COLUMN list_id TEXT;
"#;

/// v9: transport facts for search (`hop.ip:`, `transit>1d`, `auth.dkim:fail`): each hop
/// of the Received chain (client IP as 16 bytes, IPv4 mapped into IPv6, so a CIDR range
/// is a byte range), the chain's totals and the upstream Authentication-Results claims,
/// filled from stored mail by [`backfill_transport_facts`]; and the link from a queue
/// entry to the Sent copy of the same submission (`status:bounced`), set from now on:
/// mail sent before v9 has none.
const V9: &str = r#"
CREATE TABLE hops (
    message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    from_host  TEXT,
    helo       TEXT,
    rdns       TEXT,
    ip         BLOB,
    tls        INTEGER,
    delay_ms   INTEGER,
    PRIMARY KEY (message_id, position)
) WITHOUT ROWID;
CREATE INDEX hops_by_ip ON hops (ip, message_id) WHERE ip IS NOT NULL;
CREATE TABLE trace_facts (
    message_id  INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
    transit_ms  INTEGER,
    skew        INTEGER NOT NULL DEFAULT 0,
    auth_claims TEXT NOT NULL DEFAULT ''
);
CREATE INDEX trace_facts_by_transit ON trace_facts (transit_ms) WHERE transit_ms IS NOT NULL;
ALTER TABLE queue_messages ADD COLUMN sent_copy INTEGER
    REFERENCES messages(id) ON DELETE SET NULL;
CREATE INDEX queue_messages_by_sent_copy ON queue_messages (sent_copy);
"#;

/// v10: full-text indexing after the commit that files a message. Filing writes the text
/// to index here (a row of a small table instead of a new FTS5 segment in the accepting
/// transaction); the writer moves it into `messages_fts` in batches when idle or when
/// enough is waiting, and a search first indexes whatever still waits
/// (`store::indexer`).
const V10: &str = r#"
CREATE TABLE fts_pending (
    message_id INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
    from_text  TEXT NOT NULL,
    to_text    TEXT NOT NULL,
    subject    TEXT NOT NULL,
    body       TEXT NOT NULL
);
"#;

/// v11: two indexes hold only the rows their lookups can find. The digest index serves
/// duplicate detection for mail without a Message-ID (mail with one is found through
/// `messages_by_message_id` and its digest compared), and the In-Reply-To index serves
/// replies. A digest is random, so at a million messages every insert into a full
/// digest index touched a leaf page of its own: a page written per message for a lookup
/// the Message-ID index already answers.
const V11: &str = r#"
DROP INDEX messages_by_hash;
CREATE INDEX messages_by_hash ON messages (account_id, content_hash) WHERE message_id IS NULL;
DROP INDEX messages_by_in_reply_to;
CREATE INDEX messages_by_in_reply_to ON messages (account_id, in_reply_to)
    WHERE in_reply_to IS NOT NULL;
"#;

/// v12: after the commit that files a message, not only its full-text terms but its
/// transport facts and its place in the address book are worked out in batches
/// (`store::indexer`). Filing leaves a mark here instead of the text: the writer keeps
/// what it worked out in memory under the mark's token, and a mark its memory does not
/// hold is worked out again from the stored bytes. Messages that waited under v10 had
/// their facts and addresses written when filed (`text_only`).
const V12: &str = r#"
CREATE TABLE derive_pending (
    message_id INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
    token      INTEGER NOT NULL DEFAULT 0,
    text_only  INTEGER NOT NULL DEFAULT 0
);
INSERT INTO derive_pending (message_id, text_only) SELECT message_id, 1 FROM fts_pending;
DROP TABLE fts_pending;
"#;

/// v13: a message dated more than a day after it arrived is listed, sorted and searched
/// at its arrival (`ops::listed_date`, whose `MAX_DATE_AHEAD_SECS` is the 86400 here), so
/// mail with a wrong clock or a date far ahead no longer stays at the top of the list.
/// The counters' triggers move the thread's latest date with it.
const V13: &str = r#"
UPDATE messages SET date = received_at WHERE date > received_at + 86400;
"#;

/// v14: counters kept set-based for moves and removals of many messages
/// (`store::bulk`): while the row of `counters_in_bulk` exists, inside the one
/// transaction of such a change, the per-row triggers step aside and the change keeps the
/// counters with a few statements instead.
const V14: &str = r#"
CREATE TABLE counters_in_bulk (one INTEGER PRIMARY KEY CHECK (one = 1));
DROP TRIGGER messages_counted_out;
CREATE TRIGGER messages_counted_out AFTER DELETE ON messages
WHEN NOT EXISTS (SELECT 1 FROM counters_in_bulk) BEGIN
    UPDATE mailboxes SET total = total - 1, unread = unread - ((old.flags & 1) = 0)
        WHERE id = old.mailbox_id;
    UPDATE mailbox_threads SET message_count = message_count - 1,
        latest = coalesce((SELECT max(date) FROM messages
            WHERE mailbox_id = old.mailbox_id AND thread_id = old.thread_id), latest)
        WHERE mailbox_id = old.mailbox_id AND thread_id = old.thread_id;
    DELETE FROM mailbox_threads WHERE mailbox_id = old.mailbox_id
        AND thread_id = old.thread_id AND message_count <= 0;
END;
DROP TRIGGER messages_recounted;
CREATE TRIGGER messages_recounted AFTER UPDATE OF mailbox_id, thread_id, date ON messages
WHEN (old.mailbox_id != new.mailbox_id OR old.thread_id != new.thread_id
    OR old.date != new.date) AND NOT EXISTS (SELECT 1 FROM counters_in_bulk) BEGIN
    UPDATE mailboxes SET total = total - 1, unread = unread - ((old.flags & 1) = 0)
        WHERE id = old.mailbox_id AND old.mailbox_id != new.mailbox_id;
    UPDATE mailboxes SET total = total + 1, unread = unread + ((new.flags & 1) = 0)
        WHERE id = new.mailbox_id AND old.mailbox_id != new.mailbox_id;
    UPDATE mailbox_threads SET message_count = message_count - 1,
        latest = coalesce((SELECT max(date) FROM messages
            WHERE mailbox_id = old.mailbox_id AND thread_id = old.thread_id), latest)
        WHERE mailbox_id = old.mailbox_id AND thread_id = old.thread_id;
    DELETE FROM mailbox_threads WHERE mailbox_id = old.mailbox_id
        AND thread_id = old.thread_id AND message_count <= 0;
    INSERT INTO mailbox_threads (mailbox_id, thread_id, latest, message_count)
        SELECT new.mailbox_id, new.thread_id, new.date, 1 WHERE new.thread_id != 0
        ON CONFLICT (mailbox_id, thread_id) DO UPDATE SET
            message_count = message_count + 1, latest = max(latest, excluded.latest);
END;
"#;

/// v15: deletions committed now and carried out next (`store::deletions`): a POP3 QUIT
/// files the messages it deletes here, each with the mailbox it leaves and where it goes
/// (a Trash folder, or NULL for good); the writer moves or removes them in its next
/// transaction, or when the store opens after a crash in between.
const V15: &str = r#"
CREATE TABLE pending_deletions (
    message_id INTEGER PRIMARY KEY,
    mailbox_id INTEGER NOT NULL,
    trash_id   INTEGER,
    seq        INTEGER NOT NULL
);
"#;

/// v5: delivery status notices awaiting their one report per message: the action
/// (`failed` or `delayed`), the remote MTA and the diagnostic to report.
const V5: &str = r#"
ALTER TABLE queue_recipients ADD COLUMN notice TEXT;
ALTER TABLE queue_recipients ADD COLUMN notice_mta TEXT;
ALTER TABLE queue_recipients ADD COLUMN notice_diagnostic TEXT;
CREATE INDEX queue_recipients_by_notice ON queue_recipients (queue_id) WHERE notice IS NOT NULL;
"#;

/// The schema version this code writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// The v4 code step: the address book learns the correspondents of mail already stored.
fn backfill_addresses(tx: &Transaction<'_>) -> Result<(), StoreError> {
    super::address_book::backfill_addresses(tx)
}

/// The v8 code step: read the List-Id of mail already stored.
fn backfill_list_ids(tx: &Transaction<'_>) -> Result<(), StoreError> {
    super::ops::backfill_list_ids(tx)
}

/// The v9 code step: read the transport facts of mail already stored.
fn backfill_transport_facts(tx: &Transaction<'_>) -> Result<(), StoreError> {
    super::facts::backfill(tx)
}

/// Settings every connection needs; mail is precious, so FULL sync.
///
/// The busy timeout comes first so every later statement waits for other processes. The
/// switch to WAL is the one setting that writes to the file: it is done only when the
/// database is not in WAL mode yet (it persists), and retried while another process holds
/// the lock it needs, which the busy handler does not always cover.
pub(crate) fn configure(conn: &Connection) -> Result<(), StoreError> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    let deadline = Instant::now() + BUSY_TIMEOUT;
    let mut pause = Duration::from_millis(1);
    loop {
        match use_wal(conn) {
            Err(e) if is_busy(&e) && Instant::now() < deadline => {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(50));
            }
            result => break result?,
        }
    }
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(())
}

/// Settings of the one write connection. Every job runs in a savepoint, and SQLite keeps a
/// savepoint's journal in memory only up to 64 KiB before it spills to a temporary file,
/// created, written and deleted on every commit (profiling one SMTP session put a fifth
/// of the writer's time there); in memory it stays a few pages per job.
///
/// Filing a message runs a few dozen distinct statements; rusqlite's statement cache holds
/// 16 by default, so they pushed each other out and were parsed again for every message.
pub(crate) fn configure_writer(conn: &Connection) -> Result<(), StoreError> {
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    conn.set_prepared_statement_cache_capacity(WRITER_STATEMENT_CACHE);
    Ok(())
}

/// Statements the write connection keeps prepared.
pub(crate) const WRITER_STATEMENT_CACHE: usize = 128;

/// Put the database in WAL mode unless it already is.
fn use_wal(conn: &Connection) -> rusqlite::Result<()> {
    let mode: String = conn.pragma_query_value(None, "journal_mode", |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get::<_, String>(0))?;
    }
    Ok(())
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
    )
}

/// Bring the database up to [`SCHEMA_VERSION`], refusing one written by newer code.
pub(crate) fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    run(conn, MIGRATIONS, MIGRATIONS.len())
}

/// Bring the database up to `target` (tests build older databases with it).
#[cfg(test)]
pub(crate) fn migrate_to(conn: &mut Connection, target: usize) -> Result<(), StoreError> {
    run(conn, MIGRATIONS, target)
}

/// Apply `migrations` up to `target` in one EXCLUSIVE transaction, with the version read
/// inside it: a process that waited for the lock sees the work of the one that held it.
fn run(conn: &mut Connection, migrations: &[Migration], target: usize) -> Result<(), StoreError> {
    let target = target.min(migrations.len());
    // A database already at the target needs no write lock; this early look only skips
    // work, the decision below is made on the version read under the lock.
    if version(conn, migrations)? >= target {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Exclusive)?;
    let found = version(&tx, migrations)?;
    if found < target {
        for migration in &migrations[found..target] {
            for step in *migration {
                match step {
                    Step::Sql(sql) => tx.execute_batch(sql)?,
                    Step::Code(apply) => apply(&tx)?,
                }
            }
        }
        tx.pragma_update(None, "user_version", target as i64)?;
    }
    tx.commit()?;
    Ok(())
}

/// The database's `user_version`; an error when newer than `migrations` know.
fn version(conn: &Connection, migrations: &[Migration]) -> Result<usize, StoreError> {
    let found: i64 = conn.query_row("SELECT user_version FROM pragma_user_version", [], |r| {
        r.get(0)
    })?;
    let supported = migrations.len() as i64;
    if found > supported {
        return Err(StoreError::TooNew { found, supported });
    }
    Ok(usize::try_from(found).unwrap_or(0))
}
