//! Import from mbox, Maildir and .eml files; export to mbox (interim minimal version).

use std::io::{self, Write};
use std::path::Path;

/// One message found while reading a path.
#[derive(Debug, Clone)]
pub struct ImportItem {
    pub source: String,
    pub raw: Vec<u8>,
    pub seen: bool,
    pub answered: bool,
    pub flagged: bool,
    pub draft: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum MailboxIoError {
    #[error("{path}: {source}")]
    Io { path: String, source: io::Error },
}

/// Read every message under `path` (mbox file, Maildir, folder of .eml, single .eml).
pub fn read_path(path: &Path) -> Result<Vec<ImportItem>, MailboxIoError> {
    let io_err = |source| MailboxIoError::Io {
        path: path.display().to_string(),
        source,
    };
    if path.is_dir() {
        let mut entries: Vec<_> = std::fs::read_dir(path)
            .map_err(io_err)?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .collect();
        entries.sort();
        let mut out = Vec::new();
        for entry in entries {
            out.extend(read_path(&entry)?);
        }
        return Ok(out);
    }
    let bytes = std::fs::read(path).map_err(io_err)?;
    let source = path.display().to_string();
    if bytes.starts_with(b"From ") {
        let mut out = Vec::new();
        let mut current: Vec<u8> = Vec::new();
        for line in bytes.split_inclusive(|b| *b == b'\n') {
            if line.starts_with(b"From ") {
                if !current.is_empty() {
                    out.push(item(
                        format!("{source}#{}", out.len() + 1),
                        std::mem::take(&mut current),
                    ));
                }
                continue;
            }
            let unquoted = if line.starts_with(b">") {
                let stripped = &line[1..];
                if stripped.trim_start_matches_gt().starts_with(b"From ") {
                    stripped
                } else {
                    line
                }
            } else {
                line
            };
            current.extend_from_slice(unquoted);
        }
        if !current.is_empty() {
            out.push(item(format!("{source}#{}", out.len() + 1), current));
        }
        return Ok(out);
    }
    Ok(vec![item(source, bytes)])
}

trait TrimGt {
    fn trim_start_matches_gt(&self) -> &[u8];
}
impl TrimGt for [u8] {
    fn trim_start_matches_gt(&self) -> &[u8] {
        let n = self.iter().take_while(|b| **b == b'>').count();
        &self[n..]
    }
}

fn item(source: String, raw: Vec<u8>) -> ImportItem {
    ImportItem {
        source,
        raw,
        seen: false,
        answered: false,
        flagged: false,
        draft: false,
    }
}

/// Write messages as mboxrd.
pub fn write_mbox<'a, W: Write>(
    w: &mut W,
    messages: impl Iterator<Item = (&'a str, i64, &'a [u8])>,
) -> io::Result<()> {
    for (sender, date, raw) in messages {
        let when = chrono::DateTime::from_timestamp(date, 0).unwrap_or_default();
        writeln!(
            w,
            "From {} {}",
            if sender.is_empty() {
                "MAILER-DAEMON"
            } else {
                sender
            },
            when.format("%a %b %e %H:%M:%S %Y")
        )?;
        let text = crate::mail::canonical_crlf(raw);
        for line in text.split(|b| *b == b'\n') {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.trim_start_matches_gt().starts_with(b"From ") {
                w.write_all(b">")?;
            }
            w.write_all(line)?;
            w.write_all(b"\n")?;
        }
    }
    Ok(())
}
