//! DKIM signing against an independent verifier: keys made by `postie dkim generate` (rsa
//! and ed25519), mail written with `postie sendmail` and filed locally, then verified by
//! Python's dkimpy through the loopback test DNS serving the printed TXT records. One
//! changed body byte, or a second From header (From is oversigned), makes it fail.
#![allow(clippy::unwrap_used)]

#[path = "support/dns.rs"]
mod dns;
#[path = "support/node.rs"]
mod node;
#[path = "support/peers.rs"]
mod peers;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use node::{postie, postie_ok_with_stdin};

/// The shared test node's config, with a second address in a second signing domain.
fn config() -> String {
    let one = "addresses = [\"alice@postie.test\"]";
    assert!(node::TEST_CONFIG.contains(one), "TEST_CONFIG changed");
    node::TEST_CONFIG.replace(
        one,
        "addresses = [\"alice@postie.test\", \"alice@ed.postie.test\"]",
    )
}

/// Does python3 have dkimpy, dnspython (and PyNaCl for ed25519)?
fn dkimpy() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import dkim, dns.resolver, nacl"])
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        peers::skip("python3 with dkimpy, dnspython and pynacl not installed");
    }
    ok
}

/// `postie dkim generate`: appends its `[[dkim]]` entry to config.toml and returns the
/// TXT record's name and value.
fn generate(home: &Path, domain: &str, selector: &str, algorithm: &str) -> (String, String) {
    let out = postie(
        home,
        &[
            "dkim",
            "generate",
            domain,
            "--selector",
            selector,
            "--algorithm",
            algorithm,
        ],
    );
    let entry: String = out
        .lines()
        .skip_while(|l| *l != "[[dkim]]")
        .take(5)
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(
        entry.contains(&format!("algorithm = \"{algorithm}\"")),
        "{out}"
    );
    let mut config = std::fs::OpenOptions::new()
        .append(true)
        .open(home.join("config.toml"))
        .unwrap();
    write!(config, "\n{entry}").unwrap();
    let record = out
        .lines()
        .find(|l| l.contains("._domainkey."))
        .unwrap_or_else(|| panic!("no TXT record in {out}"));
    let (name, rest) = record.split_once(". TXT \"").unwrap();
    (name.to_string(), rest.trim_end_matches('"').to_string())
}

