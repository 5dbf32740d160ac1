//! The verdicts of our own checks (RFC 8601 §2.7 results per method) and how mail-auth's
//! outputs become them; what the store keeps, search reads and the header renders.

use super::{ClientFacts, VerifyConfig};
use mail_auth::dmarc::Policy as DmarcPolicy;
use mail_auth::{DkimResult, DmarcResult, SpfOutput, SpfResult};
use serde::{Deserialize, Serialize};
use std::fmt;

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
        super::header::render(self, authserv_id)
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

/// 550 5.7.23 (RFC 7372) for a sender whose SPF says fail.
pub(super) fn spf_refusal(identity: &str) -> (u16, &'static str, String) {
    (
        550,
        "5.7.23",
        format!("SPF of {identity} does not allow this host to send its mail"),
    )
}

pub(super) fn spf_verdict(output: &SpfOutput, client: ClientFacts<'_>, helo: &str) -> SpfVerdict {
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

pub(super) fn dkim_outcome(result: &DkimResult) -> (Outcome, Option<String>) {
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

pub(super) fn dmarc_outcome(result: &DmarcResult) -> Outcome {
    match result {
        DmarcResult::Pass => Outcome::Pass,
        DmarcResult::Fail(_) => Outcome::Fail,
        DmarcResult::TempError(_) => Outcome::TempError,
        DmarcResult::PermError(_) => Outcome::PermError,
        DmarcResult::None => Outcome::None,
    }
}

pub(super) fn policy_name(policy: DmarcPolicy) -> &'static str {
    match policy {
        DmarcPolicy::Reject => "reject",
        DmarcPolicy::Quarantine => "quarantine",
        DmarcPolicy::None | DmarcPolicy::Unspecified => "none",
    }
}
