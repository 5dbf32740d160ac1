//! The `from` and `by` clauses: HELO name, reverse-DNS name and IP from the TCP-info
//! comment (RFC 5321 §4.4 `Extended-Domain` / `TCP-info`), across MTA dialects.
//!
//! The IP comes from the last from-clause comment that holds one: Postfix copies the HELO
//! argument verbatim, so an address literal in an earlier comment may be the client's
//! forgery, while the server always writes its own comment last.

use std::net::IpAddr;

use super::{Dialect, Hop};
use crate::mail::trace::tokenizer::{Token, TokenKind};

/// What one comment of a from clause says.
#[derive(Debug, Default)]
struct CommentInfo {
    ip: Option<IpAddr>,
    /// The name written just before a bracketed IP: `(rdns [ip])`.
    name_before_ip: Option<String>,
    /// A `]:port` or `port=` shows Exim's layout.
    exim_port: bool,
}

pub(super) fn apply_from(hop: &mut Hop, toks: &[Token], dialect: Dialect) {
    let leading: Vec<&Token> = toks
        .iter()
        .take_while(|t| matches!(t.kind, TokenKind::Word | TokenKind::Quoted))
        .collect();
    let value = if leading.is_empty() {
        toks.first()
            .filter(|t| t.kind == TokenKind::Literal)
            .map(|t| format!("[{}]", t.text))
    } else {
        Some(
            leading
                .iter()
                .map(|t| t.text.as_str())
                .collect::<Vec<_>>()
                .join(" "),
        )
    };
    let mut helo_eq = None;
    let mut helo_cmd = None;
    let mut server_comment: Option<CommentInfo> = None;
    let mut top_literal_ip = None;
    for (i, token) in toks.iter().enumerate() {
        match token.kind {
            TokenKind::Comment => {
                // ZMailer quotes the greeting: `"EHLO mail.example.org"`.
                let words: Vec<&str> = token
                    .text
                    .split_whitespace()
                    .map(|w| w.trim_matches('"'))
                    .filter(|w| !w.is_empty())
                    .collect();
                for (j, word) in words.iter().enumerate() {
                    let lower = word.to_ascii_lowercase();
                    if let Some(h) = lower.strip_prefix("helo=").map(|_| &word[5..]) {
                        helo_eq.get_or_insert_with(|| clean_name(h));
                    }
                    if let Some(h) = words.get(j + 1).filter(|_| is_helo_word(&lower)) {
                        helo_cmd.get_or_insert_with(|| clean_name(h));
                    }
                }
                let info = comment_info(&token.text);
                if info.ip.is_some() {
                    server_comment = Some(info);
                }
            }
            TokenKind::Literal if i > 0 && top_literal_ip.is_none() => {
                top_literal_ip = literal_ip(&token.text);
            }
            _ => {}
        }
    }
    let value_ip = value.as_deref().and_then(|v| {
        v.strip_prefix('[')
            .and_then(|v| v.strip_suffix(']'))
            .map_or_else(|| parse_ip(v), literal_ip)
    });
    let value_is_name = value
        .as_deref()
        .is_some_and(|v| value_ip.is_none() && is_name(v));
    let name_value = value.clone().filter(|_| value_is_name);
    hop.ip = server_comment
        .as_ref()
        .and_then(|c| c.ip)
        .or(top_literal_ip)
        .or(value_ip);
    if let Some(h) = helo_eq {
        hop.helo = Some(h);
        hop.rdns = name_value.filter(|v| !v.eq_ignore_ascii_case("unknown"));
    } else if let Some(h) = helo_cmd {
        hop.helo = Some(h);
        hop.rdns = name_value.filter(|v| !v.eq_ignore_ascii_case("unknown"));
    } else if let Some(name) = server_comment
        .as_ref()
        .and_then(|c| c.name_before_ip.clone())
    {
        hop.helo = value.clone();
        hop.rdns = Some(name).filter(|n| !n.eq_ignore_ascii_case("unknown"));
    } else if server_comment.as_ref().is_some_and(|c| c.exim_port)
        || (dialect == Dialect::Exim && hop.ip.is_some())
    {
        // Exim omits `helo=` when the greeting equals the verified reverse-DNS name.
        hop.helo = name_value.clone();
        hop.rdns = name_value;
    } else if dialect == Dialect::Qmail && server_comment.is_some() {
        // qmail omits `(HELO ...)` when the greeting equals the remote host name.
        let known = name_value.filter(|v| !v.eq_ignore_ascii_case("unknown"));
        hop.helo = known.clone();
        hop.rdns = known;
    } else if dialect == Dialect::Uucp {
        // A UUCP neighbour's name: no greeting, no DNS lookup.
    } else {
        hop.helo = value.clone().filter(|v| {
            !v.is_empty() && !v.eq_ignore_ascii_case("unknown") && parse_ip(v).is_none()
        });
    }
    hop.from = value.filter(|v| !v.is_empty());
}

