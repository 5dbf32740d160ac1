//! Corpus test: the real mail of ../shared/corpus (or `POSTIE_CORPUS`) is filed, and each
//! transport-fact search finds exactly the messages the trace analysis of their raw bytes
//! says it should, so the stored facts and their SQL agree with `postie trace`.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

#[path = "support/corpus.rs"]
mod corpus;
#[path = "support/peers.rs"]
mod peers;

use std::collections::BTreeSet;

use postie::mail::trace::{HopFlag, Trace, TraceContext, analyse};
use postie::store::{Flags, NewMessage, Role, SearchQuery, Store};

type Oracle = fn(&Trace) -> bool;

fn claims(t: &Trace, method: &str, result: &str) -> bool {
    t.auth_results
        .iter()
        .flat_map(|ar| &ar.results)
        .any(|r| r.method == method && r.result == result)
}

#[tokio::test]
async fn transport_searches_agree_with_the_trace_of_each_message() {
    let Some(messages) = corpus::corpus_messages() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("postie.db")).unwrap();
    let account = store.ensure_account("me", None).await.unwrap();
    let inbox = store
        .mailbox_by_role(account, Role::Inbox)
        .await
        .unwrap()
        .id;
    let mut traces = Vec::new();
    for (_, raw) in &messages {
        let inserted = store
            .insert(
                NewMessage {
                    mailbox_id: inbox,
                    raw: raw.clone(),
                    flags: Flags::empty(),
                    received_at: 0,
                    envelope: None,
                },
                false,
            )
            .await
            .unwrap();
        let stored = store.raw(inserted.id).await.unwrap().unwrap();
        traces.push((inserted.id, analyse(&stored, &TraceContext::default())));
    }
    let cases: &[(&str, Oracle)] = &[
        ("hop.tls:yes", |t| {
            t.hops.iter().any(|h| h.hop.protocol_flags.tls)
        }),
        ("skew:yes", |t| {
            t.hops.iter().any(|h| h.flags.contains(&HopFlag::ClockSkew))
        }),
        ("transit>1d", |t| {
            t.total_transit_ms.is_some_and(|ms| ms > 86_400_000)
        }),
        ("transit<1m", |t| {
            t.total_transit_ms.is_some_and(|ms| ms < 60_000)
        }),
        ("hop.delay>1h", |t| {
            t.hops
                .iter()
                .any(|h| h.delay_ms.is_some_and(|d| d > 3_600_000))
        }),
        ("hop.ip:10.0.0.0/8", |t| {
            t.hops
                .iter()
                .any(|h| matches!(h.hop.ip, Some(std::net::IpAddr::V4(ip)) if ip.octets()[0] == 10))
        }),
        ("hop.ip:2000::/3", |t| {
            t.hops.iter().any(|h| {
                matches!(h.hop.ip, Some(std::net::IpAddr::V6(ip)) if ip.segments()[0] >> 13 == 1)
            })
        }),
        ("hop.from:google", |t| {
            t.hops.iter().any(|h| {
                [&h.hop.from, &h.hop.helo, &h.hop.rdns].iter().any(|n| {
                    n.as_deref()
                        .is_some_and(|n| n.to_ascii_lowercase().contains("google"))
                })
            })
        }),
        ("auth.dkim:pass", |t| claims(t, "dkim", "pass")),
        ("auth.spf:fail", |t| claims(t, "spf", "fail")),
        ("auth.dmarc:pass", |t| claims(t, "dmarc", "pass")),
    ];
    let mut wrong = Vec::new();
    for (q, oracle) in cases {
        let expected: BTreeSet<i64> = traces
            .iter()
            .filter(|(_, t)| oracle(t))
            .map(|(id, _)| *id)
            .collect();
        let found: BTreeSet<i64> = store
            .search(account, SearchQuery::parse(q).unwrap(), 100_000)
            .await
            .unwrap()
            .iter()
            .map(|m| m.id)
            .collect();
        eprintln!("{q}: {} of {} messages", found.len(), traces.len());
        if found != expected {
            let missing: Vec<_> = expected.difference(&found).take(5).collect();
            let extra: Vec<_> = found.difference(&expected).take(5).collect();
            wrong.push(format!("{q}: missing {missing:?}, extra {extra:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
