//! Test support for local mail: a node for `me@home.test` (in-process, with its real
//! store), a receiving node for `alice@postie.test` found by MX on a loopback DNS server,
//! and checks that a message reached exactly the places its recipients say. Test files
//! that include it also include `support/node.rs` as `node`.

#![allow(dead_code, clippy::unwrap_used, clippy::print_stderr)]

use super::dns::{TestDns, Zone};
use super::receivers::postie_receiver;
use postie::config::{Config, Paths};
use postie::node::Node;
use postie::store::{Role, Store};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

/// How long a remote delivery may take before the test fails (the node polls every 1 s).
const DELIVERY_DEADLINE: Duration = Duration::from_secs(30);

pub struct Rig {
    pub home: tempfile::TempDir,
    pub node: Node,
    pub receiver: Node,
    _receiver_home: tempfile::TempDir,
    pub dns: TestDns,
}

/// The sending node's configuration: one account, DNS only to the test server.
pub fn config_text(direct_port: u16, dns: &str) -> String {
    format!(
        r#"
[[accounts]]
name = "me"
display_name = "Me Myself"
addresses = ["me@home.test"]

[smtp]
listen = ["127.0.0.1:0"]
hostname = "node.home.test"
greet_pause_ms = 0

[pop3]
listen = ["127.0.0.1:0"]

[outbound]
direct_port = {direct_port}
poll_secs = 1

[dns]
reverse_lookups = false
nameservers = ["{dns}"]

[ui]
bell = false
"#
    )
}

impl Rig {
    pub async fn start() -> Self {
        let (receiver_home, receiver) = postie_receiver("127.0.0.2:0", "").await;
        let zone = Zone::default()
            .mx("postie.test", 10, "mx1.postie.test")
            .addr("mx1.postie.test", "127.0.0.2");
        let dns = TestDns::start(zone);
        let home = tempfile::tempdir().unwrap();
        let dns_addr = dns.addr.to_string();
        let text = config_text(receiver.smtp_addrs[0].port(), &dns_addr);
        std::fs::write(home.path().join("config.toml"), &text).unwrap();
        let config: Config =
            postie::config::load_from_str(&text, &home.path().join("config.toml")).unwrap();
        let node = Node::start(&Paths::under(home.path()), &config)
            .await
            .unwrap();
        Self {
            home,
            node,
            receiver,
            _receiver_home: receiver_home,
            dns,
        }
    }

    pub fn home(&self) -> &Path {
        self.home.path()
    }

    pub fn postie_bin(&self) -> PathBuf {
        PathBuf::from(env!("CARGO_BIN_EXE_postie"))
    }

    /// A script that runs `postie sendmail` for this home: what a program configured with a
    /// sendmail path (mailx, git, cron) runs.
    pub fn sendmail_wrapper(&self) -> PathBuf {
        let path = self.home().join("sendmail");
        let script = format!(
            "#!/bin/sh\nexec env POSTIE_HOME='{}' '{}' sendmail \"$@\"\n",
            self.home().display(),
            self.postie_bin().display()
        );
        std::fs::write(&path, script).unwrap();
        Command::new("chmod")
            .arg("755")
            .arg(&path)
            .status()
            .unwrap();
        path
    }

    /// `postie sendmail ARGS` with `stdin`, as a local program would run it.
    pub fn sendmail(&self, args: &[&str], stdin: &[u8]) -> Output {
        let mut all = vec!["sendmail"];
        all.extend_from_slice(args);
        super::node::postie_with_stdin(self.home(), &all, stdin)
    }

    /// The raw messages in `me`'s Inbox whose Subject is `subject`.
    pub async fn local_copies(&self, subject: &str) -> Vec<Vec<u8>> {
        mailbox_with_subject(&self.node.store, "me", Role::Inbox, subject).await
    }

    /// The raw messages in `me`'s Sent folder whose Subject is `subject`.
    pub async fn sent_copies(&self, subject: &str) -> Vec<Vec<u8>> {
        mailbox_with_subject(&self.node.store, "me", Role::Sent, subject).await
    }

    /// Wait (bounded, on the receiver's store events) until `subject` reached alice.
    pub async fn remote_copy(&self, subject: &str) -> Vec<u8> {
        let store = &self.receiver.store;
        let mut events = store.subscribe();
        let deadline = tokio::time::Instant::now() + DELIVERY_DEADLINE;
        loop {
            let found = mailbox_with_subject(store, "alice", Role::Inbox, subject).await;
            if let Some(first) = found.into_iter().next() {
                return first;
            }
            match tokio::time::timeout_at(deadline, events.recv()).await {
                Ok(_) => {}
                Err(_) => panic!("`{subject}` never reached the remote receiver"),
            }
        }
    }

    /// No local address is queued for delivery: local mail stayed local. (An unknown local
    /// user is recorded as bounced at once, never attempted, for the sender's notice.)
    pub async fn assert_nothing_queued_locally(&self) {
        for entry in self.node.store.queue().await.unwrap() {
            let local = entry.rcpt.to_ascii_lowercase().ends_with("@home.test");
            let refused =
                entry.state == postie::store::RecipientState::Bounced && entry.attempts == 0;
            assert!(
                !local || refused,
                "a local address was queued for delivery: {entry:?}"
            );
        }
    }

    /// The message reached `me` (filed as final delivery), `alice` (by MX), or both, as
    /// `local` and `remote` say; `trace` is what our Received line must contain.
    pub async fn expect(&self, subject: &str, local: bool, remote: bool, trace: &str) {
        if remote {
            let got = self.remote_copy(subject).await;
            assert!(text(&got).contains(&format!("Subject: {subject}")));
        }
        let copies = self.local_copies(subject).await;
        if local {
            assert_eq!(copies.len(), 1, "one Inbox copy of `{subject}`");
            let copy = text(&copies[0]);
            let lower = copy.to_ascii_lowercase();
            assert!(
                lower.starts_with("return-path: <")
                    && lower.contains(">\r\ndelivered-to: me@home.test\r\nreceived: "),
                "final delivery trace lines on top:\n{copy}"
            );
            assert!(copy.contains(trace), "`{trace}` missing:\n{copy}");
        } else {
            assert!(copies.is_empty(), "`{subject}` was not for me");
        }
        self.assert_nothing_queued_locally().await;
        if !remote {
            let queue = self.node.store.queue().await.unwrap();
            let attempted = |e: &postie::store::QueueEntry| {
                e.subject.as_deref() == Some(subject)
                    && !(e.state == postie::store::RecipientState::Bounced && e.attempts == 0)
            };
            assert!(
                !queue.iter().any(attempted),
                "`{subject}` queued though it had no remote recipient: {queue:?}"
            );
        }
    }

    pub async fn shutdown(self) {
        self.node.shutdown().await;
        self.receiver.shutdown().await;
    }
}

pub fn text(raw: &[u8]) -> String {
    String::from_utf8_lossy(raw).into_owned()
}

async fn mailbox_with_subject(
    store: &Store,
    account: &str,
    role: Role,
    subject: &str,
) -> Vec<Vec<u8>> {
    let account = store.account_by_name(account).await.unwrap().unwrap();
    let mailbox = store.mailbox_by_role(account.id, role).await.unwrap();
    let mut out = Vec::new();
    for (id, _, _) in store.ids_in(mailbox.id).await.unwrap() {
        let summary = store.summary(id).await.unwrap().unwrap();
        if summary.subject == subject {
            out.push(store.raw(id).await.unwrap().unwrap());
        }
    }
    out
}