pub(super) fn apply_by(hop: &mut Hop, toks: &[Token]) {
    if let Some(first) = toks.first().filter(|t| t.kind == TokenKind::Word) {
        let host = first.text.trim_end_matches(',').to_string();
        hop.by_ip = parse_ip(&host);
        hop.by = Some(host).filter(|h| !h.is_empty());
    }
    if hop.by_ip.is_none() {
        // MDaemon: `by host [ip] with ...`.
        hop.by_ip = toks
            .get(1)
            .filter(|t| t.kind == TokenKind::Literal)
            .and_then(|t| literal_ip(&t.text));
    }
    if hop.by_ip.is_none() {
        // Only a literal or a comment that is nothing but an address: by-comments hold
        // software versions (`ecelerity 2.1.1.3`) that would parse as IPs.
        hop.by_ip = toks
            .iter()
            .filter(|t| t.kind == TokenKind::Comment)
            .find_map(|t| {
                let info = comment_info(&t.text);
                let whole = literal_ip(&t.text);
                if t.text.contains('[') { info.ip } else { whole }
            });
    }
}

/// Finds the IP of one comment: a bracketed literal wins over a bare address. An address
/// right after `HELO`/`EHLO` is the client's word, not the server's observation.
fn comment_info(text: &str) -> CommentInfo {
    let mut info = CommentInfo::default();
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        let Some(close) = rest[open..].find(']').map(|c| open + c) else {
            break;
        };
        let previous = rest[..open].split_whitespace().last();
        if let Some(ip) =
            literal_ip(&rest[open + 1..close]).filter(|_| !previous.is_some_and(is_helo_word))
        {
            info.ip = Some(ip);
            info.exim_port = rest[close + 1..].starts_with(':');
            // CommuniGate writes the account name there: `(account alice [ip] verified)`.
            let account = text
                .split_whitespace()
                .next()
                .is_some_and(|w| w.eq_ignore_ascii_case("account"));
            info.name_before_ip = previous.map(strip_ident).filter(|n| is_name(n) && !account);
            break;
        }
        rest = &rest[close + 1..];
    }
    if info.ip.is_none() {
        let words: Vec<&str> = text
            .split(|c: char| c.is_whitespace() || c == ',' || c == '(' || c == ')')
            .filter(|w| !w.is_empty())
            .collect();
        info.ip = words.iter().enumerate().find_map(|(i, w)| {
            let after_helo = i > 0 && is_helo_word(words[i - 1]);
            // qmail writes the ident user before a bare address: `(root@130.183.70.10)`.
            let address = w.rsplit('@').next().unwrap_or(w);
            parse_ip_port(address).filter(|_| !after_helo)
        });
    }
    if text.to_ascii_lowercase().contains("port=") {
        info.exim_port = true;
    }
    info
}

fn is_helo_word(word: &str) -> bool {
    ["helo", "ehlo", "lhlo", "hello"]
        .iter()
        .any(|h| word.eq_ignore_ascii_case(h))
}

/// The IP inside an address literal: `1.2.3.4`, `IPv6:2001:db8::1`, `fe80::1%9`,
/// `(134.97.4.21)`, `::ffff:1.2.3.4`.
pub(super) fn literal_ip(text: &str) -> Option<IpAddr> {
    let inner = text.trim().trim_matches(|c| c == '(' || c == ')');
    let inner = match inner.get(..5) {
        Some(p) if p.eq_ignore_ascii_case("ipv6:") => &inner[5..],
        _ => inner,
    };
    parse_ip_port(inner)
}

/// An IP, optionally with a `%zone` or an IPv4 `:port`.
fn parse_ip_port(word: &str) -> Option<IpAddr> {
    let word = word.trim_matches(|c| c == '.' || c == ';' || c == '"');
    if let Some(ip) = parse_ip(word) {
        return Some(ip);
    }
    let (host, port) = word.rsplit_once(':')?;
    if port.bytes().all(|b| b.is_ascii_digit()) && host.contains('.') {
        return parse_ip(host);
    }
    None
}

/// Parses an address; drops an IPv6 zone id and unwraps IPv4-mapped IPv6.
pub(crate) fn parse_ip(text: &str) -> Option<IpAddr> {
    let text = text.split('%').next().unwrap_or(text);
    let ip: IpAddr = text.parse().ok()?;
    Some(match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        IpAddr::V4(_) => ip,
    })
}

/// `IDENT:nobody@localhost` -> `localhost`; `user@host` -> `host`; trailing dot removed.
fn strip_ident(word: &str) -> String {
    let word = word.rsplit('@').next().unwrap_or(word);
    let word = match word.get(..6) {
        Some(p) if p.eq_ignore_ascii_case("ident:") => &word[6..],
        _ => word,
    };
    clean_name(word)
}

fn clean_name(word: &str) -> String {
    word.trim_matches('"')
        .trim_end_matches([')', ',', ';'])
        .trim_end_matches('.')
        .to_string()
}

/// A host-name-like word (not empty, no spaces, not an IP).
fn is_name(word: &str) -> bool {
    !word.is_empty() && !word.contains(char::is_whitespace) && parse_ip(word).is_none()
}
