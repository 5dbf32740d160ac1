//! `postie import` and `postie export`: moving mail between files and the store.
//!
//! An import says on stderr, one line per file, what it skipped and what failed (a file
//! that is not mail fails), and exits non-zero when anything failed.

use super::Context;
use crate::mailbox_io::{self, ImportItem};
use crate::store::{Flags, NewMessage, Store};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use tokio::task::JoinSet;

/// How many inserts are in flight at once: enough for group commit to batch them.
const IN_FLIGHT: usize = 64;

#[derive(Default)]
struct Tally {
    imported: u64,
    /// Already in the mailbox.
    present: u64,
    /// Left out on purpose (hidden files, ...): `path: why`.
    skipped: Vec<String>,
    /// `source: reason`.
    failed: Vec<String>,
}

/// Where `postie import` writes: the summary to `out`, a line per skipped or failed file
/// to `err`.
pub struct ImportOutput<'a> {
    pub out: &'a mut dyn Write,
    pub err: &'a mut dyn Write,
}

pub async fn import(
    ctx: &Context,
    paths: &[PathBuf],
    mailbox: &str,
    account: Option<&str>,
    output: ImportOutput<'_>,
) -> anyhow::Result<ExitCode> {
    let store = ctx.open_store().await?;
    let account_id = ctx.account_id(&store, account).await?;
    let target = match ctx.mailbox(&store, account_id, mailbox).await {
        Ok(found) => found.id,
        Err(_) => store.create_mailbox(account_id, mailbox).await?,
    };
    let mut tally = Tally::default();
    let progress = ProgressBar::new_spinner().with_style(
        ProgressStyle::with_template("{spinner} {pos} messages {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    let mut running = JoinSet::new();
    for path in paths {
        let items = match mailbox_io::read_path(path) {
            Ok(items) => items,
            Err(e) => {
                tally.failed.push(e.to_string());
                continue;
            }
        };
        for s in items.skipped() {
            tally
                .skipped
                .push(format!("{}: {}", s.path.display(), s.why));
        }
        for item in items {
            let item = match item {
                Ok(item) => item,
                Err(e) => {
                    tally.failed.push(e.to_string());
                    continue;
                }
            };
            if running.len() >= IN_FLIGHT
                && let Some(done) = running.join_next().await
            {
                count(&mut tally, done, &progress);
            }
            running.spawn(insert_one(store.clone(), target, item));
        }
    }
    while let Some(done) = running.join_next().await {
        count(&mut tally, done, &progress);
    }
    progress.finish_and_clear();
    for line in &tally.skipped {
        writeln!(output.err, "skipped {line}")?;
    }
    for line in &tally.failed {
        writeln!(output.err, "failed {line}")?;
    }
    writeln!(
        output.out,
        "imported {}, skipped {} (already present), failed {}",
        tally.imported,
        tally.present,
        tally.failed.len()
    )?;
    if !tally.skipped.is_empty() {
        writeln!(
            output.out,
            "left out {} on purpose (listed on stderr)",
            crate::plural::count(tally.skipped.len(), "file")
        )?;
    }
    Ok(if tally.failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

type InsertOutcome = (String, Result<bool, String>);

async fn insert_one(store: Store, mailbox_id: i64, item: ImportItem) -> InsertOutcome {
    let mut flags = Flags::empty();
    for (on, flag) in [
        (item.flags.seen, Flags::SEEN),
        (item.flags.answered, Flags::ANSWERED),
        (item.flags.flagged, Flags::FLAGGED),
        (item.flags.draft, Flags::DRAFT),
        (item.flags.trashed, Flags::DELETED),
    ] {
        if on {
            flags = flags.union(flag);
        }
    }
    // When it arrived where it comes from: what its mailbox says, else its newest
    // Received field; else, or when that lies ahead, now.
    let now = chrono::Utc::now().timestamp();
    let received_at = item
        .delivered_at
        .or_else(|| crate::mail::trace::newest_received_at(&item.raw))
        .filter(|at| *at <= now)
        .unwrap_or(now);
    let message = NewMessage {
        mailbox_id,
        raw: item.raw,
        flags,
        received_at,
        envelope: None,
    };
    let result = store.insert(message, true).await;
    (
        item.source,
        result.map(|i| !i.duplicate).map_err(|e| e.to_string()),
    )
}

fn count(
    tally: &mut Tally,
    done: Result<InsertOutcome, tokio::task::JoinError>,
    progress: &ProgressBar,
) {
    progress.inc(1);
    match done {
        Ok((_, Ok(true))) => tally.imported += 1,
        Ok((_, Ok(false))) => tally.present += 1,
        Ok((source, Err(reason))) => tally.failed.push(format!("{source}: {reason}")),
        Err(e) => tally.failed.push(format!("(task): {e}")),
    }
}

/// Where `postie export` writes, and whether it may replace what is there.
pub struct ExportTo<'a> {
    pub file: &'a Path,
    pub force: bool,
}

/// Write a mailbox as an mbox. The messages go to a temporary file beside `to.file`,
/// synced to disk, which then takes the file's name: an existing file (replaced only
/// with `force`) is never left half-written.
pub async fn export(
    ctx: &Context,
    to: &ExportTo<'_>,
    mailbox: &str,
    account: Option<&str>,
    out: &mut dyn Write,
) -> anyhow::Result<ExitCode> {
    let file = to.file;
    if !to.force && std::fs::symlink_metadata(file).is_ok() {
        anyhow::bail!(
            "{} exists: export does not replace it (--force does, or choose another name)",
            file.display()
        );
    }
    let store = ctx.open_store().await?;
    let account_id = ctx.account_id(&store, account).await?;
    let mailbox = ctx.mailbox(&store, account_id, mailbox).await?;
    let ids = store.ids_in(mailbox.id).await?;
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "export".into());
    let partial = file.with_file_name(format!(".{name}.postie-{}", std::process::id()));
    let written = write_mbox_file(&store, &ids, &partial).await;
    let written = written.and_then(|n| {
        if to.force {
            std::fs::rename(&partial, file)?;
        } else {
            place_without_replacing(&partial, file)?;
        }
        Ok(n)
    });
    let written = match written {
        Ok(n) => n,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e.context(format!("cannot write {}", file.display())));
        }
    };
    writeln!(
        out,
        "exported {} to {}",
        crate::plural::count(written, "message"),
        file.display()
    )?;
    Ok(ExitCode::SUCCESS)
}

