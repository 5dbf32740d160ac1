//! Verification on receipt, end to end: messages signed and ARC-sealed by dkimpy, sent over
//! SMTP from an untrusted client into `postie serve`, checked through the loopback test DNS
//! (SPF, DKIM keys, DMARC policies), and read back from the store: our one
//! Authentication-Results header on top, forged ones under our authserv-id gone, the
//! verdicts searchable, and the optional DMARC/SPF refusals. Garbage records and a DNS
//! server that never answers end in permerror/temperror while the session goes on.
#![allow(clippy::unwrap_used)]

#[path = "support/dns.rs"]
mod dns;
#[path = "support/node.rs"]
mod node;
#[path = "support/peers.rs"]
mod peers;

use node::{ServeProcess, SmtpClient, postie};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

const OUR_ID: &str = "mail.postie.test";

fn peer(args: &[&str], stdin: &[u8]) -> Vec<u8> {
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/support/mailauth_peer.py"
    );
    let mut child = Command::new("python3")
        .arg(script)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "mailauth_peer {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Does python3 have dkimpy, dnspython and PyNaCl, and is openssl there for RSA keys?
fn peers_present() -> bool {
    let python = Command::new("python3")
        .args(["-c", "import dkim, dns.resolver, nacl"])
        .status()
        .is_ok_and(|s| s.success());
    if !python {
        peers::skip("python3 with dkimpy, dnspython and pynacl not installed");
        return false;
    }
    peers::require("openssl").is_some()
}

/// Keys made by the independent tools, written under `dir`: (key file, TXT value).
fn keygen(dir: &Path, name: &str, kind: &str) -> (String, String) {
    let path = dir.join(name).to_string_lossy().into_owned();
    let txt = String::from_utf8(peer(&["keygen", kind, &path], b"")).unwrap();
    (path, txt.trim().to_string())
}

fn message(from: &str, subject: &str, extra_headers: &str) -> Vec<u8> {
    format!(
        "{extra_headers}From: Sender <{from}>\r\nTo: alice@postie.test\r\nSubject: {subject}\r\n\
         Date: Sat, 05 Dec 2026 08:00:00 +0000\r\nMessage-ID: <{subject}@sender.test>\r\n\r\n\
         Hello from {subject}.\r\n"
    )
    .into_bytes()
}

/// The id of the one stored message with this subject.
fn id_of(home: &Path, subject: &str) -> String {
    let rows: Vec<serde_json::Value> =
        serde_json::from_str(&postie(home, &["list", "--json", "--search", subject])).unwrap();
    assert_eq!(rows.len(), 1, "{subject}: {rows:?}");
    rows[0]["id"].as_i64().unwrap().to_string()
}

/// `postie show|trace ID --json` for the message with this subject.
fn json(home: &Path, command: &str, subject: &str) -> serde_json::Value {
    let id = id_of(home, subject);
    serde_json::from_str(&postie(home, &[command, &id, "--json"])).unwrap()
}

