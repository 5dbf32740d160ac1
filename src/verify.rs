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
mod verdicts;

pub use header::{authserv_id_of, strip_claims};
pub use verdicts::{DkimVerdict, DmarcVerdict, Outcome, SpfVerdict, Verdicts};
use verdicts::{dkim_outcome, dmarc_outcome, policy_name, spf_refusal, spf_verdict};

use crate::config::DnsConfig;
use mail_auth::dmarc::verify::DmarcParameters;
use mail_auth::spf::verify::SpfParameters;
use mail_auth::{AuthenticatedMessage, MessageAuthenticator, SpfOutput, SpfResult};
use serde::{Deserialize, Serialize};
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
