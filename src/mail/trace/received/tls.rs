//! Protocol badges and TLS details: the `with` keyword (RFC 3848, RFC 6531, IANA Mail
//! Transmission Types plus common unregistered values) and the TLS comments MTAs write.

use serde::Serialize;

use super::{Clause, Hop};
use crate::mail::trace::tokenizer::{Token, TokenKind};

/// What the hop's protocol and comments say about the transfer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ProtocolFlags {
    /// TLS was used (an `S` protocol, a TLS comment, `(TLS)`, `Google Transport Security`).
    pub tls: bool,
    /// The client authenticated (an `A` protocol, `Authenticated sender`, `authenticated bits`).
    pub auth: bool,
    /// SMTPUTF8 (RFC 6531 `UTF8SMTP*`).
    pub utf8: bool,
    /// LMTP delivery (RFC 2033).
    pub lmtp: bool,
    /// A local hand-off (`with local`, `local-bsmtp`, `stdin`, unix socket).
    pub local: bool,
    /// Submitted over HTTP (webmail, APIs).
    pub http: bool,
    /// Exchange MAPI submission.
    pub mapi: bool,
}

pub(super) fn apply(hop: &mut Hop, comments: &[&str], clauses: &[(Clause, Vec<Token>)]) {
    // Old and web forms name the protocol after `via` (`via HTTP`, `via ESMTP`).
    if let Some(with) = hop.with.as_deref().or(hop.via.as_deref()) {
        hop.protocol_flags = protocol_flags(with);
    }
    for comment in comments {
        scan_comment(hop, comment);
    }
    // Exim 4.96+: `with esmtps (TLS1.3) tls TLS_AES_256_GCM_SHA384`, bare words.
    for (clause, toks) in clauses {
        if *clause != Clause::With {
            continue;
        }
        for pair in toks.windows(2) {
            if pair[0].kind == TokenKind::Word
                && pair[0].text.eq_ignore_ascii_case("tls")
                && pair[1].kind == TokenKind::Word
            {
                hop.tls_cipher.get_or_insert_with(|| pair[1].text.clone());
            }
        }
    }
    if hop.tls_version.is_some() || hop.tls_cipher.is_some() {
        hop.protocol_flags.tls = true;
    }
}

/// The protocol keyword of a `with` value: the first word that is a known protocol
/// (`with smtp.notes.example ESMTP` -> `ESMTP`), else the first word.
pub fn protocol_word(with: &str) -> &str {
    let mut words = with
        .split(|c: char| c.is_whitespace() || c == '(')
        .filter(|w| !w.is_empty());
    let first = words.clone().next().unwrap_or_default();
    words
        .find(|w| protocol_flags_of(w).is_some())
        .unwrap_or(first)
}

/// Flags from the protocol keyword of the `with` value.
pub(super) fn protocol_flags(with: &str) -> ProtocolFlags {
    protocol_flags_of(protocol_word(with)).unwrap_or_default()
}

/// Flags of one protocol word; `None` when the word is no known protocol.
fn protocol_flags_of(word: &str) -> Option<ProtocolFlags> {
    let mut flags = ProtocolFlags::default();
    let word = word.to_ascii_lowercase();
    let mut base = word.as_str();
    if let Some(rest) = base.strip_prefix("utf8") {
        flags.utf8 = true;
        base = rest;
    }
    match base {
        "local" | "local-bsmtp" | "local-smtp" | "local-esmtp" | "stdin" | "socket" => {
            flags.local = true
        }
        "local-esmtps" => {
            flags.local = true;
            flags.tls = true;
        }
        "mapi" => flags.mapi = true,
        "http" | "httprest" | "httpu" => flags.http = true,
        "https" => {
            flags.http = true;
            flags.tls = true;
        }
        "esmtptls" | "esmtp-tls" => flags.tls = true,
        "asmtp" => flags.auth = true,
        "imap" | "pop3" => {}
        "imaps" | "pop3s" => flags.tls = true,
        _ => {
            let (proto, suffix) = ["esmtp", "smtp", "lmtp"]
                .iter()
                .find_map(|p| base.strip_prefix(p).map(|s| (*p, s)))?;
            if !matches!(suffix, "" | "a" | "s" | "sa") {
                return None;
            }
            flags.tls = suffix.contains('s');
            flags.auth = suffix.contains('a');
            flags.lmtp = proto == "lmtp";
        }
    }
    Some(flags)
}

