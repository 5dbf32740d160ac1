//! SMTP client sessions over lettre's `AsyncSmtpConnection`: connecting (direct with
//! opportunistic STARTTLS, or the smarthost with verified TLS and AUTH) and one mail
//! transaction with a reply per recipient (RFC 5321 §3.3).
//!
//! lettre's `send` fails the whole transaction on the first rejected RCPT, so the
//! transaction is driven command by command; lettre still does EHLO, STARTTLS, AUTH and the
//! dot-stuffing of DATA. The connections themselves are made in [`stream`], with Nagle off.

mod stream;

use super::reply::{Failure, Reply};
use lettre::Address;
use lettre::transport::smtp::client::{AsyncSmtpConnection, Certificate, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt, Rset};
use lettre::transport::smtp::extension::{ClientId, Extension, MailBodyParameter, MailParameter};
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

/// An open SMTP session with what the attempt log needs to know about it.
pub struct Session {
    conn: AsyncSmtpConnection,
    pub host: String,
    pub ip: Option<IpAddr>,
    pub tls: bool,
    step: Duration,
    /// A network failure mid-transaction: the stream is in an unknown state.
    broken: bool,
}

/// How a recipient fared in one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RcptResult {
    /// The final 250 after DATA covered this recipient.
    Delivered(Reply),
    Failed(Failure),
}

/// Direct delivery: connect to one MX address, then STARTTLS when offered, without
/// verification (RFC 3207 opportunistic; whether it happened is recorded).
pub async fn connect_direct(
    host: &str,
    addr: SocketAddr,
    helo: &str,
    step: Duration,
) -> Result<Session, Failure> {
    let hello = ClientId::Domain(helo.to_string());
    // A host that does not answer should not hold up the next MX for long.
    let connect = step.min(Duration::from_secs(30));
    let conn = greet(addr, connect, step, &hello).await?;
    let mut session = Session {
        conn,
        host: host.to_string(),
        ip: Some(addr.ip()),
        tls: false,
        step,
        broken: false,
    };
    if session.conn.can_starttls() {
        let params = TlsParameters::builder(host.to_string())
            .dangerous_accept_invalid_certs(true)
            .dangerous_accept_invalid_hostnames(true)
            .build_rustls()
            .map_err(|e| Failure::local(format!("TLS setup: {e}")))?;
        match bounded(step, session.conn.starttls(params, &hello)).await {
            Ok(()) => session.tls = true,
            Err(_) => {
                // A broken STARTTLS leaves the stream unusable: start again in plain text.
                session.conn = greet(addr, connect, step, &hello).await?;
            }
        }
    }
    Ok(session)
}

/// What the smarthost session needs: where, how, who, and which extra root to trust.
pub struct SmarthostParams<'a> {
    pub host: &'a str,
    pub port: u16,
    pub tls: crate::config::SmarthostTls,
    pub credentials: Option<(String, String)>,
    /// An extra trusted root (PEM), e.g. a test server's self-signed certificate.
    pub extra_root: Option<&'a [u8]>,
}

/// Connect to the smarthost with verified TLS (STARTTLS or implicit) and AUTH PLAIN/LOGIN;
/// its name is resolved through `dns` (the `[dns]` resolver), like every name postie uses.
pub async fn connect_smarthost(
    dns: &crate::dns::Dns,
    p: &SmarthostParams<'_>,
    helo: &str,
    step: Duration,
) -> Result<Session, Failure> {
    use crate::config::SmarthostTls;
    let hello = ClientId::Domain(helo.to_string());
    let params = || -> Result<TlsParameters, Failure> {
        let mut builder = TlsParameters::builder(p.host.to_string());
        if let Some(pem) = p.extra_root {
            let cert = Certificate::from_pem(pem)
                .map_err(|e| Failure::local(format!("smarthost root certificate: {e}")))?;
            builder = builder.add_root_certificate(cert);
        }
        builder
            .build_rustls()
            .map_err(|e| Failure::local(format!("TLS setup: {e}")))
    };
    let addrs: Vec<SocketAddr> = dns
        .addresses(p.host)
        .await
        .map_err(|e| Failure::transient(format!("cannot resolve {}: {e}", p.host)))?
        .into_iter()
        .map(|ip| SocketAddr::new(ip, p.port))
        .collect();
    let mut last = Failure::transient(format!("no address for {}", p.host));
    let mut connected = None;
    for addr in addrs {
        let attempt = match p.tls {
            SmarthostTls::Tls => greet_tls(addr, p, step, &hello).await,
            _ => greet(addr, step, step, &hello).await,
        };
        match attempt {
            Ok(conn) => {
                connected = Some((conn, addr));
                break;
            }
            Err(f) => last = f,
        }
    }
    let (conn, addr) = connected.ok_or(last)?;
    let mut session = Session {
        conn,
        host: p.host.to_string(),
        ip: Some(addr.ip()),
        tls: p.tls == SmarthostTls::Tls,
        step,
        broken: false,
    };
    if p.tls == SmarthostTls::Starttls {
        bounded(step, session.conn.starttls(params()?, &hello)).await?;
        session.tls = true;
    }
    if let Some((user, password)) = &p.credentials {
        use lettre::transport::smtp::authentication::{Credentials, Mechanism};
        let creds = Credentials::new(user.clone(), password.clone());
        bounded(
            step,
            session
                .conn
                .auth(&[Mechanism::Plain, Mechanism::Login], &creds),
        )
        .await
        .map_err(|mut f| {
            // A refused login is a configuration problem: retrying will not help.
            if f.code == Some(535) || f.code == Some(534) {
                f.permanent = true;
            }
            f
        })?;
    }
    Ok(session)
}

