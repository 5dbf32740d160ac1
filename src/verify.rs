//! Checks of mail received from untrusted peers: SPF, DKIM, DMARC and ARC verdicts within a
//! DNS time budget, rendered as our one `Authentication-Results:` header (RFC 8601).
//!
//! The checks themselves are Stalwart's `mail-auth`; this module wires its resolver to the
//! `[dns]` nameservers, bounds the time it may spend, turns its outputs into [`Verdicts`]
//! the store keeps and search reads, and removes headers that forge our authserv-id.

mod header;
mod resolver;
mod spf_record;
#[cfg(test)]
mod tests;

pub use header::{authserv_id_of, strip_claims};

use crate::config::DnsConfig;
use mail_auth::dmarc::Policy as DmarcPolicy;
use mail_auth::dmarc::verify::DmarcParameters;
use mail_auth::spf::verify::SpfParameters;
use mail_auth::{
    AuthenticatedMessage, DkimResult, DmarcResult, MessageAuthenticator, SpfOutput, SpfResult,
};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::IpAddr;
use std::time::Duration;
use tokio::time::{Instant, timeout_at};

/// `[verify]`: what the node checks on mail it receives and what it does with the verdicts.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct VerifyConfig {
    /// Check SPF, DKIM, DMARC and ARC on mail from clients that are neither authenticated
    /// nor in `smtp.trusted_networks`, and write our Authentication-Results header.
    pub enabled: bool,
    /// Seconds of DNS one message may spend in all checks together; the checks not done by
    /// then are `temperror` and the session goes on.
    pub budget_secs: u64,
    /// Refuse (`550 5.7.1`) mail that fails DMARC when the From domain's policy is reject.
    pub reject_dmarc: bool,
    /// Refuse (`550 5.7.23`) mail whose MAIL FROM domain's SPF says fail (`-all`).
    pub reject_spf_fail: bool,
}

impl Default for VerifyConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            budget_secs: 5,
            reject_dmarc: false,
            reject_spf_fail: false,
        }
    }
}

/// One check's result, as RFC 8601 §2.7 names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Pass,
    Fail,
    SoftFail,
    Neutral,
    None,
    TempError,
    PermError,
}

impl Outcome {
    /// The result keyword of the Authentication-Results grammar.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::SoftFail => "softfail",
            Outcome::Neutral => "neutral",
            Outcome::None => "none",
            Outcome::TempError => "temperror",
            Outcome::PermError => "permerror",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// SPF for the MAIL FROM identity, or for HELO when the reverse path is null.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpfVerdict {
    pub result: Outcome,
    /// `smtp.mailfrom` (the reverse path) or `smtp.helo`.
    pub property: String,
    pub value: String,
}

/// One DKIM signature's verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DkimVerdict {
    pub result: Outcome,
    /// The signing domain (`d=`); empty when the signature could not be parsed.
    pub domain: String,
    pub selector: String,
    /// Why it did not pass, in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// DMARC for the From domain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DmarcVerdict {
    pub result: Outcome,
    /// The RFC 5322 From domain; empty when From has no single domain.
    pub domain: String,
    /// The policy that applies to this domain: none, quarantine or reject.
    pub policy: String,
    /// The record's `pct` (RFC 7489 §6.3): the share of failing mail the policy is applied
    /// to; 100 when absent (RFC 9989 dropped it; senders still publish it).
    #[serde(default = "all_of_it", skip_serializing_if = "is_all_of_it")]
    pub pct: u8,
}

fn all_of_it() -> u8 {
    100
}

fn is_all_of_it(pct: &u8) -> bool {
    *pct >= 100
}

/// Every verdict our own checks reached for one message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdicts {
    pub spf: SpfVerdict,
    pub dkim: Vec<DkimVerdict>,
    pub dmarc: DmarcVerdict,
    pub arc: Outcome,
    /// True when the DNS budget ran out before every check finished.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub budget_exhausted: bool,
}

