//! Microsoft 365 / Exchange Online Protection verdict headers, decoded: the
//! `X-Forefront-Antispam-Report` list (`KEY:VALUE;` pairs such as `CIP`, `CTRY`, `SCL`,
//! `SFV`, `CAT`, `IPV`), the `BCL` in `X-Microsoft-Antispam`, `X-MS-Exchange-Organization-SCL`
//! and `X-MS-Exchange-Organization-AuthAs`.
//!
//! Meanings follow Microsoft's "anti-spam message headers" documentation. These fields are
//! claims of whoever wrote them (any sender can add them); unknown keys and values are kept
//! raw. Parsing is pure and total.

use serde::Serialize;

/// What the Microsoft headers of one message say.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Antispam {
    /// Spam confidence level: the Forefront report's `SCL`, else
    /// `X-MS-Exchange-Organization-SCL`.
    pub scl: Option<i32>,
    /// What the SCL means (`not spam`, `spam`, `high-confidence spam`, `skipped`...).
    pub scl_meaning: Option<String>,
    /// Spam filtering verdict code (`NSPM`, `SPM`, `SKA`...).
    pub sfv: Option<String>,
    pub sfv_meaning: Option<String>,
    /// The protection policy category that applied (`BULK`, `PHSH`, `SPOOF`...).
    pub cat: Option<String>,
    pub cat_meaning: Option<String>,
    /// IP verdict (`CAL`, `NLI`).
    pub ipv: Option<String>,
    pub ipv_meaning: Option<String>,
    /// Country of the connecting IP, as written (two letters).
    pub country: Option<String>,
    /// Bulk complaint level from `X-Microsoft-Antispam`.
    pub bcl: Option<i32>,
    pub bcl_meaning: Option<String>,
    /// `X-MS-Exchange-Organization-AuthAs` (`Anonymous`, `Internal`, `Partner`).
    pub auth_as: Option<String>,
    pub auth_as_meaning: Option<String>,
    /// Every pair of `X-Forefront-Antispam-Report`, in order, with its meaning when known.
    pub forefront: Vec<AntispamEntry>,
    /// Every pair of `X-Microsoft-Antispam`, in order.
    pub microsoft_antispam: Vec<AntispamEntry>,
}

/// One `KEY:VALUE` pair.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AntispamEntry {
    /// The key as written (`CIP`, `SFV`, `rules`...).
    pub key: String,
    /// The value as written, possibly empty.
    pub value: String,
    /// What the key names (`connecting IP`, `spam filtering verdict`...), when known.
    pub label: Option<String>,
    /// What the value means, when the key has a known set of codes.
    pub meaning: Option<String>,
}

impl Antispam {
    /// True when none of the decoded headers was present.
    pub fn is_empty(&self) -> bool {
        *self == Antispam::default()
    }
}

/// The header fields this module reads; `get` returns the first value of a field name.
pub fn decode<'a>(get: impl Fn(&str) -> Option<&'a str>) -> Antispam {
    let mut out = Antispam {
        forefront: get("X-Forefront-Antispam-Report")
            .map(parse_pairs)
            .unwrap_or_default(),
        microsoft_antispam: get("X-Microsoft-Antispam")
            .map(parse_pairs)
            .unwrap_or_default(),
        ..Antispam::default()
    };
    let value = |entries: &[AntispamEntry], key: &str| {
        entries
            .iter()
            .find(|e| e.key.eq_ignore_ascii_case(key))
            .map(|e| e.value.clone())
            .filter(|v| !v.is_empty())
    };
    let org_scl = get("X-MS-Exchange-Organization-SCL").map(str::trim);
    out.scl = value(&out.forefront, "SCL")
        .as_deref()
        .or(org_scl)
        .and_then(|v| v.trim().parse().ok());
    out.scl_meaning = out.scl.map(|s| scl_meaning(s).to_string());
    out.sfv = value(&out.forefront, "SFV");
    out.sfv_meaning = out.sfv.as_deref().and_then(sfv_meaning).map(str::to_string);
    out.cat = value(&out.forefront, "CAT");
    out.cat_meaning = out.cat.as_deref().and_then(cat_meaning).map(str::to_string);
    out.ipv = value(&out.forefront, "IPV");
    out.ipv_meaning = out.ipv.as_deref().and_then(ipv_meaning).map(str::to_string);
    out.country = value(&out.forefront, "CTRY");
    out.bcl = value(&out.microsoft_antispam, "BCL").and_then(|v| v.trim().parse().ok());
    out.bcl_meaning = out.bcl.map(|b| bcl_meaning(b).to_string());
    out.auth_as = get("X-MS-Exchange-Organization-AuthAs")
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty());
    out.auth_as_meaning = out
        .auth_as
        .as_deref()
        .and_then(auth_as_meaning)
        .map(str::to_string);
    out
}