fn verify(dns_port: u16, message: &[u8]) -> String {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/dkim_verify.py");
    let mut child = Command::new("python3")
        .args([script, &dns_port.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(message).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "dkimpy: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// Send from `from` to alice with `postie sendmail` and return the filed copy, raw.
fn send_and_fetch(home: &Path, from: &str, subject: &str) -> Vec<u8> {
    let message = format!(
        "From: Alice <{from}>\nTo: alice@postie.test\nSubject: {subject}\n\
         Message-ID: <{subject}@postie.test>\n\nHello, signed world.\n"
    );
    postie_ok_with_stdin(
        home,
        &["sendmail", "-f", from, "alice@postie.test"],
        message.as_bytes(),
    );
    let rows: Vec<serde_json::Value> =
        serde_json::from_str(&postie(home, &["list", "--json", "--search", subject])).unwrap();
    let id = rows[0]["id"].as_i64().unwrap().to_string();
    let out = Command::new(node::postie_bin())
        .args(["show", &id, "--raw"])
        .env("POSTIE_HOME", home)
        .output()
        .unwrap();
    assert!(out.status.success());
    out.stdout
}

#[test]
fn postie_signed_mail_verifies_in_dkimpy_and_fails_when_changed() {
    if !dkimpy() {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    std::fs::write(home.path().join("config.toml"), config()).unwrap();
    let (rsa_name, rsa_txt) = generate(home.path(), "postie.test", "r2026", "rsa");
    let (ed_name, ed_txt) = generate(home.path(), "ed.postie.test", "e2026", "ed25519");
    assert!(rsa_txt.starts_with("v=DKIM1; k=rsa; p=") && ed_txt.contains("k=ed25519"));
    let dns = dns::TestDns::start(
        dns::Zone::default()
            .txt(&rsa_name, &rsa_txt)
            .txt(&ed_name, &ed_txt),
    );
    let port = dns.addr.port();

    for (from, subject, algorithm) in [
        ("alice@postie.test", "rsasigned", "a=rsa-sha256"),
        ("alice@ed.postie.test", "edsigned", "a=ed25519-sha256"),
    ] {
        let raw = send_and_fetch(home.path(), from, subject);
        let text = String::from_utf8_lossy(&raw);
        assert!(
            text.contains("DKIM-Signature:") && text.contains(algorithm),
            "{text}"
        );
        assert_eq!(verify(port, &raw), "pass", "{algorithm}: {text}");

        let tampered = text.replace("Hello, signed world.", "Hello, signed world!");
        assert_eq!(
            verify(port, tampered.as_bytes()),
            "fail",
            "{algorithm} body"
        );
        let second_from = text.replacen("Subject:", "From: mallory@evil.test\r\nSubject:", 1);
        assert_eq!(
            verify(port, second_from.as_bytes()),
            "fail",
            "{algorithm} From"
        );
    }
}

#[test]
fn mail_from_a_domain_without_a_key_is_not_signed_and_a_bad_key_is_a_config_error() {
    let home = tempfile::tempdir().unwrap();
    let with_bad_key = format!(
        "{}\n[[dkim]]\ndomain = \"postie.test\"\nselector = \"s\"\nkey_file = \"/nonexistent/key.pem\"\n",
        config()
    );
    std::fs::write(home.path().join("config.toml"), &with_bad_key).unwrap();
    let out = Command::new(node::postie_bin())
        .args(["list"])
        .env("POSTIE_HOME", home.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("key_file") && stderr.contains("/nonexistent/key.pem"),
        "{stderr}"
    );

    std::fs::write(home.path().join("config.toml"), config()).unwrap();
    generate(home.path(), "ed.postie.test", "e1", "ed25519");
    let raw = send_and_fetch(home.path(), "alice@postie.test", "unsigned");
    assert!(!String::from_utf8_lossy(&raw).contains("DKIM-Signature:"));
}

/// `postie doctor` through the test DNS: the published key verifies a signature made with
/// ours; a stale key, two SPF records and a missing DMARC record are each named.
#[test]
fn doctor_checks_the_published_dkim_spf_and_dmarc_records() {
    let home = tempfile::tempdir().unwrap();
    let (name, txt) = {
        std::fs::write(home.path().join("config.toml"), config()).unwrap();
        generate(home.path(), "postie.test", "d1", "ed25519")
    };
    let run = |zone: dns::Zone| {
        let server = dns::TestDns::start(zone);
        let config = std::fs::read_to_string(home.path().join("config.toml")).unwrap();
        let config = config.replace(
            "nameservers = [\"127.0.0.1:9\"]",
            &format!("nameservers = [\"{}\"]", server.addr),
        );
        let other = home.path().join("doctor.toml");
        std::fs::write(&other, config).unwrap();
        let out = Command::new(node::postie_bin())
            .args(["--config", other.to_str().unwrap(), "doctor"])
            .env("POSTIE_HOME", home.path())
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };

    let out = run(dns::Zone::default()
        .txt(&name, &txt)
        .txt("postie.test", "v=spf1 ip4:192.0.2.1 -all")
        .txt("_dmarc.postie.test", "v=DMARC1; p=none"));
    assert!(
        out.contains(
            "[ok  ] dkim: d1._domainkey.postie.test: a signature made with our key verifies"
        ),
        "{out}"
    );
    assert!(
        out.contains("[ok  ] spf: postie.test: v=spf1 ip4:192.0.2.1 -all"),
        "{out}"
    );
    assert!(
        out.contains("[ok  ] dmarc: _dmarc.postie.test: v=DMARC1; p=none"),
        "{out}"
    );

    // A key published for another private key, two SPF records, no DMARC.
    let stale = keys_txt();
    let out = run(dns::Zone::default()
        .txt(&name, &stale)
        .txt("postie.test", "v=spf1 ip4:192.0.2.1 -all")
        .txt("postie.test", "v=spf1 -all"));
    assert!(
        out.contains(
            "[FAIL] dkim: d1._domainkey.postie.test: a signature made with our key does not verify"
        ),
        "{out}"
    );
    assert!(
        out.contains("[FAIL] spf: postie.test: 2 SPF records"),
        "{out}"
    );
    assert!(
        out.contains("[WARN] dmarc: _dmarc.postie.test: no DMARC record"),
        "{out}"
    );
}

/// An RSA key published the way postie did before (a bare PKCS#1 RSAPublicKey) still
/// verifies, and doctor says OpenDKIM-based verifiers cannot read it.
#[test]
fn doctor_warns_about_an_rsa_key_published_as_bare_pkcs1() {
    use base64::Engine;
    let home = tempfile::tempdir().unwrap();
    std::fs::write(home.path().join("config.toml"), config()).unwrap();
    let (name, txt) = generate(home.path(), "postie.test", "r1", "rsa");
    let (head, p) = txt.split_once("p=").unwrap();
    let engine = base64::engine::general_purpose::STANDARD;
    let spki = engine.decode(p).unwrap();
    // SEQUENCE header (4), AlgorithmIdentifier (15), BIT STRING header (4) and its 0 byte.
    let pkcs1 = format!("{head}p={}", engine.encode(&spki[24..]));
    assert!(pkcs1.contains("p=MIIBCg"), "{pkcs1}");
    let server = dns::TestDns::start(
        dns::Zone::default()
            .txt(&name, &pkcs1)
            .txt("postie.test", "v=spf1 -all")
            .txt("_dmarc.postie.test", "v=DMARC1; p=none"),
    );
    let config = std::fs::read_to_string(home.path().join("config.toml"))
        .unwrap()
        .replace(
            "nameservers = [\"127.0.0.1:9\"]",
            &format!("nameservers = [\"{}\"]", server.addr),
        );
    let other = home.path().join("doctor.toml");
    std::fs::write(&other, config).unwrap();
    let out = Command::new(node::postie_bin())
        .args(["--config", other.to_str().unwrap(), "doctor"])
        .env("POSTIE_HOME", home.path())
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.contains(
            "[ok  ] dkim: r1._domainkey.postie.test: a signature made with our key verifies"
        ),
        "{out}"
    );
    assert!(
        out.contains(
            "[WARN] dkim: r1._domainkey.postie.test: the RSA key is published as a bare PKCS#1"
        ),
        "{out}"
    );
}

/// The TXT value of a fresh ed25519 key that is not the configured one.
fn keys_txt() -> String {
    let scratch = tempfile::tempdir().unwrap();
    std::fs::write(scratch.path().join("config.toml"), config()).unwrap();
    generate(scratch.path(), "postie.test", "d1", "ed25519").1
}
