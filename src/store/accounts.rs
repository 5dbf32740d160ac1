//! Accounts: creating one with its role folders, finding them, and the password hash
//! POP3 and SMTP AUTH check.

use super::{Account, AccountId, Store, StoreError, now, ops, queries};

impl Store {
    /// Make sure an account and its Inbox/Sent/Drafts/Trash exist.
    pub async fn ensure_account(
        &self,
        name: &str,
        display_name: Option<&str>,
    ) -> Result<AccountId, StoreError> {
        let (name, display) = (name.to_string(), display_name.map(String::from));
        let now = now();
        self.write(move |c| ops::ensure_account(c, &name, display.as_deref(), now))
            .await
    }

    pub async fn accounts(&self) -> Result<Vec<Account>, StoreError> {
        self.read(queries::accounts).await
    }

    pub async fn account_by_name(&self, name: &str) -> Result<Option<Account>, StoreError> {
        let name = name.to_string();
        let all = self.accounts().await?;
        Ok(all.into_iter().find(|a| a.name.eq_ignore_ascii_case(&name)))
    }

    /// Store an argon2 PHC hash as the account's password.
    pub async fn set_password_hash(&self, account: &str, hash: &str) -> Result<(), StoreError> {
        let (account, hash) = (account.to_string(), hash.to_string());
        self.write(move |c| {
            let n = c.execute(
                "UPDATE accounts SET password_hash = ?2 WHERE name = ?1",
                [&account, &hash],
            )?;
            if n == 0 {
                Err(StoreError::NotFound("account"))
            } else {
                Ok(())
            }
        })
        .await
    }

    /// The stored password hash, if the account has one.
    pub async fn password_hash(&self, account: &str) -> Result<Option<String>, StoreError> {
        let account = account.to_string();
        self.read(move |c| queries::password_hash(c, &account))
            .await
    }
}
