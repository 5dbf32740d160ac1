//! Maildir: listing `cur/` and `new/`, and the flags in the `:2,` info suffix.

use std::path::Path;

use super::{MailboxIoError, PendingFile, sorted_entries};

/// Message flags as Maildir records them (the `:2,` info of a file name).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MaildirFlags {
    /// `S`: the user has read the message.
    pub seen: bool,
    /// `R`: the user has replied.
    pub answered: bool,
    /// `F`: flagged for attention.
    pub flagged: bool,
    /// `D`: a draft.
    pub draft: bool,
    /// `T`: marked for deletion.
    pub trashed: bool,
    /// `P`: passed on (forwarded, resent or bounced).
    pub passed: bool,
}

/// Whether `dir` is a Maildir: it has a `cur` or `new` subdirectory.
pub fn is_maildir(dir: &Path) -> bool {
    dir.join("cur").is_dir() || dir.join("new").is_dir()
}

/// The flags in a Maildir file name: the letters after `:2,` (or `!2,`, used where `:`
/// is not allowed in names). Unknown letters and lowercase keywords are ignored.
pub fn maildir_flags(file_name: &str) -> MaildirFlags {
    let mut flags = MaildirFlags::default();
    let Some(info) = file_name
        .rsplit_once(":2,")
        .or_else(|| file_name.rsplit_once("!2,"))
        .map(|(_, info)| info)
    else {
        return flags;
    };
    for letter in info.chars() {
        match letter {
            'S' => flags.seen = true,
            'R' => flags.answered = true,
            'F' => flags.flagged = true,
            'D' => flags.draft = true,
            'T' => flags.trashed = true,
            'P' => flags.passed = true,
            _ => {}
        }
    }
    flags
}

/// When a Maildir file was delivered, from its name: a unique name starts with the
/// delivery time in seconds (`1727776800.M20P4242.host`). Names other programs made up
/// give `None`, as do times before 1980.
pub fn delivered_at(file_name: &str) -> Option<i64> {
    const JAN_1980: i64 = 315_532_800;
    let seconds: i64 = file_name.split('.').next()?.parse().ok()?;
    (seconds >= JAN_1980).then_some(seconds)
}

/// The message files of a Maildir: `cur/` then `new/`, each sorted; `tmp/` holds
/// deliveries in progress and is skipped, as are hidden files.
pub(super) fn list(dir: &Path) -> Result<Vec<PendingFile>, MailboxIoError> {
    let mut found = Vec::new();
    for sub in ["cur", "new"] {
        let sub_dir = dir.join(sub);
        if !sub_dir.is_dir() {
            continue;
        }
        for path in sorted_entries(&sub_dir)? {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if name.starts_with('.') || !path.is_file() {
                continue;
            }
            let mut file = PendingFile::eml(&path);
            if sub == "cur" {
                file.flags = maildir_flags(&name);
            }
            file.delivered_at = delivered_at(&name);
            found.push(file);
        }
    }
    Ok(found)
}

/// A Maildir and its Maildir++ subfolders (`.Sent`, `.Archive.2024`, ...): the top level
/// first, then each subfolder in name order.
pub(super) fn list_with_subfolders(dir: &Path) -> Result<Vec<PendingFile>, MailboxIoError> {
    let mut found = list(dir)?;
    for path in sorted_entries(dir)? {
        let is_subfolder = path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'));
        let is_link = std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink());
        if is_subfolder && !is_link && path.is_dir() && is_maildir(&path) {
            found.extend(list(&path)?);
        }
    }
    Ok(found)
}