impl Verdicts {
    /// The DKIM result that summarises every signature: pass if one passed, else the
    /// first signature's result, else none.
    pub fn dkim_summary(&self) -> Outcome {
        if self.dkim.iter().any(|d| d.result == Outcome::Pass) {
            return Outcome::Pass;
        }
        self.dkim.first().map_or(Outcome::None, |d| d.result)
    }

    /// One line for the store and for search: `spf=pass dkim=pass dmarc=fail arc=none`.
    pub fn summary(&self) -> String {
        format!(
            "spf={} dkim={} dmarc={} arc={}",
            self.spf.result,
            self.dkim_summary(),
            self.dmarc.result,
            self.arc
        )
    }

    /// The complete `Authentication-Results:` field (with CRLF) under `authserv_id`.
    pub fn header(&self, authserv_id: &str) -> String {
        header::render(self, authserv_id)
    }

    /// The refusal `config` asks for, if any: (code, enhanced status, text).
    pub fn refusal(&self, config: &VerifyConfig) -> Option<(u16, &'static str, String)> {
        if config.reject_spf_fail && self.spf.result == Outcome::Fail {
            return Some(spf_refusal(&self.spf.value));
        }
        // pct < 100 asks for the policy on that share of failing mail only (RFC 7489
        // §6.6.4: the rest gets the next policy down, which for reject is quarantine:
        // accepted here).
        let sampled = self.dmarc.pct >= 100 || rand::random::<u8>() % 100 < self.dmarc.pct;
        if config.reject_dmarc
            && self.dmarc.result == Outcome::Fail
            && self.dmarc.policy == "reject"
            && sampled
        {
            return Some((
                550,
                "5.7.1",
                format!(
                    "DMARC policy of {} rejects unauthenticated mail",
                    self.dmarc.domain
                ),
            ));
        }
        None
    }
}

/// What the SMTP session knows of the client.
#[derive(Debug, Clone, Copy)]
pub struct ClientFacts<'a> {
    pub ip: IpAddr,
    pub helo: &'a str,
    /// The reverse path; empty for `<>`.
    pub mail_from: &'a str,
}

/// Why the verifier could not be built.
#[derive(Debug, thiserror::Error)]
#[error("cannot set up mail verification: {0}")]
pub struct VerifyError(String);

/// The checker: `mail-auth` over the `[dns]` nameservers, with the node's authserv-id.
pub struct Verifier {
    authenticator: MessageAuthenticator,
    authserv_id: String,
    config: VerifyConfig,
}

impl Verifier {
    /// Build from `[dns]` and `[verify]`; `authserv_id` is the node's host name.
    pub fn new(
        dns: &DnsConfig,
        config: VerifyConfig,
        authserv_id: String,
    ) -> Result<Self, VerifyError> {
        Ok(Self {
            authenticator: resolver::authenticator(dns)?,
            authserv_id,
            config,
        })
    }

    pub fn config(&self) -> &VerifyConfig {
        &self.config
    }

    pub fn authserv_id(&self) -> &str {
        &self.authserv_id
    }

    /// The TXT records published at `name`, each joined from its strings; empty when the
    /// name has none, an error in words when DNS did not answer.
    pub async fn txt_records(&self, name: &str) -> Result<Vec<String>, String> {
        txt_records(&self.authenticator, name).await
    }

    /// What is wrong with an SPF record by RFC 7208's grammar, if anything.
    pub fn spf_syntax_error(record: &str) -> Option<String> {
        spf_record::syntax_error(record)
    }

