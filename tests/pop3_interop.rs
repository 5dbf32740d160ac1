//! Interoperability with real POP3 clients (Python poplib, fetchmail, mpop, getmail6):
//! each retrieves the fixtures from a server on 127.0.0.1:0 and the delivered bytes are
//! compared with the canonical messages. A missing tool prints `SKIP: <tool> not
//! installed` and the test passes (fails with `POSTIE_REQUIRE_PEERS=1`). Every tool runs with a temporary HOME and explicit
//! configuration naming 127.0.0.1, so nothing consults DNS.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

#[path = "support/peers.rs"]
mod peers;
mod pop3_common;

use std::path::{Path, PathBuf};
use std::process::Output;

use pop3_common::{TestServer, backend_with_fixtures, fixtures, start, test_config, test_tls};
use postie::pop3::message::canonicalise;
use tokio::process::Command;

/// Run `program` with `args` and a private HOME; `None` when it is not installed.
async fn run(program: &str, args: &[&str], home: &Path) -> Option<Output> {
    let spawned = Command::new(program)
        .args(args)
        .env("HOME", home)
        .env("LC_ALL", "C")
        .stdin(std::process::Stdio::null())
        .output()
        .await;
    match spawned {
        Ok(output) => Some(output),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            peers::skip(&format!("{program} not installed"));
            None
        }
        Err(error) => panic!("{program}: {error}"),
    }
}

fn show(output: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Files of `dir` (recursively), sorted by content so order of delivery does not matter.
fn delivered(dir: &Path) -> Vec<Vec<u8>> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path: PathBuf = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files.push(std::fs::read(&path).unwrap());
            }
        }
    }
    files.sort();
    files
}

fn expected_crlf() -> Vec<Vec<u8>> {
    let mut expected: Vec<Vec<u8>> = fixtures().iter().map(|m| canonicalise(m)).collect();
    expected.sort();
    expected
}

/// The canonical messages with LF line endings, for clients that deliver Unix files.
fn expected_lf() -> Vec<Vec<u8>> {
    let mut expected: Vec<Vec<u8>> = fixtures().iter().map(|m| to_lf(&canonicalise(m))).collect();
    expected.sort();
    expected
}

fn to_lf(crlf: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(crlf.len());
    for (i, &b) in crlf.iter().enumerate() {
        if !(b == b'\r' && crlf.get(i + 1) == Some(&b'\n')) {
            out.push(b);
        }
    }
    out
}