/// Give `partial` the name `file` unless `file` exists, also one that appeared since the
/// check before the export: a hard link fails then. Where links are not supported (FAT,
/// some network file systems) it is renamed after one more check.
fn place_without_replacing(partial: &Path, file: &Path) -> std::io::Result<()> {
    match std::fs::hard_link(partial, file) {
        Ok(()) => std::fs::remove_file(partial),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(e),
        Err(_) if std::fs::symlink_metadata(file).is_ok() => {
            Err(std::io::ErrorKind::AlreadyExists.into())
        }
        Err(_) => std::fs::rename(partial, file),
    }
}

/// The messages `ids` as an mbox at `path`, created new and synced; how many were written.
async fn write_mbox_file(
    store: &crate::store::Store,
    ids: &[(crate::store::MessageId, u32, u64)],
    path: &Path,
) -> anyhow::Result<u64> {
    let created = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    let mut writer = std::io::BufWriter::new(created);
    let mut written = 0u64;
    for &(id, _, _) in ids {
        let (Some(raw), Some(summary)) = (store.raw(id).await?, store.summary(id).await?) else {
            continue;
        };
        let sender = match store.envelope(id).await? {
            Some(envelope) if !envelope.mail_from.is_empty() => envelope.mail_from,
            _ => summary.from_addr.clone().unwrap_or_default(),
        };
        // The store's flags travel as Status/X-Status, as mutt and Thunderbird keep them.
        let f = summary.flags;
        let flags = mailbox_io::MaildirFlags {
            seen: f.contains(Flags::SEEN),
            answered: f.contains(Flags::ANSWERED),
            flagged: f.contains(Flags::FLAGGED),
            draft: f.contains(Flags::DRAFT),
            trashed: f.contains(Flags::DELETED),
            passed: f.contains(Flags::FORWARDED),
        };
        let raw = mailbox_io::with_status(&raw, flags);
        mailbox_io::write_mbox(
            &mut writer,
            std::iter::once((sender.as_str(), summary.date, raw.as_slice())),
        )?;
        written += 1;
    }
    writer
        .into_inner()
        .map_err(|e| e.into_error())?
        .sync_all()?;
    Ok(written)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::place_without_replacing;

    #[test]
    fn an_export_takes_a_free_name_and_never_one_that_exists() {
        let dir = tempfile::tempdir().unwrap();
        let (partial, file) = (dir.path().join(".out.partial"), dir.path().join("out.mbox"));
        std::fs::write(&partial, "export").unwrap();
        std::fs::write(&file, "appeared meanwhile").unwrap();
        let refused = place_without_replacing(&partial, &file).unwrap_err();
        assert_eq!(refused.kind(), std::io::ErrorKind::AlreadyExists);
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            "appeared meanwhile"
        );
        std::fs::remove_file(&file).unwrap();
        place_without_replacing(&partial, &file).unwrap();
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "export");
        assert!(!partial.exists(), "the temporary name is gone");
    }
}
