//! Golden tests: real Received lines from the research catalogue with every field
//! asserted, and whole-message traces of the fixture messages.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

use postie::mail::trace::{Hop, HopFlag, TraceContext, analyse, parse_received, render_text};

/// Every field of a hop in one line, `-` for absent values.
fn describe(h: &Hop) -> String {
    let o = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    let ip = |v: Option<std::net::IpAddr>| v.map_or_else(|| "-".into(), |i| i.to_string());
    let f = h.protocol_flags;
    let flags: Vec<&str> = [
        ("tls", f.tls),
        ("auth", f.auth),
        ("utf8", f.utf8),
        ("lmtp", f.lmtp),
        ("local", f.local),
        ("http", f.http),
        ("mapi", f.mapi),
    ]
    .iter()
    .filter(|x| x.1)
    .map(|x| x.0)
    .collect();
    format!(
        "from={}; helo={}; rdns={}; ip={}; by={}; by_ip={}; via={}; with={}; flags={}; tls={}; cipher={}; id={}; for={}; env={}; date={}; off={}; date_text={}; rec={}",
        o(&h.from),
        o(&h.helo),
        o(&h.rdns),
        ip(h.ip),
        o(&h.by),
        ip(h.by_ip),
        o(&h.via),
        o(&h.with),
        flags.join(","),
        o(&h.tls_version),
        o(&h.tls_cipher),
        o(&h.id),
        o(&h.for_addr),
        o(&h.envelope_from),
        h.date.map_or_else(|| "-".into(), |d| d.utc.to_rfc3339()),
        h.date
            .and_then(|d| d.offset_minutes)
            .map_or_else(|| "-".into(), |m| m.to_string()),
        o(&h.date_text),
        h.recognised
    )
}

#[test]
fn catalogue_lines_parse_to_their_golden_fields() {
    let table = include_str!("fixtures/trace/catalogue.tsv");
    let mut failures = Vec::new();
    let mut count = 0;
    for line in table
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let mut cols = line.split('\t');
        let (id, value, want) = (
            cols.next().unwrap(),
            cols.next().unwrap(),
            cols.next().unwrap(),
        );
        let value = value.replace("\\0", "\0");
        let hop = parse_received(&value);
        assert_eq!(hop.raw, value.trim(), "{id}: raw line kept");
        let got = describe(&hop);
        if std::env::var_os("TRACE_GOLDEN_PRINT").is_some() {
            eprintln!("ROW\t{id}\t{got}");
        }
        if got != want {
            failures.push(format!("{id}\n  want {want}\n  got  {got}"));
        }
        count += 1;
    }
    assert!(count >= 40, "only {count} catalogue lines");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/trace/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(path).unwrap()
}

/// (UTC time, client IP, delay to the previous dated hop, flags).
type ExpectedHop = (
    &'static str,
    Option<&'static str>,
    Option<i64>,
    &'static [HopFlag],
);

