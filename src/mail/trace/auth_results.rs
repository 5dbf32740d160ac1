//! Authentication-Results (RFC 8601 §2.2), ARC sets (RFC 8617 §4.1) and Received-SPF
//! (RFC 7208 §9.1). Parsing is pure and total; trust is decided by the chain analysis
//! (only an authserv-id that belongs to this node is trusted, RFC 8601 §5).

mod lexer;

use serde::Serialize;

use lexer::{Lexeme, lex};

/// One Authentication-Results field.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AuthResults {
    /// Who did the checks (RFC 8601 §2.5); empty when the field had none (Microsoft 365
    /// starts with the first `method=result`).
    pub authserv_id: String,
    /// The optional version after the authserv-id.
    pub version: Option<u32>,
    /// One entry per `method=result`, in order.
    pub results: Vec<AuthResult>,
    /// True only when `authserv_id` is one of this node's own (set by `analyse`).
    pub trusted: bool,
    /// The field value as found.
    pub raw: String,
}

/// One `method[/version]=result` with its reason and properties.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AuthResult {
    /// Lower-cased method (`spf`, `dkim`, `dmarc`, `arc`, `iprev`, `auth`...).
    pub method: String,
    /// Lower-cased result (`pass`, `fail`, `none`, `softfail`, `neutral`...).
    pub result: String,
    /// `reason=` value, if any.
    pub reason: Option<String>,
    /// The first comment after the result, e.g. Google's explanation.
    pub comment: Option<String>,
    /// `ptype.property=value` pairs (and bare `key=value` such as Microsoft's `action=`).
    pub properties: Vec<AuthProperty>,
}

/// One property of a result.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AuthProperty {
    /// `smtp.mailfrom`, `header.d`, `action`... as written.
    pub key: String,
    pub value: String,
}

/// The ARC fields that share one instance number `i=`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ArcSet {
    pub instance: u32,
    /// `cv=` of the ARC-Seal (`none`, `pass`, `fail`): the chain state as claimed.
    pub seal_cv: Option<String>,
    /// `d=` of the ARC-Seal: who sealed this instance.
    pub sealer: Option<String>,
    /// The ARC-Message-Signature's `d=`.
    pub signer: Option<String>,
    /// The ARC-Authentication-Results payload of this instance.
    pub auth_results: Option<AuthResults>,
    /// Index into `Trace::hops` of the newest hop received by the sealer's domain
    /// (its `by` host is the `d=` domain or below it), when there is one.
    pub hop: Option<usize>,
}

/// One Received-SPF field.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReceivedSpf {
    /// Lower-cased result word (`pass`, `fail`, ...); may be junk on junk input.
    pub result: String,
    pub comment: Option<String>,
    /// `key=value` pairs (`client-ip`, `envelope-from`, `helo`, ...).
    pub properties: Vec<AuthProperty>,
    pub raw: String,
}

const RESULTS: [&str; 16] = [
    "pass",
    "fail",
    "softfail",
    "neutral",
    "none",
    "temperror",
    "permerror",
    "policy",
    "hardfail",
    "invalid",
    "discard",
    "nxdomain",
    "signed",
    "unknown",
    "bestguesspass",
    "softpass",
];

/// Parses an Authentication-Results value (no field name). Total: junk gives empty results.
pub fn parse_authentication_results(value: &str) -> AuthResults {
    let lexemes = lex(value);
    let mut out = AuthResults {
        raw: value.trim().to_string(),
        ..AuthResults::default()
    };
    let mut segments = lexemes.split(|l| *l == Lexeme::Semicolon);
    if let Some(head) = segments.next() {
        if starts_with_pair(head) {
            // Microsoft 365 writes no authserv-id: `spf=pass (...) smtp.mailfrom=...; ...`.
            parse_resinfo(head, &mut out.results);
        } else {
            let words: Vec<&str> = head.iter().filter_map(Lexeme::text).collect();
            out.authserv_id = words.first().map(|w| w.to_string()).unwrap_or_default();
            out.version = words.get(1).and_then(|v| v.parse().ok());
        }
    }
    for segment in segments {
        parse_resinfo(segment, &mut out.results);
    }
    out
}

/// True when the first token (comments skipped) is followed by `=`: a `method=result`, not
/// an authserv-id, which never contains `=`.
fn starts_with_pair(head: &[Lexeme]) -> bool {
    next_non_comment(head, 0).is_some_and(|first| {
        matches!(head[first], Lexeme::Word(_))
            && next_non_comment(head, first + 1).is_some_and(|eq| head[eq] == Lexeme::Equals)
    })
}

