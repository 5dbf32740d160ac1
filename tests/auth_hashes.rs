//! Stored password hashes that are not the policy's: one above a worker's 19 MiB still
//! lets its owner log in (checked in the spill block) and `postie doctor` suggests
//! rewriting it; one beyond the ceiling never verifies and doctor fails it.

#![allow(clippy::unwrap_used, clippy::print_stderr)]

#[path = "support/node.rs"]
mod support;

use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
use argon2::{Algorithm, Argon2, Params, Version};
use postie::store::Store;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::Path;
use support::{ServeProcess, postie_with_stdin, test_home};

fn argon2id(password: &str, m_kib: u32, t: u32) -> String {
    let params = Params::new(m_kib, t, 1, None).unwrap();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password(password.as_bytes(), &SaltString::generate(&mut OsRng))
        .unwrap()
        .to_string()
}

/// Put `hash` in alice's account as a foreign tool (or an older postie) would have.
fn store_hash(home: &Path, hash: &str) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let store = Store::open(&home.join("data/postie.db")).unwrap();
        store.ensure_account("alice", None).await.unwrap();
        store.set_password_hash("alice", hash).await.unwrap();
    });
}

fn doctor(home: &Path) -> String {
    let out = postie_with_stdin(home, &["doctor", "--offline"], b"");
    String::from_utf8(out.stdout).unwrap()
}

fn pop3_login(addr: std::net::SocketAddr, password: &str) -> String {
    let stream = TcpStream::connect(addr).unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    for command in ["USER alice".to_string(), format!("PASS {password}")] {
        line.clear();
        write!(writer, "{command}\r\n").unwrap();
        reader.read_line(&mut line).unwrap();
    }
    line
}

#[test]
fn a_hash_above_the_policy_logs_in_and_doctor_suggests_rewriting_it() {
    let home = test_home();
    std::fs::create_dir_all(home.path().join("data")).unwrap();
    store_hash(home.path(), &argon2id("big secret", 32 * 1024, 1));
    let report = doctor(home.path());
    assert!(
        report.contains("[WARN] auth: alice's password hash needs 32 MiB")
            && report.contains("fix: postie passwd alice"),
        "{report}"
    );

    let node = ServeProcess::start(home.path());
    let pop3 = node.addr("pop3").unwrap();
    assert!(pop3_login(pop3, "big secret").starts_with("+OK"));
    assert!(pop3_login(pop3, "big secreT").starts_with("-ERR"));
    node.stop();
}

#[test]
fn a_hash_beyond_the_ceiling_never_verifies_and_doctor_fails_it() {
    let home = test_home();
    std::fs::create_dir_all(home.path().join("data")).unwrap();
    // Cheap to make, but 100 passes is beyond what one check may cost.
    store_hash(home.path(), &argon2id("slow secret", 64, 100));
    let report = doctor(home.path());
    assert!(
        report.contains("[FAIL] auth: alice's password hash cannot be checked")
            && report.contains("fix: postie passwd alice"),
        "{report}"
    );
    let node = ServeProcess::start(home.path());
    let pop3 = node.addr("pop3").unwrap();
    assert!(pop3_login(pop3, "slow secret").starts_with("-ERR"));
    node.stop();
}
