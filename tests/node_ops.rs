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
        .send("bob@remote.test", "alice@postie.test", &test_message("s1@t", 64))
        .unwrap();
    let s = status_json(home.path());
    assert_eq!(s["node"]["running"], true);
    assert_eq!(s["node"]["pid"], node.child.id().to_string());
    assert_eq!(s["node"]["listeners"]["smtp"][0], node.smtp.to_string());
    assert!(s["tls"]["expires"].as_str().unwrap().len() > 10, "{s}");
    for state in ["queued", "deferred", "delivered", "bounced", "held", "cancelled"] {
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