#[test]
fn fifteen_hop_chain_is_ordered_timed_and_flagged() {
    use HopFlag::*;
    let trace = analyse(&fixture("mail_test_10.eml"), &TraceContext::default());
    let want: [ExpectedHop; 15] = [
        (
            "2017-03-08T16:45:50+00:00",
            Some("10.146.45.236"),
            None,
            &[NoTls],
        ),
        (
            "2017-03-08T16:45:51+00:00",
            Some("10.106.154.159"),
            Some(1000),
            &[NoTls],
        ),
        ("2017-03-08T16:46:15+00:00", None, Some(24000), &[NoTls]),
        (
            "2017-03-08T16:46:17+00:00",
            Some("192.155.248.67"),
            Some(2000),
            &[],
        ),
        ("2017-03-08T16:46:19+00:00", None, Some(2000), &[NoTls]),
        (
            "2017-03-08T16:46:11+00:00",
            Some("146.89.104.211"),
            Some(-8000),
            &[ClockSkew],
        ),
        ("2017-03-08T16:46:11+00:00", Some("127.0.0.1"), Some(0), &[]),
        (
            "2017-03-08T16:46:12+00:00",
            Some("127.0.0.1"),
            Some(1000),
            &[],
        ),
        (
            "2017-03-08T16:46:21+00:00",
            Some("9.149.105.61"),
            Some(9000),
            &[NoTls],
        ),
        (
            "2017-03-08T16:46:21+00:00",
            Some("9.149.109.198"),
            Some(0),
            &[NoTls],
        ),
        ("2017-03-08T16:46:25+00:00", None, Some(4000), &[NoTls]),
        (
            "2017-03-08T16:46:27+00:00",
            Some("195.75.94.106"),
            Some(2000),
            &[],
        ),
        (
            "2017-03-08T16:46:30+00:00",
            Some("127.0.0.1"),
            Some(3000),
            &[PrivateIp, HeloMismatch],
        ),
        (
            "2017-03-08T16:46:30+00:00",
            Some("148.163.158.5"),
            Some(0),
            &[HeloMismatch, NoTls],
        ),
        ("2017-03-08T16:46:30+00:00", None, Some(0), &[]),
    ];
    assert_eq!(trace.hops.len(), 15);
    for (i, (hop, (time, ip, delay, flags))) in trace.hops.iter().zip(want).enumerate() {
        assert_eq!(hop.number, i + 1);
        assert_eq!(hop.header_index, 14 - i, "hop {}", i + 1);
        assert_eq!(
            hop.hop.date.unwrap().utc.to_rfc3339(),
            time,
            "hop {}",
            i + 1
        );
        assert_eq!(
            hop.hop.ip.map(|x| x.to_string()).as_deref(),
            ip,
            "hop {}",
            i + 1
        );
        assert_eq!(hop.delay_ms, delay, "hop {}", i + 1);
        assert_eq!(hop.flags, flags, "hop {}", i + 1);
    }
    // Hop 4 has its TLS comment between the ';' and the date.
    assert_eq!(
        trace.hops[3].hop.tls_version.as_deref(),
        Some("TLSv1/SSLv3")
    );
    assert_eq!(trace.total_transit_ms, Some(40_000));
    assert_eq!(trace.date_to_first_hop_ms, Some(2_000));
    assert_eq!(trace.max_positive_delay_ms, Some(24_000));
}

#[test]
fn forged_future_hop_renders_as_skew_in_text_with_every_hop_detail() {
    let trace = analyse(
        &fixture("spamassassin_spam_012.eml"),
        &TraceContext::default(),
    );
    let want = "\
Received chain: 2 hops, first to last hop -13h55m, Date: to first hop 6h00m
  # Time (UTC)          From                               By                           With                Delay Flags
  1 2004-02-10 05:17:44 8.141.200.111                      mail1.paypal.com             SMTP                      NOTLS
  2 2004-02-09 15:21:57 mail1.paypal.com [80.8.136.186]    b.mx.sonic.net               SMTP              -13h55m SKEW,HELO,NOTLS

Hop 1 of 2 (claimed)
     Time: 2004-02-10 05:17:44 UTC, written as 2004-02-09 23:17:44 -06:00
     From: [8.141.200.111]
     HELO: [8.141.200.111]
       IP: 8.141.200.111
       By: mail1.paypal.com
     With: SMTP
     Flag: no TLS on this network hop
      Raw: from [8.141.200.111] by mail1.paypal.com with SMTP; Mon, 09 Feb 2004 23:17:44 -0600

Hop 2 of 2 (claimed)
     Time: 2004-02-09 15:21:57 UTC, written as 2004-02-09 07:21:57 -08:00
    Delay: -13h55m
     From: paypal.com
     HELO: paypal.com
     rDNS: mail1.paypal.com
       IP: 80.8.136.186
       By: b.mx.sonic.net
     With: SMTP
       ID: i19FLtmt026870
      For: user@example.com
     Flag: clock skew: dated before the previous hop
     Flag: HELO differs from reverse DNS
     Flag: no TLS on this network hop
      Raw: from paypal.com (mail1.paypal.com [80.8.136.186])          by b.mx.sonic.net (8.12.10/8.12.7) with SMTP id i19FLtmt026870          for <user@example.com>; Mon, 9 Feb 2004 07:21:57 -0800
";
    assert_eq!(render_text(&trace), want);
}