    /// SPF for the MAIL FROM identity (HELO's for `<>`) within `deadline`: the verdict,
    /// mail-auth's output (DMARC needs it) and whether the budget ran out.
    async fn spf(
        &self,
        client: ClientFacts<'_>,
        deadline: Instant,
    ) -> (SpfVerdict, SpfOutput, bool) {
        let mut budget_exhausted = false;
        let from_domain = client
            .mail_from
            .rsplit_once('@')
            .map_or("", |(_, d)| d)
            .to_ascii_lowercase();
        let helo_domain = client.helo.trim_start_matches('[').trim_end_matches(']');

        // The MAIL FROM identity's own verdict (RFC 7208 §2.4), or HELO's for `<>`
        // (§2.3); mail-auth's combined check would report a failing HELO instead.
        let spf_params = if client.mail_from.is_empty() {
            SpfParameters::verify_ehlo(client.ip, helo_domain, &self.authserv_id)
        } else {
            SpfParameters::verify_mail_from(
                client.ip,
                helo_domain,
                &self.authserv_id,
                client.mail_from,
            )
        };
        let mut spf_output =
            match timeout_at(deadline, self.authenticator.verify_spf(spf_params)).await {
                Ok(output) => output,
                Err(_) => {
                    budget_exhausted = true;
                    let domain = if from_domain.is_empty() {
                        helo_domain.to_string()
                    } else {
                        from_domain.clone()
                    };
                    SpfOutput::new(domain).with_result(SpfResult::TempError)
                }
            };
        let mut spf = spf_verdict(&spf_output, client, helo_domain);
        // mail-auth skips what it cannot parse and takes the first of several records;
        // RFC 7208 makes both a permerror, as pyspf does.
        if matches!(
            spf.result,
            Outcome::Pass | Outcome::Fail | Outcome::SoftFail | Outcome::Neutral
        ) {
            let identity = if from_domain.is_empty() {
                helo_domain
            } else {
                &from_domain
            };
            if let Ok(Some(_)) = timeout_at(
                deadline,
                spf_record::permerror(&self.authenticator, identity, client.ip),
            )
            .await
            {
                spf.result = Outcome::PermError;
                spf_output = SpfOutput::new(identity.to_string()).with_result(SpfResult::PermError);
            }
        }

        (spf, spf_output, budget_exhausted)
    }

    /// At MAIL FROM: the refusal `[verify] reject_spf_fail` asks for when the sender's SPF
    /// says fail (`-all`), so the client hears it before sending any data; `None` to go on
    /// (never a delay beyond the budget: a DNS failure is temperror, not fail).
    pub async fn check_sender(
        &self,
        client: ClientFacts<'_>,
    ) -> Option<(u16, &'static str, String)> {
        if !self.config.reject_spf_fail {
            return None;
        }
        let deadline = Instant::now() + Duration::from_secs(self.config.budget_secs.max(1));
        let (spf, _, _) = self.spf(client, deadline).await;
        (spf.result == Outcome::Fail).then(|| spf_refusal(&spf.value))
    }

