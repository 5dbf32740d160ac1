//! The routing decision: classes, postmaster, bare names, the router built from a store.

#![allow(clippy::unwrap_used)]

use super::*;
use crate::config::AccountConfig;

fn config() -> Config {
    Config {
        accounts: vec![
            AccountConfig {
                name: "me".into(),
                addresses: vec!["me@home.test".into(), "me@localhost".into()],
                ..AccountConfig::default()
            },
            AccountConfig {
                name: "other".into(),
                addresses: vec!["other@elsewhere.test".into()],
                ..AccountConfig::default()
            },
        ],
        ..Config::default()
    }
}

async fn router() -> (tempfile::TempDir, Store, Router) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("r.db")).unwrap();
    let router = Router::load(&store, &config()).await.unwrap();
    (dir, store, router)
}

#[tokio::test]
async fn load_creates_every_account_and_knows_its_inbox() {
    let (_dir, store, router) = router().await;
    for name in ["me", "OTHER"] {
        let account = router.account(name).unwrap();
        let inbox = store
            .mailbox_by_role(account.id, Role::Inbox)
            .await
            .unwrap();
        assert_eq!(account.inbox, inbox.id);
    }
}

#[tokio::test]
async fn addresses_classify_as_local_unknown_or_remote() {
    let (_dir, _store, router) = router().await;
    let local = |account: &str| RecipientClass::Local {
        account: account.into(),
    };
    assert_eq!(router.classify("Me@Home.Test"), local("me"));
    assert_eq!(router.classify("<other@elsewhere.test>"), local("other"));
    assert_eq!(router.classify("me+tag@home.test"), local("me"));
    assert_eq!(
        router.classify("nobody@home.test"),
        RecipientClass::UnknownLocalUser
    );
    assert_eq!(router.classify("x@remote.example"), RecipientClass::Remote);
}

#[tokio::test]
async fn postmaster_reaches_the_first_account_bare_or_in_a_local_domain() {
    let (_dir, _store, router) = router().await;
    let first = RecipientClass::Local {
        account: "me".into(),
    };
    assert_eq!(router.classify("Postmaster"), first);
    assert_eq!(router.classify("postmaster@elsewhere.test"), first);
    assert_eq!(
        router.classify("postmaster@remote.example"),
        RecipientClass::Remote
    );
}

#[tokio::test]
async fn bare_login_names_get_the_first_accounts_domain() {
    let (_dir, _store, router) = router().await;
    assert_eq!(router.origin(), "home.test");
    assert_eq!(router.qualify("me"), "me@home.test");
    assert_eq!(router.qualify(" <root> "), "root@home.test");
    assert_eq!(router.qualify("x@remote.example"), "x@remote.example");
}

#[tokio::test]
async fn configured_local_domains_replace_the_inferred_ones() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("r.db")).unwrap();
    let mut config = config();
    // me@home.test is hosted elsewhere: other home.test addresses are relayed.
    config.local_domains = Some(vec!["localhost".into()]);
    let router = Router::load(&store, &config).await.unwrap();
    assert_eq!(router.classify("friend@home.test"), RecipientClass::Remote);
    assert_eq!(
        router.classify("me@home.test"),
        RecipientClass::Local {
            account: "me".into()
        }
    );
    assert_eq!(
        router.classify("nobody@localhost"),
        RecipientClass::UnknownLocalUser
    );
}
