//! Test support: third-party programs the interop tests talk to. A missing one prints a
//! visible `SKIP:` line for a local `cargo test`; with `POSTIE_REQUIRE_PEERS=1` (set by
//! `.ci/run`) it fails the test instead, so CI proves the interop tests ran.

#![allow(dead_code, clippy::print_stderr)]

use std::path::PathBuf;

/// Report a missing peer: SKIP locally, a failure when peers are required.
pub fn skip(reason: &str) {
    if std::env::var_os("POSTIE_REQUIRE_PEERS").is_some_and(|v| v == "1") {
        panic!("required peer missing: {reason}");
    }
    eprintln!("SKIP: {reason}");
}

/// The first executable called `name` on PATH or in the usual system directories.
pub fn find(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .chain(["/usr/sbin", "/sbin", "/usr/lib/git-core"].map(PathBuf::from))
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// `find`, or [`skip`] with "NAME not installed".
pub fn require(name: &str) -> Option<PathBuf> {
    let found = find(name);
    if found.is_none() {
        skip(&format!("{name} not installed"));
    }
    found
}
