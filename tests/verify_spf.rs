//! SPF (RFC 7208) verdicts of postie's verifier against pyspf's on one table of policies:
//! ip4/ip6 ranges, a/mx/ptr/exists, include and redirect, macros, every `all` qualifier,
//! syntax errors, the 10-lookup and void-lookup limits (permerror), SERVFAIL and a server
//! that never answers (temperror). Both ask only the loopback test DNS.
#![allow(clippy::unwrap_used)]

#[path = "support/dns.rs"]
mod dns;
#[path = "support/peers.rs"]
mod peers;

use postie::verify::{ClientFacts, Verifier, VerifyConfig};
use std::io::Write;
use std::process::{Command, Stdio};

const GOOD: &str = "192.0.2.10";
const BAD: &str = "198.51.100.7";
const GOOD6: &str = "2001:db8::10";

/// (sender, client ip, expected result): the expectation is RFC 7208's; the test asserts
/// that postie and pyspf both reach it.
const CASES: &[(&str, &str, &str)] = &[
    ("a@ip4.test", GOOD, "pass"),
    ("a@ip4.test", BAD, "fail"),
    ("a@cidr.test", GOOD, "pass"),
    ("a@cidr.test", BAD, "fail"),
    ("a@soft.test", GOOD, "softfail"),
    ("a@neutral.test", GOOD, "neutral"),
    ("a@plusall.test", BAD, "pass"),
    ("a@upper.test", GOOD, "pass"),
    ("a@include.test", GOOD, "pass"),
    ("a@include.test", BAD, "fail"),
    ("a@include-soft.test", GOOD, "fail"),
    ("a@include-missing.test", GOOD, "permerror"),
    ("a@redirect.test", GOOD, "pass"),
    ("a@redirect.test", BAD, "fail"),
    ("a@redirect-none.test", GOOD, "permerror"),
    ("a@a.test", GOOD, "pass"),
    ("a@a.test", BAD, "fail"),
    ("a@a-cidr.test", GOOD, "pass"),
    ("a@a-other.test", GOOD, "pass"),
    ("a@mx.test", GOOD, "pass"),
    ("a@mx.test", BAD, "fail"),
    ("a@ptr.test", GOOD, "pass"),
    ("a@ptr.test", BAD, "fail"),
    ("a@exists.test", GOOD, "pass"),
    ("a@exists.test", BAD, "fail"),
    ("a@ip6.test", GOOD6, "pass"),
    ("a@ip6.test", GOOD, "fail"),
    ("bob@macro-l.test", GOOD, "pass"),
    ("alice@macro-l.test", GOOD, "fail"),
    ("a@macro-ir.test", GOOD, "pass"),
    ("a@bad-ip.test", GOOD, "permerror"),
    ("a@unknown-mech.test", GOOD, "permerror"),
    ("a@two-records.test", GOOD, "permerror"),
    ("a@no-record.test", GOOD, "none"),
    ("a@nxdomain.test", GOOD, "none"),
    ("a@not-spf.test", GOOD, "none"),
    ("a@eleven.test", GOOD, "permerror"),
    ("a@loop.test", GOOD, "permerror"),
    ("a@void.test", GOOD, "permerror"),
    ("a@twovoid.test", GOOD, "pass"),
    ("a@voidafter.test", GOOD, "pass"),
    ("a@voidmx.test", GOOD, "permerror"),
    ("a@exp.test", GOOD, "fail"),
    ("a@servfail.test", GOOD, "temperror"),
    ("<>", GOOD, "pass"),
    ("<>", BAD, "fail"),
    ("a@silent.test", GOOD, "temperror"),
];

/// Where postie is known to differ from pyspf (none today; void lookups, which mail-auth
/// 0.13 does not count, are counted by postie's own pre-check). Kept visible, not hidden.
const KNOWN_DIFFERENCES: &[(&str, &str, &str, &str)] = &[];

/// The HELO name every case uses; its own record decides the `<>` cases.
const HELO: &str = "helo.test";

