//! `[[forwards]]` and `[[lists]]`: local addresses the owner routes elsewhere, and their
//! validation (every error names the key and the offending address).

use super::{AccountConfig, Directory, Resolution};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// A local address forwarded to other addresses (the retired colleague's new account).
/// The message keeps its original envelope sender (no SRS rewriting).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ForwardConfig {
    /// The local address mail arrives for, e.g. `old@example.org`.
    pub address: String,
    /// Where it goes: remote addresses (or local account addresses).
    pub to: Vec<String>,
    /// Also keep a copy in the account that owns `address` (it must belong to one).
    pub keep_copy: bool,
}

/// A local distribution list: mail for `address` fans out to every member.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ListConfig {
    /// The list's own address, e.g. `staff@example.org`.
    pub address: String,
    /// Member addresses: account addresses (local copies) or remote addresses (relayed).
    pub members: Vec<String>,
}

/// Semantic checks; returns the dotted key and the problem, like the rest of validation.
pub(super) fn validate(
    accounts: &[AccountConfig],
    forwards: &[ForwardConfig],
    lists: &[ListConfig],
    plausible: fn(&str) -> bool,
) -> Result<(), (String, String)> {
    let accounts_only = Directory::new(accounts);
    let mut routed = HashSet::new();
    for forward in forwards {
        let key = |k: &str| format!("forwards.{k}");
        if !plausible(&forward.address) {
            return Err((key("address"), not_an_address(&forward.address)));
        }
        if !routed.insert(forward.address.to_ascii_lowercase()) {
            return Err((key("address"), twice(&forward.address)));
        }
        if forward.to.is_empty() {
            return Err((
                key("to"),
                format!("forward `{}` needs at least one target", forward.address),
            ));
        }
        if let Some(bad) = forward.to.iter().find(|t| !plausible(t)) {
            return Err((key("to"), not_an_address(bad)));
        }
        let owned = matches!(
            accounts_only.resolve(&forward.address),
            Resolution::Local { .. }
        );
        if forward.keep_copy && !owned {
            return Err((
                key("keep_copy"),
                format!(
                    "`{}` belongs to no account, so there is nobody to keep a copy",
                    forward.address
                ),
            ));
        }
    }
    for list in lists {
        let key = |k: &str| format!("lists.{k}");
        if !plausible(&list.address) {
            return Err((key("address"), not_an_address(&list.address)));
        }
        if !routed.insert(list.address.to_ascii_lowercase()) {
            return Err((key("address"), twice(&list.address)));
        }
        if accounts_only.exact_account(&list.address).is_some() {
            return Err((
                key("address"),
                format!("`{}` is already an account's address", list.address),
            ));
        }
        if list.members.is_empty() {
            return Err((
                key("members"),
                format!("list `{}` needs at least one member", list.address),
            ));
        }
    }
    // Targets and members are one level deep: they must be accounts' or remote addresses.
    let targets = forwards.iter().map(|f| ("forwards.to", &f.to));
    let members = lists.iter().map(|l| ("lists.members", &l.members));
    for (key, addresses) in targets.chain(members) {
        for address in addresses.iter() {
            if !plausible(address) {
                return Err((key.into(), not_an_address(address)));
            }
            if routed.contains(&address.to_ascii_lowercase()) {
                return Err((
                    key.into(),
                    format!("`{address}` is itself a forward or list; nesting is not supported"),
                ));
            }
            if accounts_only.resolve(address) == Resolution::UnknownLocalUser {
                return Err((
                    key.into(),
                    format!("`{address}` is in a local domain but belongs to no account"),
                ));
            }
        }
    }
    Ok(())
}

fn not_an_address(address: &str) -> String {
    format!("`{address}` is not an address of the form local@domain")
}

fn twice(address: &str) -> String {
    format!("`{address}` is defined twice among forwards and lists")
}

#[cfg(test)]
mod tests;
