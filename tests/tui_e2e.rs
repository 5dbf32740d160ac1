//! The real binary in tmux: start postie on a fresh home, receive mail over SMTP and see it
//! appear without a key press, open it, reply, send, watch the reply go from the outbox to
//! a receiving node found by MX (loopback DNS), quit,
//! and check the terminal is back in cooked mode. Skips visibly when tmux is absent.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

#[path = "support/dns.rs"]
mod dns;
#[path = "support/peers.rs"]
mod peers;
#[path = "support/receivers.rs"]
mod receivers;
#[path = "support/tmux.rs"]
mod tmux;

use dns::{TestDns, Zone};
use tmux::{Tmux, port_of, smtp_send, start, write_config};

use std::io::{BufRead, BufReader};
use std::process::Command;

#[test]
fn receive_open_reply_send_and_see_it_delivered() {
    if !Tmux::or_skip() {
        return;
    }
    // The reply goes to bob@postie.test: a loopback DNS server names a receiving postie
    // node on 127.0.0.2 as its MX.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (_receiver_home, receiver) =
        runtime.block_on(receivers::postie_receiver("127.0.0.2:0", ""));
    let dns = TestDns::start(
        Zone::default()
            .mx("postie.test", 10, "mx1.postie.test")
            .addr("mx1.postie.test", "127.0.0.2"),
    );
    let home = tempfile::tempdir().unwrap();
    write_config(
        home.path(),
        &dns.addr.to_string(),
        receiver.smtp_addrs[0].port(),
    );
    let tmux = start(home.path(), "flow");
    let screen = tmux.wait_for("Welcome to postie");
    let port = port_of(&screen);
    assert!(
        screen.contains(&format!("smtp 127.0.0.1:{port}")),
        "{screen}"
    );

    smtp_send(
        port,
        "bob@postie.test",
        "alice@localhost",
        "From: Bob <bob@postie.test>\r\nTo: alice@localhost\r\nSubject: E2E hello\r\nMessage-ID: <e2e-1@postie.test>\r\n\r\nAre you there?",
    );
    // No key pressed: the list updates from the store's notification.
    let screen = tmux.wait_for("E2E hello");
    assert!(screen.contains("new mail from bob@postie.test"), "{screen}");

    // The selection stayed on the welcome message; the new mail is above it.
    tmux.keys(&["k", "Enter"]);
    tmux.wait_for("Are you there?");
    tmux.keys(&["r"]);
    tmux.wait_for("Subject: Re: E2E hello");
    tmux.keys(&["C-e"]);
    tmux.wait_for("EDITED-BY-VISUAL");
    tmux.literal("Yes, here.");
    tmux.keys(&["C-s"]);
    // The composer closes once the store has the message.
    tmux.wait_for("queued for delivery");
    tmux.keys(&["O"]);
    let outbox = tmux.wait_for("Outbox: 1 recipient,");
    assert!(outbox.contains("bob@postie.test"), "{outbox}");
    assert!(outbox.contains("Re: E2E hello"), "{outbox}");
    // The node's runner delivers it; the outbox shows the state change live.
    tmux.wait_for("delivered");
    let delivered = runtime.block_on(receivers::inbox(&receiver.store, "alice"));
    let reply = String::from_utf8_lossy(&delivered[0]).into_owned();
    assert!(reply.contains("Subject: Re: E2E hello"), "{reply}");
    assert!(reply.contains("Yes, here."), "{reply}");
    assert!(
        reply.contains("In-Reply-To: <e2e-1@postie.test>"),
        "{reply}"
    );

    tmux.keys(&["q"]);
    tmux.wait_for("sorted by date");
    tmux.keys(&["q"]);
    let after = tmux.wait_for("POSTIE-EXITED 0");
    let restored = tmux.wait_for("icanon");
    assert!(
        !restored.contains("-icanon"),
        "the terminal was left in raw mode:\n{after}"
    );
}