fn scan_comment(hop: &mut Hop, comment: &str) {
    let lower = comment.to_ascii_lowercase();
    if lower.contains("authenticated") || lower.contains("auth:") {
        hop.protocol_flags.auth = true;
    }
    if lower.trim() == "tls" || lower.contains("google transport security") {
        hop.protocol_flags.tls = true;
    }
    let words: Vec<&str> = comment
        .split(|c: char| c.is_whitespace() || c == ',' || c == '(' || c == ')')
        .filter(|w| !w.is_empty())
        .collect();
    for (i, word) in words.iter().enumerate() {
        let wl = word.to_ascii_lowercase();
        let next = words.get(i + 1).copied();
        if let Some(v) = wl.strip_prefix("version=").map(|_| &word[8..]) {
            set_version(hop, v);
        } else if let Some(c) = wl.strip_prefix("cipher=").map(|_| &word[7..]) {
            set_cipher(hop, c);
        } else if wl == "using" && next.is_some_and(is_tls_version) {
            set_version(hop, next.unwrap_or_default());
        } else if wl == "cipher"
            && words
                .get(i.wrapping_sub(1))
                .is_some_and(|w| w.eq_ignore_ascii_case("with"))
        {
            set_cipher(hop, next.unwrap_or_default());
        } else if wl == "tls:" || wl == "ssl:" {
            set_version(hop, next.unwrap_or_default());
        } else if wl.ends_with("bits")
            && wl.len() > 4
            && wl[..wl.len() - 4].bytes().all(|b| b.is_ascii_digit())
        {
            if lower.contains("tls:") || lower.contains("ssl:") {
                set_cipher(hop, next.unwrap_or_default());
            }
        } else if word.contains(':') {
            // Exim: TLSv1.3:TLS_AES_256_GCM_SHA384:256 (also after `Cipher` or `tls_cipher`).
            let parts: Vec<&str> = word.split(':').collect();
            if parts.len() >= 2 && is_tls_version(parts[0]) {
                set_version(hop, parts[0]);
                set_cipher(hop, parts[1]);
            }
        } else if words.len() == 1 && is_tls_version(word) {
            set_version(hop, word);
        }
    }
}

fn set_version(hop: &mut Hop, v: &str) {
    let v = v.trim_end_matches([',', ';']);
    if !v.is_empty() && hop.tls_version.is_none() {
        hop.tls_version = Some(v.to_string());
        hop.protocol_flags.tls = true;
    }
}

fn set_cipher(hop: &mut Hop, c: &str) {
    let c = c.trim_end_matches([',', ';']);
    if !c.is_empty() && hop.tls_cipher.is_none() {
        hop.tls_cipher = Some(c.to_string());
        hop.protocol_flags.tls = true;
    }
}

/// `TLSv1.2`, `TLS1_2`, `TLS1.3`, `TLS-1.0`, `SSLv3`, `TLSv1/SSLv3`, `DTLSv1.2`.
fn is_tls_version(word: &str) -> bool {
    let upper = word.to_ascii_uppercase();
    let rest = upper
        .strip_prefix("DTLS")
        .or_else(|| upper.strip_prefix("TLS"))
        .or_else(|| upper.strip_prefix("SSL"));
    rest.is_some_and(|r| {
        r.trim_start_matches(['V', '-', '_'])
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_digit())
    })
}
