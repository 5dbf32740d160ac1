//! A machine without a network: `postie serve` runs in a network namespace whose only link
//! to the receiver is down (no route). Its attempts are recorded once as offline, are not
//! counted against the message and are retried every poll; when the link comes up the
//! message leaves within a poll. Needs root and iproute2 (CI runs as root); skips visibly
//! otherwise, or fails under POSTIE_REQUIRE_PEERS=1.

#![allow(clippy::unwrap_used, clippy::print_stderr)]

#[path = "support/node.rs"]
mod node;
#[path = "support/peers.rs"]
mod peers;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Two namespaces joined by a veth pair; removed (with everything in them) on drop.
struct Net {
    a: String,
    b: String,
    link_a: String,
}

fn ip(args: &[&str]) -> bool {
    Command::new("ip")
        .args(args)
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

impl Net {
    fn new() -> Option<Self> {
        let id = std::process::id();
        let net = Net {
            a: format!("postie-off-a-{id}"),
            b: format!("postie-off-b-{id}"),
            link_a: format!("pva{}", id % 10_000_000),
        };
        let link_b = format!("pvb{}", id % 10_000_000);
        let ok = ip(&["netns", "add", &net.a])
            && ip(&["netns", "add", &net.b])
            && ip(&["-n", &net.a, "link", "set", "lo", "up"])
            && ip(&["-n", &net.b, "link", "set", "lo", "up"])
            && ip(&[
                "link",
                "add",
                &net.link_a,
                "netns",
                &net.a,
                "type",
                "veth",
                "peer",
                "name",
                &link_b,
                "netns",
                &net.b,
            ])
            && ip(&[
                "-n",
                &net.a,
                "addr",
                "add",
                "10.231.0.1/24",
                "dev",
                &net.link_a,
            ])
            && ip(&["-n", &net.b, "addr", "add", "10.231.0.2/24", "dev", &link_b])
            && ip(&["-n", &net.b, "link", "set", &link_b, "up"]);
        ok.then_some(net)
    }

    fn exec(&self, ns: &str, program: &str) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", ns, program]);
        c
    }
}

impl Drop for Net {
    fn drop(&mut self) {
        ip(&["netns", "del", &self.a]);
        ip(&["netns", "del", &self.b]);
    }
}

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The one queue entry, as `postie queue --json` shows it.
fn entry(home: &std::path::Path) -> serde_json::Value {
    let all: serde_json::Value =
        serde_json::from_str(&node::postie(home, &["queue", "--json"])).unwrap();
    all[0].clone()
}

fn attempts(home: &std::path::Path) -> Vec<serde_json::Value> {
    let json = node::postie(home, &["queue", "attempts", "1", "--json"]);
    serde_json::from_str::<serde_json::Value>(&json)
        .unwrap()
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// Poll (bounded) until `ok` holds for the home's queue: the node is another process.
fn wait(what: &str, ok: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !ok() {
        assert!(Instant::now() < deadline, "{what} did not happen");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn offline_attempts_are_not_counted_and_delivery_resumes_within_a_poll() {
    let (Some(_), Some(_), Some(sink)) = (
        peers::find("ip"),
        peers::find("dnsmasq"),
        peers::find("smtp-sink"),
    ) else {
        peers::skip("ip, dnsmasq or smtp-sink not installed");
        return;
    };
    let Some(net) = Net::new() else {
        peers::skip("cannot create network namespaces (not root?)");
        return;
    };
    let _sink = Killed(
        net.exec(&net.b, sink.to_str().unwrap())
            .args(["-u", "root", "10.231.0.2:2525", "16"])
            .stdout(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let _dns = Killed(
        net.exec(&net.a, "dnsmasq")
            .args([
                "--no-daemon",
                "--conf-file=/dev/null",
                "--listen-address=127.0.0.1",
                "--bind-interfaces",
                "--port=5353",
                "--no-resolv",
                "--no-hosts",
                "--mx-host=far.test,mx.far.test,10",
                "--host-record=mx.far.test,10.231.0.2",
            ])
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join("config.toml"),
        "[[accounts]]\nname = \"me\"\naddresses = [\"me@home.test\"]\n\
         [smtp]\nlisten = [\"127.0.0.1:0\"]\nhostname = \"node.home.test\"\n\
         [pop3]\nlisten = [\"127.0.0.1:0\"]\n\
         [outbound]\ndirect_port = 2525\npoll_secs = 1\nretry_minutes = [60]\ntimeout_secs = 5\n\
         [dns]\nreverse_lookups = false\nnameservers = [\"127.0.0.1:5353\"]\n",
    )
    .unwrap();
    let _serve = Killed(
        net.exec(&net.a, node::postie_bin())
            .arg("serve")
            .env("POSTIE_HOME", home.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    node::postie_ok_with_stdin(
        home.path(),
        &["sendmail", "x@far.test"],
        b"Subject: while offline\n\nqueued with no network\n",
    );

    // The link is down: offline, recorded once, retried every poll, never counted.
    wait("an offline attempt", || {
        attempts(home.path())
            .first()
            .is_some_and(|a| a["offline"] == true)
    });
    let first_at = attempts(home.path())[0]["at"].as_i64().unwrap();
    wait("three polls while offline", || {
        attempts(home.path())[0]["at"].as_i64().unwrap() >= first_at + 2
    });
    let e = entry(home.path());
    assert_eq!(e["state"], "deferred", "{e}");
    assert_eq!(e["attempts"], 1, "offline retries are not counted: {e}");
    assert_eq!(
        attempts(home.path()).len(),
        1,
        "one row for the offline spell"
    );

    // The network comes back: the message leaves within a poll or two.
    assert!(ip(&["-n", &net.a, "link", "set", &net.link_a, "up"]));
    let back = Instant::now();
    wait("delivery after the link came up", || {
        entry(home.path())["state"] == "delivered"
    });
    let took = back.elapsed();
    eprintln!("delivered {took:?} after the link came up (poll 1 s)");
    assert!(took < Duration::from_secs(10), "{took:?}");
}