    /// Check `raw` (the message as it will be stored, forged claims already stripped).
    /// Never takes longer than the budget, never fails: what DNS could not answer in time
    /// is `temperror`.
    pub async fn check(&self, raw: &[u8], client: ClientFacts<'_>) -> Verdicts {
        let deadline = Instant::now() + Duration::from_secs(self.config.budget_secs.max(1));
        let from_domain = client
            .mail_from
            .rsplit_once('@')
            .map_or("", |(_, d)| d)
            .to_ascii_lowercase();
        let helo_domain = client.helo.trim_start_matches('[').trim_end_matches(']');
        let (spf, spf_output, mut budget_exhausted) = self.spf(client, deadline).await;

        let Some(message) = AuthenticatedMessage::parse(raw) else {
            // Not even a header section: nothing signed, no From to align.
            return Verdicts {
                spf,
                dkim: Vec::new(),
                dmarc: DmarcVerdict {
                    result: Outcome::PermError,
                    domain: String::new(),
                    policy: "none".into(),
                    pct: 100,
                },
                arc: Outcome::None,
                budget_exhausted,
            };
        };

        let dkim_outputs =
            match timeout_at(deadline, self.authenticator.verify_dkim(&message)).await {
                Ok(outputs) => Some(outputs),
                Err(_) => {
                    budget_exhausted = true;
                    None
                }
            };
        let dkim: Vec<DkimVerdict> = match &dkim_outputs {
            Some(outputs) => outputs
                .iter()
                .map(|o| {
                    let (result, reason) = dkim_outcome(o.result());
                    let (domain, selector) = o
                        .signature()
                        .map(|s| (s.d.to_ascii_lowercase(), s.s.clone()))
                        .unwrap_or_default();
                    DkimVerdict {
                        result,
                        domain,
                        selector,
                        reason,
                    }
                })
                .collect(),
            None => message
                .dkim_headers
                .iter()
                .map(|h| {
                    let (domain, selector) = (h.header.d.to_ascii_lowercase(), h.header.s.clone());
                    DkimVerdict {
                        result: Outcome::TempError,
                        domain,
                        selector,
                        reason: Some("DNS budget exhausted".into()),
                    }
                })
                .collect(),
        };

        let arc = if message.as_headers.is_empty() && message.ams_headers.is_empty() {
            Outcome::None
        } else {
            match timeout_at(deadline, self.authenticator.verify_arc(&message)).await {
                Ok(output) => dkim_outcome(output.result()).0,
                Err(_) => {
                    budget_exhausted = true;
                    Outcome::TempError
                }
            }
        };

        let header_from = single_from_domain(&message);
        let dmarc = match (&dkim_outputs, header_from) {
            (_, None) => DmarcVerdict {
                result: Outcome::None,
                domain: String::new(),
                policy: "none".into(),
                pct: 100,
            },
            (None, Some(domain)) => DmarcVerdict {
                result: Outcome::TempError,
                domain,
                policy: "none".into(),
                pct: 100,
            },
            (Some(outputs), Some(domain)) => {
                let mail_from_domain = if from_domain.is_empty() {
                    helo_domain.to_ascii_lowercase()
                } else {
                    from_domain.clone()
                };
                let params =
                    DmarcParameters::new(&message, outputs, &mail_from_domain, &spf_output);
                match timeout_at(deadline, self.authenticator.verify_dmarc(params)).await {
                    Ok(output) => DmarcVerdict {
                        result: dmarc_outcome(&output.result()),
                        domain,
                        policy: policy_name(output.policy()).into(),
                        pct: 100,
                    },
                    Err(_) => {
                        budget_exhausted = true;
                        DmarcVerdict {
                            result: Outcome::TempError,
                            domain,
                            policy: "none".into(),
                            pct: 100,
                        }
                    }
                }
            }
        };

        let mut dmarc = dmarc;
        if dmarc.result == Outcome::Fail && dmarc.policy != "none" {
            dmarc.pct = self.dmarc_pct(&dmarc.domain, deadline).await;
        }
        Verdicts {
            spf,
            dkim,
            dmarc,
            arc,
            budget_exhausted,
        }
    }

    /// The `pct` of the DMARC record that governs `domain`: its own, else the nearest
    /// parent's (down to two labels); 100 when absent, unreadable or out of time.
    async fn dmarc_pct(&self, domain: &str, deadline: Instant) -> u8 {
        let labels: Vec<&str> = domain.split('.').collect();
        for start in 0..labels.len().saturating_sub(1) {
            let name = format!("_dmarc.{}", labels[start..].join("."));
            let Ok(Ok(records)) = timeout_at(deadline, self.txt_records(&name)).await else {
                return 100;
            };
            if let Some(record) = records
                .iter()
                .find(|r| r.trim_start().to_ascii_lowercase().starts_with("v=dmarc1"))
            {
                return record_pct(record);
            }
        }
        100
    }
}

/// `pct=N` of a DMARC record (0 to 100); 100 when absent or not a number.
fn record_pct(record: &str) -> u8 {
    record
        .split(';')
        .filter_map(|tag| tag.split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("pct"))
        .and_then(|(_, v)| v.trim().parse::<u8>().ok())
        .map_or(100, |n| n.min(100))
}

