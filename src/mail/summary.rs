//! Summary extraction: the columns that lists sort and search by.

use mailparse::MailHeaderMap;

/// What the store keeps beside the raw bytes of a message.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    pub date: Option<i64>,
    pub from_addr: Option<String>,
    pub from_name: Option<String>,
    pub to_text: String,
    pub cc_text: String,
    pub subject: String,
    pub message_id: Option<String>,
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
    pub has_attachments: bool,
    pub preview: String,
    pub body_text: String,
}

/// Summarise a raw message; never fails (interim version until the mail model lands).
pub fn summarize(raw: &[u8]) -> Summary {
    let Ok(parsed) = mailparse::parse_mail(raw) else {
        return Summary::default();
    };
    let headers = parsed.get_headers();
    let get = |name: &str| headers.get_first_value(name);
    let ids = |v: Option<String>| -> Vec<String> {
        v.map(|s| {
            s.split(|c: char| c.is_whitespace() || c == ',')
                .map(|t| t.trim_matches(['<', '>']).to_string())
                .filter(|t| !t.is_empty())
                .collect()
        })
        .unwrap_or_default()
    };
    let (from_addr, from_name) = match get("From").as_deref().map(mailparse::addrparse) {
        Some(Ok(list)) => match list.iter().next() {
            Some(mailparse::MailAddr::Single(s)) => (Some(s.addr.clone()), s.display_name.clone()),
            _ => (None, None),
        },
        _ => (None, None),
    };
    let body_text = parsed.get_body().unwrap_or_default();
    Summary {
        date: get("Date").and_then(|d| mailparse::dateparse(&d).ok()),
        from_addr,
        from_name,
        to_text: get("To").unwrap_or_default(),
        cc_text: get("Cc").unwrap_or_default(),
        subject: get("Subject").unwrap_or_default(),
        message_id: ids(get("Message-ID")).into_iter().next(),
        in_reply_to: ids(get("In-Reply-To")).into_iter().next(),
        references: ids(get("References")),
        has_attachments: false,
        preview: body_text
            .split_whitespace()
            .take(40)
            .collect::<Vec<_>>()
            .join(" "),
        body_text,
    }
}
