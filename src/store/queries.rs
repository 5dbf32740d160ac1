//! Read-side SQL: lists, lookups and search, run on reader connections.

use super::StoreError;
use super::search::SearchQuery;
use super::types::*;
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row, params, params_from_iter};

pub(super) const SUMMARY_COLUMNS: &str =
    "m.id, m.mailbox_id, m.uid, m.date, m.received_at, m.from_addr,
    m.from_name, m.to_text, m.cc_text, m.subject, m.message_id, m.in_reply_to, m.thread_id,
    m.size, m.flags, m.has_attachments, m.preview";

pub(super) fn summary_from_row(r: &Row<'_>) -> rusqlite::Result<MessageSummary> {
    Ok(MessageSummary {
        id: r.get(0)?,
        mailbox_id: r.get(1)?,
        uid: r.get(2)?,
        date: r.get(3)?,
        received_at: r.get(4)?,
        from_addr: r.get(5)?,
        from_name: r.get(6)?,
        to_text: r.get(7)?,
        cc_text: r.get(8)?,
        subject: r.get(9)?,
        message_id: r.get(10)?,
        in_reply_to: r.get(11)?,
        thread_id: r.get(12)?,
        size: r.get::<_, i64>(13)?.max(0) as u64,
        flags: Flags(r.get(14)?),
        has_attachments: r.get(15)?,
        preview: r.get(16)?,
    })
}

pub(crate) fn accounts(conn: &Connection) -> Result<Vec<Account>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT id, name, display_name, password_hash IS NOT NULL FROM accounts ORDER BY id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(Account {
            id: r.get(0)?,
            name: r.get(1)?,
            display_name: r.get(2)?,
            has_password: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub(crate) fn password_hash(
    conn: &Connection,
    account: &str,
) -> Result<Option<String>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT password_hash FROM accounts WHERE name = ?1",
            [account],
            |r| r.get::<_, Option<String>>(0),
        )
        .optional()?
        .flatten())
}