#[test]
fn json_shape_is_the_documented_one() {
    let trace = analyse(
        &fixture("spamassassin_spam_012.eml"),
        &TraceContext::default(),
    );
    let json = serde_json::to_value(&trace).unwrap();
    let keys = |v: &serde_json::Value| -> Vec<String> {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(
        keys(&json),
        [
            "antispam",
            "arc_sets",
            "auth_results",
            "date_header",
            "date_to_first_hop_ms",
            "hops",
            "max_positive_delay_ms",
            "originating_ips",
            "received_spf",
            "total_transit_ms",
            "trust_boundary",
        ]
    );
    assert_eq!(
        keys(&json["hops"][0]),
        [
            "by",
            "by_ip",
            "date",
            "date_text",
            "delay_ms",
            "envelope_from",
            "flags",
            "for",
            "from",
            "header_index",
            "helo",
            "id",
            "ip",
            "number",
            "protocol_flags",
            "raw",
            "rdns",
            "recognised",
            "tls_cipher",
            "tls_version",
            "trust",
            "via",
            "with",
        ]
    );
    assert_eq!(json["hops"][1]["flags"][0], "clock_skew");
    assert_eq!(json["hops"][1]["date"]["utc"], "2004-02-09T15:21:57Z");
    assert_eq!(json["hops"][1]["date"]["offset_minutes"], -480);
    assert_eq!(json["hops"][0]["trust"], "claimed");
}

#[test]
fn own_hops_are_observed_and_only_own_authserv_id_is_trusted() {
    let raw = b"Received: from mx.sender.example (mx.sender.example [192.0.2.7])\r
 by postie.local.test with ESMTPS id 1; Tue, 1 Apr 2025 10:00:05 +0000\r
Received: from laptop ([198.51.100.3]) by mx.sender.example with ESMTPSA id 2;\r
 Tue, 1 Apr 2025 10:00:01 +0000\r
Authentication-Results: postie.local.test; spf=pass smtp.mailfrom=a@sender.example\r
Authentication-Results: mx.sender.example; dkim=pass header.d=sender.example\r
ARC-Seal: i=1; a=rsa-sha256; cv=none; d=sender.example; s=arc; b=xyz\r
ARC-Authentication-Results: i=1; mx.sender.example; spf=pass smtp.mailfrom=a@sender.example\r
Received-SPF: pass (sender.example: 192.0.2.7 is permitted) client-ip=192.0.2.7;\r
X-Originating-IP: [198.51.100.3]\r
Date: Tue, 1 Apr 2025 09:59:59 +0000\r
\r
body\r
";
    let ctx = TraceContext {
        local_hostnames: vec!["postie.local.test".into()],
        local_authserv_ids: vec!["postie.local.test".into()],
    };
    let trace = analyse(raw, &ctx);
    assert_eq!(trace.hops.len(), 2);
    assert_eq!(trace.trust_boundary, Some(0));
    assert_eq!(trace.hops[1].trust, postie::mail::trace::Trust::Observed);
    assert_eq!(trace.hops[0].trust, postie::mail::trace::Trust::Boundary);
    assert_eq!(trace.hops[1].delay_ms, Some(4_000));
    assert_eq!(trace.date_to_first_hop_ms, Some(2_000));
    let trusted: Vec<bool> = trace.auth_results.iter().map(|a| a.trusted).collect();
    assert_eq!(trusted, [true, false]);
    assert_eq!(trace.arc_sets.len(), 1);
    assert_eq!(trace.arc_sets[0].seal_cv.as_deref(), Some("none"));
    assert_eq!(trace.arc_sets[0].sealer.as_deref(), Some("sender.example"));
    assert_eq!(
        trace.arc_sets[0].hop,
        Some(0),
        "sealed where mx.sender.example received it"
    );
    let arc_ar = trace.arc_sets[0].auth_results.as_ref().unwrap();
    assert_eq!(arc_ar.authserv_id, "mx.sender.example");
    assert_eq!(arc_ar.results[0].method, "spf");
    assert_eq!(trace.received_spf[0].result, "pass");
    assert_eq!(trace.received_spf[0].properties[0].key, "client-ip");
    assert_eq!(
        trace.originating_ips[0].ip.unwrap().to_string(),
        "198.51.100.3"
    );
    let text = render_text(&trace);
    assert!(text.contains("Authentication-Results: postie.local.test (verified by this node)"));
    assert!(text.contains("Authentication-Results: mx.sender.example (claimed, not verified)"));
    assert!(text.contains("ARC i=1: cv=none sealer=sender.example at hop #1 (as claimed)"));
}

/// Checks every line of one dialect in `fixtures/trace/dialects.tsv` against its golden fields.
fn check_dialect(dialect: &str) {
    let table = include_str!("fixtures/trace/dialects.tsv");
    let mut failures = Vec::new();
    let mut count = 0;
    for line in table
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let mut cols = line.split('\t');
        let (name, value, want) = (
            cols.next().unwrap(),
            cols.next().unwrap(),
            cols.next().unwrap(),
        );
        if name != dialect {
            continue;
        }
        let got = describe(&parse_received(value));
        if std::env::var_os("TRACE_GOLDEN_PRINT").is_some() {
            eprintln!("ROW\t{name}\t{value}\t{got}");
        }
        if got != want {
            failures.push(format!("{value}\n  want {want}\n  got  {got}"));
        }
        count += 1;
    }
    assert!(count >= 2, "{dialect}: only {count} lines");
    assert!(failures.is_empty(), "{dialect}:\n{}", failures.join("\n"));
}

