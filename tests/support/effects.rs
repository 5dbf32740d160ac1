//! Test support for the TUI's effect runner: a real store in a temp dir, the runner over
//! it, and helpers to file messages and read fixtures.

#![allow(dead_code, clippy::unwrap_used)]

use postie::config::{AccountConfig, Config};
use postie::routing::Router;
use postie::store::{Flags, Mailbox, NewMessage, Role, Store};
use postie::tui::effects::Runner;
use std::sync::Arc;

pub struct Fixture {
    pub _dir: tempfile::TempDir,
    pub store: Store,
    pub runner: Runner,
    pub account: i64,
}

pub async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("t.db")).unwrap();
    let alice = AccountConfig {
        name: "alice".into(),
        addresses: vec!["alice@localhost".into()],
        ..AccountConfig::default()
    };
    let config = Config {
        accounts: vec![alice.clone()],
        ..Config::default()
    };
    let router = Arc::new(Router::load(&store, &config).await.unwrap());
    let account = router.account("alice").unwrap().id;
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let runner = Runner {
        store: store.clone(),
        router,
        account_id: account,
        account: alice,
        tx,
        config_file: dir.path().join("config.toml"),
        data_dir: dir.path().to_path_buf(),
        smtp_ports: vec!["127.0.0.1:2525".into()],
        opener: String::new(),
        contacts: Default::default(),
        accounts: vec![("alice".into(), account)],
    };
    Fixture {
        _dir: dir,
        store,
        runner,
        account,
    }
}

pub async fn inbox_message(f: &Fixture, raw: &[u8]) -> i64 {
    let inbox = mailbox(f, Role::Inbox).await.id;
    let m = NewMessage {
        mailbox_id: inbox,
        raw: raw.to_vec(),
        flags: Flags::empty(),
        received_at: chrono::Utc::now().timestamp(),
        envelope: None,
    };
    f.store.insert(m, false).await.unwrap().id
}

pub fn fixture_file(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/tui/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// The account's mailbox with `role`.
pub async fn mailbox(f: &Fixture, role: Role) -> Mailbox {
    f.store.mailbox_by_role(f.account, role).await.unwrap()
}