pub(crate) fn mailboxes(conn: &Connection, account: AccountId) -> Result<Vec<Mailbox>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT b.id, b.account_id, b.name, b.role, b.uid_validity, b.total, b.unread
         FROM mailboxes b WHERE b.account_id = ?1
         ORDER BY CASE b.role WHEN 'inbox' THEN 0 WHEN 'drafts' THEN 1 WHEN 'sent' THEN 2
            WHEN 'trash' THEN 4 ELSE 3 END, b.name",
    )?;
    let rows = stmt.query_map([account], |r| {
        Ok(Mailbox {
            id: r.get(0)?,
            account_id: r.get(1)?,
            name: r.get(2)?,
            role: r
                .get::<_, Option<String>>(3)?
                .and_then(|s| Role::from_db(&s)),
            uid_validity: r.get(4)?,
            total: r.get::<_, i64>(5)?.max(0) as u64,
            unread: r.get::<_, i64>(6)?.max(0) as u64,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub(crate) fn list(
    conn: &Connection,
    mailbox: MailboxId,
    sort: SortKey,
    descending: bool,
    offset: u64,
    limit: u64,
) -> Result<(u64, Vec<MessageSummary>), StoreError> {
    let order = match sort {
        SortKey::Date => "m.date",
        SortKey::From => "coalesce(m.from_name, m.from_addr) COLLATE NOCASE",
        SortKey::Subject => "m.thread_subject",
        SortKey::Size => "m.size",
    };
    // OFFSET walks every row it skips: a window past the middle is read in the other
    // order from the end and turned round (the id tie-break makes the orders exact).
    let total = count(conn, mailbox)?;
    let from_end = offset > total / 2;
    let (direction, skip, take) = if from_end {
        let end = total.min(offset.saturating_add(limit));
        let flipped = if descending { "ASC" } else { "DESC" };
        (flipped, total - end, end.saturating_sub(offset))
    } else {
        (if descending { "DESC" } else { "ASC" }, offset, limit)
    };
    let sql = format!(
        "SELECT {SUMMARY_COLUMNS} FROM messages m WHERE m.mailbox_id = ?1
         ORDER BY {order} {direction}, m.id {direction} LIMIT ?2 OFFSET ?3"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(
        params![mailbox, take.min(i64::MAX as u64) as i64, skip as i64],
        summary_from_row,
    )?;
    let mut rows: Vec<MessageSummary> = rows.collect::<Result<_, _>>()?;
    if from_end {
        rows.reverse();
    }
    Ok((total, rows))
}

pub(crate) fn count(conn: &Connection, mailbox: MailboxId) -> Result<u64, StoreError> {
    let n: Option<i64> = conn
        .query_row(
            "SELECT total FROM mailboxes WHERE id = ?1",
            [mailbox],
            |r| r.get(0),
        )
        .optional()?;
    Ok(n.unwrap_or(0).max(0) as u64)
}

/// The account's address book, most used first (for completion).
pub(crate) fn addresses(
    conn: &Connection,
    account: AccountId,
    limit: u64,
) -> Result<Vec<AddressEntry>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT address, name, seen, last_seen FROM addresses WHERE account_id = ?1
         ORDER BY seen DESC, last_seen DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![account, limit as i64], |r| {
        Ok(AddressEntry {
            address: r.get(0)?,
            name: r.get(1)?,
            seen: r.get::<_, i64>(2)?.max(0) as u64,
            last_seen: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub(crate) fn summary(
    conn: &Connection,
    id: MessageId,
) -> Result<Option<MessageSummary>, StoreError> {
    let sql = format!("SELECT {SUMMARY_COLUMNS} FROM messages m WHERE m.id = ?1");
    Ok(conn.query_row(&sql, [id], summary_from_row).optional()?)
}

pub(crate) fn raw(conn: &Connection, id: MessageId) -> Result<Option<Vec<u8>>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT raw FROM message_raw WHERE message_id = ?1",
            [id],
            |r| r.get(0),
        )
        .optional()?)
}

pub(crate) fn envelope(conn: &Connection, id: MessageId) -> Result<Option<Envelope>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT mail_from, rcpt_to, peer_ip, helo, tls, auth_user, queue_id, received_at,
                    auth_summary, auth_verdicts
             FROM envelopes WHERE message_id = ?1",
            [id],
            |r| {
                Ok(Envelope {
                    mail_from: r.get(0)?,
                    rcpt_to: r
                        .get::<_, String>(1)?
                        .split('\n')
                        .filter(|s| !s.is_empty())
                        .map(String::from)
                        .collect(),
                    peer_ip: r.get(2)?,
                    helo: r.get(3)?,
                    tls: r.get(4)?,
                    auth_user: r.get(5)?,
                    queue_id: r.get(6)?,
                    received_at: r.get(7)?,
                    auth_summary: r.get(8)?,
                    auth_verdicts: r.get(9)?,
                })
            },
        )
        .optional()?)
}

/// Ids in a mailbox, oldest first (for export and POP3 snapshots), without those a POP3
/// QUIT deleted that still wait to leave (`store::deletions`).
pub(crate) fn ids_in(
    conn: &Connection,
    mailbox: MailboxId,
) -> Result<Vec<(MessageId, u32, u64)>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, uid, size FROM messages WHERE mailbox_id = ?1
             AND id NOT IN (SELECT message_id FROM pending_deletions WHERE mailbox_id = ?1)
             ORDER BY uid",
    )?;
    let rows = stmt.query_map([mailbox], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get::<_, i64>(2)?.max(0) as u64))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Full-text matches from which [`newest_matches`] (the newest matching ids first) is used
/// instead of looking every match up and sorting them: always, as its cost follows the
/// limit rather than the matches; tests raise it to compare the two plans.
const DENSE_MATCHES: i64 = 0;

pub(crate) fn search(
    conn: &Connection,
    account: AccountId,
    q: &SearchQuery,
    limit: u64,
) -> Result<Vec<MessageSummary>, StoreError> {
    search_planned(conn, account, q, limit, DENSE_MATCHES)
}

