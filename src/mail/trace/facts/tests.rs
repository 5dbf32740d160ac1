//! Transport facts: TLS as the protocol says it, header-only reading, claims in order.

#![allow(clippy::unwrap_used)]

use super::*;

fn facts(header: &str) -> TransportFacts {
    transport_facts(format!("{header}Subject: x\r\n\r\nbody\r\n").as_bytes())
}

#[test]
fn tls_is_known_from_the_protocol_or_comments_and_otherwise_unknown() {
    let tls = |with: &str| {
        facts(&format!(
            "Received: from a.example (a.example [192.0.2.1]) by b.example with {with};\r\n \
             Tue, 1 Oct 2024 10:00:00 +0000\r\n"
        ))
        .hops[0]
            .tls
    };
    assert_eq!(tls("ESMTPS id 1"), Some(true));
    assert_eq!(tls("ESMTP id 1 (version=TLSv1.3 cipher=x)"), Some(true));
    assert_eq!(tls("ESMTP id 1"), Some(false));
    assert_eq!(tls("SMTP"), Some(false));
    assert_eq!(tls("ESMTPA"), Some(false));
    assert_eq!(tls("UTF8SMTP"), Some(false));
    assert_eq!(tls("LMTP"), None);
    assert_eq!(tls("HTTP"), None);
    // Exchange writes `(version=TLS1_2, cipher=...)` whenever it used TLS.
    assert_eq!(tls("Microsoft SMTP Server id 15.1.2"), Some(false));
}

#[test]
fn only_the_header_is_read() {
    let raw = b"Subject: x\r\n\r\nReceived: from a by b with SMTP; 1 Oct 2024 10:00 +0000\r\n";
    assert!(transport_facts(raw).is_empty());
    assert!(transport_facts(b"").is_empty());
    assert!(transport_facts(b"\xff\xfe\r\n\r\n").is_empty());
}

#[test]
fn chain_totals_skew_and_claims() {
    let f = facts(
        "Received: from b.example ([192.0.2.2]) by c.example with ESMTPS;\r\n \
         Tue, 1 Oct 2024 09:59:00 +0000\r\n\
         Authentication-Results: c.example; spf=pass smtp.mailfrom=x; dkim=fail\r\n\
         Authentication-Results: elsewhere.example; SPF=Pass; arc=none\r\n\
         Received: from a.example ([2001:db8::1]) by b.example with ESMTP;\r\n \
         Tue, 1 Oct 2024 10:00:00 +0000\r\n",
    );
    assert_eq!(f.hops.len(), 2);
    assert_eq!(f.hops[0].ip, Some("2001:db8::1".parse().unwrap()));
    assert_eq!(f.hops[0].from_host.as_deref(), Some("a.example"));
    assert_eq!(f.hops[1].delay_ms, Some(-60_000));
    assert_eq!(f.total_transit_ms, Some(-60_000));
    assert!(f.skew);
    assert_eq!(f.auth_claims, vec!["arc=none", "dkim=fail", "spf=pass"]);
}

#[test]
fn the_header_ends_at_the_first_empty_line_in_either_line_ending() {
    // The sliding-window definition it replaced, on every string of up to 7 bytes.
    fn by_windows(raw: &[u8]) -> &[u8] {
        let end = raw
            .windows(2)
            .position(|w| w == b"\n\n")
            .map(|i| i + 1)
            .into_iter()
            .chain(raw.windows(4).position(|w| w == b"\r\n\r\n").map(|i| i + 2))
            .min();
        end.map_or(raw, |end| &raw[..end])
    }
    let alphabet = [b'\r', b'\n', b'a'];
    for len in 0..=7u32 {
        for n in 0..3usize.pow(len) {
            let raw: Vec<u8> = (0..len).map(|i| alphabet[n / 3usize.pow(i) % 3]).collect();
            assert_eq!(header_part(&raw), by_windows(&raw), "{raw:?}");
        }
    }
}

#[test]
fn the_newest_dated_received_field_says_when_the_message_last_arrived() {
    let raw = b"Received: by local.example (sendmail, from userid 1000)\r\n\
        Received: from a.example (a.example [192.0.2.1]) by b.example with ESMTP id 1;\r\n\
        \tTue, 1 Oct 2024 12:00:00 +0200\r\n\
        Received: from c.example by a.example with SMTP; Tue, 1 Oct 2024 09:59:00 +0000\r\n\
        Subject: s\r\n\r\nReceived: from body.example; Wed, 2 Oct 2024 10:00:00 +0000\r\n";
    // The first field has no date; the next one's is 10:00 UTC; the body is not read.
    assert_eq!(newest_received_at(raw), Some(1_727_776_800));
    assert_eq!(newest_received_at(b"Subject: s\r\n\r\nx"), None);
    assert_eq!(newest_received_at(b""), None);
}