/// The From header's one domain, lowercased; `None` when absent or several differ.
fn single_from_domain(message: &AuthenticatedMessage<'_>) -> Option<String> {
    let mut found: Option<String> = None;
    for from in &message.from {
        let domain = from.rsplit_once('@')?.1.to_ascii_lowercase();
        match &found {
            Some(seen) if *seen != domain => return None,
            _ => found = Some(domain),
        }
    }
    found
}

/// The TXT records at `name` through `authenticator`'s resolver, each joined from its
/// strings; empty when there are none, an error in words when DNS did not answer.
pub(crate) async fn txt_records(
    authenticator: &MessageAuthenticator,
    name: &str,
) -> Result<Vec<String>, String> {
    let fqdn = format!("{}.", name.trim_end_matches('.'));
    let lookup = match authenticator.resolver().txt_lookup(fqdn).await {
        Ok(lookup) => lookup,
        Err(e) if e.is_no_records_found() || e.is_nx_domain() => return Ok(Vec::new()),
        Err(e) => return Err(e.to_string()),
    };
    Ok(lookup
        .answers()
        .iter()
        .filter_map(|r| match &r.data {
            mail_auth::hickory_resolver::proto::rr::RData::TXT(txt) => Some(
                txt.txt_data
                    .iter()
                    .map(|s| String::from_utf8_lossy(s))
                    .collect::<String>(),
            ),
            _ => None,
        })
        .collect())
}

/// 550 5.7.23 (RFC 7372) for a sender whose SPF says fail.
fn spf_refusal(identity: &str) -> (u16, &'static str, String) {
    (
        550,
        "5.7.23",
        format!("SPF of {identity} does not allow this host to send its mail"),
    )
}

fn spf_verdict(output: &SpfOutput, client: ClientFacts<'_>, helo: &str) -> SpfVerdict {
    let result = match output.result() {
        SpfResult::Pass => Outcome::Pass,
        SpfResult::Fail => Outcome::Fail,
        SpfResult::SoftFail => Outcome::SoftFail,
        SpfResult::Neutral => Outcome::Neutral,
        SpfResult::TempError => Outcome::TempError,
        SpfResult::PermError => Outcome::PermError,
        SpfResult::None => Outcome::None,
    };
    if client.mail_from.is_empty() {
        SpfVerdict {
            result,
            property: "smtp.helo".into(),
            value: helo.to_string(),
        }
    } else {
        SpfVerdict {
            result,
            property: "smtp.mailfrom".into(),
            value: client.mail_from.to_string(),
        }
    }
}

fn dkim_outcome(result: &DkimResult) -> (Outcome, Option<String>) {
    match result {
        DkimResult::Pass => (Outcome::Pass, None),
        // mail-auth says neutral for a body that no longer matches its hash; RFC 6376 §6.1.3
        // makes that a failed verification, which RFC 8601 §2.7.1 reports as fail.
        DkimResult::Neutral(
            e @ mail_auth::Error::Dkim(mail_auth::dkim::DkimError::FailedBodyHashMatch),
        ) => (Outcome::Fail, Some(e.to_string())),
        DkimResult::Neutral(e) => (Outcome::Neutral, Some(e.to_string())),
        DkimResult::Fail(e) => (Outcome::Fail, Some(e.to_string())),
        DkimResult::PermError(e) => (Outcome::PermError, Some(e.to_string())),
        DkimResult::TempError(e) => (Outcome::TempError, Some(e.to_string())),
        DkimResult::None => (Outcome::None, None),
    }
}

fn dmarc_outcome(result: &DmarcResult) -> Outcome {
    match result {
        DmarcResult::Pass => Outcome::Pass,
        DmarcResult::Fail(_) => Outcome::Fail,
        DmarcResult::TempError(_) => Outcome::TempError,
        DmarcResult::PermError(_) => Outcome::PermError,
        DmarcResult::None => Outcome::None,
    }
}

fn policy_name(policy: DmarcPolicy) -> &'static str {
    match policy {
        DmarcPolicy::Reject => "reject",
        DmarcPolicy::Quarantine => "quarantine",
        DmarcPolicy::None | DmarcPolicy::Unspecified => "none",
    }
}
