//! Which addresses are local: the accounts' addresses, aliases and catch-all domains, and
//! the owner's forwards and distribution lists.

use super::{AccountConfig, ForwardConfig, ListConfig};
use std::collections::{HashMap, HashSet};

/// Where mail for an address goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// Delivered to this account's Inbox.
    Local { account: String },
    /// A configured forward: copies go to `targets`; `keep_copy` names the account that also
    /// keeps one.
    Forward {
        targets: Vec<String>,
        keep_copy: Option<String>,
    },
    /// A configured distribution list: one copy per member.
    List { members: Vec<String> },
    /// The domain is ours but nobody has this address (550 5.1.1).
    UnknownLocalUser,
    /// Someone else's domain: relay, if allowed.
    Remote,
}

/// Address lookup built once from the configured accounts.
#[derive(Debug, Clone, Default)]
pub struct Directory {
    exact: HashMap<String, String>,
    catch_all: HashMap<String, String>,
    local_domains: HashSet<String>,
    sendable: HashMap<String, HashSet<String>>,
    forwards: HashMap<String, ForwardConfig>,
    lists: HashMap<String, Vec<String>>,
}

impl Directory {
    pub fn new(accounts: &[AccountConfig]) -> Self {
        let mut dir = Self::default();
        for account in accounts {
            let sendable = dir.sendable.entry(account.name.clone()).or_default();
            for address in &account.addresses {
                sendable.insert(address.to_ascii_lowercase());
            }
            for address in account.addresses.iter().chain(&account.aliases) {
                let address = address.to_ascii_lowercase();
                if let Some((_, domain)) = address.rsplit_once('@') {
                    dir.local_domains.insert(domain.to_string());
                }
                dir.exact.insert(address, account.name.clone());
            }
            for domain in &account.catch_all {
                let domain = domain.to_ascii_lowercase();
                dir.local_domains.insert(domain.clone());
                dir.catch_all.insert(domain, account.name.clone());
            }
        }
        dir
    }

    /// Add the configured forwards and lists (validated by [`super::load`]); they take
    /// precedence over an account owning the same address.
    pub fn with_routes(mut self, forwards: &[ForwardConfig], lists: &[ListConfig]) -> Self {
        let addresses = forwards.iter().map(|f| &f.address);
        for address in addresses.chain(lists.iter().map(|l| &l.address)) {
            if let Some((_, domain)) = address.rsplit_once('@') {
                self.local_domains.insert(domain.to_ascii_lowercase());
            }
        }
        for forward in forwards {
            let key = forward.address.to_ascii_lowercase();
            self.forwards.insert(key, forward.clone());
        }
        for list in lists {
            let key = list.address.to_ascii_lowercase();
            self.lists.insert(key, list.members.clone());
        }
        self
    }

    /// Replace the inferred local domains with a configured list (`local_domains`); `None`
    /// keeps the inferred ones. Exact addresses and catch-all domains stay local either way.
    pub fn with_local_domains(mut self, domains: Option<&[String]>) -> Self {
        if let Some(domains) = domains {
            self.local_domains = domains
                .iter()
                .map(|d| d.trim().trim_end_matches('.').to_ascii_lowercase())
                .chain(self.catch_all.keys().cloned())
                .collect();
        }
        self
    }

    /// Resolve an address (case-insensitive, `+tag` subaddresses fold to the base address).
    pub fn resolve(&self, address: &str) -> Resolution {
        let Some((full, base)) = candidates(address) else {
            return Resolution::UnknownLocalUser;
        };
        for candidate in [&full, &base] {
            if let Some(members) = self.lists.get(candidate) {
                return Resolution::List {
                    members: members.clone(),
                };
            }
            if let Some(forward) = self.forwards.get(candidate) {
                let keep_copy = forward
                    .keep_copy
                    .then(|| self.account_of(&full, &base))
                    .flatten();
                return Resolution::Forward {
                    targets: forward.to.clone(),
                    keep_copy,
                };
            }
        }
        match self.account_of(&full, &base) {
            Some(account) => Resolution::Local { account },
            None if self.local_domains.contains(domain_of(&full)) => Resolution::UnknownLocalUser,
            None => Resolution::Remote,
        }
    }

    /// The account an exact address or alias belongs to (no catch-all, no routes).
    pub fn exact_account(&self, address: &str) -> Option<&str> {
        let (full, _) = candidates(address)?;
        self.exact.get(&full).map(String::as_str)
    }

    /// The account receiving for `full` (or its `+tag` base), including catch-all domains.
    fn account_of(&self, full: &str, base: &str) -> Option<String> {
        for candidate in [full, base] {
            if let Some(account) = self.exact.get(candidate) {
                return Some(account.clone());
            }
        }
        self.catch_all.get(domain_of(full)).cloned()
    }

    /// May `account` use `address` as its envelope sender or From?
    pub fn may_send_as(&self, account: &str, address: &str) -> bool {
        let address = address.trim().trim_matches(['<', '>']).to_ascii_lowercase();
        self.sendable
            .get(account)
            .is_some_and(|set| set.contains(&address))
            || matches!(self.resolve(&address), Resolution::Local { account: a } if a == account)
    }

    /// Is this one of our domains?
    pub fn is_local_domain(&self, domain: &str) -> bool {
        self.local_domains
            .contains(&domain.trim_end_matches('.').to_ascii_lowercase())
    }
}

/// The lowercased address without brackets or trailing dot, and its `+tag`-less base form.
fn candidates(address: &str) -> Option<(String, String)> {
    let address = address.trim().trim_matches(['<', '>']).to_ascii_lowercase();
    let (local, domain) = address.rsplit_once('@')?;
    let domain = domain.trim_end_matches('.');
    let base = local.split_once('+').map_or(local, |(b, _)| b);
    Some((format!("{local}@{domain}"), format!("{base}@{domain}")))
}

fn domain_of(address: &str) -> &str {
    address.rsplit_once('@').map_or("", |(_, d)| d)
}
