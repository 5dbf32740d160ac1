//! The address book behind completion: how often and how lately each correspondent was
//! seen, counted from the From/To/Cc of filed mail. Counted per batch: the indexer tallies
//! the people of every message it takes in and writes each address once.

use super::StoreError;
use super::types::AccountId;
use rusqlite::{Connection, params};
use std::collections::{BTreeMap, HashSet};

/// The people a message names, as the summary columns hold them.
pub(crate) struct Correspondents<'a> {
    pub from_name: Option<&'a str>,
    pub from_addr: Option<&'a str>,
    pub to_text: &'a str,
    pub cc_text: &'a str,
}

/// The most addresses one message adds to the book: a header naming a million people
/// costs the writer no more than one naming this many.
pub(crate) const MAX_PER_MESSAGE: usize = 1000;

/// Sightings of addresses, counted before they are written.
#[derive(Default)]
pub(crate) struct Tally {
    /// By account and lower-cased address (in key order, so the writes are
    /// deterministic): the address as first seen, the last name given, how many messages
    /// named it and the latest of their times.
    seen: BTreeMap<(AccountId, String), Sighting>,
}

struct Sighting {
    address: String,
    name: Option<String>,
    count: i64,
    last: i64,
}

impl Tally {
    /// Count the addresses one message names (each once per message), as of `at`.
    pub(crate) fn add(&mut self, account_id: AccountId, people: &Correspondents<'_>, at: i64) {
        use crate::mail::address::{mailboxes, parse_list};
        let mut entries: Vec<(Option<String>, String)> = Vec::new();
        if let Some(addr) = people.from_addr {
            entries.push((people.from_name.map(str::to_owned), addr.to_owned()));
        }
        for text in [people.to_text, people.cc_text] {
            if !text.is_empty() {
                entries.extend(
                    mailboxes(&parse_list(text))
                        .into_iter()
                        .map(|m| (m.name, m.addr)),
                );
            }
        }
        let mut done: HashSet<String> = HashSet::new();
        for (name, addr) in entries {
            if done.len() >= MAX_PER_MESSAGE {
                break;
            }
            let addr = addr.trim();
            let key = addr.to_ascii_lowercase();
            if !addr.contains('@') || addr.len() > 320 || !done.insert(key.clone()) {
                continue;
            }
            let name = name.filter(|n| !n.trim().is_empty() && n.len() <= 200);
            let slot = (account_id, key);
            match self.seen.get_mut(&slot) {
                Some(s) => {
                    s.count += 1;
                    s.last = s.last.max(at);
                    if name.is_some() {
                        s.name = name;
                    }
                }
                None => {
                    self.seen.insert(
                        slot,
                        Sighting {
                            address: addr.to_owned(),
                            name,
                            count: 1,
                            last: at,
                        },
                    );
                }
            }
        }
    }

    /// Write the counts: one statement per distinct address. Returns how many addresses
    /// were new to the book.
    pub(crate) fn write(self, conn: &Connection) -> Result<usize, StoreError> {
        let mut stmt = conn.prepare_cached(
            "INSERT INTO addresses (account_id, address, name, seen, last_seen)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (account_id, address) DO UPDATE SET seen = seen + excluded.seen,
                last_seen = max(last_seen, excluded.last_seen),
                name = coalesce(excluded.name, name)
             RETURNING seen",
        )?;
        let mut added = 0;
        for (slot, s) in self.seen {
            // A first sighting inserts the row with this batch's count; an update counts
            // up from what was there.
            let seen: i64 = stmt
                .query_row(params![slot.0, s.address, s.name, s.count, s.last], |r| {
                    r.get(0)
                })?;
            if seen == s.count {
                added += 1;
            }
        }
        Ok(added)
    }
}

/// Fill the address book from the messages already stored (schema v4).
pub(crate) fn backfill_addresses(conn: &Connection) -> Result<(), StoreError> {
    let mut stmt = conn.prepare(
        "SELECT m.account_id, m.from_name, m.from_addr, m.to_text, m.cc_text, m.date
         FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id
         WHERE b.role IS NOT 'drafts'",
    )?;
    let mut rows = stmt.query([])?;
    let mut tally = Tally::default();
    while let Some(r) = rows.next()? {
        let (from_name, from_addr): (Option<String>, Option<String>) = (r.get(1)?, r.get(2)?);
        let (to_text, cc_text): (String, String) = (r.get(3)?, r.get(4)?);
        let people = Correspondents {
            from_name: from_name.as_deref(),
            from_addr: from_addr.as_deref(),
            to_text: &to_text,
            cc_text: &cc_text,
        };
        tally.add(r.get(0)?, &people, r.get(5)?);
    }
    drop(rows);
    tally.write(conn)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn book(conn: &Connection) -> Vec<(String, Option<String>, i64, i64)> {
        conn.prepare("SELECT address, name, seen, last_seen FROM addresses ORDER BY address")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    #[test]
    fn a_batch_counts_each_address_once_per_message_and_writes_it_once() {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::store::schema::configure(&conn).unwrap();
        crate::store::schema::migrate(&mut conn).unwrap();
        conn.execute_batch("INSERT INTO accounts (id, name, created_at) VALUES (1, 'a', 0)")
            .unwrap();
        let mut tally = Tally::default();
        let bob = |name: Option<&'static str>, to: &'static str| Correspondents {
            from_name: name,
            from_addr: Some("Bob@Example.org"),
            to_text: to,
            cc_text: "",
        };
        // Named twice in one message: one sighting.
        tally.add(1, &bob(None, "bob@example.org, carol@example.org"), 10);
        tally.add(1, &bob(Some("Bob B"), ""), 30);
        tally.add(1, &bob(None, "not an address"), 20);
        assert_eq!(tally.write(&conn).unwrap(), 2, "bob and carol are new");
        assert_eq!(
            book(&conn),
            vec![
                ("Bob@Example.org".into(), Some("Bob B".into()), 3, 30),
                ("carol@example.org".into(), None, 1, 10),
            ]
        );
        // The next batch counts up from there and finds nobody new.
        let mut tally = Tally::default();
        tally.add(1, &bob(None, "CAROL@example.org"), 5);
        assert_eq!(tally.write(&conn).unwrap(), 0);
        let after = book(&conn);
        assert_eq!((after[0].2, after[0].3), (4, 30));
        assert_eq!((after[1].2, after[1].3), (2, 10));
    }

    #[test]
    fn one_message_adds_at_most_a_bounded_number_of_addresses() {
        let mut tally = Tally::default();
        let to: String = (0..MAX_PER_MESSAGE * 5)
            .map(|n| format!("p{}@example.org", n % (MAX_PER_MESSAGE * 2)))
            .collect::<Vec<_>>()
            .join(", ");
        let people = Correspondents {
            from_name: None,
            from_addr: None,
            to_text: &to,
            cc_text: "",
        };
        tally.add(1, &people, 0);
        assert_eq!(tally.seen.len(), MAX_PER_MESSAGE);
        assert!(
            tally.seen.values().all(|s| s.count == 1),
            "each once per message"
        );
    }
}
