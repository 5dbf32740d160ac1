//! The shared real-world corpus as (name, raw bytes) pairs: `../shared/corpus` beside the
//! crate, or the folder `POSTIE_CORPUS` names (a worktree that has no `../shared`).
//! Absent, tests skip visibly (fail with `POSTIE_REQUIRE_PEERS=1`, see `peers.rs`).
#![allow(dead_code, clippy::unwrap_used, clippy::print_stderr)]

use std::path::{Path, PathBuf};

use postie::mailbox_io::MboxReader;

/// Where the corpus is, if it is there.
pub fn corpus_dir() -> Option<PathBuf> {
    let root = std::env::var_os("POSTIE_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus")));
    if root.is_dir() {
        Some(root)
    } else {
        crate::peers::skip("../shared/corpus not found (set POSTIE_CORPUS to its folder)");
        None
    }
}

/// Every message of the corpus as (relative name, raw bytes); an mbox is split, its
/// messages named `file.mbox#N`.
pub fn corpus_messages() -> Option<Vec<(String, Vec<u8>)>> {
    let root = corpus_dir()?;
    let mut files = Vec::new();
    walk(&root, &mut files);
    files.sort();
    let mut messages = Vec::new();
    for path in files {
        let name = path.strip_prefix(&root).unwrap().display().to_string();
        let raw = std::fs::read(&path).unwrap();
        if name.ends_with(".mbox") {
            for (i, message) in MboxReader::new(raw.as_slice()).enumerate() {
                messages.push((format!("{name}#{}", i + 1), message.unwrap().raw));
            }
        } else {
            messages.push((name, raw));
        }
    }
    assert!(
        !messages.is_empty(),
        "corpus present but no message files found"
    );
    Some(messages)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if path.is_dir() {
            walk(&path, out);
        } else if !(name == "INDEX.tsv"
            || name == "PROVENANCE.md"
            || name.starts_with("COPYING")
            || name.starts_with("README"))
        {
            out.push(path);
        }
    }
}