/// Strip header lines a client prepends (e.g. its own Received:), identified by name.
fn strip_added_headers(message: &[u8], names: &[&str]) -> Vec<u8> {
    let mut rest = message;
    loop {
        let lower = String::from_utf8_lossy(&rest[..rest.len().min(40)]).to_ascii_lowercase();
        if !names.iter().any(|n| lower.starts_with(&format!("{n}:"))) {
            return rest.to_vec();
        }
        // Skip the field and its folded continuation lines.
        let mut end = rest
            .iter()
            .position(|&b| b == b'\n')
            .map_or(rest.len(), |i| i + 1);
        while matches!(rest.get(end), Some(b' ' | b'\t')) {
            end += rest[end..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(rest.len() - end, |i| i + 1);
        }
        rest = &rest[end..];
    }
}

async fn server() -> TestServer {
    start(
        test_config(),
        backend_with_fixtures(),
        Some(test_tls().acceptor),
    )
    .await
}

#[tokio::test]
async fn python_poplib_retrieves_byte_for_byte_plain_and_with_stls() {
    let tls = test_tls();
    let server = start(
        test_config(),
        backend_with_fixtures(),
        Some(tls.acceptor.clone()),
    )
    .await;
    let home = tempfile::tempdir().unwrap();
    let script = format!(
        "{}/tests/fixtures/pop3/poplib_fetch.py",
        env!("CARGO_MANIFEST_DIR")
    );
    let cafile = home.path().join("cert.pem");
    std::fs::write(&cafile, &tls.cert_pem).unwrap();
    for stls in [false, true] {
        let out = home.path().join(if stls { "stls" } else { "plain" });
        std::fs::create_dir(&out).unwrap();
        let port = server.addr.port().to_string();
        let mut args = vec![
            script.as_str(),
            "127.0.0.1",
            &port,
            "alice",
            "secret",
            out.to_str().unwrap(),
        ];
        if stls {
            args.push(cafile.to_str().unwrap());
        }
        let Some(output) = run("python3", &args, home.path()).await else {
            return;
        };
        assert!(
            output.status.success(),
            "poplib (stls={stls}): {}",
            show(&output)
        );
        assert_eq!(delivered(&out), expected_crlf(), "poplib stls={stls}");
    }
    assert_eq!(server.backend().inbox("alice").len(), 3);
}

#[tokio::test]
async fn fetchmail_retrieves_every_message_intact() {
    let server = server().await;
    let home = tempfile::tempdir().unwrap();
    let out = home.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let rc = home.path().join("fetchmailrc");
    std::fs::write(
        &rc,
        format!(
            "set no syslog\nset no bouncemail\n\
             poll 127.0.0.1 via 127.0.0.1 port {} protocol pop3 no dns no envelope\n\
             user \"alice\" password \"secret\" is \"alice\" here\n\
             mda \"cat > {}/msg-$$\"\n",
            server.addr.port(),
            out.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&rc, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    let pidfile = home.path().join("pid");
    let args = [
        "-f",
        rc.to_str().unwrap(),
        "--sslproto",
        "",
        "-k",
        "--nosyslog",
        "--pidfile",
        pidfile.to_str().unwrap(),
    ];
    let Some(output) = run("fetchmail", &args, home.path()).await else {
        return;
    };
    assert!(output.status.success(), "fetchmail: {}", show(&output));
    let mut got: Vec<Vec<u8>> = delivered(&out)
        .iter()
        .map(|m| strip_added_headers(m, &["received"]))
        .collect();
    got.sort();
    assert_eq!(got, expected_lf(), "fetchmail: {}", show(&output));
    assert_eq!(
        server.backend().inbox("alice").len(),
        3,
        "-k keeps messages"
    );
}

async fn mpop_fetch(server: &TestServer, tls_args: &[&str]) {
    let home = tempfile::tempdir().unwrap();
    let maildir = home.path().join("Maildir");
    for sub in ["cur", "new", "tmp"] {
        std::fs::create_dir_all(maildir.join(sub)).unwrap();
    }
    let port = format!("--port={}", server.addr.port());
    let delivery = format!("--delivery=maildir,{}", maildir.display());
    let uidls = format!("--uidls-file={}", home.path().join("uidls").display());
    let mut args = vec![
        "--host=127.0.0.1",
        &port,
        "--user=alice",
        "--passwordeval=echo secret",
        &delivery,
        &uidls,
        "--keep=on",
        "--received-header=off",
        "--only-new=off",
    ];
    args.extend_from_slice(tls_args);
    args.push("--");
    let Some(output) = run("mpop", &args, home.path()).await else {
        return;
    };
    assert!(
        output.status.success(),
        "mpop {tls_args:?}: {}",
        show(&output)
    );
    assert_eq!(
        delivered(&maildir),
        expected_lf(),
        "mpop {tls_args:?}: {}",
        show(&output)
    );
}

#[tokio::test]
async fn mpop_retrieves_every_message_intact_plain_and_with_starttls() {
    let tls = test_tls();
    let server = start(
        test_config(),
        backend_with_fixtures(),
        Some(tls.acceptor.clone()),
    )
    .await;
    mpop_fetch(&server, &["--tls=off", "--auth=user"]).await;
    let home = tempfile::tempdir().unwrap();
    let cafile = home.path().join("cert.pem");
    std::fs::write(&cafile, &tls.cert_pem).unwrap();
    let trust = format!("--tls-trust-file={}", cafile.display());
    mpop_fetch(
        &server,
        &["--auth=user", "--tls=on", "--tls-starttls=on", &trust],
    )
    .await;
    assert_eq!(server.backend().inbox("alice").len(), 3);
}

#[tokio::test]
async fn getmail6_retrieves_every_message_intact() {
    let server = server().await;
    let home = tempfile::tempdir().unwrap();
    let out = home.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let getmaildir = home.path().join("getmail");
    std::fs::create_dir(&getmaildir).unwrap();
    std::fs::write(
        getmaildir.join("getmailrc"),
        format!(
            "[retriever]\ntype = SimplePOP3Retriever\nserver = 127.0.0.1\nport = {}\n\
             username = alice\npassword = secret\n\n\
             [destination]\ntype = MDA_external\npath = /bin/sh\n\
             arguments = (\"-c\", \"cat > {}/msg-$$\")\n\
             # getmail refuses to run delivery commands as root unless told (CI is root).\n\
             allow_root_commands = true\n\n\
             [options]\nread_all = true\ndelete = false\ndelivered_to = false\n\
             received = false\nverbose = 1\n",
            server.addr.port(),
            out.display()
        ),
    )
    .unwrap();
    let args = [
        "--getmaildir",
        getmaildir.to_str().unwrap(),
        "--rcfile",
        "getmailrc",
    ];
    let Some(output) = run("getmail", &args, home.path()).await else {
        return;
    };
    assert!(output.status.success(), "getmail: {}", show(&output));
    let mut got: Vec<Vec<u8>> = delivered(&out)
        .iter()
        .map(|m| strip_added_headers(m, &["return-path"]))
        .collect();
    got.sort();
    assert_eq!(got, expected_lf(), "getmail: {}", show(&output));
    assert_eq!(server.backend().inbox("alice").len(), 3);
}

#[tokio::test]
async fn mpop_logs_in_with_apop() {
    let backend = backend_with_fixtures();
    backend.set_apop_secret("alice", "secret");
    let server = start(test_config(), backend, None).await;
    mpop_fetch(&server, &["--tls=off", "--auth=apop"]).await;
}
