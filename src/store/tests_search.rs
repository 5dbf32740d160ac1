//! Search through the store: full text with filters, our verdicts kept with the
//! envelope, and counting matches up to a cap.

#![allow(clippy::unwrap_used)]

use super::tests::{inbox, message, new, temp_store};
use super::*;

#[tokio::test]
async fn search_combines_full_text_and_filters() {
    let (_dir, store) = temp_store();
    let (account, inbox) = inbox(&store).await;
    store
        .insert(new(inbox, message("Quarterly report", "q@x", "")), false)
        .await
        .unwrap();
    let seen = store
        .insert(new(inbox, message("Holiday photos", "h@x", "")), false)
        .await
        .unwrap();
    store
        .update_flags(vec![seen.id], Flags::SEEN, Flags::empty())
        .await
        .unwrap();
    let run = |q: &str| {
        let (store, q) = (store.clone(), SearchQuery::parse(q).unwrap());
        async move {
            store
                .search(account, q, 50)
                .await
                .unwrap()
                .into_iter()
                .map(|m| m.subject)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(run("quarterly").await, vec!["Quarterly report"]);
    assert_eq!(run("subject:holiday").await, vec!["Holiday photos"]);
    assert_eq!(run("from:bob is:unread").await, vec!["Quarterly report"]);
    assert_eq!(
        run("body folder:inbox is:read").await,
        vec!["Holiday photos"]
    );
    assert!(run("after:2030-01-01").await.is_empty());
    assert_eq!(run("before:2030-01-01").await.len(), 2);
    assert!(run("\"no such words\"").await.is_empty());
    assert!(SearchQuery::parse("before:yesterday").is_err());
    // The operators, over full text and filters alike.
    let mut both = run("quarterly OR holiday").await;
    both.sort();
    assert_eq!(both, vec!["Holiday photos", "Quarterly report"]);
    assert_eq!(run("-quarterly").await, vec!["Holiday photos"]);
    assert_eq!(run("NOT is:read").await, vec!["Quarterly report"]);
    assert_eq!(
        run("(is:read OR subject:quarterly) -subject:quarterly").await,
        vec!["Holiday photos"]
    );
    assert_eq!(run("size:>1 size:<1M").await.len(), 2);
    assert!(run("size:>1M").await.is_empty());
    assert_eq!(run("after:-3650d").await.len(), 2);
    store
        .insert(
            new(
                inbox,
                message("Release", "r@x", "List-Id: Rust <users.rust-lang.org>"),
            ),
            false,
        )
        .await
        .unwrap();
    assert_eq!(run("list:rust-lang").await, vec!["Release"]);
    assert_eq!(run("-list:rust-lang").await.len(), 2);
}

#[tokio::test]
async fn search_reads_our_verdicts_kept_with_the_envelope() {
    let (_dir, store) = temp_store();
    let (account, inbox) = inbox(&store).await;
    for (subject, summary) in [
        ("Forged", Some("spf=fail dkim=none dmarc=fail arc=none")),
        ("Genuine", Some("spf=pass dkim=pass dmarc=pass arc=none")),
        ("Written here", None),
    ] {
        let raw = crate::mail::canonical_crlf(&message(subject, &format!("{subject}@x"), ""));
        store
            .submit(Submission {
                raw,
                envelope: Envelope {
                    mail_from: "bob@example.org".into(),
                    auth_summary: summary.map(String::from),
                    auth_verdicts: summary.map(|_| "{}".to_string()),
                    ..Envelope::default()
                },
                local: vec![inbox.into()],
                source: "smtp".into(),
                ..Submission::default()
            })
            .await
            .unwrap();
    }
    let run = |q: &str| {
        let (store, q) = (store.clone(), SearchQuery::parse(q).unwrap());
        async move {
            let mut found: Vec<_> = store
                .search(account, q, 50)
                .await
                .unwrap()
                .into_iter()
                .map(|m| m.subject)
                .collect();
            found.sort();
            found
        }
    };
    assert_eq!(run("auth:dmarc=fail").await, vec!["Forged"]);
    assert_eq!(run("auth:DKIM=pass").await, vec!["Genuine"]);
    assert_eq!(
        run("auth:spf=pass auth:dmarc=fail").await,
        Vec::<String>::new()
    );
    assert_eq!(run("auth:unverified").await, vec!["Written here"]);
    assert_eq!(run("auth:arc=none").await, vec!["Forged", "Genuine"]);
    // A method or result we do not write is an error, not an empty result.
    assert!(SearchQuery::parse("auth:dmarc=maybe").is_err());
    assert!(SearchQuery::parse("auth:iprev=pass").is_err());
}

#[tokio::test]
async fn matches_are_counted_with_filters_and_up_to_a_cap() {
    let (_dir, store) = temp_store();
    let (account, inbox) = inbox(&store).await;
    for n in 0..7 {
        let extra = if n % 2 == 0 { "" } else { "X-Note: odd\n" };
        let inserted = store
            .insert(
                new(
                    inbox,
                    message(&format!("report {n}"), &format!("r{n}@x"), extra),
                ),
                false,
            )
            .await
            .unwrap();
        if n < 3 {
            store
                .update_flags(vec![inserted.id], Flags::SEEN, Flags::empty())
                .await
                .unwrap();
        }
    }
    let count = |q: &str, cap: u64| {
        let (store, q) = (store.clone(), SearchQuery::parse(q).unwrap());
        async move { store.count_matches(account, q, cap).await.unwrap() }
    };
    assert_eq!(count("report", 100).await, Some(7));
    assert_eq!(count("report is:unread", 100).await, Some(4));
    assert_eq!(
        count("report folder:inbox", 100).await,
        Some(7),
        "mailbox names join"
    );
    assert_eq!(
        count("report", 7).await,
        Some(7),
        "exactly the cap is a count"
    );
    assert_eq!(count("report", 6).await, None, "beyond the cap");
    assert_eq!(count("nothing-like-this", 10).await, Some(0));
    // Text alone in the only account is counted by the index; with a second account the
    // index holds its mail too, and each account still counts only its own.
    let bob = store.ensure_account("bob", None).await.unwrap();
    let bobs_inbox = store.mailbox_by_role(bob, Role::Inbox).await.unwrap().id;
    for n in 0..3 {
        let raw = message(&format!("report b{n}"), &format!("b{n}@x"), "");
        store.insert(new(bobs_inbox, raw), false).await.unwrap();
    }
    assert_eq!(count("report", 100).await, Some(7));
    let q = SearchQuery::parse("report").unwrap();
    assert_eq!(store.count_matches(bob, q, 100).await.unwrap(), Some(3));
}
