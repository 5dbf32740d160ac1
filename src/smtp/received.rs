//! The Received trace header we prepend (RFC 5321 §4.4, RFC 3848, RFC 6531 §3.7.3) and the
//! loop check that counts existing ones (RFC 5321 §6.3).

use std::net::IpAddr;

use chrono::{DateTime, FixedOffset};

use super::backend::TlsInfo;

/// Everything the Received header says about one transaction.
#[derive(Debug, Clone)]
pub struct Trace<'a> {
    /// HELO/EHLO argument as the client sent it.
    pub helo: &'a str,
    /// Reverse DNS name of the client, if known.
    pub rdns: Option<&'a str>,
    /// Client address.
    pub ip: IpAddr,
    /// Our host name.
    pub hostname: &'a str,
    /// "with" protocol keyword, see [`protocol`].
    pub protocol: &'static str,
    /// Queue id.
    pub queue_id: &'a str,
    /// TLS parameters, if encrypted.
    pub tls: Option<&'a TlsInfo>,
    /// The recipient, only when there is exactly one (more would leak Bcc).
    pub single_recipient: Option<&'a str>,
    /// Arrival time.
    pub date: DateTime<FixedOffset>,
}

/// The RFC 3848 / RFC 6531 "with" keyword: `[E]SMTP` or `UTF8SMTP`, plus S for TLS and A for AUTH.
pub fn protocol(extended: bool, tls: bool, authenticated: bool, smtputf8: bool) -> &'static str {
    match (extended || smtputf8, smtputf8, tls, authenticated) {
        (false, _, _, _) => "SMTP",
        (true, false, false, false) => "ESMTP",
        (true, false, true, false) => "ESMTPS",
        (true, false, false, true) => "ESMTPA",
        (true, false, true, true) => "ESMTPSA",
        (true, true, false, false) => "UTF8SMTP",
        (true, true, true, false) => "UTF8SMTPS",
        (true, true, false, true) => "UTF8SMTPA",
        (true, true, true, true) => "UTF8SMTPSA",
    }
}

/// The complete header field, folded, ending in CRLF.
pub fn header(t: &Trace<'_>) -> String {
    let ip = match t.ip.to_canonical() {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => format!("IPv6:{v6}"),
    };
    let mut out = format!(
        "Received: from {} ({} [{ip}])\r\n",
        sanitize(t.helo),
        t.rdns.map_or_else(|| "unknown".to_owned(), sanitize)
    );
    if let Some(tls) = t.tls {
        out.push_str(&format!(
            "\t(using {} with cipher {})\r\n",
            sanitize(&tls.version),
            sanitize(&tls.cipher)
        ));
    }
    out.push_str(&format!(
        "\tby {} (postie) with {} id {}",
        t.hostname, t.protocol, t.queue_id
    ));
    if let Some(rcpt) = t.single_recipient {
        out.push_str(&format!("\r\n\tfor <{}>", sanitize(rcpt)));
    }
    out.push_str(&format!(
        ";\r\n\t{}\r\n",
        t.date.format("%a, %d %b %Y %H:%M:%S %z")
    ));
    out
}

/// Client-supplied text goes into a comment or token: drop anything that could break the
/// header's structure (controls, parentheses, backslashes) and cap the length.
fn sanitize(s: &str) -> String {
    s.chars()
        .take(255)
        .map(|c| {
            if c.is_control() || matches!(c, '(' | ')' | '\\' | ';') {
                '_'
            } else {
                c
            }
        })
        .collect()
}

/// Count `Received:` fields in the header section (up to the first empty line).
pub fn count_received(message: &[u8]) -> usize {
    message
        .split(|b| *b == b'\n')
        .take_while(|line| !line.is_empty() && *line != b"\r")
        .filter(|line| {
            line.get(..9)
                .is_some_and(|name| name.eq_ignore_ascii_case(b"received:"))
        })
        .count()
}

