//! Summary extraction: the columns that lists sort and search by.

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

/// Summarise a raw message (placeholder until the mail-model work lands).
pub fn summarize(_raw: &[u8]) -> Summary {
    Summary::default()
}
