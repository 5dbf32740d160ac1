//! `postie doctor`: check what commonly breaks a personal mail node and say how to fix it.

use super::Context;
use crate::node::{NodeLock, NodeState};
use std::io::Write;
use std::net::{SocketAddr, TcpListener};
use std::process::ExitCode;
use std::time::Duration;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Ok,
    Warn,
    Fail,
}

/// One check's result, with a fix when something is wrong.
#[derive(Debug, Clone)]
pub struct Finding {
    pub level: Level,
    pub check: &'static str,
    pub detail: String,
    pub fix: Option<String>,
}

fn ok(check: &'static str, detail: impl Into<String>) -> Finding {
    Finding {
        level: Level::Ok,
        check,
        detail: detail.into(),
        fix: None,
    }
}

fn bad(
    level: Level,
    check: &'static str,
    detail: impl Into<String>,
    fix: impl Into<String>,
) -> Finding {
    Finding {
        level,
        check,
        detail: detail.into(),
        fix: Some(fix.into()),
    }
}

/// Run every check; `offline` skips those that need the network (DNS, outbound port 25).
pub async fn doctor(
    ctx: anyhow::Result<Context>,
    offline: bool,
    out: &mut dyn Write,
) -> anyhow::Result<ExitCode> {
    let findings = match ctx {
        Err(e) => vec![bad(
            Level::Fail,
            "config",
            format!("{e:#}"),
            "edit the file at the line and key named, or run `postie init --force` for a fresh one",
        )],
        Ok(ctx) => checks(&ctx, offline).await,
    };
    for f in &findings {
        let tag = match f.level {
            Level::Ok => "ok  ",
            Level::Warn => "WARN",
            Level::Fail => "FAIL",
        };
        writeln!(out, "[{tag}] {}: {}", f.check, f.detail)?;
        if let Some(fix) = &f.fix {
            writeln!(out, "       fix: {fix}")?;
        }
    }
    let failed = findings.iter().any(|f| f.level == Level::Fail);
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

async fn checks(ctx: &Context, offline: bool) -> Vec<Finding> {
    let mut findings = vec![ok(
        "config",
        if ctx.paths.config_file.exists() {
            format!("{} loads", ctx.paths.config_file.display())
        } else {
            "no config file; defaults apply (`postie init` writes one)".into()
        },
    )];
    if let Some(exposed) = crate::config::exposed_secrets(&ctx.paths.config_file, &ctx.config) {
        findings.push(bad(
            Level::Warn,
            "config",
            exposed.to_string(),
            exposed.fix(),
        ));
    }
    findings.extend(port_checks(ctx));
    findings.push(certificate_check(ctx));
    findings.push(store_check(ctx).await);
    findings.extend(password_checks(ctx).await);
    if offline {
        findings.push(ok("network", "skipped (--offline)"));
    } else {
        findings.extend(network_checks(ctx).await);
    }
    findings
}

fn port_checks(ctx: &Context) -> Vec<Finding> {
    let holder = NodeLock::holder(&ctx.paths.data_dir);
    let ours: Vec<SocketAddr> = holder
        .as_ref()
        .and_then(|_| NodeState::read(&ctx.paths.data_dir))
        .map(|s| [s.smtp, s.smtps, s.pop3, s.pop3s].concat())
        .unwrap_or_default();
    let c = &ctx.config;
    let parsed = |list: &[String]| -> Vec<SocketAddr> {
        list.iter().filter_map(|a| a.parse().ok()).collect()
    };
    let wanted = [
        ("smtp", parsed(&c.smtp.listen)),
        ("smtps", parsed(&c.smtp.implicit_tls_listen)),
        ("pop3", c.pop3.listen.clone()),
        ("pop3s", c.pop3.implicit_tls_listen.clone()),
    ];
    let mut findings = Vec::new();
    for (kind, list) in wanted {
        for addr in list {
            if ours.contains(&addr) || (addr.port() == 0 && holder.is_some()) {
                findings.push(ok("port", format!("{kind} {addr} is held by this node")));
                continue;
            }
            match TcpListener::bind(addr) {
                Ok(_) => findings.push(ok("port", format!("{kind} {addr} is free"))),
                Err(e) => findings.push(bad(
                    Level::Fail,
                    "port",
                    format!("{kind} {addr} cannot be used: {e}"),
                    format!(
                        "stop the program holding {addr} (`ss -ltnp 'sport = :{}'` shows it) or change `{kind}` in [{}]",
                        addr.port(),
                        if kind.starts_with("smtp") { "smtp" } else { "pop3" }
                    ),
                )),
            }
        }
    }
    findings
}

fn certificate_check(ctx: &Context) -> Finding {
    let cert = ctx.tls_cert_path();
    let Ok(pem) = std::fs::read(&cert) else {
        return if ctx.config.smtp.tls.cert.is_some() {
            bad(
                Level::Fail,
                "tls",
                format!("cannot read {}", cert.display()),
                "fix [smtp.tls] cert or remove it to use a self-signed certificate",
            )
        } else {
            ok(
                "tls",
                "no certificate yet; a self-signed one is created on first start",
            )
        };
    };
    match crate::tls::pem_not_after(&pem) {
        None => bad(
            Level::Fail,
            "tls",
            format!("{} holds no readable certificate", cert.display()),
            "replace the file with a PEM certificate chain",
        ),
        Some(t) if t < chrono::Utc::now() => bad(
            Level::Fail,
            "tls",
            format!("{} expired on {t}", cert.display()),
            "renew it, or delete the self-signed pair in the data dir to have a new one made",
        ),
        Some(t) if t < chrono::Utc::now() + chrono::Duration::days(14) => bad(
            Level::Warn,
            "tls",
            format!("{} expires on {t}", cert.display()),
            "renew it soon",
        ),
        Some(t) => ok("tls", format!("{} valid until {t}", cert.display())),
    }
}

/// Stored password hashes the node cannot check in a worker's block: those above the
/// policy are checked one at a time, those beyond the ceiling never verify.
async fn password_checks(ctx: &Context) -> Vec<Finding> {
    use crate::auth::argon::{self, Cost};
    let Ok(store) = ctx.open_store().await else {
        return Vec::new(); // store_check has said why
    };
    let mut findings = Vec::new();
    for account in ctx.config.effective_accounts() {
        let Ok(Some(stored)) = store.password_hash(&account.name).await else {
            continue;
        };
        let fix = format!("postie passwd {}", account.name);
        match argon::cost(&stored) {
            Cost::Blocks(_, blocks) if blocks <= argon::policy_blocks() => {}
            Cost::Blocks(_, blocks) => findings.push(bad(
                Level::Warn,
                "auth",
                format!(
                    "{}'s password hash needs {} MiB, more than a worker's {} MiB: its logins are checked one at a time",
                    account.name,
                    blocks / 1024,
                    argon::policy_blocks() / 1024
                ),
                fix,
            )),
            Cost::Unusable(why) => findings.push(bad(
                Level::Fail,
                "auth",
                format!("{}'s password hash cannot be checked: {why}", account.name),
                fix,
            )),
        }
    }
    findings
}

async fn store_check(ctx: &Context) -> Finding {
    let store = match ctx.open_store().await {
        Ok(s) => s,
        Err(e) => {
            return bad(
                Level::Fail,
                "store",
                format!("{e:#}"),
                "check the data dir's permissions and free space",
            );
        }
    };
    match store.quick_check().await {
        Ok(result) if result == "ok" => ok(
            "store",
            format!("{} passes quick_check", store.path().display()),
        ),
        Ok(result) => bad(
            Level::Fail,
            "store",
            format!("quick_check: {result}"),
            "stop the node, back up postie.db, then `postie export` what can be read and re-import into a fresh home",
        ),
        Err(e) => bad(
            Level::Fail,
            "store",
            e.to_string(),
            "check the database file",
        ),
    }
}

async fn network_checks(ctx: &Context) -> Vec<Finding> {
    let dns = match crate::dns::Dns::new(&ctx.config.dns) {
        Ok(d) => d,
        Err(e) => {
            return vec![bad(
                Level::Fail,
                "dns",
                e.to_string(),
                "fix [dns] nameservers",
            )];
        }
    };
    let mut findings = published_record_checks(ctx).await;
    let mx = match dns.resolver().mx_lookup("gmail.com.").await {
        Ok(mx) => mx.iter().map(|r| r.exchange().to_utf8()).next(),
        Err(e) => {
            findings.push(bad(
                Level::Fail,
                "dns",
                format!("MX lookup failed: {e}"),
                "set [dns] nameservers to a resolver that answers, e.g. [\"9.9.9.9\"]",
            ));
            return findings;
        }
    };
    findings.push(ok("dns", "the resolver answers MX queries"));
    let Some(host) = mx else { return findings };
    let reachable = match dns.addresses(&host).await {
        Ok(ips) => match ips.first() {
            Some(ip) => tokio::time::timeout(
                Duration::from_secs(5),
                tokio::net::TcpStream::connect((*ip, 25)),
            )
            .await
            .is_ok_and(|r| r.is_ok()),
            None => false,
        },
        Err(_) => false,
    };
    findings.push(if reachable {
        ok("outbound", "port 25 to the internet is reachable: direct delivery can work")
    } else if ctx.config.outbound.mode == crate::config::OutboundMode::Smarthost {
        ok("outbound", "port 25 is blocked, but a smarthost is configured")
    } else {
        bad(Level::Warn, "outbound", "port 25 to the internet is blocked (common on home and mobile networks)", "relay through your provider: set [outbound] mode = \"smarthost\" and [outbound.smarthost] host, port 587, username, password_command")
    });
    findings
}

/// For every `[[dkim]]` domain, through `[dns]`: does a signature made with our key verify
/// against the published key, and are SPF and DMARC records published and well formed?
async fn published_record_checks(ctx: &Context) -> Vec<Finding> {
    use crate::verify::{ClientFacts, Outcome, Verifier};
    if ctx.config.dkim.is_empty() {
        return Vec::new();
    }
    let verifier = match Verifier::new(
        &ctx.config.dns,
        ctx.config.verify.clone(),
        ctx.config.hostname(),
    ) {
        Ok(v) => v,
        Err(e) => {
            return vec![bad(
                Level::Fail,
                "dns",
                e.to_string(),
                "fix [dns] nameservers",
            )];
        }
    };
    let signer = match crate::dkim::Signer::load(&ctx.config.dkim) {
        Ok(s) => s,
        Err(e) => {
            return vec![bad(
                Level::Fail,
                "dkim",
                e.to_string(),
                "point key_file at the key `postie dkim generate` wrote",
            )];
        }
    };
    let mut findings = Vec::new();
    for entry in &ctx.config.dkim {
        let domain = entry
            .domain
            .trim()
            .trim_end_matches('.')
            .to_ascii_lowercase();
        let record = format!("{}._domainkey.{domain}", entry.selector);
        let test = format!(
            "From: postmaster@{domain}\r\nTo: postmaster@{domain}\r\nSubject: postie doctor\r\n\
             Message-ID: <doctor@{domain}>\r\n\r\nA signature made to check the published key.\r\n"
        );
        let signed = signer.sign(test.into_bytes());
        let client = ClientFacts {
            ip: std::net::IpAddr::from([127, 0, 0, 1]),
            helo: &domain,
            mail_from: "",
        };
        let verdicts = verifier.check(&signed, client).await;
        let dkim = verdicts.dkim.iter().find(|d| d.domain == domain);
        findings.push(match dkim.map(|d| (d.result, d.reason.clone())) {
            Some((Outcome::Pass, _)) => ok(
                "dkim",
                format!("{record}: a signature made with our key verifies"),
            ),
            Some((Outcome::TempError, reason)) => bad(
                Level::Warn,
                "dkim",
                format!("{record}: DNS did not answer ({})", reason.unwrap_or_default()),
                "check [dns] nameservers and try again",
            ),
            other => bad(
                Level::Fail,
                "dkim",
                format!(
                    "{record}: a signature made with our key does not verify ({})",
                    other
                        .and_then(|(_, reason)| reason)
                        .unwrap_or_else(|| "no result".into())
                ),
                format!(
                    "publish the TXT record `postie dkim generate` printed for {domain} at {record} (the key in {} must match it)",
                    entry.key_file.display()
                ),
            ),
        });

        // A bare PKCS#1 RSAPublicKey (`p=MIIBCg...`, what earlier postie builds published)
        // verifies here and in dkimpy but not in OpenDKIM-based verifiers.
        if let Ok(records) = verifier.txt_records(&record).await
            && records
                .iter()
                .any(|r| r.replace(' ', "").contains("p=MIIBCg"))
        {
            findings.push(bad(
                Level::Warn,
                "dkim",
                format!(
                    "{record}: the RSA key is published as a bare PKCS#1 RSAPublicKey, which OpenDKIM-based verifiers cannot read"
                ),
                format!(
                    "publish it as SubjectPublicKeyInfo: `openssl rsa -in {} -pubout -outform DER | base64 -w0` gives the p= value",
                    entry.key_file.display()
                ),
            ));
        }

        let mut spf: Vec<String> = Vec::new();
        let spf_answer = verifier.txt_records(&domain).await;
        if let Ok(records) = &spf_answer {
            spf = records
                .iter()
                .filter(|r| r.len() >= 6 && r.as_bytes()[..6].eq_ignore_ascii_case(b"v=spf1"))
                .cloned()
                .collect();
        }
        let spf_fix = format!(
            "publish one record: {domain}. TXT \"v=spf1 mx -all\" (or include: your smarthost provider's SPF)"
        );
        findings.push(match (&spf_answer, spf.as_slice()) {
            (Err(e), _) => bad(
                Level::Warn,
                "spf",
                format!("{domain}: {e}"),
                "check [dns] nameservers",
            ),
            (Ok(_), []) => bad(
                Level::Warn,
                "spf",
                format!("{domain}: no SPF record"),
                spf_fix,
            ),
            (Ok(_), [one]) => match Verifier::spf_syntax_error(one) {
                None => ok("spf", format!("{domain}: {one}")),
                Some(why) => bad(Level::Fail, "spf", format!("{domain}: {why}"), spf_fix),
            },
            (Ok(_), many) => bad(
                Level::Fail,
                "spf",
                format!(
                    "{domain}: {} SPF records (receivers treat that as permerror)",
                    many.len()
                ),
                spf_fix,
            ),
        });

        let dmarc_name = format!("_dmarc.{domain}");
        let dmarc: Vec<String> = verifier
            .txt_records(&dmarc_name)
            .await
            .unwrap_or_default()
            .into_iter()
            .filter(|r| r.starts_with("v=DMARC1"))
            .collect();
        let dmarc_fix = format!(
            "publish {dmarc_name}. TXT \"v=DMARC1; p=none; rua=mailto:postmaster@{domain}\""
        );
        findings.push(match dmarc.as_slice() {
            [] => bad(
                Level::Warn,
                "dmarc",
                format!("{dmarc_name}: no DMARC record"),
                dmarc_fix,
            ),
            [one] => ok("dmarc", format!("{dmarc_name}: {one}")),
            many => bad(
                Level::Fail,
                "dmarc",
                format!("{dmarc_name}: {} DMARC records", many.len()),
                dmarc_fix,
            ),
        });
    }
    findings
}
