//! Replays the committed fuzz seeds (`fuzz/corpus/<target>/*`) through the same bodies the
//! cargo-fuzz binaries run (`postie::fuzzing`), so plain `cargo test` catches a change that
//! breaks an invariant on an input the fuzzer once found, without nightly or libFuzzer.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use postie::fuzzing::{TARGETS, target};

fn corpus_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus")
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    files
}

#[test]
fn every_target_has_seeds_and_every_seed_folder_a_target() {
    for t in TARGETS {
        let dir = corpus_root().join(t.name);
        assert!(
            dir.is_dir() && !files(&dir).is_empty(),
            "no seeds for {}",
            t.name
        );
    }
    for entry in std::fs::read_dir(corpus_root()).expect("fuzz/corpus exists") {
        let name = entry.expect("directory entry").file_name();
        let name = name.to_string_lossy();
        assert!(target(&name).is_some(), "fuzz/corpus/{name} has no target");
    }
}

#[test]
fn every_seed_passes_its_target() {
    let mut failures = Vec::new();
    let mut replayed = 0;
    for t in TARGETS {
        for path in files(&corpus_root().join(t.name)) {
            let data = std::fs::read(&path).expect("seed readable");
            if catch_unwind(AssertUnwindSafe(|| (t.body)(&data))).is_err() {
                failures.push(path.display().to_string());
            }
            replayed += 1;
        }
    }
    assert!(replayed > 0);
    assert!(failures.is_empty(), "seeds that fail: {failures:#?}");
}