/// Splits `KEY:VALUE;KEY:VALUE;...` (whitespace and empty items ignored). A value may hold
/// further colons (`H:mail.example.org`, IPv6 `CIP:2001:db8::1`); an item without a colon
/// is kept as a key with an empty value.
pub fn parse_pairs(value: &str) -> Vec<AntispamEntry> {
    value
        .split(';')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| {
            let (key, value) = item.split_once(':').unwrap_or((item, ""));
            let key = key.trim().to_string();
            let value = value.trim().to_string();
            let label = key_label(&key).map(str::to_string);
            let meaning = value_meaning(&key, &value);
            AntispamEntry {
                key,
                value,
                label,
                meaning,
            }
        })
        .collect()
}

fn key_label(key: &str) -> Option<&'static str> {
    const LABELS: [(&str, &str); 17] = [
        ("ARC", "ARC protocol verdict"),
        ("CAT", "protection policy category"),
        ("CIP", "connecting IP"),
        ("CTRY", "country of the connecting IP"),
        ("DIR", "direction"),
        ("H", "HELO/EHLO name"),
        ("IPV", "IP verdict"),
        ("LANG", "language"),
        ("PTR", "reverse DNS of the connecting IP"),
        ("SCL", "spam confidence level"),
        ("SFP", "spam filtering policy"),
        ("SFS", "spam rules matched"),
        ("SFTY", "safety tip"),
        ("SFV", "spam filtering verdict"),
        ("SRV", "service verdict"),
        ("X-CustomSpam", "advanced spam filtering"),
        ("BCL", "bulk complaint level"),
    ];
    LABELS
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, label)| *label)
}

fn value_meaning(key: &str, value: &str) -> Option<String> {
    let key = key.to_ascii_uppercase();
    let meaning = match key.as_str() {
        "SCL" => value.parse().ok().map(scl_meaning),
        "BCL" => value.parse().ok().map(bcl_meaning),
        "SFV" => sfv_meaning(value),
        "CAT" => cat_meaning(value),
        "IPV" => ipv_meaning(value),
        "DIR" => match value.to_ascii_uppercase().as_str() {
            "INB" => Some("inbound"),
            "OUT" => Some("outbound"),
            "INT" => Some("internal"),
            _ => None,
        },
        "SRV" if value.eq_ignore_ascii_case("BULK") => Some("bulk mail"),
        _ => None,
    };
    meaning.map(str::to_string)
}

/// SCL: -1 skipped, 0-1 not spam, 5-6 spam, 8-9 high-confidence spam.
fn scl_meaning(scl: i32) -> &'static str {
    match scl {
        -1 => "skipped: trusted or internal sender",
        0 | 1 => "not spam",
        5 | 6 => "spam",
        8 | 9 => "high-confidence spam",
        2..=4 | 7 => "unused level",
        _ => "out of range",
    }
}

