//! Unit tests for the trace parsers: one regression test per pitfall in the research notes
//! (§1d of received-chains.md), the odd dates of §3h, and the chain arithmetic.
#![allow(clippy::unwrap_used)]

use super::*;

fn utc(hop: &Hop) -> String {
    hop.date.map(|d| d.utc.to_rfc3339()).unwrap_or_default()
}

#[test]
fn pitfall1_keywords_inside_comments_are_not_clauses() {
    let hop = parse_received("(qmail 47739 invoked by uid 1001); 5 Sep 2002 02:25:41 -0000");
    assert_eq!(hop.by, None);
    assert_eq!(hop.from, None);
    assert_eq!(utc(&hop), "2002-09-05T02:25:41+00:00");
    assert_eq!(
        hop.date.unwrap().offset_minutes,
        None,
        "-0000 means unknown zone"
    );
}

#[test]
fn pitfall2_exchange_id_is_not_an_ip() {
    let hop = parse_received(
        "from a.example (10.0.0.1) by b.example (10.0.0.2) with Microsoft SMTP Server id 15.1.225.42; Mon, 1 Oct 2018 09:49:21 +0000",
    );
    assert_eq!(hop.id.as_deref(), Some("15.1.225.42"));
    assert_eq!(hop.ip.unwrap().to_string(), "10.0.0.1");
    assert_eq!(hop.by_ip.unwrap().to_string(), "10.0.0.2");
}

#[test]
fn pitfall3_go_date_without_semicolon_is_found() {
    let hop = parse_received(
        "by filter0652p1las1.sendgrid.net with SMTP id abc 2018-03-26 13:35:36.270951634 +0000 UTC m=+555016.724468750",
    );
    assert_eq!(hop.id.as_deref(), Some("abc"));
    assert_eq!(utc(&hop), "2018-03-26T13:35:36.270951634+00:00");
    assert_eq!(hop.date.unwrap().offset_minutes, Some(0));
}

#[test]
fn pitfall4_text_after_the_date_is_ignored_and_read() {
    let hop = parse_received(
        "from a (b [192.0.2.1]) by c with ESMTP id x; Sun, 1 Apr 2018 03:01:53 -0400 (envelope-from <s@example.org>)",
    );
    assert_eq!(utc(&hop), "2018-04-01T07:01:53+00:00");
    assert_eq!(hop.envelope_from.as_deref(), Some("s@example.org"));
    let hop = parse_received(
        "from a (127.0.0.1) by 127.0.0.1 (EzMTS) ; Thu, 20 Mar 03 10:06:43 +0100 for <asrg@ietf.org>",
    );
    assert_eq!(utc(&hop), "2003-03-20T09:06:43+00:00");
    assert_eq!(hop.for_addr.as_deref(), Some("asrg@ietf.org"));
}

#[test]
fn pitfall5_comment_between_semicolon_and_date() {
    let hop = parse_received(
        "from x (192.155.248.67) by y with IBM ESMTP SMTP Gateway: Authorized Use Only! Violators will be prosecuted; (version=TLSv1/SSLv3 cipher=AES128-GCM-SHA256 bits=128/128) Wed, 8 Mar 2017 11:46:17 -0500",
    );
    assert_eq!(utc(&hop), "2017-03-08T16:46:17+00:00");
    assert_eq!(hop.tls_version.as_deref(), Some("TLSv1/SSLv3"));
    assert_eq!(hop.tls_cipher.as_deref(), Some("AES128-GCM-SHA256"));
}

#[test]
fn pitfall6_folding_inside_the_date() {
    for value in [
        "by x with ESMTP id 1; Mon, 01 Apr 2024\r\n 01:02:19 GMT",
        "by x with ESMTP id 1; Mon,\n 01 Apr 2024 01:02:19 +0000",
        "by x with ESMTP id 1;\r\n\tMon, 01 Apr 2024 01:02:19 +0000",
    ] {
        assert_eq!(
            utc(&parse_received(value)),
            "2024-04-01T01:02:19+00:00",
            "{value:?}"
        );
    }
}