/// Reads `method=result (comment) key=value ...`; a known method name after the first
/// pair starts a new result, for producers that forget the `;`. CFWS may surround `=`.
fn parse_resinfo(segment: &[Lexeme], results: &mut Vec<AuthResult>) {
    let mut i = 0;
    let mut current: Option<AuthResult> = None;
    while i < segment.len() {
        if let Lexeme::Comment(c) = &segment[i] {
            if let Some(r) = current.as_mut().filter(|r| r.comment.is_none()) {
                r.comment = Some(c.clone());
            }
            i += 1;
            continue;
        }
        let Some((key, value, next)) = key_value(segment, i) else {
            i += 1;
            continue;
        };
        let key_l = key.to_ascii_lowercase();
        let method = key_l.split('/').next().unwrap_or_default().to_string();
        let result = value.to_ascii_lowercase();
        // A known method always starts a result, even with a result word we do not know
        // (`compauth=softpass`); otherwise only a known result word does.
        let known_result = RESULTS.contains(&result.as_str());
        if (is_method(&method) && (known_result || !value.is_empty()))
            || (current.is_none() && known_result)
        {
            results.extend(current.take());
            current = Some(AuthResult {
                method,
                result,
                ..AuthResult::default()
            });
        } else if let Some(r) = current.as_mut() {
            if key_l == "reason" {
                r.reason = Some(value.to_string());
            } else {
                r.properties.push(AuthProperty {
                    key: key.to_string(),
                    value: value.to_string(),
                });
            }
        }
        i = next;
    }
    results.extend(current);
}

/// `word [comments] = [comments] value` starting at `i` -> (key, value, index after value).
fn key_value(lexemes: &[Lexeme], i: usize) -> Option<(&str, &str, usize)> {
    let Lexeme::Word(key) = lexemes.get(i)? else {
        return None;
    };
    let eq = next_non_comment(lexemes, i + 1)?;
    if lexemes[eq] != Lexeme::Equals {
        return None;
    }
    match next_non_comment(lexemes, eq + 1) {
        Some(v) => match lexemes[v].text() {
            Some(value) => Some((key, value, v + 1)),
            None => Some((key, "", v)),
        },
        None => Some((key, "", lexemes.len())),
    }
}

fn next_non_comment(lexemes: &[Lexeme], from: usize) -> Option<usize> {
    (from..lexemes.len()).find(|&j| !matches!(lexemes[j], Lexeme::Comment(_)))
}

fn is_method(name: &str) -> bool {
    const METHODS: [&str; 15] = [
        "spf",
        "compauth",
        "dkim",
        "dmarc",
        "arc",
        "iprev",
        "auth",
        "dkim-adsp",
        "sender-id",
        "domainkeys",
        "bimi",
        "dnswl",
        "rrvs",
        "smime",
        "vbr",
    ];
    METHODS.contains(&name) || name.starts_with("x-") || name.starts_with("dkim-")
}

/// Parses an ARC-Authentication-Results value: `i=N;` then an A-R payload.
pub fn parse_arc_authentication_results(value: &str) -> (Option<u32>, AuthResults) {
    let (instance, rest) = split_instance(value);
    (instance, parse_authentication_results(rest))
}

/// `i=N; rest` -> (N, rest); anything else -> (None, whole).
fn split_instance(value: &str) -> (Option<u32>, &str) {
    let trimmed = value.trim_start();
    let parsed = trimmed.split_once(';').and_then(|(head, rest)| {
        let n = head.trim().strip_prefix("i=")?.trim().parse().ok()?;
        Some((n, rest))
    });
    match parsed {
        Some((n, rest)) => (Some(n), rest),
        None => (None, value),
    }
}

/// Tag-list fields (ARC-Seal, ARC-Message-Signature; RFC 6376 §3.2): `tag=value` by `;`.
pub fn tag_value(value: &str, tag: &str) -> Option<String> {
    value.split(';').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case(tag)
            .then(|| v.split_whitespace().collect::<String>())
    })
}

/// Parses a Received-SPF value.
pub fn parse_received_spf(value: &str) -> ReceivedSpf {
    let lexemes = lex(value);
    let mut out = ReceivedSpf {
        raw: value.trim().to_string(),
        ..ReceivedSpf::default()
    };
    out.result = lexemes
        .iter()
        .find_map(Lexeme::text)
        .unwrap_or_default()
        .to_ascii_lowercase();
    out.comment = lexemes.iter().find_map(|l| match l {
        Lexeme::Comment(c) => Some(c.clone()),
        _ => None,
    });
    let mut i = 0;
    while i < lexemes.len() {
        match key_value(&lexemes, i) {
            Some((key, value, next)) => {
                out.properties.push(AuthProperty {
                    key: key.to_ascii_lowercase(),
                    value: value.to_string(),
                });
                i = next.max(i + 1);
            }
            None => i += 1,
        }
    }
    out
}
