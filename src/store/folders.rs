//! Renaming and removing user folders; role folders (Inbox, Sent, Drafts, Trash) are
//! never renamed or removed, and a folder holding mail goes only when asked to.

use super::{AccountId, MailboxId, Store, StoreError, StoreEvent};
use rusqlite::{Connection, OptionalExtension, params};

impl Store {
    /// Rename a user folder; role folders (Inbox, Sent, Drafts, Trash) keep their names.
    pub async fn rename_mailbox(
        &self,
        account: AccountId,
        id: MailboxId,
        name: &str,
    ) -> Result<(), StoreError> {
        let name = name.to_string();
        self.write(move |c| rename_mailbox(c, account, id, &name))
            .await?;
        self.announce(StoreEvent::MessagesChanged {
            mailbox_ids: vec![id],
        });
        Ok(())
    }

    /// Remove a user folder: an empty one, or with `force` together with its messages
    /// (which are returned as a count). Role folders are never removed.
    pub async fn remove_mailbox(
        &self,
        account: AccountId,
        id: MailboxId,
        force: bool,
    ) -> Result<u64, StoreError> {
        let removed = self
            .write(move |c| remove_mailbox(c, account, id, force))
            .await?;
        self.announce(StoreEvent::MessagesChanged {
            mailbox_ids: vec![id],
        });
        Ok(removed)
    }
}

/// The longest folder name accepted.
const MAX_FOLDER_NAME: usize = 200;

/// A folder's role and name, refusing a folder of another account.
fn user_folder(
    conn: &Connection,
    account_id: AccountId,
    id: MailboxId,
) -> Result<String, StoreError> {
    let (name, role): (String, Option<String>) = conn
        .query_row(
            "SELECT name, role FROM mailboxes WHERE id = ?1 AND account_id = ?2",
            params![id, account_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .ok_or(StoreError::NotFound("folder"))?;
    match role {
        Some(_) => Err(StoreError::Refused(format!(
            "`{name}` is a role folder: it cannot be renamed or removed"
        ))),
        None => Ok(name),
    }
}

/// Rename a user folder to a name no other folder of the account has (in any case).
pub(crate) fn rename_mailbox(
    conn: &Connection,
    account_id: AccountId,
    id: MailboxId,
    new_name: &str,
) -> Result<(), StoreError> {
    let new_name = new_name.trim();
    if new_name.is_empty()
        || new_name.chars().count() > MAX_FOLDER_NAME
        || new_name.chars().any(char::is_control)
    {
        return Err(StoreError::Refused(format!(
            "`{}` is not a folder name (1 to {MAX_FOLDER_NAME} characters, no control characters)",
            new_name.escape_debug()
        )));
    }
    user_folder(conn, account_id, id)?;
    let taken: Option<String> = conn
        .query_row(
            "SELECT name FROM mailboxes WHERE account_id = ?1 AND id != ?2
             AND name = ?3 COLLATE NOCASE",
            params![account_id, id, new_name],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(taken) = taken {
        return Err(StoreError::Refused(format!("a folder `{taken}` exists")));
    }
    conn.execute(
        "UPDATE mailboxes SET name = ?2 WHERE id = ?1",
        params![id, new_name],
    )?;
    Ok(())
}

/// Remove a user folder, refusing one that holds mail unless `force`; returns how many
/// messages went with it.
pub(crate) fn remove_mailbox(
    conn: &Connection,
    account_id: AccountId,
    id: MailboxId,
    force: bool,
) -> Result<u64, StoreError> {
    let name = user_folder(conn, account_id, id)?;
    let count: u64 = conn.query_row(
        "SELECT count(*) FROM messages WHERE mailbox_id = ?1",
        [id],
        |r| r.get(0),
    )?;
    if count > 0 && !force {
        return Err(StoreError::Refused(format!(
            "`{name}` holds {}: move {} first, or remove the folder with its mail (:rmdir! {name})",
            crate::plural::count(count, "message"),
            if count == 1 { "it" } else { "them" }
        )));
    }
    conn.execute(
        "DELETE FROM messages_fts WHERE rowid IN (SELECT id FROM messages WHERE mailbox_id = ?1)",
        [id],
    )?;
    conn.execute("DELETE FROM messages WHERE mailbox_id = ?1", [id])?;
    conn.execute("DELETE FROM mailboxes WHERE id = ?1", [id])?;
    Ok(count)
}
