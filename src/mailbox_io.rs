//! Import from mbox, Maildir and .eml files; export to mbox.
//!
//! Readers are streaming iterators: an mbox file is read line by line through a
//! `BufRead`, a directory is listed first and each file read when its turn comes. Every
//! message is checked to be mail ([`sniff`]); what is not is an error naming its source,
//! and what a directory walk leaves out on purpose is listed in [`ImportIter::skipped`].

mod maildir;
mod mbox;
mod sniff;
mod status;

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

pub use maildir::{MaildirFlags, is_maildir, maildir_flags};
pub use mbox::{MboxMessage, MboxReader, asctime, write_mbox, write_mbox_message};
pub use sniff::NotMail;
pub use status::{status_flags, with_status, without_status};

/// Errors reading or writing mailboxes.
#[derive(Debug, thiserror::Error)]
pub enum MailboxIoError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}: not an mbox file, Maildir, .eml file or directory of messages")]
    NotAMailbox(PathBuf),
    /// `origin` is the file, or `file#n` for the n-th message of an mbox.
    #[error("{origin}: not mail: {reason}")]
    NotMail { origin: String, reason: NotMail },
}

impl MailboxIoError {
    fn io(path: &Path, source: std::io::Error) -> Self {
        MailboxIoError::Io {
            path: path.to_owned(),
            source,
        }
    }
}

/// One message found by an importer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportItem {
    /// Where it came from: the file path, or `path#n` (n from 1) for the n-th mbox message.
    pub source: String,
    /// The message bytes. The file's bytes for .eml and Maildir; for mbox, the message
    /// with its `>From ` quoting undone and line endings made CRLF
    /// ([`crate::mail::canonical::canonical_crlf`]), since mbox stores LF by convention.
    /// In both, `Status:`/`X-Status:` fields are removed (their flags are in `flags`).
    pub raw: Vec<u8>,
    /// Maildir flags, with those of Status/X-Status fields added.
    pub flags: MaildirFlags,
    /// The envelope sender from the mbox `From ` separator line, if any.
    pub envelope_sender: Option<String>,
    /// When it was delivered into the mailbox it is read from, where the mailbox says:
    /// the mbox separator line's date, or a Maildir file name's leading seconds.
    pub delivered_at: Option<i64>,
}

/// A directory entry an import left out on purpose, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub path: PathBuf,
    pub why: &'static str,
}

/// What kind of mailbox a path holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailboxKind {
    Mbox,
    Maildir,
    /// A directory searched recursively for messages, mbox files and Maildirs.
    Directory,
    /// A single RFC 5322 message file.
    Eml,
}

/// Read every message under `path` (see [`detect`] for what is recognised).
pub fn read_path(path: &Path) -> Result<ImportIter, MailboxIoError> {
    let kind = detect(path)?;
    let mut iter = ImportIter {
        pending_files: Vec::new(),
        current_mbox: None,
        skipped: Vec::new(),
    };
    match kind {
        MailboxKind::Mbox => iter.current_mbox = Some(open_mbox(path)?),
        MailboxKind::Eml => iter.pending_files.push(PendingFile::eml(path)),
        MailboxKind::Maildir => iter.pending_files = maildir::list_with_subfolders(path)?,
        MailboxKind::Directory => {
            list_directory(path, &mut iter.pending_files, &mut iter.skipped)?;
        }
    }
    iter.pending_files.reverse();
    Ok(iter)
}

/// Read all of `path` into memory, stopping at the first error.
pub fn read_all(path: &Path) -> Result<Vec<ImportItem>, MailboxIoError> {
    read_path(path)?.collect()
}

/// Decide what `path` is: a directory with `cur/` or `new/` is a Maildir, any other
/// directory is searched; a file starting with `From ` is an mbox, any other file a
/// single message.
pub fn detect(path: &Path) -> Result<MailboxKind, MailboxIoError> {
    let meta = std::fs::metadata(path).map_err(|e| MailboxIoError::io(path, e))?;
    if meta.is_dir() {
        return Ok(if is_maildir(path) {
            MailboxKind::Maildir
        } else {
            MailboxKind::Directory
        });
    }
    if !meta.is_file() {
        return Err(MailboxIoError::NotAMailbox(path.to_owned()));
    }
    let head = read_head(path)?;
    Ok(if head.starts_with(b"From ") {
        MailboxKind::Mbox
    } else {
        MailboxKind::Eml
    })
}

fn read_head(path: &Path) -> Result<Vec<u8>, MailboxIoError> {
    let mut head = Vec::with_capacity(256);
    File::open(path)
        .and_then(|file| file.take(256).read_to_end(&mut head))
        .map_err(|e| MailboxIoError::io(path, e))?;
    Ok(head)
}