#[test]
fn dialect_postfix() {
    check_dialect("postfix");
}

#[test]
fn dialect_exim_with_and_without_port() {
    check_dialect("exim");
}

#[test]
fn dialect_sendmail() {
    check_dialect("sendmail");
}

#[test]
fn dialect_qmail() {
    check_dialect("qmail");
}

#[test]
fn dialect_exchange_and_microsoft_365() {
    check_dialect("microsoft");
}

#[test]
fn dialect_gmail() {
    check_dialect("gmail");
}

#[test]
fn dialect_yahoo() {
    check_dialect("yahoo");
}

#[test]
fn dialect_zmailer_quoted_helo() {
    check_dialect("zmailer");
}

#[test]
fn dialect_courier() {
    check_dialect("courier");
}

#[test]
fn dialect_domino() {
    check_dialect("domino");
}

#[test]
fn dialect_mdaemon() {
    check_dialect("mdaemon");
}

#[test]
fn dialect_communigate() {
    check_dialect("communigate");
}

#[test]
fn dialect_uucp_era_and_via() {
    check_dialect("uucp");
}

/// An Authentication-Results value in one line: `id|version` then each result as
/// `method=result reason=.. (comment) key=value...`.
fn describe_ar(value: &str) -> String {
    let ar = postie::mail::trace::parse_authentication_results(value);
    let mut out = format!(
        "id={} v={}",
        if ar.authserv_id.is_empty() {
            "-"
        } else {
            &ar.authserv_id
        },
        ar.version.map_or_else(|| "-".into(), |v| v.to_string())
    );
    for r in &ar.results {
        out.push_str(&format!(" | {}={}", r.method, r.result));
        if let Some(reason) = &r.reason {
            out.push_str(&format!(" reason={reason}"));
        }
        if let Some(comment) = &r.comment {
            out.push_str(&format!(" ({comment})"));
        }
        for p in &r.properties {
            out.push_str(&format!(" {}={}", p.key, p.value));
        }
    }
    out
}

#[test]
fn auth_results_microsoft_365_without_authserv_id() {
    let value = "spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=example.com; dkim=none \
                 (message not signed) header.d=none;dmarc=fail action=none \
                 header.from=example.com;compauth=softpass reason=202";
    assert_eq!(
        describe_ar(value),
        "id=- v=- \
         | spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=example.com \
         | dkim=none (message not signed) header.d=none \
         | dmarc=fail action=none header.from=example.com \
         | compauth=softpass reason=202"
    );
    // The ARC copy Microsoft writes: authserv-id with a version, bare results.
    assert_eq!(
        describe_ar("mx.microsoft.com 1; spf=none; dmarc=none; dkim=none; arc=none"),
        "id=mx.microsoft.com v=1 | spf=none | dmarc=none | dkim=none | arc=none"
    );
    // A comment before the first result does not hide it.
    assert_eq!(
        describe_ar(
            "(checked by EOP) spf=fail (sender IP is 203.0.113.9) smtp.mailfrom=example.org"
        ),
        "id=- v=- | spf=fail (sender IP is 203.0.113.9) smtp.mailfrom=example.org"
    );
}

#[test]
fn auth_results_google_layout() {
    let value = "mx.google.com; dkim=pass header.i=@example.com header.s=s1 header.b=abc; \
                 arc=pass (i=1); spf=pass (google.com: domain of a@example.com designates \
                 192.0.2.1 as permitted sender) smtp.mailfrom=a@example.com; dmarc=pass \
                 (p=NONE sp=NONE dis=NONE) header.from=example.com";
    assert_eq!(
        describe_ar(value),
        "id=mx.google.com v=- \
         | dkim=pass header.i=@example.com header.s=s1 header.b=abc \
         | arc=pass (i=1) \
         | spf=pass (google.com: domain of a@example.com designates 192.0.2.1 as permitted sender) smtp.mailfrom=a@example.com \
         | dmarc=pass (p=NONE sp=NONE dis=NONE) header.from=example.com"
    );
}

