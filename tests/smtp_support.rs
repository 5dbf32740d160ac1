//! Shared fixtures for the SMTP driver and end-to-end tests: an in-memory backend that
//! reports deliveries on a channel (tests await it, never sleep), a small policy, a TLS
//! certificate in a temporary directory and a server on 127.0.0.1:0.
#![allow(dead_code, clippy::unwrap_used, clippy::print_stderr)]

#[path = "support/peers.rs"]
pub mod peers;

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use postie::auth::AuthOutcome;
use postie::net::LoginThrottle;
use postie::smtp::session::SessionContext;
use postie::smtp::{
    AcceptedMessage, Backend, DeliveryError, Policy, RecipientClass, ServerContext, SmtpConfig,
    bind_listeners, serve,
};
use postie::tls;
use tokio::sync::{Mutex, mpsc, oneshot};

/// Local domain example.org: alice, bob (password "secret"); postmaster is alice.
pub struct DomainPolicy;

impl Policy for DomainPolicy {
    fn classify_recipient(&self, address: &str) -> RecipientClass {
        let lower = address.to_ascii_lowercase();
        let (local, domain) = lower
            .rsplit_once('@')
            .unwrap_or((lower.as_str(), "example.org"));
        if domain != "example.org" {
            return RecipientClass::Remote;
        }
        match local {
            "alice" | "postmaster" => RecipientClass::Local {
                account: "alice".into(),
            },
            "bob" => RecipientClass::Local {
                account: "bob".into(),
            },
            _ => RecipientClass::UnknownLocalUser,
        }
    }

    fn may_send_as(&self, account: &str, mail_from: &str) -> bool {
        mail_from.eq_ignore_ascii_case(&format!("{account}@example.org"))
    }
}

/// Deliveries go to a channel; `fail` makes them fail; `gate` holds each delivery until
/// the test releases it (to prove the 250 waits for durability).
pub struct MemoryBackend {
    pub delivered: mpsc::UnboundedSender<AcceptedMessage>,
    pub fail: AtomicBool,
    pub gate: Mutex<Option<oneshot::Receiver<()>>>,
}

impl Backend for MemoryBackend {
    async fn authenticate(&self, username: &str, password: &str) -> AuthOutcome {
        if matches!(username, "alice" | "bob") && password == "secret" {
            AuthOutcome::Accepted(username.to_owned())
        } else {
            AuthOutcome::Rejected
        }
    }

    async fn deliver(&self, message: AcceptedMessage) -> Result<(), DeliveryError> {
        if self.fail.load(Ordering::SeqCst) {
            return Err(DeliveryError::Failed("store unavailable".into()));
        }
        let gate = self.gate.lock().await.take();
        let _ = self.delivered.send(message);
        if let Some(gate) = gate {
            let _ = gate.await;
        }
        Ok(())
    }

    async fn reverse_dns(&self, ip: IpAddr) -> Option<String> {
        ip.is_loopback().then(|| "localhost".to_owned())
    }
}

pub struct Fixture {
    pub ctx: Arc<ServerContext<MemoryBackend>>,
    pub delivered: mpsc::UnboundedReceiver<AcceptedMessage>,
    pub cert_pem: PathBuf,
    pub dir: tempfile::TempDir,
}

/// A server context with a self-signed certificate for localhost/127.0.0.1.
pub fn fixture(config: SmtpConfig) -> Fixture {
    fixture_with_throttle(config, Arc::default())
}

/// [`fixture`], counting failed logins in `throttle` (shared with other servers).
pub fn fixture_with_throttle(config: SmtpConfig, throttle: Arc<LoginThrottle>) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let material = tls::load_or_create(dir.path(), "localhost", None, None).unwrap();
    let acceptor = tls::acceptor(&material).unwrap();
    let session = SessionContext::new(
        config,
        "mx.example.org".into(),
        Arc::new(DomainPolicy),
        true,
    )
    .unwrap();
    let (tx, rx) = mpsc::unbounded_channel();
    let backend = MemoryBackend {
        delivered: tx,
        fail: AtomicBool::new(false),
        gate: Mutex::new(None),
    };
    Fixture {
        ctx: Arc::new(
            ServerContext::new(session, backend, Some(acceptor)).with_login_throttle(throttle),
        ),
        delivered: rx,
        cert_pem: material.cert_path.clone(),
        dir,
    }
}

pub struct Running {
    pub ctx: Arc<ServerContext<MemoryBackend>>,
    pub addr: SocketAddr,
    pub tls_addr: SocketAddr,
    pub stop: oneshot::Sender<()>,
    pub server: tokio::task::JoinHandle<()>,
    pub delivered: mpsc::UnboundedReceiver<AcceptedMessage>,
    pub cert_pem: PathBuf,
    pub dir: tempfile::TempDir,
}

/// Serve on 127.0.0.1:0 (plain+STARTTLS) and 127.0.0.1:0 (implicit TLS).
pub fn start(mut config: SmtpConfig) -> Running {
    config.listen = vec!["127.0.0.1:0".into()];
    config.implicit_tls_listen = vec!["127.0.0.1:0".into()];
    let listeners = bind_listeners(&config).unwrap();
    let addr = listeners[0].tcp.local_addr().unwrap();
    let tls_addr = listeners[1].tcp.local_addr().unwrap();
    let f = fixture(config);
    let (stop, stopped) = oneshot::channel::<()>();
    let ctx = Arc::clone(&f.ctx);
    let server = tokio::spawn(async move {
        serve(listeners, ctx, async {
            let _ = stopped.await;
        })
        .await;
    });
    Running {
        ctx: Arc::clone(&f.ctx),
        addr,
        tls_addr,
        stop,
        server,
        delivered: f.delivered,
        cert_pem: f.cert_pem,
        dir: f.dir,
    }
}

impl Running {
    pub fn backend(&self) -> &MemoryBackend {
        &self.ctx.backend
    }
}

/// Is an external program installed? Prints the SKIP line when it is not (a failure
/// with `POSTIE_REQUIRE_PEERS=1`).
pub fn have(tool: &str) -> bool {
    peers::require(tool).is_some()
}

/// swaks needs Net::SSLeay for STARTTLS; prints the SKIP line when it is missing.
pub fn have_perl_ssleay() -> bool {
    let found = std::process::Command::new("perl")
        .args(["-MNet::SSLeay", "-e1"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        peers::skip("swaks TLS cases: libnet-ssleay-perl not installed");
    }
    found
}
