//! Addresses (RFC 5322 §3.4, with the obsolete forms of §4.4 that real mail uses): the one
//! parser and formatter every part of postie reads and writes From/To/Cc/Bcc with.
//!
//! Values are structured: a [`Mailbox`] is a display name (decoded, RFC 2047 words
//! included) and an addr-spec with its comments removed; an [`Address`] is a mailbox or a
//! group with its members. [`parse_list`] is lenient and never loses an addr-spec it can
//! see; [`parse_list_strict`] is what the composer uses and says where the input goes
//! wrong. Formatting writes text that parses back to the same value.

mod fallback;
mod lexer;
mod parser;
mod text;

use std::fmt;

use serde::Serialize;

pub use text::{header_phrase, phrase_text};

/// One mailbox: who and where.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize)]
pub struct Mailbox {
    /// The display name, decoded and on one line; `None` when there is none.
    pub name: Option<String>,
    /// The addr-spec without comments or folding (`local@domain`, a local part quoted
    /// only when it must be). Empty when a broken header gave only a name.
    pub addr: String,
}

/// An entry of an address list (RFC 5322 §3.4 `address`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Address {
    Mailbox(Mailbox),
    /// `name: member, member;`, members kept with their group (`undisclosed-recipients:;`
    /// has none).
    Group {
        name: String,
        members: Vec<Mailbox>,
    },
}

/// Why strict parsing rejected an address list, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{entry}` is not an address: expected {expected} at column {column}")]
pub struct AddressError {
    /// The list entry that failed, as typed.
    pub entry: String,
    /// Byte offset in the input where parsing stopped.
    pub position: usize,
    /// The same place as a 1-based character column.
    pub column: usize,
    /// What the grammar wanted there.
    pub expected: String,
}

/// Parse an address list leniently: grammar first, then a best reading of any entry the
/// grammar rejects. Never fails and never panics; text with no address gives name-only
/// mailboxes. `text` should still have its RFC 2047 words encoded, so that an encoded
/// comma cannot split a name; names are decoded here.
pub fn parse_list(text: &str) -> Vec<Address> {
    let mut list = parser::parse(text, false).unwrap_or_default();
    // `<>` and the like: nothing to show and nowhere to write to.
    list.retain(|a| !matches!(a, Address::Mailbox(m) if m.name.is_none() && m.addr.is_empty()));
    list
}

/// Parse an address list exactly (RFC 5322 §3.4 and §4.4). Empty entries (`a@x,,b@y`)
/// are allowed; an empty input is an empty list.
pub fn parse_list_strict(text: &str) -> Result<Vec<Address>, AddressError> {
    parser::parse(text, true)
}

/// Every mailbox of a list, group members in place of their group.
pub fn mailboxes(list: &[Address]) -> Vec<Mailbox> {
    list.iter().flat_map(Address::mailboxes).cloned().collect()
}

/// The envelope addresses (RFC 5321 forward-paths) a To/Cc/Bcc value names: every
/// addr-spec, group members included, in order, without repeats (case-insensitive).
pub fn envelope_addresses(value: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for mailbox in mailboxes(&parse_list(value)) {
        if mailbox.has_addr_spec() && !out.iter().any(|a| a.eq_ignore_ascii_case(&mailbox.addr)) {
            out.push(mailbox.addr);
        }
    }
    out
}

/// A list as RFC 5322 text (`a@x.test, "Doe, J" <j@x.test>, team: b@x.test;`).
pub fn format_list(list: &[Address]) -> String {
    list.iter()
        .map(Address::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Mailboxes as RFC 5322 text, comma separated.
pub fn format_mailboxes(list: &[Mailbox]) -> String {
    list.iter()
        .map(Mailbox::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

impl Mailbox {
    pub fn new(name: Option<&str>, addr: &str) -> Self {
        Mailbox {
            name: name.map(str::to_owned).filter(|n| !n.is_empty()),
            addr: addr.to_owned(),
        }
    }

    /// Whether [`Mailbox::addr`] is a well-formed addr-spec (mail can be sent to it), not
    /// what a lenient reading salvaged from a broken header.
    pub fn has_addr_spec(&self) -> bool {
        matches!(
            parse_list_strict(&self.addr).as_deref(),
            Ok([Address::Mailbox(Mailbox { name: None, addr })]) if *addr == self.addr
        )
    }

    /// Whether both name the same addr-spec (compared without regard to case, as
    /// replies and identities need; delivery keeps the local part as written).
    pub fn same_addr(&self, addr: &str) -> bool {
        !self.addr.is_empty() && self.addr.eq_ignore_ascii_case(addr)
    }
}

/// RFC 5322 text: `addr`, `Name <addr>` or `"Last, First" <addr>`; a name-only mailbox
/// writes its name.
impl fmt::Display for Mailbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.name, self.addr.is_empty()) {
            (Some(name), false) => write!(f, "{} <{}>", phrase_text(name), self.addr),
            (Some(name), true) => f.write_str(&phrase_text(name)),
            (None, _) => f.write_str(&self.addr),
        }
    }
}

impl Address {
    /// The mailboxes this entry names: itself, or the group's members.
    pub fn mailboxes(&self) -> &[Mailbox] {
        match self {
            Address::Mailbox(m) => std::slice::from_ref(m),
            Address::Group { members, .. } => members,
        }
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Address::Mailbox(m) => m.fmt(f),
            Address::Group { name, members } if members.is_empty() => {
                write!(f, "{}:;", phrase_text(name))
            }
            Address::Group { name, members } => {
                let members: Vec<String> = members.iter().map(Mailbox::to_string).collect();
                write!(f, "{}: {};", phrase_text(name), members.join(", "))
            }
        }
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_props;