#[test]
fn two_tuis_attach_to_a_running_serve_and_follow_its_events() {
    if !Tmux::or_skip() {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    write_config(home.path(), "127.0.0.1:9", 25);
    let mut serve = Command::new(env!("CARGO_BIN_EXE_postie"))
        .arg("serve")
        .env("POSTIE_HOME", home.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(serve.stdout.take().unwrap()).lines();
    let mut port = 0;
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(addr) = line.strip_prefix("smtp ") {
            port = addr.rsplit(':').next().unwrap().parse().unwrap();
        }
        if line == "ready" {
            break;
        }
    }
    let tmux = start(home.path(), "attach");
    tmux.wait_for(&format!("attached to node pid {}", serve.id()));
    smtp_send(
        port,
        "carol@example.net",
        "alice@localhost",
        "From: carol@example.net\r\nSubject: via serve\r\n\r\nhi",
    );
    // The node's event arrives through its control socket: the list shows the message and
    // the status line names its sender (a timer refresh alone would not say who sent it).
    tmux.wait_for("via serve");
    tmux.wait_for("new mail from carol@example.net");
    // A second TUI on the same home attaches to the same node too.
    let second = start(home.path(), "attach-second");
    second.wait_for(&format!("attached to node pid {}", serve.id()));
    second.wait_for("via serve");
    second.keys(&["q"]);
    second.wait_for("POSTIE-EXITED 0");
    tmux.keys(&["q"]);
    tmux.wait_for("POSTIE-EXITED 0");
    let _ = Command::new("kill")
        .arg("-TERM")
        .arg(serve.id().to_string())
        .status();
    let _ = serve.wait();
}

#[test]
fn sigterm_quits_cleanly_and_restores_the_terminal() {
    if !Tmux::or_skip() {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    write_config(home.path(), "127.0.0.1:9", 25);
    let tmux = start(home.path(), "term");
    tmux.wait_for("Welcome to postie");
    // The node lock names the process holding it: the TUI with its embedded node.
    let pid = std::fs::read_to_string(home.path().join("data/node.lock")).unwrap();
    Command::new("kill")
        .arg("-TERM")
        .arg(pid.trim())
        .status()
        .unwrap();
    tmux.wait_for("POSTIE-EXITED 0");
    let screen = tmux.wait_for("icanon");
    assert!(!screen.contains("-icanon"), "{screen}");
}

#[test]
fn a_panic_gives_the_terminal_back_and_says_why() {
    if !Tmux::or_skip() {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    write_config(home.path(), "127.0.0.1:9", 25);
    let tmux = start(home.path(), "panic");
    tmux.wait_for("Welcome to postie");
    // `:debug-panic` exists in debug builds (what `cargo test` runs) for this test.
    tmux.literal(":debug-panic");
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("POSTIE-EXITED 101");
    assert!(
        screen.contains("debug-panic: raised on request"),
        "the panic message is printed on the restored screen: {screen}"
    );
    assert!(
        !screen.contains("Welcome to postie"),
        "the alternate screen was left: {screen}"
    );
    let screen = tmux.wait_for("icanon");
    assert!(!screen.contains("-icanon"), "cooked mode is back: {screen}");
}

#[test]
fn a_taken_port_leaves_the_node_down_but_the_mail_usable() {
    if !Tmux::or_skip() {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    // Another program holds the SMTP port postie is configured for.
    let squatter = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = squatter.local_addr().unwrap().port();
    write_config(home.path(), "127.0.0.1:9", 25);
    let config = std::fs::read_to_string(home.path().join("config.toml")).unwrap();
    let config = config.replacen(
        "listen = [\"127.0.0.1:0\"]",
        &format!("listen = [\"127.0.0.1:{port}\"]"),
        1,
    );
    std::fs::write(home.path().join("config.toml"), config).unwrap();
    let tmux = start(home.path(), "busy");
    let screen = tmux.wait_for("node down");
    assert!(
        screen.contains(&port.to_string()),
        "the status line names the address: {screen}"
    );
    // The store works without the node: the welcome message arrives and opens.
    tmux.wait_for("Welcome to postie");
    tmux.keys(&["Enter"]);
    tmux.wait_for("Send this node a first message");
    tmux.keys(&["q"]);
    tmux.keys(&["q"]);
    tmux.wait_for("POSTIE-EXITED 0");
    drop(squatter);
}
