//! Unit tests of the verdict header and of forged-claim removal (the checks themselves are
//! tested against dkimpy, pyspf and a loopback DNS server in tests/verify_*.rs).

use super::*;

fn verdicts() -> Verdicts {
    Verdicts {
        spf: SpfVerdict {
            result: Outcome::Pass,
            property: "smtp.mailfrom".into(),
            value: "alice@example.org".into(),
        },
        dkim: vec![DkimVerdict {
            result: Outcome::Fail,
            domain: "example.org".into(),
            selector: "s1".into(),
            reason: Some("body hash \"mismatch\"".into()),
        }],
        dmarc: DmarcVerdict {
            result: Outcome::Pass,
            domain: "example.org".into(),
            policy: "reject".into(),
            pct: 100,
        },
        arc: Outcome::None,
        budget_exhausted: false,
    }
}

#[test]
fn header_names_every_method_under_our_id() {
    let header = verdicts().header("mx.test");
    assert_eq!(
        header,
        "Authentication-Results: mx.test;\r\n\
         \tspf=pass smtp.mailfrom=alice@example.org;\r\n\
         \tdkim=fail reason=\"body hash \\\"mismatch\\\"\" header.d=example.org header.s=s1;\r\n\
         \tdmarc=pass header.from=example.org policy.dmarc=reject;\r\n\
         \tarc=none\r\n"
    );
    // What we write, mail::trace reads back as our own verdicts.
    assert_eq!(
        authserv_id_of(&header["Authentication-Results:".len()..]),
        Some("mx.test")
    );
}

#[test]
fn summary_and_dkim_summary() {
    let mut v = verdicts();
    assert_eq!(v.summary(), "spf=pass dkim=fail dmarc=pass arc=none");
    v.dkim.push(DkimVerdict {
        result: Outcome::Pass,
        domain: "list.example".into(),
        selector: "k".into(),
        reason: None,
    });
    assert_eq!(v.dkim_summary(), Outcome::Pass);
    v.dkim.clear();
    assert_eq!(v.dkim_summary(), Outcome::None);
}

#[test]
fn refusals_follow_the_config() {
    let mut v = verdicts();
    let mut config = VerifyConfig::default();
    v.dmarc.result = Outcome::Fail;
    assert_eq!(
        v.refusal(&config),
        None,
        "by default verdicts are recorded, not enforced"
    );
    config.reject_dmarc = true;
    assert_eq!(v.refusal(&config).map(|r| (r.0, r.1)), Some((550, "5.7.1")));
    v.dmarc.policy = "quarantine".into();
    assert_eq!(v.refusal(&config), None);
    config.reject_spf_fail = true;
    v.spf.result = Outcome::SoftFail;
    assert_eq!(v.refusal(&config), None, "~all is not -all");
    v.spf.result = Outcome::Fail;
    assert_eq!(
        v.refusal(&config).map(|r| (r.0, r.1)),
        Some((550, "5.7.23"))
    );
}

#[test]
fn authserv_id_skips_comments_and_space() {
    assert_eq!(authserv_id_of(" mx.test; spf=pass"), Some("mx.test"));
    assert_eq!(
        authserv_id_of(" (our (nested) note) MX.test 1; none"),
        Some("MX.test")
    );
    assert_eq!(authserv_id_of("\r\n\tmx.test;"), Some("mx.test"));
    assert_eq!(authserv_id_of("   "), None);
    assert_eq!(authserv_id_of(" (unclosed"), None);
}

#[test]
fn strip_claims_removes_only_fields_with_our_id() {
    let raw = b"Received: from a by b; Thu, 1 Jan 2026 00:00:00 +0000\r\n\
Authentication-Results: MX.TEST; dkim=pass\r\n\
authentication-results:\r\n mx.test;\r\n\tspf=pass\r\n\
Authentication-Results: mx.google.com; dkim=pass header.d=example.org\r\n\
Authentication-Results: mx.test.evil; spf=pass\r\n\
Subject: Authentication-Results: mx.test; fake\r\n\
\r\n\
Authentication-Results: mx.test; in the body stays\r\n";
    let stripped = String::from_utf8(strip_claims(raw, "mx.test")).unwrap();
    assert_eq!(
        stripped,
        "Received: from a by b; Thu, 1 Jan 2026 00:00:00 +0000\r\n\
Authentication-Results: mx.google.com; dkim=pass header.d=example.org\r\n\
Authentication-Results: mx.test.evil; spf=pass\r\n\
Subject: Authentication-Results: mx.test; fake\r\n\
\r\n\
Authentication-Results: mx.test; in the body stays\r\n"
    );
    // No header section end, bare LF lines, nothing to strip: unchanged.
    assert_eq!(strip_claims(b"X: y\nZ: w", "mx.test"), b"X: y\nZ: w");
    assert_eq!(strip_claims(b"", "mx.test"), b"");
}

#[test]
fn the_pct_of_a_dmarc_record_is_read_and_bounded() {
    assert_eq!(super::record_pct("v=DMARC1; p=reject; pct=25"), 25);
    assert_eq!(super::record_pct("v=DMARC1; p=reject"), 100);
    assert_eq!(super::record_pct("v=DMARC1; p=reject; PCT = 0 "), 0);
    assert_eq!(super::record_pct("v=DMARC1; p=reject; pct=abc"), 100);
    assert_eq!(super::record_pct("v=DMARC1; p=reject; pct=250"), 100);
}