#[test]
fn pitfall7_obsolete_date_forms() {
    let cases = [
        (
            "Wed, 26 Mar 03 20:43:24 -0600",
            "2003-03-27T02:43:24+00:00",
            Some(-360),
        ),
        (
            "Tue, 8 Oct 91 07:29:39 PDT",
            "1991-10-08T14:29:39+00:00",
            Some(-420),
        ),
        (
            "Sun Nov 13 14:50:12 2005",
            "2005-11-13T14:50:12+00:00",
            None,
        ),
        (
            "Fri Feb 07 10:18:12 2003 -0800",
            "2003-02-07T18:18:12+00:00",
            Some(-480),
        ),
        (
            "3 Jul 2002 15:43:50 UT",
            "2002-07-03T15:43:50+00:00",
            Some(0),
        ),
        (
            "17 Jan 2011 08:23:27 -0800 PST",
            "2011-01-17T16:23:27+00:00",
            Some(-480),
        ),
        ("30 Apr 2003 15:06:29", "2003-04-30T15:06:29+00:00", None),
        (
            "Thu, 1 Jan 49 00:00:00 +0000",
            "2049-01-01T00:00:00+00:00",
            Some(0),
        ),
        (
            "Thu, 1 Jan 50 00:00:00 +0000",
            "1950-01-01T00:00:00+00:00",
            Some(0),
        ),
        (
            "Mon, 1 Jan 2001 10:00:00 Q",
            "2001-01-01T10:00:00+00:00",
            None,
        ),
    ];
    for (text, want, offset) in cases {
        let date = parse_date(text).unwrap_or_else(|| panic!("{text}"));
        assert_eq!(date.utc.to_rfc3339(), want, "{text}");
        assert_eq!(date.offset_minutes, offset, "{text}");
    }
}

#[test]
fn pitfall8_fractional_seconds_are_kept() {
    let date = parse_date("Mon, 26 Mar 2018 13:35:36.102 +0000 (UTC)").unwrap();
    assert_eq!(date.utc.timestamp_subsec_millis(), 102);
    assert_eq!(date.utc.to_rfc3339(), "2018-03-26T13:35:36.102+00:00");
}

#[test]
fn pitfall9_forged_literal_in_helo_loses_to_the_server_comment() {
    let hop = parse_received(
        "from x([203.0.113.5]) (unknown [198.51.100.7]) by mx.example with ESMTP id 1; Mon, 1 Oct 2018 09:49:21 +0000",
    );
    assert_eq!(hop.ip.unwrap().to_string(), "198.51.100.7");
    assert_eq!(hop.rdns, None);
}

#[test]
fn pitfall10_utc_in_a_host_name_is_left_alone() {
    let hop = parse_received(
        "from utc.example (utcmail.example [192.0.2.9]) by mx.utc.example with ESMTP id UTC1; Mon, 1 Oct 2018 09:49:21 UTC",
    );
    assert_eq!(hop.helo.as_deref(), Some("utc.example"));
    assert_eq!(hop.rdns.as_deref(), Some("utcmail.example"));
    assert_eq!(hop.by.as_deref(), Some("mx.utc.example"));
    assert_eq!(hop.id.as_deref(), Some("UTC1"));
    assert_eq!(hop.date.unwrap().offset_minutes, Some(0));
}

#[test]
fn pitfall11_forged_lower_hop_is_a_claim_below_the_boundary() {
    let raw = include_bytes!("../../../tests/fixtures/trace/spamassassin_spam_012.eml");
    let ours = TraceContext {
        local_hostnames: vec!["B.MX.SONIC.NET".into()],
        local_authserv_ids: vec![],
    };
    let trace = analyse(raw, &ours);
    assert_eq!(trace.hops.len(), 2);
    assert_eq!(trace.hops[1].trust, Trust::Observed);
    assert_eq!(trace.trust_boundary, Some(0));
    assert_eq!(trace.hops[0].trust, Trust::Boundary);
    // A lower hop naming "our" host is as forgeable as any other: it earns no trust.
    let forged = TraceContext {
        local_hostnames: vec!["mail1.paypal.com".into()],
        local_authserv_ids: vec![],
    };
    let trace = analyse(raw, &forged);
    assert_eq!(trace.trust_boundary, None);
    assert!(trace.hops.iter().all(|h| h.trust == Trust::Claimed));
    assert_eq!(trace.hops[1].delay_ms, Some(-50_147_000));
    assert!(trace.hops[1].flags.contains(&HopFlag::ClockSkew));
}

#[test]
fn date_is_after_the_last_top_level_semicolon_only() {
    let hop = parse_received(
        "from a ([23.128.96.19]:56774) by vger.kernel.org with ESMTP id S1 (ORCPT <rfc822;x@y>); Thu, 18 May 2023 17:53:54 -0400",
    );
    assert_eq!(utc(&hop), "2023-05-18T21:53:54+00:00");
    assert_eq!(
        hop.date_text.as_deref(),
        Some("Thu, 18 May 2023 17:53:54 -0400")
    );
}