fn sfv_meaning(code: &str) -> Option<&'static str> {
    let meaning = match code.trim().to_ascii_uppercase().as_str() {
        "NSPM" => "not spam",
        "SPM" => "spam",
        "BLK" => "blocked: sender on a block list",
        "SFE" => "skipped: sender on a safe senders list",
        "SKA" => "skipped: sender allowed by policy",
        "SKB" => "spam: sender blocked by policy",
        "SKI" => "skipped: intra-organization mail",
        "SKN" => "skipped: marked not spam by a mail flow rule",
        "SKQ" => "released from quarantine",
        "SKS" => "spam: marked by a mail flow rule",
        _ => return None,
    };
    Some(meaning)
}

fn cat_meaning(code: &str) -> Option<&'static str> {
    let meaning = match code.trim().to_ascii_uppercase().as_str() {
        "AMP" => "anti-malware",
        "BULK" => "bulk",
        "DIMP" => "domain impersonation",
        "FTBP" => "anti-malware filetype policy",
        "GIMP" => "mailbox intelligence impersonation",
        "HPHSH" | "HPHISH" => "high-confidence phishing",
        "HSPM" => "high-confidence spam",
        "INTOS" => "intra-organization phishing",
        "MALW" => "malware",
        "NONE" => "no category",
        "OSPM" => "outbound spam",
        "PHSH" => "phishing",
        "SAP" => "safe attachments",
        "SPM" => "spam",
        "SPOOF" => "spoofing",
        "UIMP" => "user impersonation",
        _ => return None,
    };
    Some(meaning)
}

fn ipv_meaning(code: &str) -> Option<&'static str> {
    match code.trim().to_ascii_uppercase().as_str() {
        "CAL" => Some("allowed by the connection filter"),
        "NLI" => Some("not on any IP reputation list"),
        _ => None,
    }
}

/// BCL: 0 not bulk, 1-3 few complaints, 4-7 mixed, 8-9 many complaints.
fn bcl_meaning(bcl: i32) -> &'static str {
    match bcl {
        0 => "not bulk",
        1..=3 => "bulk, few complaints",
        4..=7 => "bulk, mixed complaints",
        8 | 9 => "bulk, many complaints",
        _ => "out of range",
    }
}

fn auth_as_meaning(value: &str) -> Option<&'static str> {
    match value.trim().to_ascii_lowercase().as_str() {
        "anonymous" => Some("unauthenticated sender"),
        "internal" => Some("sender inside the organization"),
        "partner" => Some("authenticated partner organization"),
        _ => None,
    }
}