/// Addresses in the message's Delivered-To fields (lowercased, unfolded, brackets removed).
/// Final delivery and forwarding add one; seeing our own again means a loop.
pub fn delivered_to(message: &[u8]) -> Vec<String> {
    let mut found = Vec::new();
    let mut current: Option<String> = None;
    for line in message.split(|b| *b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            break;
        }
        if matches!(line.first(), Some(b' ' | b'\t')) {
            if let Some(value) = &mut current {
                value.push_str(&String::from_utf8_lossy(line));
            }
            continue;
        }
        found.extend(current.take());
        if line
            .get(..13)
            .is_some_and(|name| name.eq_ignore_ascii_case(b"delivered-to:"))
        {
            current = Some(String::from_utf8_lossy(&line[13..]).into_owned());
        }
    }
    found.extend(current);
    found
        .iter()
        .map(|v| {
            v.trim()
                .trim_matches(['<', '>'])
                .trim()
                .to_ascii_lowercase()
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn delivered_to_reads_only_the_header_section_and_unfolds() {
        let msg = b"Delivered-To: Alice@Example.org\r\nSubject: x\r\nDelivered-to:\r\n <bob@example.org>\r\n\r\nDelivered-To: body@example.org\r\n";
        assert_eq!(
            delivered_to(msg),
            vec!["alice@example.org", "bob@example.org"]
        );
        assert!(delivered_to(b"Subject: none\r\n\r\n").is_empty());
    }

    fn date() -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339("2026-11-22T07:00:00+01:00").unwrap()
    }

    #[test]
    fn header_has_postfix_shape_with_tls_comment_and_single_recipient() {
        let tls = TlsInfo {
            version: "TLSv1.3".into(),
            cipher: "TLS13_AES_128_GCM_SHA256".into(),
        };
        let h = header(&Trace {
            helo: "client.example",
            rdns: Some("ptr.example"),
            ip: "192.0.2.7".parse().unwrap(),
            hostname: "mx.example",
            protocol: protocol(true, true, true, false),
            queue_id: "ABC123",
            tls: Some(&tls),
            single_recipient: Some("bob@example.org"),
            date: date(),
        });
        assert_eq!(
            h,
            "Received: from client.example (ptr.example [192.0.2.7])\r\n\
             \t(using TLSv1.3 with cipher TLS13_AES_128_GCM_SHA256)\r\n\
             \tby mx.example (postie) with ESMTPSA id ABC123\r\n\
             \tfor <bob@example.org>;\r\n\
             \tSun, 22 Nov 2026 07:00:00 +0100\r\n"
        );
    }

    #[test]
    fn unknown_rdns_ipv6_and_hostile_helo_are_rendered_safely() {
        let h = header(&Trace {
            helo: "evil) (x\\",
            rdns: None,
            ip: "::1".parse().unwrap(),
            hostname: "h",
            protocol: protocol(false, false, false, false),
            queue_id: "Q",
            tls: None,
            single_recipient: None,
            date: date(),
        });
        assert!(h.starts_with(
            "Received: from evil_ _x_ (unknown [IPv6:::1])\r\n\tby h (postie) with SMTP id Q;\r\n"
        ));
    }

    #[test]
    fn protocol_keywords_follow_rfc_3848_and_6531() {
        assert_eq!(protocol(true, false, false, false), "ESMTP");
        assert_eq!(protocol(true, true, false, false), "ESMTPS");
        assert_eq!(protocol(true, false, true, false), "ESMTPA");
        assert_eq!(protocol(true, true, false, true), "UTF8SMTPS");
        assert_eq!(protocol(true, true, true, true), "UTF8SMTPSA");
    }

    #[test]
    fn received_fields_are_counted_in_the_header_only() {
        let msg = b"Received: a\r\nreceived: b\r\nSubject: x\r\n\r\nReceived: body\r\n";
        assert_eq!(count_received(msg), 2);
    }
}