#[test]
fn time_without_a_date_is_no_timestamp() {
    assert_eq!(parse_date("14:47:44 +0000"), None);
    assert_eq!(parse_date(""), None);
    assert_eq!(parse_date("Fri, 31 Feb 2020 10:00:00 +0000"), None);
}

#[test]
fn same_instant_in_two_zones_is_zero_delay() {
    let a = parse_date("Tue, 16 Feb 2016 22:46:06 -0800").unwrap();
    let b = parse_date("Wed, 17 Feb 2016 06:46:06 +0000").unwrap();
    assert_eq!(a.utc, b.utc);
    assert_eq!(a.original().to_rfc3339(), "2016-02-16T22:46:06-08:00");
}

#[test]
fn unparsable_line_is_kept_as_a_raw_hop() {
    let hop = parse_received("garbage ;;; (((");
    assert!(!hop.recognised);
    assert_eq!(hop.raw, "garbage ;;; (((");
    let trace = analyse(
        b"Received: ((( ]]\nReceived: by x; Mon, 1 Oct 2018 09:49:21 +0000\n\nbody",
        &TraceContext::default(),
    );
    assert_eq!(trace.hops.len(), 2);
    assert!(trace.hops[1].flags.contains(&HopFlag::Unparsed));
}

#[test]
fn delays_skip_undated_hops_and_keep_their_sign() {
    let raw = b"Received: by c; Mon, 1 Oct 2018 12:00:00 +0000\r\nReceived: by b\r\nReceived: by a; Mon, 1 Oct 2018 10:00:00 +0000\r\nDate: Mon, 1 Oct 2018 09:59:00 +0000\r\n\r\n";
    let trace = analyse(raw, &TraceContext::default());
    let delays: Vec<Option<i64>> = trace.hops.iter().map(|h| h.delay_ms).collect();
    assert_eq!(delays, vec![None, None, Some(7_200_000)]);
    assert!(trace.hops[1].flags.contains(&HopFlag::MissingDate));
    assert!(trace.hops[2].flags.contains(&HopFlag::Gap));
    assert_eq!(trace.total_transit_ms, Some(7_200_000));
    assert_eq!(trace.date_to_first_hop_ms, Some(60_000));
    assert_eq!(trace.max_positive_delay_ms, Some(7_200_000));
    assert_eq!(trace.hops[0].header_index, 2);
}

#[test]
fn authentication_results_gmail() {
    let ar = parse_authentication_results(
        "mx.google.com; dkim=pass header.i=@outlook.com header.s=selector1 header.b=CjJhz37G; arc=pass (i=1); spf=pass (google.com: domain of testcpsf@outlook.com designates 40.92.74.29 as permitted sender) smtp.mailfrom=testcpsf@outlook.com; dmarc=pass (p=NONE sp=QUARANTINE dis=NONE) header.from=outlook.com",
    );
    assert_eq!(ar.authserv_id, "mx.google.com");
    let methods: Vec<(&str, &str)> = ar
        .results
        .iter()
        .map(|r| (r.method.as_str(), r.result.as_str()))
        .collect();
    assert_eq!(
        methods,
        vec![
            ("dkim", "pass"),
            ("arc", "pass"),
            ("spf", "pass"),
            ("dmarc", "pass")
        ]
    );
    assert_eq!(ar.results[0].properties.len(), 3);
    assert_eq!(ar.results[0].properties[0].key, "header.i");
    assert_eq!(ar.results[0].properties[0].value, "@outlook.com");
    assert_eq!(ar.results[1].comment.as_deref(), Some("i=1"));
    assert_eq!(ar.results[2].properties[0].value, "testcpsf@outlook.com");
}