/// The one-line summary for text and the TUI:
/// `Microsoft: SCL 1 (not spam), SFV NSPM, CTRY US, IPV NLI, BCL 0`.
pub fn summary(a: &Antispam) -> Option<String> {
    if a.is_empty() {
        return None;
    }
    let mut parts = Vec::new();
    if let Some(scl) = a.scl {
        parts.push(format!("SCL {scl} ({})", scl_meaning(scl)));
    }
    if let Some(sfv) = &a.sfv {
        parts.push(format!("SFV {sfv}"));
    }
    if let Some(cat) = &a.cat {
        match &a.cat_meaning {
            Some(m) if !cat.eq_ignore_ascii_case("NONE") => parts.push(format!("CAT {cat} ({m})")),
            _ => parts.push(format!("CAT {cat}")),
        }
    }
    if let Some(country) = &a.country {
        parts.push(format!("CTRY {country}"));
    }
    if let Some(ipv) = &a.ipv {
        parts.push(format!("IPV {ipv}"));
    }
    if let Some(bcl) = a.bcl {
        parts.push(format!("BCL {bcl}"));
    }
    if let Some(auth_as) = &a.auth_as {
        parts.push(format!("AuthAs {auth_as}"));
    }
    if parts.is_empty() {
        parts.push(format!(
            "{} not decoded",
            crate::plural::count(a.forefront.len() + a.microsoft_antispam.len(), "field")
        ));
    }
    Some(format!("Microsoft: {}", parts.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_fields(fields: &[(&'static str, &'static str)]) -> Antispam {
        decode(|name| {
            fields
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| *v)
        })
    }

    #[test]
    fn forefront_report_is_decoded_with_meanings() {
        let a = decode_fields(&[
            (
                "X-Forefront-Antispam-Report",
                "CIP:192.0.2.1;CTRY:US;LANG:en;SCL:1;SRV:;IPV:NLI;SFV:NSPM;H:mail.example.com;\
                 PTR:mail.example.com;CAT:NONE;SFS:(13230031)(4636009);DIR:INB;",
            ),
            ("X-Microsoft-Antispam", "BCL:0;ARA:13230031|4636009;"),
            ("X-MS-Exchange-Organization-AuthAs", "Anonymous"),
        ]);
        assert_eq!(a.scl, Some(1));
        assert_eq!(a.scl_meaning.as_deref(), Some("not spam"));
        assert_eq!(a.sfv.as_deref(), Some("NSPM"));
        assert_eq!(a.sfv_meaning.as_deref(), Some("not spam"));
        assert_eq!(
            a.ipv_meaning.as_deref(),
            Some("not on any IP reputation list")
        );
        assert_eq!(a.country.as_deref(), Some("US"));
        assert_eq!(a.bcl, Some(0));
        assert_eq!(a.auth_as.as_deref(), Some("Anonymous"));
        let keys: Vec<&str> = a.forefront.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "CIP", "CTRY", "LANG", "SCL", "SRV", "IPV", "SFV", "H", "PTR", "CAT", "SFS", "DIR"
            ]
        );
        assert_eq!(a.forefront[0].label.as_deref(), Some("connecting IP"));
        assert_eq!(a.forefront[11].meaning.as_deref(), Some("inbound"));
        assert_eq!(a.forefront[10].value, "(13230031)(4636009)");
        assert_eq!(
            summary(&a).as_deref(),
            Some(
                "Microsoft: SCL 1 (not spam), SFV NSPM, CAT NONE, CTRY US, IPV NLI, BCL 0, \
                 AuthAs Anonymous"
            )
        );
    }

    #[test]
    fn spam_verdicts_and_organization_scl() {
        let a = decode_fields(&[
            (
                "X-Forefront-Antispam-Report",
                "CIP:2001:db8::5;SFV:SPM;CAT:HPHSH;IPV:CAL;",
            ),
            ("X-MS-Exchange-Organization-SCL", " 9"),
        ]);
        assert_eq!(a.forefront[0].value, "2001:db8::5");
        assert_eq!(a.scl, Some(9), "organization SCL when the report has none");
        assert_eq!(a.scl_meaning.as_deref(), Some("high-confidence spam"));
        assert_eq!(a.cat_meaning.as_deref(), Some("high-confidence phishing"));
        assert_eq!(
            a.ipv_meaning.as_deref(),
            Some("allowed by the connection filter")
        );
        let skipped = decode_fields(&[("X-Forefront-Antispam-Report", "SCL:-1;SFV:SKI")]);
        assert_eq!(
            skipped.scl_meaning.as_deref(),
            Some("skipped: trusted or internal sender")
        );
        assert_eq!(
            skipped.sfv_meaning.as_deref(),
            Some("skipped: intra-organization mail")
        );
    }

    #[test]
    fn unknown_keys_stay_raw_and_junk_never_fails() {
        let a = decode_fields(&[("X-Forefront-Antispam-Report", "ZZZ:odd;novalue;;:x;SCL:abc")]);
        assert_eq!(a.forefront.len(), 4);
        assert_eq!(a.forefront[0].key, "ZZZ");
        assert_eq!(a.forefront[0].label, None);
        assert_eq!(a.forefront[1].value, "");
        assert_eq!(a.forefront[2].key, "");
        assert_eq!(a.scl, None, "a non-numeric SCL is kept raw only");
        assert_eq!(
            summary(&a).as_deref(),
            Some("Microsoft: 4 fields not decoded")
        );
        assert!(decode(|_| None).is_empty());
        assert_eq!(summary(&Antispam::default()), None);
        for junk in [
            "",
            ";",
            ":",
            "SCL:99999999999999999999",
            "BCL:-5",
            "\u{0}:\u{0}",
        ] {
            let _ = summary(&decode(|_| Some(junk)));
        }
    }
}
