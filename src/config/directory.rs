//! Which addresses are local: the accounts' addresses, aliases and catch-all domains.

use super::AccountConfig;
use std::collections::{HashMap, HashSet};

/// Where mail for an address goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// Delivered to this account's Inbox.
    Local { account: String },
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

    /// Resolve an address (case-insensitive, `+tag` subaddresses fold to the base address).
    pub fn resolve(&self, address: &str) -> Resolution {
        let address = address.trim().trim_matches(['<', '>']).to_ascii_lowercase();
        let Some((local, domain)) = address.rsplit_once('@') else {
            return Resolution::UnknownLocalUser;
        };
        let domain = domain.trim_end_matches('.');
        let base = local.split_once('+').map_or(local, |(b, _)| b);
        for candidate in [format!("{local}@{domain}"), format!("{base}@{domain}")] {
            if let Some(account) = self.exact.get(&candidate) {
                return Resolution::Local {
                    account: account.clone(),
                };
            }
        }
        if let Some(account) = self.catch_all.get(domain) {
            return Resolution::Local {
                account: account.clone(),
            };
        }
        if self.local_domains.contains(domain) {
            Resolution::UnknownLocalUser
        } else {
            Resolution::Remote
        }
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