/// A file waiting to be read: a single message, an mbox to expand, or one already
/// judged from its first bytes not to be mail.
#[derive(Debug)]
struct PendingFile {
    path: PathBuf,
    flags: MaildirFlags,
    /// A Maildir file's delivery time, from its name.
    delivered_at: Option<i64>,
    kind: FileKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FileKind {
    Message,
    Mbox,
    NotMail(NotMail),
}

impl PendingFile {
    fn eml(path: &Path) -> Self {
        PendingFile {
            path: path.to_owned(),
            flags: MaildirFlags::default(),
            delivered_at: None,
            kind: FileKind::Message,
        }
    }
}

/// Streaming iterator over the messages of a mailbox.
pub struct ImportIter {
    /// Files still to read, last first.
    pending_files: Vec<PendingFile>,
    current_mbox: Option<MboxSource>,
    skipped: Vec<Skipped>,
}

impl ImportIter {
    /// What a directory walk left out on purpose (hidden files, links to directories, ...);
    /// complete from the start, since directories are listed before reading.
    pub fn skipped(&self) -> &[Skipped] {
        &self.skipped
    }
}

/// `raw` as an item from `source`, or why it is not mail. Flags a mail program kept in
/// Status/X-Status fields join `flags` and the fields are removed: flags live in the
/// store, and an exported message then imports back to the same bytes.
fn item(
    source: String,
    raw: Vec<u8>,
    flags: MaildirFlags,
    envelope_sender: Option<String>,
    delivered_at: Option<i64>,
) -> Result<ImportItem, MailboxIoError> {
    let kept = status::status_flags(&raw);
    let flags = MaildirFlags {
        seen: flags.seen || kept.seen,
        answered: flags.answered || kept.answered,
        flagged: flags.flagged || kept.flagged,
        draft: flags.draft || kept.draft,
        trashed: flags.trashed || kept.trashed,
        passed: flags.passed,
    };
    let raw = status::without_status(&raw);
    match sniff::check(&raw) {
        Ok(()) => Ok(ImportItem {
            source,
            raw,
            flags,
            envelope_sender,
            delivered_at,
        }),
        Err(reason) => Err(MailboxIoError::NotMail {
            origin: source,
            reason,
        }),
    }
}

struct MboxSource {
    path: PathBuf,
    reader: MboxReader<BufReader<File>>,
    index: usize,
}

fn open_mbox(path: &Path) -> Result<MboxSource, MailboxIoError> {
    let file = File::open(path).map_err(|e| MailboxIoError::io(path, e))?;
    Ok(MboxSource {
        path: path.to_owned(),
        reader: MboxReader::new(BufReader::new(file)),
        index: 0,
    })
}

impl Iterator for ImportIter {
    type Item = Result<ImportItem, MailboxIoError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(source) = &mut self.current_mbox {
                match source.reader.next() {
                    Some(Ok(message)) => {
                        source.index += 1;
                        return Some(item(
                            format!("{}#{}", source.path.display(), source.index),
                            message.raw,
                            MaildirFlags::default(),
                            message.envelope_sender,
                            message.delivered_at,
                        ));
                    }
                    Some(Err(e)) => {
                        let path = source.path.clone();
                        self.current_mbox = None;
                        return Some(Err(MailboxIoError::io(&path, e)));
                    }
                    None => self.current_mbox = None,
                }
            }
            let file = self.pending_files.pop()?;
            let source = file.path.display().to_string();
            return Some(match file.kind {
                FileKind::Mbox => {
                    match open_mbox(&file.path) {
                        Ok(source) => self.current_mbox = Some(source),
                        Err(e) => return Some(Err(e)),
                    }
                    continue;
                }
                FileKind::NotMail(reason) => Err(MailboxIoError::NotMail {
                    origin: source,
                    reason,
                }),
                FileKind::Message => match std::fs::read(&file.path) {
                    Ok(raw) => item(source, raw, file.flags, None, file.delivered_at),
                    Err(e) => Err(MailboxIoError::io(&file.path, e)),
                },
            });
        }
    }
}

/// Every file below `dir`, sorted by path: Maildirs are read as Maildirs, files starting
/// with `From ` as mbox, other files as single messages, unless their first line already
/// shows they are not mail (they become failures naming the reason, without being read
/// whole). Hidden entries, links to directories and special files go to `skipped`.
fn list_directory(
    dir: &Path,
    found: &mut Vec<PendingFile>,
    skipped: &mut Vec<Skipped>,
) -> Result<(), MailboxIoError> {
    for path in sorted_entries(dir)? {
        let mut skip = |why| {
            skipped.push(Skipped {
                path: path.clone(),
                why,
            })
        };
        let hidden = path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.') && !is_maildir(&path));
        if hidden {
            skip("hidden");
            continue;
        }
        // Symlinked directories are not followed: a link back up would never end.
        let is_link = std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink());
        if path.is_dir() {
            if is_link {
                skip("a link to a directory (not followed)");
            } else if is_maildir(&path) {
                found.extend(maildir::list(&path)?);
            } else {
                list_directory(&path, found, skipped)?;
            }
        } else if path.is_file() {
            let head = read_head(&path)?;
            let kind = if head.starts_with(b"From ") {
                FileKind::Mbox
            } else {
                match sniff::check_head(&head) {
                    Ok(()) => FileKind::Message,
                    Err(reason) => FileKind::NotMail(reason),
                }
            };
            found.push(PendingFile {
                kind,
                ..PendingFile::eml(&path)
            });
        } else {
            skip("not a regular file");
        }
    }
    Ok(())
}

/// The entries of a directory, sorted so imports are reproducible.
fn sorted_entries(dir: &Path) -> Result<Vec<PathBuf>, MailboxIoError> {
    let mut paths = std::fs::read_dir(dir)
        .map_err(|e| MailboxIoError::io(dir, e))?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| MailboxIoError::io(dir, e))?;
    paths.sort();
    Ok(paths)
}

#[cfg(test)]
mod tests;
