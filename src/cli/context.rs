//! What every subcommand starts from: paths, configuration and (on demand) the store.

use crate::config::{self, AccountConfig, Config, Paths};
use crate::store::{AccountId, Mailbox, Role, Store};
use anyhow::{Context as _, anyhow};
use std::path::Path;

/// Paths and configuration of this postie home.
pub struct Context {
    pub paths: Paths,
    pub config: Config,
}

impl Context {
    /// Resolve paths (`POSTIE_HOME`, XDG, `--config`) and load the configuration.
    pub fn load(config_override: Option<&Path>) -> anyhow::Result<Self> {
        let paths = Paths::resolve(config_override).map_err(|e| anyhow!(e))?;
        if let Some(file) = config_override
            && !file.exists()
        {
            return Err(anyhow!(
                "configuration file {} does not exist",
                file.display()
            ));
        }
        let config = config::load(&paths.config_file)?;
        Ok(Self { paths, config })
    }

    /// Open the store (creating the data dir and database on first use) and make sure every
    /// configured account exists in it.
    pub async fn open_store(&self) -> anyhow::Result<Store> {
        self.paths
            .ensure_data_dir()
            .with_context(|| format!("cannot create {}", self.paths.data_dir.display()))?;
        let db = self.paths.database();
        let store = Store::open(&db).with_context(|| format!("cannot open {}", db.display()))?;
        for account in self.config.effective_accounts() {
            store
                .ensure_account(&account.name, account.display_name.as_deref())
                .await?;
        }
        Ok(store)
    }

    /// The certificate the node offers: `[smtp.tls] cert`, or the self-signed one.
    pub fn tls_cert_path(&self) -> std::path::PathBuf {
        self.config
            .smtp
            .tls
            .cert
            .clone()
            .unwrap_or_else(|| self.paths.tls_dir().join(crate::tls::SELF_SIGNED_CERT))
    }

    /// The named account, or the first one.
    pub fn account(&self, name: Option<&str>) -> anyhow::Result<AccountConfig> {
        let accounts = self.config.effective_accounts();
        match name {
            None => accounts
                .into_iter()
                .next()
                .ok_or_else(|| anyhow!("no account is configured")),
            Some(name) => accounts
                .into_iter()
                .find(|a| a.name.eq_ignore_ascii_case(name))
                .ok_or_else(|| anyhow!("no account named `{name}` in the configuration")),
        }
    }

    /// The account's id in the store.
    pub async fn account_id(&self, store: &Store, name: Option<&str>) -> anyhow::Result<AccountId> {
        let account = self.account(name)?;
        store
            .account_by_name(&account.name)
            .await?
            .map(|a| a.id)
            .ok_or_else(|| anyhow!("account `{}` is missing from the store", account.name))
    }

    /// A mailbox by name; Inbox/Sent/Drafts/Trash match their roles.
    pub async fn mailbox(
        &self,
        store: &Store,
        account: AccountId,
        name: &str,
    ) -> anyhow::Result<Mailbox> {
        if let Some(role) = Role::ALL
            .into_iter()
            .find(|r| r.name().eq_ignore_ascii_case(name))
        {
            return Ok(store.mailbox_by_role(account, role).await?);
        }
        store
            .mailbox_by_name(account, name)
            .await?
            .ok_or_else(|| anyhow!("no mailbox named `{name}`"))
    }
}