#[test]
fn authentication_results_edge_cases() {
    let ar = parse_authentication_results(
        "authrestest4int 2; spf=fail reason (BAH) = \"just some (<>.%&! reason\" smtp.mailfrom=x@y; dkim=pass header.i=\" foo bar \\\"xyz\\\"@gmail.com\"",
    );
    assert_eq!(ar.version, Some(2));
    assert_eq!(
        ar.results[0].reason.as_deref(),
        Some("just some (<>.%&! reason")
    );
    assert_eq!(
        ar.results[1].properties[0].value,
        " foo bar \"xyz\"@gmail.com"
    );
    let ms = parse_authentication_results(
        "spf=none; dkim=none (message not signed) header.d=none;dmarc=none action=none header.from=twelvedevs.com;",
    );
    // No authserv-id: the first token holds `=`, so `spf=none` is a result, not a name.
    assert_eq!(ms.authserv_id, "");
    assert_eq!(ms.results.len(), 3);
    assert_eq!(ms.results[0].method, "spf");
    assert_eq!(ms.results[2].properties[0].key, "action");
    let yahoo = parse_authentication_results(
        "mta1007.mail.sp2.yahoo.com from=reactive-outpost.com; domainkeys=neutral (no sig); from=reactive-outpost.com; dkim=neutral (no sig)",
    );
    assert_eq!(yahoo.authserv_id, "mta1007.mail.sp2.yahoo.com");
    assert_eq!(yahoo.results.len(), 2);
    let mixed = parse_authentication_results("mailb.triara.com; spf=None smtp.mailfrom=a@b");
    assert_eq!(mixed.results[0].result, "none");
    assert!(parse_authentication_results("").results.is_empty());
}

#[test]
fn iso_dates_with_t_and_zone_suffix() {
    let d = parse_date("2018-04-22T02:54:17.5+02:00").unwrap();
    assert_eq!(d.utc.to_rfc3339(), "2018-04-22T00:54:17.500+00:00");
    assert_eq!(d.offset_minutes, Some(120));
    let z = parse_date("2018-04-22T02:54:17Z").unwrap();
    assert_eq!(z.utc.to_rfc3339(), "2018-04-22T02:54:17+00:00");
    assert_eq!(z.offset_minutes, Some(0));
}

/// A deterministic stand-in for the fuzzers: every prefix of real lines, and noise built
/// from their bytes, must parse without panicking and keep the raw text.
#[test]
fn parsers_survive_truncation_and_noise() {
    let table = include_str!("../../../tests/fixtures/trace/catalogue.tsv");
    let lines: Vec<&str> = table
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split('\t').nth(1))
        .collect();
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for line in &lines {
        for end in (0..=line.len()).filter(|e| line.is_char_boundary(*e)) {
            let hop = parse_received(&line[..end]);
            assert_eq!(hop.raw, line[..end].trim());
            let _ = parse_authentication_results(&line[..end]);
        }
    }
    let specials: &[u8] = b"();[]<>\"\\\0\r\n=: ";
    let alphabet: Vec<u8> = lines.concat().into_bytes();
    for _ in 0..2000 {
        let len = (next() % 200) as usize;
        let bytes: Vec<u8> = (0..len)
            .map(|_| match next() % 10 {
                0 => specials[(next() % specials.len() as u64) as usize],
                1 => (next() % 256) as u8,
                _ => alphabet[(next() % alphabet.len() as u64) as usize],
            })
            .collect();
        let text = String::from_utf8_lossy(&bytes);
        let _ = parse_received(&text);
        let _ = parse_authentication_results(&text);
        let _ = parse_date(&text);
        let mut message = b"Received: ".to_vec();
        message.extend_from_slice(&bytes);
        let _ = render_text(&analyse(&message, &TraceContext::default()));
    }
}

#[test]
fn text_output_has_no_control_characters_from_headers() {
    let raw = b"Received: from evil\x1b[2J.example (x [192.0.2.1]) by mx.example with ESMTP id 1; Mon, 1 Oct 2018 09:49:21 +0000\r\nAuthentication-Results: a\x1b]0;pwn\x07; spf=pass\r\n\r\n";
    let text = render_text(&analyse(raw, &TraceContext::default()));
    assert!(
        !text.chars().any(|c| c.is_control() && c != '\n'),
        "{text:?}"
    );
    assert!(text.contains("mx.example"));
}

#[test]
fn qmail_ident_before_a_bare_address_still_gives_the_ip() {
    let hop = parse_received(
        "from mpehp1.example (root@130.183.70.10) by o05.example with SMTP; 16 Dec 2002 14:31:36 -0000",
    );
    assert_eq!(hop.ip.unwrap().to_string(), "130.183.70.10");
}

#[test]
fn date_survives_an_unterminated_comment() {
    let hop = parse_received(
        "from a.example (by a.example (8.12.10) with ESMTP id m8; Mon, 22 Sep 2008 20:20:25 GMT",
    );
    assert_eq!(hop.from.as_deref(), Some("a.example"));
    assert_eq!(utc(&hop), "2008-09-22T20:20:25+00:00");
}