/// [`search`] with the switch between the two plans at `dense_from` matches (tests run
/// both plans on the same mail).
pub(crate) fn search_planned(
    conn: &Connection,
    account: AccountId,
    q: &SearchQuery,
    limit: u64,
    dense_from: i64,
) -> Result<Vec<MessageSummary>, StoreError> {
    let now = chrono::Utc::now().timestamp();
    let compiled = super::search::sql::compile(q.expr.as_ref(), now);
    let fts = compiled.fts;
    // No text at all: walk the account's messages by date and keep the matching ones until
    // `limit`. Text: the newest matching ids first (below `dense_from` matches, every
    // match looked up and sorted, the plan the tests compare it with).
    let dense = match &fts {
        None => true,
        Some(_) if dense_from <= 0 => true,
        Some(expr) => {
            let n: i64 = conn.query_row(
                "SELECT count(*) FROM (SELECT rowid FROM messages_fts
                 WHERE messages_fts MATCH ?1 LIMIT ?2)",
                params![expr, dense_from],
                |r| r.get(0),
            )?;
            n >= dense_from
        }
    };
    if let (true, Some(expr)) = (dense, &fts) {
        return newest_matches(
            conn,
            account,
            q,
            limit,
            expr,
            &compiled.condition,
            &compiled.args,
        );
    }
    let fts = fts.map(|expr| (expr, None));
    let (sql, args) = search_sql(
        account,
        q,
        Shape::Newest(limit),
        dense,
        fts,
        &compiled.condition,
        &compiled.args,
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(params_from_iter(args), summary_from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// How many messages of `account` match `q`, up to `cap` (`None` beyond it).
pub(crate) fn count_matches(
    conn: &Connection,
    account: AccountId,
    q: &SearchQuery,
    cap: u64,
) -> Result<Option<u64>, StoreError> {
    let now = chrono::Utc::now().timestamp();
    let compiled = super::search::sql::compile(q.expr.as_ref(), now);
    let counted_to = i64::try_from(cap.saturating_add(1)).unwrap_or(i64::MAX);
    // Text alone in the only account: the index's own count is the answer, without
    // fetching each match's row (12,505 matches at 200,000 messages: 11 ms, not 30).
    if let Some(expr) = &compiled.fts
        && compiled.condition == "1"
        && q.mailbox.is_none()
        && conn.query_row(
            "SELECT count(*) = 1 AND max(id) = ?1 FROM accounts",
            [account],
            |r| r.get::<_, bool>(0),
        )?
    {
        let n: i64 = conn
            .prepare_cached(
                "SELECT count(*) FROM (SELECT rowid FROM messages_fts
                 WHERE messages_fts MATCH ?1 LIMIT ?2)",
            )?
            .query_row(params![expr, counted_to], |r| r.get(0))?;
        let n = n.max(0) as u64;
        return Ok((n <= cap).then_some(n));
    }
    let fts = compiled.fts.map(|expr| (expr, None));
    let (sql, args) = search_sql(
        account,
        q,
        Shape::Count(cap.saturating_add(1)),
        false,
        fts,
        &compiled.condition,
        &compiled.args,
    );
    let counted = sql;
    let n: i64 = conn
        .prepare(&counted)?
        .query_row(params_from_iter(args), |r| r.get(0))?;
    let n = n.max(0) as u64;
    Ok((n <= cap).then_some(n))
}

/// The SQL of one search: the account's messages newest first (`dense`: walking the date
/// index) that match the full-text expression (restricted to a rowid range when given),
/// the rest of the condition and the mailbox.
#[allow(clippy::too_many_arguments)]
fn search_sql(
    account: AccountId,
    q: &SearchQuery,
    shape: Shape,
    dense: bool,
    fts: Option<(String, Option<(i64, i64)>)>,
    condition: &str,
    condition_args: &[Value],
) -> (String, Vec<Value>) {
    let (from, account_filter) = if dense {
        (
            "messages m INDEXED BY messages_by_account_date",
            "m.account_id = ?",
        )
    } else {
        ("messages m", "+m.account_id = ?")
    };
    let mut sql = match shape {
        Shape::Newest(_) => format!(
            "SELECT {SUMMARY_COLUMNS} FROM {from} JOIN mailboxes b ON b.id = m.mailbox_id
             WHERE {account_filter}"
        ),
        Shape::Count(_) => {
            format!(
                "SELECT count(*) FROM (SELECT m.id FROM {from}
                 JOIN mailboxes b ON b.id = m.mailbox_id WHERE {account_filter}"
            )
        }
    };
    let mut args: Vec<Value> = vec![Value::Integer(account)];
    match fts {
        Some((expr, None)) => {
            sql.push_str(
                " AND m.id IN (SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?)",
            );
            args.push(Value::Text(expr));
        }
        Some((expr, Some((lo, hi)))) => {
            sql.push_str(
                " AND m.id IN (SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?
                    AND rowid >= ? AND rowid <= ?)",
            );
            args.extend([Value::Text(expr), Value::Integer(lo), Value::Integer(hi)]);
        }
        None => {}
    }
    sql.push_str(" AND ");
    sql.push_str(condition);
    args.extend(condition_args.iter().cloned());
    if let Some(mailbox) = q.mailbox {
        sql.push_str(" AND m.mailbox_id = ?");
        args.push(Value::Integer(mailbox));
    }
    match shape {
        Shape::Newest(limit) => {
            sql.push_str(" ORDER BY m.date DESC, m.id DESC LIMIT ?");
            args.push(Value::Integer(limit as i64));
        }
        Shape::Count(cap) => {
            sql.push_str(" LIMIT ?)");
            args.push(Value::Integer(cap as i64));
        }
    }
    (sql, args)
}

/// What a search's SQL returns.
#[derive(Clone, Copy)]
enum Shape {
    /// The newest `n` summaries.
    Newest(u64),
    /// How many match, counted up to `n`.
    Count(u64),
}