/// A plain connection to `addr` (Nagle off) and the server's greeting and EHLO.
async fn greet(
    addr: SocketAddr,
    connect: Duration,
    step: Duration,
    hello: &ClientId,
) -> Result<AsyncSmtpConnection, Failure> {
    let tcp = stream::tcp(addr, connect).await?;
    bounded(
        step,
        AsyncSmtpConnection::connect_with_transport(Box::new(tcp), hello),
    )
    .await
}

/// An implicit-TLS connection to the smarthost at `addr`, then its greeting and EHLO.
async fn greet_tls(
    addr: SocketAddr,
    p: &SmarthostParams<'_>,
    step: Duration,
    hello: &ClientId,
) -> Result<AsyncSmtpConnection, Failure> {
    let tcp = stream::tcp(addr, step).await?;
    let tls = stream::implicit_tls(tcp, p.host, p.extra_root, step).await?;
    bounded(
        step,
        AsyncSmtpConnection::connect_with_transport(Box::new(tls), hello),
    )
    .await
}

impl Session {
    /// Whether the connection may carry another transaction.
    pub fn usable(&self) -> bool {
        !self.broken && !self.conn.has_broken()
    }

    /// One transaction: MAIL, a RCPT per recipient, DATA with the CRLF bytes. Returns a
    /// result per recipient in order; `raw` must already be canonical CRLF.
    pub async fn transaction(
        &mut self,
        mail_from: &str,
        rcpts: &[String],
        raw: &[u8],
    ) -> Vec<RcptResult> {
        let results = self.exchange(mail_from, rcpts, raw).await;
        let network_failure =
            |r: &RcptResult| matches!(r, RcptResult::Failed(f) if f.code.is_none() && !f.permanent);
        if results.iter().any(network_failure) {
            self.broken = true;
        }
        results
    }

    async fn exchange(&mut self, mail_from: &str, rcpts: &[String], raw: &[u8]) -> Vec<RcptResult> {
        let all = |f: Failure| vec![RcptResult::Failed(f); rcpts.len()];
        let sender = if mail_from.is_empty() {
            None
        } else {
            match mail_from.parse::<Address>() {
                Ok(a) => Some(a),
                Err(e) => {
                    return all(Failure::permanent_local(
                        "5.1.7",
                        format!("bad sender: {e}"),
                    ));
                }
            }
        };
        let mut params = Vec::new();
        if !raw.is_ascii()
            && self
                .conn
                .server_info()
                .supports_feature(Extension::EightBitMime)
        {
            params.push(MailParameter::Body(MailBodyParameter::EightBitMime));
        }
        if let Err(f) = bounded(self.step, self.conn.command(Mail::new(sender, params))).await {
            self.reset().await;
            return all(f);
        }
        let mut results: Vec<Option<RcptResult>> = Vec::with_capacity(rcpts.len());
        for rcpt in rcpts {
            let address = match rcpt.parse::<Address>() {
                Ok(a) => a,
                Err(e) => {
                    let f = Failure::permanent_local("5.1.3", format!("bad recipient: {e}"));
                    results.push(Some(RcptResult::Failed(f)));
                    continue;
                }
            };
            match bounded(self.step, self.conn.command(Rcpt::new(address, vec![]))).await {
                Ok(_) => results.push(None),
                Err(f) if f.code.is_none() => return all(f),
                Err(f) => results.push(Some(RcptResult::Failed(f))),
            }
        }
        if results.iter().all(Option::is_some) {
            self.reset().await;
            return results.into_iter().flatten().collect();
        }
        let data = match bounded(self.step, self.conn.command(Data)).await {
            Ok(_) => {
                let long = self.step * 4;
                match std::str::from_utf8(raw) {
                    // One write for content and terminator: lettre's `message` writes the
                    // final ".\r\n" separately, which Nagle plus delayed ACKs stall ~40 ms.
                    Ok(text) => bounded(long, self.conn.command(DataBlock(text)))
                        .await
                        .map(Reply::from),
                    Err(_) => {
                        // lettre writes CRLF.CRLF after the content: hand it the bytes
                        // without their final CRLF so the receiver gets them unchanged.
                        let body = raw.strip_suffix(b"\r\n").unwrap_or(raw);
                        bounded(long, self.conn.message(body))
                            .await
                            .map(Reply::from)
                    }
                }
            }
            Err(f) => Err(f),
        };
        results
            .into_iter()
            .map(|r| match (r, &data) {
                (Some(done), _) => done,
                (None, Ok(reply)) => RcptResult::Delivered(reply.clone()),
                (None, Err(f)) => RcptResult::Failed(f.clone()),
            })
            .collect()
    }

    async fn reset(&mut self) {
        let _ = bounded(self.step, self.conn.command(Rset)).await;
    }

    /// Say goodbye politely.
    pub async fn quit(mut self) {
        let _ = bounded(self.step, self.conn.quit()).await;
    }
}

/// Message content (canonical CRLF) dot-stuffed and terminated, RFC 5321 §4.5.2.
pub(super) struct DataBlock<'a>(pub &'a str);

impl std::fmt::Display for DataBlock<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for line in self.0.split_inclusive("\r\n") {
            if line.starts_with('.') {
                f.write_str(".")?;
            }
            f.write_str(line)?;
        }
        if !self.0.is_empty() && !self.0.ends_with("\r\n") {
            f.write_str("\r\n")?;
        }
        f.write_str(".\r\n")
    }
}

/// Run a lettre step with a time limit, turning its error into a [`Failure`].
async fn bounded<T>(
    limit: Duration,
    step: impl Future<Output = Result<T, lettre::transport::smtp::Error>>,
) -> Result<T, Failure> {
    match tokio::time::timeout(limit, step).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(Failure::from_lettre(&e)),
        Err(_) => Err(Failure::transient("timed out".into())),
    }
}