fn zone() -> dns::Zone {
    let mut zone = dns::Zone::default()
        .txt("ip4.test", "v=spf1 ip4:192.0.2.10 -all")
        .txt("cidr.test", "v=spf1 ip4:192.0.2.0/24 -all")
        .txt("soft.test", "v=spf1 ip4:192.0.2.99 ~all")
        .txt("neutral.test", "v=spf1 ?all")
        .txt("plusall.test", "v=spf1 +all")
        .txt("upper.test", "V=SPF1 IP4:192.0.2.10 -ALL")
        .txt("include.test", "v=spf1 include:target.test -all")
        .txt("target.test", "v=spf1 ip4:192.0.2.10 -all")
        .txt("include-soft.test", "v=spf1 include:softtarget.test -all")
        .txt("softtarget.test", "v=spf1 ~all")
        .txt("include-missing.test", "v=spf1 include:nowhere.test -all")
        .txt("redirect.test", "v=spf1 redirect=target.test")
        .txt("redirect-none.test", "v=spf1 redirect=no-record.test")
        .txt("no-record.test", "google-site-verification=abc")
        .txt("a.test", "v=spf1 a -all")
        .addr("a.test", GOOD)
        .txt("a-cidr.test", "v=spf1 a/24 -all")
        .addr("a-cidr.test", "192.0.2.200")
        .txt("a-other.test", "v=spf1 a:host.a-other.test -all")
        .addr("host.a-other.test", GOOD)
        .txt("mx.test", "v=spf1 mx -all")
        .mx("mx.test", 10, "mail.mx.test")
        .addr("mail.mx.test", GOOD)
        .txt("ptr.test", "v=spf1 ptr -all")
        .ptr(GOOD, "host.ptr.test")
        .addr("host.ptr.test", GOOD)
        .txt("exists.test", "v=spf1 exists:%{i}.ok.exists.test -all")
        .addr("192.0.2.10.ok.exists.test", "127.0.0.2")
        .txt("ip6.test", "v=spf1 ip6:2001:db8::/32 -all")
        .txt("macro-l.test", "v=spf1 exists:%{l}.users.macro-l.test -all")
        .addr("bob.users.macro-l.test", "127.0.0.2")
        .txt("macro-ir.test", "v=spf1 exists:%{ir}.%{v}._spf.%{d} -all")
        .addr("10.2.0.192.in-addr._spf.macro-ir.test", "127.0.0.2")
        .txt("bad-ip.test", "v=spf1 ip4:300.1.1.1 -all")
        .txt("unknown-mech.test", "v=spf1 foo:bar.test -all")
        .txt("two-records.test", "v=spf1 ip4:192.0.2.10 -all")
        .txt("two-records.test", "v=spf1 -all")
        .addr("nxdomain-has-no-txt.test", GOOD)
        .txt("not-spf.test", "v=spf10 ip4:192.0.2.10 -all")
        .txt(
            "void.test",
            "v=spf1 a:v1.test a:v2.test a:v3.test ip4:192.0.2.10 -all",
        )
        .txt(
            "twovoid.test",
            "v=spf1 a:v1.test exists:v2.test ip4:192.0.2.10 -all",
        )
        .txt(
            "voidafter.test",
            "v=spf1 ip4:192.0.2.10 a:v1.test a:v2.test a:v3.test -all",
        )
        .txt(
            "voidmx.test",
            "v=spf1 mx:v1.test include:v2.test exists:v3.test ip4:192.0.2.10 -all",
        )
        .txt("loop.test", "v=spf1 include:loop.test -all")
        .txt("exp.test", "v=spf1 -all exp=explain.exp.test")
        .txt("explain.exp.test", "%{i} is not one of %{d}'s hosts")
        .txt(HELO, "v=spf1 ip4:192.0.2.10 -all")
        .servfail("servfail.test")
        .silent("silent.test");
    let eleven: Vec<String> = (1..=11).map(|i| format!("include:l{i}.test")).collect();
    zone = zone.txt(
        "eleven.test",
        &format!("v=spf1 {} ip4:192.0.2.10 -all", eleven.join(" ")),
    );
    for i in 1..=11 {
        zone = zone.txt(&format!("l{i}.test"), "v=spf1 ip4:203.0.113.1 -all");
    }
    zone
}

/// pyspf's `check2` result for every case, in one python3 run.
fn pyspf(port: u16) -> Option<Vec<String>> {
    let ok = Command::new("python3")
        .args(["-c", "import spf, dns.resolver"])
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        peers::skip("python3 with pyspf and dnspython not installed");
        return None;
    }
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/support/mailauth_peer.py"
    );
    let mut child = Command::new("python3")
        .args([script, "spf", &port.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let input: String = CASES
        .iter()
        .map(|(sender, ip, _)| (sender, ip))
        .chain(
            KNOWN_DIFFERENCES
                .iter()
                .map(|(sender, ip, _, _)| (sender, ip)),
        )
        .map(|(sender, ip)| format!("{ip} {sender} {HELO}\n"))
        .collect();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "pyspf: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(String::from)
            .collect(),
    )
}

#[test]
fn spf_verdicts_agree_with_pyspf_on_every_policy() {
    assert!(CASES.len() >= 30);
    let server = dns::TestDns::start(zone());
    let Some(theirs) = pyspf(server.addr.port()) else {
        return;
    };
    assert_eq!(theirs.len(), CASES.len() + KNOWN_DIFFERENCES.len());

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let config = VerifyConfig {
        budget_secs: 6,
        ..VerifyConfig::default()
    };
    let verifier = Verifier::new(&server.config(), config, "mx.postie.test".into()).unwrap();
    let message = b"From: someone@elsewhere.test\r\nSubject: spf\r\n\r\nbody\r\n";
    let mut disagreements = Vec::new();
    for ((sender, ip, expected), pyspf) in CASES.iter().zip(&theirs) {
        let mail_from = if *sender == "<>" { "" } else { sender };
        let client = ClientFacts {
            ip: ip.parse().unwrap(),
            helo: HELO,
            mail_from,
        };
        let ours = runtime.block_on(verifier.check(message, client)).spf.result;
        if ours.as_str() != *expected || pyspf != expected {
            disagreements.push(format!(
                "{sender} from {ip}: expected {expected}, postie {ours}, pyspf {pyspf}"
            ));
        }
    }
    assert!(disagreements.is_empty(), "{disagreements:#?}");
    for ((sender, ip, rfc, ours_now), pyspf) in KNOWN_DIFFERENCES.iter().zip(&theirs[CASES.len()..])
    {
        let client = ClientFacts {
            ip: ip.parse().unwrap(),
            helo: HELO,
            mail_from: sender,
        };
        let ours = runtime.block_on(verifier.check(message, client)).spf.result;
        assert_eq!(pyspf, rfc, "pyspf on {sender}");
        // When this starts failing, mail-auth learnt the rule: move the case into CASES.
        assert_eq!(ours.as_str(), *ours_now, "postie on {sender}");
    }
    // Every lookup went to the test server: it saw the first case's domain asked.
    assert!(server.queries().iter().any(|(name, _)| name == "ip4.test"));
}