#[test]
fn auth_results_in_the_wild_layouts() {
    // Yahoo: key=value inside the authserv-id part and a results list without `;`.
    assert_eq!(
        describe_ar(
            "mta1007.mail.example.com from=example.org; domainkeys=neutral (no sig); \
             from=example.org; dkim=neutral (no sig)"
        ),
        "id=mta1007.mail.example.com v=- | domainkeys=neutral (no sig) | dkim=neutral (no sig)"
    );
    // Comments between the pieces of one result, and around `=`.
    assert_eq!(
        describe_ar(
            "mx.example.net 1; spf (checked) = fail (not permitted) reason = \"no match\" \
             smtp.mailfrom=a@example.org; dkim=pass (2048-bit key) header.d=example.org"
        ),
        "id=mx.example.net v=1 \
         | spf=fail reason=no match (not permitted) smtp.mailfrom=a@example.org \
         | dkim=pass (2048-bit key) header.d=example.org"
    );
    // Mixed case and a pre-RFC ptype.
    assert_eq!(
        describe_ar("mx.example.net; SPF=Neutral smtp.mail=a@example.org"),
        "id=mx.example.net v=- | spf=neutral smtp.mail=a@example.org"
    );
}

#[test]
fn microsoft_antispam_headers_reach_json_and_text() {
    let raw = b"Received: from mail.example.org (192.0.2.40) by BN8NAM12FT001.mail.protection.outlook.com\r
 (10.13.182.10) with Microsoft SMTP Server (version=TLS1_2,\r
 cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.20.7270.30 via Frontend Transport;\r
 Mon, 12 Feb 2024 10:00:00 +0000\r
Authentication-Results: spf=pass (sender IP is 192.0.2.40)\r
 smtp.mailfrom=example.org; dkim=none (message not signed)\r
 header.d=none;dmarc=fail action=none header.from=example.org;compauth=softpass\r
 reason=202\r
X-MS-Exchange-Organization-AuthAs: Anonymous\r
X-Forefront-Antispam-Report: CIP:192.0.2.40;CTRY:US;LANG:en;SCL:1;SRV:;IPV:NLI;SFV:NSPM;\r
 H:mail.example.org;PTR:mail.example.org;CAT:NONE;SFS:(13230031);DIR:INB;\r
X-Microsoft-Antispam: BCL:0;\r
\r
body\r
";
    let trace = analyse(raw, &TraceContext::default());
    let json = serde_json::to_value(&trace).unwrap();
    let a = &json["antispam"];
    assert_eq!(a["scl"], 1);
    assert_eq!(a["scl_meaning"], "not spam");
    assert_eq!(a["sfv"], "NSPM");
    assert_eq!(a["sfv_meaning"], "not spam");
    assert_eq!(a["country"], "US");
    assert_eq!(a["ipv"], "NLI");
    assert_eq!(a["bcl"], 0);
    assert_eq!(a["auth_as"], "Anonymous");
    assert_eq!(a["forefront"][0]["key"], "CIP");
    assert_eq!(a["forefront"][0]["value"], "192.0.2.40");
    assert_eq!(a["forefront"][0]["label"], "connecting IP");
    assert_eq!(json["auth_results"][0]["authserv_id"], "");
    assert_eq!(json["auth_results"][0]["results"][3]["method"], "compauth");
    let text = render_text(&trace);
    assert!(
        text.contains(
            "Microsoft: SCL 1 (not spam), SFV NSPM, CAT NONE, CTRY US, IPV NLI, BCL 0, AuthAs Anonymous"
        ),
        "{text}"
    );
    assert!(text.contains("Authentication-Results: (no authserv-id) (claimed, not verified)"));
    assert!(text.contains("  spf=pass smtp.mailfrom=example.org"));
    assert!(text.contains("  compauth=softpass"));
    let plain = analyse(
        b"Received: by a.example; Mon, 12 Feb 2024 10:00:00 +0000\r\n\r\n",
        &TraceContext::default(),
    );
    assert_eq!(
        serde_json::to_value(&plain).unwrap()["antispam"],
        serde_json::Value::Null
    );
}