/// The stored copy of the message with this subject, raw.
fn stored(home: &Path, subject: &str) -> String {
    let id = id_of(home, subject);
    let out = Command::new(node::postie_bin())
        .args(["show", &id, "--raw"])
        .env("POSTIE_HOME", home)
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

/// Our Authentication-Results field (unfolded), which must come first: only the delivery
/// fields written when the message is filed (Return-Path, Delivered-To) precede it.
fn our_results(raw: &str) -> String {
    let mut raw = raw;
    for delivery in ["Return-Path:", "Delivered-To:"] {
        if raw.starts_with(delivery) {
            raw = &raw[raw.find("\r\n").unwrap() + 2..];
        }
    }
    assert!(
        raw.starts_with(&format!("Authentication-Results: {OUR_ID};")),
        "not on top: {raw}"
    );
    let header_end = raw.find("\r\n\r\n").unwrap();
    let mut fields = raw[..header_end].split("\r\n").peekable();
    let mut field = fields.next().unwrap().to_string();
    while let Some(next) = fields.peek() {
        if !next.starts_with([' ', '\t']) {
            break;
        }
        field.push(' ');
        field.push_str(next.trim());
        fields.next();
    }
    let ours = raw[..header_end]
        .matches(&format!("Authentication-Results: {OUR_ID}"))
        .count();
    assert_eq!(ours, 1, "one field under our id: {raw}");
    field
}

struct Rig {
    home: tempfile::TempDir,
    keys: tempfile::TempDir,
    dns: dns::TestDns,
    rsa: String,
    ed: String,
    arc: String,
}

impl Rig {
    fn new() -> Option<Rig> {
        if !peers_present() {
            return None;
        }
        let keys = tempfile::tempdir().unwrap();
        let (rsa, rsa_txt) = keygen(keys.path(), "rsa.pem", "rsa");
        let (ed, ed_txt) = keygen(keys.path(), "ed.key", "ed25519");
        let (arc, arc_txt) = keygen(keys.path(), "arc.pem", "rsa");
        let oversized = "v=spf1 ".to_string() + &"a:x.garbage.test ".repeat(200);
        let zone = dns::Zone::default()
            .txt("sender.test", "v=spf1 ip4:127.0.0.1 -all")
            .txt("r1._domainkey.sender.test", &rsa_txt)
            .txt("_dmarc.sender.test", "v=DMARC1; p=reject")
            .txt("e1._domainkey.ed.sender.test", &ed_txt)
            .txt("_dmarc.strict.test", "v=DMARC1; p=reject; adkim=s; aspf=s")
            .txt("r1._domainkey.sub.strict.test", &rsa_txt)
            .txt("_dmarc.relaxed.test", "v=DMARC1; p=quarantine")
            .txt("r1._domainkey.sub.relaxed.test", &rsa_txt)
            .txt("_dmarc.policy.test", "v=DMARC1; p=none; sp=reject")
            .txt("_dmarc.sampled.test", "v=DMARC1; p=reject; pct=0")
            .txt("hardfail.test", "v=spf1 -all")
            .txt("r1._domainkey.lists.arc.test", &arc_txt)
            .txt_strings("garbage.test", &["v=spf1 \u{1}\u{2} ip4:127.0.0.1/99 ???"])
            .txt("oversized.test", &oversized)
            .txt("_dmarc.garbage.test", "v=DMARC1; p=bogus; pct=abc")
            .txt(
                "r1._domainkey.garbage.test",
                "v=DKIM1; k=rsa; p=!!!not-base64!!!",
            )
            .silent("silent.test")
            .silent("_dmarc.silent.test");
        let dns = dns::TestDns::start(zone);
        let home = tempfile::tempdir().unwrap();
        let rig = Rig {
            home,
            keys,
            dns,
            rsa,
            ed,
            arc,
        };
        rig.configure("");
        Some(rig)
    }

    /// TEST_CONFIG with no trusted network (so loopback clients are checked), the test
    /// DNS, a 3 s budget and `verify_extra` appended to `[verify]`.
    fn configure(&self, verify_extra: &str) {
        let config = node::TEST_CONFIG
            .replace(
                "hostname = \"mail.postie.test\"",
                "hostname = \"mail.postie.test\"\ntrusted_networks = []",
            )
            .replace(
                "nameservers = [\"127.0.0.1:9\"]",
                &format!("nameservers = [\"{}\"]\ntimeout_secs = 1", self.dns.addr),
            );
        assert!(config.contains("trusted_networks = []") && config.contains("timeout_secs"));
        let config = format!("{config}\n[verify]\nbudget_secs = 3\n{verify_extra}\n");
        std::fs::write(self.home.path().join("config.toml"), config).unwrap();
    }

    fn sign(&self, domain: &str, selector: &str, key: &str, message: &[u8]) -> Vec<u8> {
        peer(&["sign", domain, selector, key], message)
    }
}

fn send(node: &ServeProcess, mail_from: &str, message: &[u8]) -> Result<String, String> {
    let mut client = SmtpClient::connect(node.smtp).unwrap();
    client
        .send(mail_from, "alice@postie.test", message)
        .map_err(|e| e.to_string())
}

#[test]
fn dkimpy_signatures_spf_and_dmarc_are_checked_on_receipt_and_stored() {
    let Some(rig) = Rig::new() else {
        return;
    };
    let node = ServeProcess::start(rig.home.path());

    // 1. rsa-sha256 from an aligned domain whose SPF allows us: everything passes.
    let signed = rig.sign(
        "sender.test",
        "r1",
        &rig.rsa,
        &message("a@sender.test", "rsagood", ""),
    );
    send(&node, "bounce@sender.test", &signed).unwrap();
    let ar = our_results(&stored(rig.home.path(), "rsagood"));
    for part in [
        "spf=pass smtp.mailfrom=bounce@sender.test",
        "dkim=pass header.d=sender.test header.s=r1",
        "dmarc=pass header.from=sender.test policy.dmarc=reject",
        "arc=none",
    ] {
        assert!(ar.contains(part), "{part} in {ar}");
    }
    // `show --json` carries the verdicts as kept with the envelope.
    let show = json(rig.home.path(), "show", "rsagood");
    assert_eq!(show["verdicts"]["dmarc"]["result"], "pass", "{show:#}");
    assert_eq!(show["verdicts"]["dkim"][0]["domain"], "sender.test");
    assert_eq!(
        show["envelope"]["auth_summary"],
        "spf=pass dkim=pass dmarc=pass arc=none"
    );

    // 2. ed25519-sha256 (RFC 8463) from a subdomain; DMARC finds the parent's record.
    let signed = rig.sign(
        "ed.sender.test",
        "e1",
        &rig.ed,
        &message("x@ed.sender.test", "edgood", ""),
    );
    send(&node, "x@ed.sender.test", &signed).unwrap();
    let ar = our_results(&stored(rig.home.path(), "edgood"));
    assert!(
        ar.contains("dkim=pass header.d=ed.sender.test header.s=e1"),
        "{ar}"
    );
    assert!(
        ar.contains("spf=none") && ar.contains("dmarc=pass header.from=ed.sender.test"),
        "{ar}"
    );

    // 3. One body byte changed after signing, from an envelope domain that is not aligned:
    //    the signature fails, so does DMARC; by default the verdict is recorded, not enforced.
    let signed = rig.sign(
        "sender.test",
        "r1",
        &rig.rsa,
        &message("a@sender.test", "bodychanged", ""),
    );
    let changed = String::from_utf8(signed)
        .unwrap()
        .replace("Hello from", "Hello frim");
    send(&node, "other@unrelated.test", changed.as_bytes()).unwrap();
    let ar = our_results(&stored(rig.home.path(), "bodychanged"));
    assert!(
        ar.contains("dkim=fail") && ar.contains("header.d=sender.test"),
        "{ar}"
    );
    assert!(
        ar.contains("dmarc=fail header.from=sender.test policy.dmarc=reject"),
        "{ar}"
    );

    // 4. One signed header changed.
    let signed = rig.sign(
        "sender.test",
        "r1",
        &rig.rsa,
        &message("a@sender.test", "hdrchanged", ""),
    );
    let changed = String::from_utf8(signed).unwrap().replace(
        "To: alice@postie.test",
        "To: alice@postie.test, eve@elsewhere.test",
    );
    send(&node, "bounce@sender.test", changed.as_bytes()).unwrap();
    let ar = our_results(&stored(rig.home.path(), "hdrchanged"));
    assert!(ar.contains("dkim=fail"), "{ar}");
    assert!(ar.contains("dmarc=pass"), "SPF is still aligned: {ar}");

    // 5. Strict alignment: a valid signature by a subdomain does not align with adkim=s.
    let signed = rig.sign(
        "sub.strict.test",
        "r1",
        &rig.rsa,
        &message("a@strict.test", "strictalign", ""),
    );
    send(&node, "other@unrelated.test", &signed).unwrap();
    let ar = our_results(&stored(rig.home.path(), "strictalign"));
    assert!(ar.contains("dkim=pass header.d=sub.strict.test"), "{ar}");
    assert!(
        ar.contains("dmarc=fail header.from=strict.test policy.dmarc=reject"),
        "{ar}"
    );

    // 6. Relaxed alignment (the default): the same shape passes, under p=quarantine.
    let signed = rig.sign(
        "sub.relaxed.test",
        "r1",
        &rig.rsa,
        &message("a@relaxed.test", "relaxedalign", ""),
    );
    send(&node, "other@unrelated.test", &signed).unwrap();
    let ar = our_results(&stored(rig.home.path(), "relaxedalign"));
    assert!(
        ar.contains("dmarc=pass header.from=relaxed.test policy.dmarc=quarantine"),
        "{ar}"
    );

    // 7. The subdomain policy (sp=reject) applies to a subdomain without its own record.
    send(
        &node,
        "a@sub.policy.test",
        &message("a@sub.policy.test", "subpolicy", ""),
    )
    .unwrap();
    let ar = our_results(&stored(rig.home.path(), "subpolicy"));
    assert!(
        ar.contains("dmarc=fail header.from=sub.policy.test policy.dmarc=reject"),
        "{ar}"
    );

    // 8. Claims forged under our authserv-id are removed; another server's are kept.
    let forged = message(
        "a@sender.test",
        "forgedclaims",
        "Authentication-Results: MAIL.postie.test; dkim=pass header.d=bank.test\r\n\
         Authentication-Results: mx.example.net; spf=pass smtp.mailfrom=x@example.net\r\n",
    );
    send(&node, "bounce@sender.test", &forged).unwrap();
    let raw = stored(rig.home.path(), "forgedclaims");
    let ar = our_results(&raw);
    assert!(!raw.contains("bank.test"), "{raw}");
    assert!(
        raw.contains("Authentication-Results: mx.example.net; spf=pass"),
        "{raw}"
    );
    assert!(ar.contains("dkim=none"), "{ar}");
    // `trace --json` tells our verdicts (trusted) from the upstream claim.
    let trace = json(rig.home.path(), "trace", "forgedclaims");
    let fields: Vec<(String, bool)> = trace["auth_results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["authserv_id"].as_str().unwrap().to_string(),
                a["trusted"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        fields,
        vec![
            (OUR_ID.to_string(), true),
            ("mx.example.net".to_string(), false)
        ]
    );

    // The verdicts are kept with the envelope, for search.
    let found = |q: &str| -> Vec<String> {
        let rows: Vec<serde_json::Value> =
            serde_json::from_str(&postie(rig.home.path(), &["list", "--json", "--search", q]))
                .unwrap();
        let mut subjects: Vec<String> = rows
            .iter()
            .map(|r| r["subject"].as_str().unwrap().to_string())
            .collect();
        subjects.sort();
        subjects
    };
    assert_eq!(
        found("auth:dmarc=fail"),
        vec!["bodychanged", "strictalign", "subpolicy"]
    );
    assert_eq!(found("auth:dkim=fail"), vec!["bodychanged", "hdrchanged"]);
    node.stop();
}

#[test]
fn an_arc_chain_sealed_by_dkimpy_validates_and_breaks_when_changed() {
    let Some(rig) = Rig::new() else {
        return;
    };
    let node = ServeProcess::start(rig.home.path());
    for (subject, change) in [("arcintact", false), ("arcbroken", true)] {
        let upstream = message(
            "a@sender.test",
            subject,
            "Authentication-Results: lists.arc.test; dkim=pass header.d=sender.test\r\n",
        );
        let sealed = peer(
            &["arc", "lists.arc.test", "r1", &rig.arc, "lists.arc.test"],
            &upstream,
        );
        let sealed = String::from_utf8(sealed).unwrap();
        assert!(sealed.contains("ARC-Seal: i=1;"), "{sealed}");
        let sealed = if change {
            sealed.replace("Hello from", "Hello, changed, from")
        } else {
            sealed
        };
        send(&node, "list-bounces@lists.arc.test", sealed.as_bytes()).unwrap();
        let ar = our_results(&stored(rig.home.path(), subject));
        let expected = if change { "arc=fail" } else { "arc=pass" };
        assert!(ar.contains(expected), "{subject}: {ar}");
    }
    node.stop();
}

#[test]
fn garbage_records_and_a_silent_server_end_in_errors_while_the_session_goes_on() {
    let Some(rig) = Rig::new() else {
        return;
    };
    let node = ServeProcess::start(rig.home.path());

    // A server that never answers: temperror within the 3 s budget, then 250.
    let started = std::time::Instant::now();
    send(
        &node,
        "x@silent.test",
        &message("x@silent.test", "silentdns", ""),
    )
    .unwrap();
    let waited = started.elapsed();
    let ar = our_results(&stored(rig.home.path(), "silentdns"));
    assert!(
        ar.contains("spf=temperror") && ar.contains("dmarc=temperror"),
        "{ar}"
    );
    // The budget bounds the wait (generous slack for a loaded machine, far below the
    // 2 x 1 s per-query timeouts every lookup would add up to without it).
    assert!(waited.as_secs() < 30, "answered after {waited:?}");

    // Garbage SPF and DMARC records, a key that is not base64 and a signature that does
    // not parse: permerror or fail, never a pass, never a crash.
    let signed = rig.sign(
        "garbage.test",
        "r1",
        &rig.rsa,
        &message("x@garbage.test", "garbagedns", ""),
    );
    let with_bad_sig = format!(
        "DKIM-Signature: v=1; a=rsa-sha256; d=; s=; b=###; bh=\r\n{}",
        String::from_utf8(signed).unwrap()
    );
    send(&node, "x@garbage.test", with_bad_sig.as_bytes()).unwrap();
    let ar = our_results(&stored(rig.home.path(), "garbagedns"));
    assert!(ar.contains("spf=permerror"), "{ar}");
    assert!(
        !ar.contains("dkim=pass") && ar.contains("dkim=permerror"),
        "{ar}"
    );
    assert!(!ar.contains("dmarc=pass"), "{ar}");

    // A record too long for one UDP answer (TCP fallback or truncation): a verdict, no hang.
    send(
        &node,
        "x@oversized.test",
        &message("x@oversized.test", "oversized", ""),
    )
    .unwrap();
    let ar = our_results(&stored(rig.home.path(), "oversized"));
    assert!(!ar.contains("spf=pass"), "{ar}");
    node.stop();
}

#[test]
fn configured_refusals_answer_550_at_mail_from_and_at_the_end_of_data() {
    let Some(rig) = Rig::new() else {
        return;
    };
    rig.configure("reject_dmarc = true\nreject_spf_fail = true");
    let node = ServeProcess::start(rig.home.path());

    let signed = rig.sign(
        "sender.test",
        "r1",
        &rig.rsa,
        &message("a@sender.test", "stillgood", ""),
    );
    send(&node, "bounce@sender.test", &signed).unwrap();

    let signed = rig.sign(
        "sender.test",
        "r1",
        &rig.rsa,
        &message("a@sender.test", "refusedmarc", ""),
    );
    let changed = String::from_utf8(signed)
        .unwrap()
        .replace("Hello from", "Hello frim");
    let refused = send(&node, "other@unrelated.test", changed.as_bytes()).unwrap_err();
    assert!(
        refused.contains("550 5.7.1") && refused.contains("sender.test"),
        "{refused}"
    );

    // SPF -all is refused at MAIL FROM, before a byte of data; the session goes on.
    let mut client = SmtpClient::connect(node.smtp).unwrap();
    let refused = client
        .command("MAIL FROM:<a@hardfail.test>", "550")
        .unwrap();
    assert!(refused.starts_with("550 5.7.23"), "{refused}");
    assert!(refused.contains("hardfail.test"), "{refused}");
    client
        .command("RCPT TO:<alice@postie.test>", "503")
        .unwrap();
    client
        .send(
            "bounce@sender.test",
            "alice@postie.test",
            &message("a@sender.test", "afterrefusal", ""),
        )
        .unwrap();

    // Quarantine is not reject: accepted.
    send(
        &node,
        "a@relaxed.test",
        &message("a@relaxed.test", "quarantined", ""),
    )
    .unwrap();

    // p=reject with pct=0 (RFC 7489 §6.6.4): the policy applies to none of the failing
    // mail, so it is accepted, and the verdict keeps the pct it was judged under.
    send(
        &node,
        "other@unrelated.test",
        &message("a@sampled.test", "sampledout", ""),
    )
    .unwrap();
    let show = json(rig.home.path(), "show", "sampledout");
    assert_eq!(show["verdicts"]["dmarc"]["result"], "fail", "{show:#}");
    assert_eq!(show["verdicts"]["dmarc"]["pct"], 0, "{show:#}");

    let rows: Vec<serde_json::Value> =
        serde_json::from_str(&postie(rig.home.path(), &["list", "--json"])).unwrap();
    let subjects: Vec<&str> = rows
        .iter()
        .map(|r| r["subject"].as_str().unwrap())
        .collect();
    assert!(subjects.contains(&"stillgood") && subjects.contains(&"quarantined"));
    assert!(subjects.contains(&"afterrefusal"));
    assert!(!subjects.contains(&"refusedmarc"));
    let _ = &rig.keys;
    node.stop();
}
