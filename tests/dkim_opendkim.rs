//! DKIM signing against OpenDKIM: mail signed by postie (rsa and ed25519 keys from
//! `postie dkim generate`) verifies in `opendkim-testmsg` (Debian's opendkim-tools), and
//! one changed body byte fails. OpenDKIM asks the system resolver, so it runs in a network
//! namespace this test creates, whose /etc/resolv.conf (`ip netns exec` mounts
//! /etc/netns/NAME/resolv.conf) names a dnsmasq there serving the printed TXT records: no
//! query leaves the namespace.
#![allow(clippy::unwrap_used)]

#[path = "support/node.rs"]
mod node;
#[path = "support/peers.rs"]
mod peers;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use node::{postie, postie_ok_with_stdin};

fn ip(args: &[&str]) -> bool {
    Command::new("ip")
        .args(args)
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A network namespace with loopback up and its own resolv.conf; removed on drop with
/// the dnsmasq started in it.
struct Namespace {
    name: String,
    etc: PathBuf,
    dnsmasq_pid: PathBuf,
}

impl Namespace {
    fn new() -> Option<Self> {
        let name = format!("postie-dkim-{}", std::process::id());
        let etc = PathBuf::from(format!("/etc/netns/{name}"));
        let ns = Namespace {
            dnsmasq_pid: std::env::temp_dir().join(format!("{name}-dnsmasq.pid")),
            name,
            etc,
        };
        let ok = ip(&["netns", "add", &ns.name])
            && ip(&["-n", &ns.name, "link", "set", "lo", "up"])
            && std::fs::create_dir_all(&ns.etc).is_ok()
            && std::fs::write(ns.etc.join("resolv.conf"), "nameserver 127.0.0.1\n").is_ok();
        ok.then_some(ns)
    }

    fn exec(&self, program: &str) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.name, program]);
        c
    }

    /// dnsmasq on 127.0.0.1:53 in the namespace serving `records` (name, text); it
    /// daemonizes once its socket is bound, so the command returning means it answers.
    fn serve_txt(&self, records: &[(String, String)]) {
        let mut args = vec![
            "--conf-file=/dev/null".to_string(),
            "--listen-address=127.0.0.1".into(),
            "--bind-interfaces".into(),
            "--port=53".into(),
            "--no-resolv".into(),
            "--no-hosts".into(),
            format!("--pid-file={}", self.dnsmasq_pid.display()),
        ];
        for (name, text) in records {
            // TXT strings hold at most 255 octets: a long key is several strings (given
            // as argv, dnsmasq takes them as written, without quotes).
            let chunks: Vec<String> = text
                .as_bytes()
                .chunks(250)
                .map(|c| String::from_utf8_lossy(c).into_owned())
                .collect();
            args.push(format!("--txt-record={name},{}", chunks.join(",")));
        }
        let status = self.exec("dnsmasq").args(&args).status().unwrap();
        assert!(status.success(), "dnsmasq did not start: {status}");
    }

    /// Whether `opendkim-testmsg` verifies `message` in the namespace, and what it said.
    fn opendkim_verifies(&self, message: &[u8]) -> (bool, String) {
        let mut child = self
            .exec("opendkim-testmsg")
            .arg("-C")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(message).unwrap();
        let out = child.wait_with_output().unwrap();
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), said)
    }
}

impl Drop for Namespace {
    fn drop(&mut self) {
        if let Ok(pid) = std::fs::read_to_string(&self.dnsmasq_pid) {
            let _ = Command::new("kill").arg(pid.trim()).status();
        }
        let _ = std::fs::remove_file(&self.dnsmasq_pid);
        ip(&["netns", "del", &self.name]);
        let _ = std::fs::remove_dir_all(&self.etc);
    }
}

/// The shared test node's config, with a second address in a second signing domain.
fn config() -> String {
    let one = "addresses = [\"alice@postie.test\"]";
    assert!(node::TEST_CONFIG.contains(one), "TEST_CONFIG changed");
    node::TEST_CONFIG.replace(
        one,
        "addresses = [\"alice@postie.test\", \"alice@ed.postie.test\"]",
    )
}

/// `postie dkim generate`: the [[dkim]] entry goes into the config, the TXT record back.
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

/// Write a message with `postie sendmail` to ourselves; the stored (signed) bytes.
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
fn postie_signed_mail_verifies_in_opendkim_and_fails_when_changed() {
    let (Some(_), Some(_), Some(_)) = (
        peers::find("ip"),
        peers::find("dnsmasq"),
        peers::find("opendkim-testmsg"),
    ) else {
        peers::skip("ip, dnsmasq or opendkim-testmsg (opendkim-tools) not installed");
        return;
    };
    let Some(ns) = Namespace::new() else {
        peers::skip("cannot create network namespaces (not root?)");
        return;
    };
    let home = tempfile::tempdir().unwrap();
    std::fs::write(home.path().join("config.toml"), config()).unwrap();
    let rsa = generate(home.path(), "postie.test", "r2026", "rsa");
    let ed = generate(home.path(), "ed.postie.test", "e2026", "ed25519");
    ns.serve_txt(&[rsa, ed]);

    for (from, subject, algorithm) in [
        ("alice@postie.test", "rsasigned", "a=rsa-sha256"),
        ("alice@ed.postie.test", "edsigned", "a=ed25519-sha256"),
    ] {
        let raw = send_and_fetch(home.path(), from, subject);
        let text = String::from_utf8_lossy(&raw).into_owned();
        assert!(text.contains(algorithm), "{text}");
        let (ok, said) = ns.opendkim_verifies(&raw);
        assert!(
            ok,
            "{algorithm}: OpenDKIM refused postie's signature: {said}\n{text}"
        );
        let tampered = text.replace("Hello, signed world.", "Hello, signed world!");
        let (ok, said) = ns.opendkim_verifies(tampered.as_bytes());
        assert!(!ok, "{algorithm}: a changed body still verified: {said}");
    }
}