/// The newest `limit` hits of a full-text expression, without collecting every match:
/// recent mail has the highest ids, so the newest matching ids are taken first (FTS5 reads
/// its lists from the end for `ORDER BY rowid DESC`), only those messages are fetched and
/// sorted by date, and the answer is kept only if no message newer than its last hit lies
/// outside their id range (mail imported or dated out of order); otherwise more ids are
/// taken, until the range holds every match. Its cost follows `limit`, not the number of
/// matches: a phrase in one message of 16 at 200,000 fetched and sorted all 12,500 of its
/// matches to show 1,000 (56 ms), and a broad word at a million collected 100,000.
fn newest_matches(
    conn: &Connection,
    account: AccountId,
    q: &SearchQuery,
    limit: u64,
    expr: &str,
    condition: &str,
    condition_args: &[Value],
) -> Result<Vec<MessageSummary>, StoreError> {
    let last: Option<i64> = conn
        .prepare_cached("SELECT max(id) FROM messages")?
        .query_row([], |r| r.get(0))?;
    let Some(last) = last else {
        return Ok(Vec::new());
    };
    // A quarter more than the limit: mail filed concurrently or dated by other clocks is
    // not in date order by id, and without the margin the completeness check below would
    // often find a message just outside the range newer than the last hit.
    let mut want = limit.saturating_add(limit / 4).max(1);
    loop {
        // The oldest of the `want` newest matching ids, and how many there were.
        let (lo, found): (Option<i64>, i64) = conn
            .prepare_cached(
                "SELECT min(rowid), count(*) FROM (SELECT rowid FROM messages_fts
                 WHERE messages_fts MATCH ?1 ORDER BY rowid DESC LIMIT ?2)",
            )?
            .query_row(
                params![expr, i64::try_from(want).unwrap_or(i64::MAX)],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
        let Some(lo) = lo else {
            return Ok(Vec::new());
        };
        let range = Some((expr.to_owned(), Some((lo, last))));
        let (sql, args) = search_sql(
            account,
            q,
            Shape::Newest(limit),
            false,
            range,
            condition,
            condition_args,
        );
        let hits: Vec<MessageSummary> = {
            let mut stmt = conn.prepare(&sql)?;
            let rows = stmt.query_map(params_from_iter(args), summary_from_row)?;
            rows.collect::<Result<_, _>>()?
        };
        // Fewer than asked for: the range holds every match there is.
        if (found.max(0) as u64) < want {
            return Ok(hits);
        }
        // Complete only with `limit` hits and nothing newer than the last one outside the
        // range (the rest of the condition is ignored here: stricter, never wrong).
        if let Some(oldest) = hits.last().filter(|_| hits.len() as u64 >= limit) {
            let outside: bool = conn
                .prepare_cached(
                    "SELECT EXISTS (SELECT 1 FROM messages INDEXED BY messages_by_account_date
                     WHERE account_id = ?1 AND date >= ?2 AND (date > ?2 OR id > ?3)
                     AND id < ?4)",
                )?
                .query_row(params![account, oldest.date, oldest.id, lo], |r| r.get(0))?;
            if !outside {
                return Ok(hits);
            }
        }
        // The rest of the condition kept a share of the matches: take enough for `limit`
        // at that share, with a margin (four times as many when it kept none); else mail
        // newer than the last hit lies outside the range: twice as many.
        let kept = hits.len() as u64;
        want = match kept {
            0 => want.saturating_mul(4),
            k if k < limit => want
                .saturating_mul(limit)
                .saturating_div(k)
                .saturating_mul(5)
                .saturating_div(4)
                .max(want.saturating_mul(2)),
            _ => want.saturating_mul(2),
        };
    }
}

pub(crate) fn queue(conn: &Connection) -> Result<Vec<QueueEntry>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT q.id, r.id, q.mail_from, r.rcpt, r.state, q.created_at, r.next_attempt_at,
            r.attempts, r.last_reply, q.subject, q.size
         FROM queue_recipients r JOIN queue_messages q ON q.id = r.queue_id
         ORDER BY q.id, r.id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(QueueEntry {
            queue_id: r.get(0)?,
            recipient_id: r.get(1)?,
            mail_from: r.get(2)?,
            rcpt: r.get(3)?,
            state: RecipientState::from_db(&r.get::<_, String>(4)?),
            created_at: r.get(5)?,
            next_attempt_at: r.get(6)?,
            attempts: r.get(7)?,
            last_reply: r.get(8)?,
            subject: r.get(9)?,
            size: r.get::<_, i64>(10)?.max(0) as u64,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub(crate) fn activity(conn: &Connection) -> Result<Activity, StoreError> {
    Ok(conn.query_row(
        "SELECT (SELECT count(*) FROM messages), (SELECT max(received_at) FROM envelopes),
            (SELECT max(at) FROM queue_attempts)",
        [],
        |r| {
            Ok(Activity {
                messages: r.get::<_, i64>(0)?.max(0) as u64,
                last_inbound: r.get(1)?,
                last_outbound: r.get(2)?,
            })
        },
    )?)
}
