//! Operating the node: `postie status` with and without a running node.

#![allow(clippy::unwrap_used, clippy::print_stderr)]

#[path = "support/node.rs"]
mod support;

use support::*;

fn status_json(home: &std::path::Path) -> serde_json::Value {
    serde_json::from_str(&postie(home, &["status", "--json"])).unwrap()
}

#[test]
fn status_reports_running_node_listeners_tls_queue_and_store() {
    let home = test_home();
    let node = ServeProcess::start(home.path());
    let mut client = SmtpClient::connect(node.smtp).unwrap();
    client
        .send(
            "bob@remote.test",
            "alice@postie.test",
            &test_message("s1@t", 64),
        )
        .unwrap();
    let s = status_json(home.path());
    assert_eq!(s["node"]["running"], true);
    assert_eq!(s["node"]["pid"], node.child.id(), "a JSON number: {s}");
    assert_eq!(s["node"]["listeners"]["smtp"][0], node.smtp.to_string());
    assert!(s["tls"]["expires"].as_str().unwrap().len() > 10, "{s}");
    for state in [
        "queued",
        "deferred",
        "delivered",
        "bounced",
        "held",
        "cancelled",
    ] {
        assert_eq!(s["queue"][state], 0, "{state}");
    }
    assert_eq!(s["store"]["messages"], 1);
    assert!(s["last_inbound"].is_string());
    assert!(s["store"]["bytes"].as_u64().unwrap() > 0);
    node.stop();

    let s = status_json(home.path());
    assert_eq!(s["node"]["running"], false);
    assert!(s["node"]["listeners"].as_object().unwrap().is_empty());
    let text = postie(home.path(), &["status"]);
    assert!(text.starts_with("node: not running"), "{text}");
}

#[test]
fn doctor_reports_a_broken_config_with_a_fix_and_fails() {
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join("config.toml"),
        "[smtp]\nlisten = [\"nonsense\"]\n",
    )
    .unwrap();
    let out = std::process::Command::new(postie_bin())
        .args(["doctor", "--offline"])
        .env("POSTIE_HOME", home.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("[FAIL] config:"), "{text}");
    assert!(text.contains("key `smtp.listen`"), "{text}");
    assert!(text.contains("fix:"), "{text}");
}

#[test]
fn doctor_names_a_busy_port_and_accepts_ports_held_by_this_node() {
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = busy.local_addr().unwrap().port();
    let home = tempfile::tempdir().unwrap();
    let config = TEST_CONFIG.replace(
        "[pop3]\nlisten = [\"127.0.0.1:0\"]",
        &format!("[pop3]\nlisten = [\"127.0.0.1:{port}\"]"),
    );
    std::fs::write(home.path().join("config.toml"), config).unwrap();
    let run = || {
        std::process::Command::new(postie_bin())
            .args(["doctor", "--offline"])
            .env("POSTIE_HOME", home.path())
            .output()
            .unwrap()
    };
    let out = run();
    assert!(!out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains(&format!(
            "[FAIL] port: pop3 127.0.0.1:{port} cannot be used"
        )),
        "{text}"
    );
    assert!(text.contains("[ok  ] store:"), "{text}");
    drop(busy);

    let node = ServeProcess::start(home.path());
    let text = String::from_utf8(run().stdout).unwrap();
    assert!(text.contains("is held by this node"), "{text}");
    assert!(text.contains("[ok  ] tls:"), "{text}");
    node.stop();
}

#[test]
fn log_shows_what_the_node_wrote() {
    let home = test_home();
    let node = ServeProcess::start(home.path());
    node.stop();
    let text = postie(home.path(), &["log", "-n", "20"]);
    assert!(text.contains("node started"), "{text}");
    assert!(text.contains("node stopped"), "{text}");
}

#[test]
fn control_socket_streams_new_mail_to_every_subscriber_and_answers_ping() {
    use postie::node::control::{ControlClient, Request};
    use postie::store::StoreEvent;
    use std::os::unix::fs::PermissionsExt;
    let home = test_home();
    let node = ServeProcess::start(home.path());
    let data = home.path().join("data");
    let mode = std::fs::metadata(data.join("control.sock"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut probe = ControlClient::connect(&data).await.unwrap();
        let pong = probe.request(&Request::Ping).await.unwrap();
        assert!(pong.ok);
        assert_eq!(pong.pid, Some(node.child.id()));
        let mut first = ControlClient::connect(&data)
            .await
            .unwrap()
            .subscribe()
            .await
            .unwrap();
        let mut second = ControlClient::connect(&data)
            .await
            .unwrap()
            .subscribe()
            .await
            .unwrap();
        let addr = node.smtp;
        tokio::task::spawn_blocking(move || {
            SmtpClient::connect(addr)
                .unwrap()
                .send(
                    "bob@remote.test",
                    "alice@postie.test",
                    &test_message("live@t", 64),
                )
                .unwrap();
        })
        .await
        .unwrap();
        for stream in [&mut first, &mut second] {
            match stream.next().await {
                Some(StoreEvent::MessageAdded { subject, .. }) => {
                    assert_eq!(subject, "test live@t")
                }
                other => panic!("expected MessageAdded, got {other:?}"),
            }
        }
    });
    node.stop();
    assert!(
        !home.path().join("data/control.sock").exists(),
        "socket removed on shutdown"
    );
}
