//! Read-side SQL of the threaded view: thread-ordered windows over the trigger-kept
//! `mailbox_threads` table, each thread's messages in reply order, fold state applied.

use super::StoreError;
use super::queries::{SUMMARY_COLUMNS, summary_from_row};
use super::types::*;
use rusqlite::{Connection, OptionalExtension, params};

/// How many rows the threaded view of `mailbox` shows: a collapsed thread is one row.
pub(crate) fn thread_rows(
    conn: &Connection,
    mailbox: MailboxId,
    view: &ThreadView,
) -> Result<u64, StoreError> {
    let (threads, messages): (i64, i64) = conn
        .query_row(
            "SELECT threads, total FROM mailboxes WHERE id = ?1",
            [mailbox],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .unwrap_or((0, 0));
    let mut stmt = conn.prepare_cached(
        "SELECT message_count FROM mailbox_threads WHERE mailbox_id = ?1 AND thread_id = ?2",
    )?;
    let mut toggled_extra: i64 = 0;
    for thread in &view.toggled {
        let n: Option<i64> = stmt
            .query_row(params![mailbox, thread], |r| r.get(0))
            .optional()?;
        toggled_extra += n.unwrap_or(1) - 1;
    }
    let rows = if view.collapsed {
        threads + toggled_extra
    } else {
        messages - toggled_extra
    };
    Ok(rows.max(0) as u64)
}

/// A window of the threaded view: threads by their latest message (newest first when
/// `descending`), each thread's messages in reply order (a reply under its parent, siblings
/// by date), a collapsed thread shown by its first message alone. `total` is the view's
/// row count ([`thread_rows`]): a window in the second half is found walking from the end.
pub(crate) fn list_threads(
    conn: &Connection,
    mailbox: MailboxId,
    descending: bool,
    view: &ThreadView,
    offset: u64,
    limit: u64,
    total: u64,
) -> Result<Vec<ThreadedRow>, StoreError> {
    if offset > total / 2 {
        let end = total.min(offset.saturating_add(limit));
        let take = end.saturating_sub(offset);
        let skip = total - end;
        let mut rows = walk(conn, mailbox, !descending, view, skip, take, true)?;
        rows.reverse();
        return Ok(rows);
    }
    walk(conn, mailbox, descending, view, offset, limit, false)
}

/// Rows `[skip, skip + take)` of the view walked in `descending` thread order; with
/// `backwards` each thread's rows come last first (the caller reverses the result).
fn walk(
    conn: &Connection,
    mailbox: MailboxId,
    descending: bool,
    view: &ThreadView,
    skip: u64,
    take: u64,
    backwards: bool,
) -> Result<Vec<ThreadedRow>, StoreError> {
    let direction = if descending { "DESC" } else { "ASC" };
    let mut threads = conn.prepare_cached(&format!(
        "SELECT thread_id, message_count FROM mailbox_threads WHERE mailbox_id = ?1
         ORDER BY latest {direction}, thread_id {direction}"
    ))?;
    let mut members = conn.prepare_cached(&format!(
        "SELECT {SUMMARY_COLUMNS} FROM messages m WHERE m.mailbox_id = ?1 AND m.thread_id = ?2
         ORDER BY m.date, m.id"
    ))?;
    let mut out = Vec::new();
    let mut position: u64 = 0;
    let mut rows = threads.query([mailbox])?;
    while let Some(r) = rows.next()? {
        if out.len() as u64 >= take {
            break;
        }
        let (thread_id, count): (i64, i64) = (r.get(0)?, r.get(1)?);
        let collapsed = view.is_collapsed(thread_id);
        let shown = if collapsed { 1 } else { count.max(0) as u64 };
        if position + shown <= skip {
            position += shown;
            continue;
        }
        let messages: Vec<MessageSummary> = members
            .query_map(params![mailbox, thread_id], summary_from_row)?
            .collect::<Result<_, _>>()?;
        let size = messages.len() as u32;
        let ids: Vec<MessageId> = if collapsed {
            messages.iter().map(|m| m.id).collect()
        } else {
            Vec::new()
        };
        let mut ordered = reply_order(messages);
        ordered.truncate(if collapsed { 1 } else { ordered.len() });
        if backwards {
            ordered.reverse();
        }
        for (summary, depth) in ordered {
            if position >= skip && (out.len() as u64) < take {
                out.push(ThreadedRow {
                    summary,
                    depth,
                    thread_size: size,
                    collapsed,
                    members: ids.clone(),
                });
            }
            position += 1;
        }
    }
    Ok(out)
}

/// Order a thread's messages (given oldest first) so each reply follows its parent, with
/// its depth. Parents are found by In-Reply-To; a cycle or a missing parent makes a root.
fn reply_order(messages: Vec<MessageSummary>) -> Vec<(MessageSummary, u16)> {
    use std::collections::HashMap;
    let by_id: HashMap<&str, usize> = messages
        .iter()
        .enumerate()
        .filter_map(|(i, m)| m.message_id.as_deref().map(|id| (id, i)))
        .collect();
    let parent: Vec<Option<usize>> = messages
        .iter()
        .enumerate()
        .map(|(i, m)| {
            m.in_reply_to
                .as_deref()
                .and_then(|p| by_id.get(p).copied())
                .filter(|&p| p != i)
        })
        .collect();
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); messages.len()];
    for (i, p) in parent.iter().enumerate() {
        if let Some(p) = p {
            children[*p].push(i);
        }
    }
    let mut order: Vec<(usize, u16)> = Vec::with_capacity(messages.len());
    let mut visited = vec![false; messages.len()];
    let roots: Vec<usize> = (0..messages.len())
        .filter(|&i| parent[i].is_none())
        .collect();
    // Roots first in date order; then anything a cycle kept out of reach.
    for start in roots.into_iter().chain(0..messages.len()) {
        if visited[start] {
            continue;
        }
        let mut stack = vec![(start, 0u16)];
        while let Some((i, depth)) = stack.pop() {
            if visited[i] {
                continue;
            }
            visited[i] = true;
            order.push((i, depth));
            for &c in children[i].iter().rev() {
                stack.push((c, depth.saturating_add(1)));
            }
        }
    }
    let mut slots: Vec<Option<MessageSummary>> = messages.into_iter().map(Some).collect();
    order
        .into_iter()
        .filter_map(|(i, depth)| slots[i].take().map(|m| (m, depth)))
        .collect()
}
