//! Building the RFC 5322 message of a draft with lettre: the header fields and the
//! envelope from the same strictly parsed mailboxes, errors naming the field and place.
//! A saved draft never fails on what the user typed: a field that does not parse is kept
//! verbatim in an `X-Postie-Draft-*` field and comes back as typed.

use super::{AttachmentData, ComposeError, Draft};
use crate::mail::address::{self, Address, AddressError, Mailbox};
use crate::tui::app::Field;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, MultiPart, SinglePart};

/// A field's text as lettre mailboxes, through the strict parser (group members stand
/// for their group; an empty group names nobody).
fn field_mailboxes(
    field: Field,
    input: &str,
) -> Result<Vec<lettre::message::Mailbox>, ComposeError> {
    let list = address::parse_list_strict(input).map_err(|e| bad(field, input, &e))?;
    list.iter()
        .flat_map(Address::mailboxes)
        .map(|m| to_lettre(field, input, m))
        .collect()
}

fn bad(field: Field, input: &str, error: &AddressError) -> ComposeError {
    ComposeError::BadAddress {
        field,
        input: input.to_string(),
        position: error.position,
        reason: error.to_string(),
    }
}

/// One parsed mailbox as lettre writes it (RFC 2047 for a non-ASCII name, quoting for
/// specials). lettre's own checks apply to the addr-spec.
fn to_lettre(
    field: Field,
    input: &str,
    m: &Mailbox,
) -> Result<lettre::message::Mailbox, ComposeError> {
    let refuse = |why: String| ComposeError::BadAddress {
        field,
        input: input.to_string(),
        position: input.find(&m.addr).unwrap_or(0),
        reason: why,
    };
    let (local, domain) = m
        .addr
        .rsplit_once('@')
        .ok_or_else(|| refuse(format!("`{}` is not an address", m.addr)))?;
    let addr = lettre::Address::new(local, domain)
        .map_err(|e| refuse(format!("`{}` cannot be sent to: {e}", m.addr)))?;
    Ok(lettre::message::Mailbox::new(m.name.clone(), addr))
}

/// The one sender mailbox From must name.
fn sender(input: &str) -> Result<lettre::message::Mailbox, ComposeError> {
    let mut from = field_mailboxes(Field::From, input)?;
    if from.len() != 1 {
        return Err(ComposeError::BadAddress {
            field: Field::From,
            input: input.to_string(),
            position: 0,
            reason: format!("expected one sender address, found {}", from.len()),
        });
    }
    Ok(from.remove(0))
}

/// The header fields whose typed text a draft keeps verbatim when it does not parse.
pub(super) const DRAFT_FIELDS: [(Field, &str); 4] = [
    (Field::From, "X-Postie-Draft-From"),
    (Field::To, "X-Postie-Draft-To"),
    (Field::Cc, "X-Postie-Draft-Cc"),
    (Field::Bcc, "X-Postie-Draft-Bcc"),
];

/// A file attached by path that could not be read when the draft was saved: the draft
/// keeps the path, so the attachment is not silently dropped.
pub(super) const DRAFT_ATTACHMENT: &str = "X-Postie-Draft-Attachment";

/// What a send needs from the draft, checked without IO: one sender, address lists that
/// parse, at least one recipient. The error names the field and where it goes wrong.
pub fn check(draft: &Draft) -> Result<(), ComposeError> {
    sender(&draft.from)?;
    let mut any = false;
    for (field, text) in [
        (Field::To, &draft.to),
        (Field::Cc, &draft.cc),
        (Field::Bcc, &draft.bcc),
    ] {
        any |= !field_mailboxes(field, text)?.is_empty();
    }
    if any {
        Ok(())
    } else {
        Err(ComposeError::NoRecipients)
    }
}

/// Build a draft for the Drafts folder. Unlike [`build_message`] it cannot fail on the
/// header fields: a field that does not parse is written verbatim as `X-Postie-Draft-*`
/// (and left out of the real header), and `unreadable` attachment paths are listed.
pub fn build_draft(
    draft: &Draft,
    attachments: Vec<AttachmentData>,
    message_id: &str,
    unreadable: &[std::path::PathBuf],
) -> Result<Vec<u8>, ComposeError> {
    let mut clean = draft.clone();
    let mut verbatim = String::new();
    for (field, name) in DRAFT_FIELDS {
        let text = match field {
            Field::From => &mut clean.from,
            Field::To => &mut clean.to,
            Field::Cc => &mut clean.cc,
            _ => &mut clean.bcc,
        };
        let ok = match field {
            Field::From => sender(text).is_ok(),
            _ => field_mailboxes(field, text).is_ok(),
        };
        if !ok {
            verbatim.push_str(&unstructured(name, text));
            *text = match field {
                Field::From => "postie-draft@localhost.invalid".into(),
                _ => String::new(),
            };
        }
    }
    for path in unreadable {
        verbatim.push_str(&unstructured(DRAFT_ATTACHMENT, &path.to_string_lossy()));
    }
    let (raw, _) = build_message(&clean, attachments, message_id, true)?;
    let mut out = verbatim.into_bytes();
    out.extend_from_slice(&raw);
    Ok(out)
}

/// A header field holding `text` exactly: plain when it is short printable ASCII, else
/// RFC 2047 encoded words (UTF-8, base64) folded over lines, which decode back to `text`.
fn unstructured(name: &str, text: &str) -> String {
    use base64::Engine as _;
    let plain = text.is_ascii()
        && text.len() < 900
        && !text.chars().any(|c| c.is_ascii_control())
        && !text.contains("=?")
        && text.trim() == text;
    if plain {
        return format!("{name}: {text}\r\n");
    }
    let engine = base64::engine::general_purpose::STANDARD;
    let mut words = Vec::new();
    let mut chunk = String::new();
    for c in text.chars() {
        if chunk.len() + c.len_utf8() > 45 {
            words.push(format!("=?utf-8?B?{}?=", engine.encode(chunk.as_bytes())));
            chunk.clear();
        }
        chunk.push(c);
    }
    if !chunk.is_empty() || words.is_empty() {
        words.push(format!("=?utf-8?B?{}?=", engine.encode(chunk.as_bytes())));
    }
    format!("{name}: {}\r\n", words.join("\r\n "))
}

/// Build the RFC 5322 message. `keep_bcc` keeps Bcc (drafts); the returned recipients
/// are the envelope: every addr-spec of To, Cc and Bcc once, as written, from the same
/// parsed mailboxes that write the header fields.
pub fn build_message(
    draft: &Draft,
    attachments: Vec<AttachmentData>,
    message_id: &str,
    keep_bcc: bool,
) -> Result<(Vec<u8>, Vec<String>), ComposeError> {
    let from = sender(&draft.from)?;
    let mut b = lettre::Message::builder()
        .from(from.clone())
        .subject(draft.subject.clone())
        .message_id(Some(message_id.to_string()))
        .date_now()
        .user_agent(format!("postie {}", env!("CARGO_PKG_VERSION")));
    let mut recipients: Vec<String> = Vec::new();
    let mut envelope = |m: &lettre::message::Mailbox| {
        let addr = m.email.to_string();
        if !recipients.iter().any(|r| r.eq_ignore_ascii_case(&addr)) {
            recipients.push(addr);
        }
    };
    for m in field_mailboxes(Field::To, &draft.to)? {
        envelope(&m);
        b = b.to(m);
    }
    for m in field_mailboxes(Field::Cc, &draft.cc)? {
        envelope(&m);
        b = b.cc(m);
    }
    for m in field_mailboxes(Field::Bcc, &draft.bcc)? {
        envelope(&m);
        b = b.bcc(m);
    }
    if recipients.is_empty() && !keep_bcc {
        return Err(ComposeError::NoRecipients);
    }
    if keep_bcc {
        b = b.keep_bcc();
    }
    if let Some(id) = &draft.in_reply_to {
        b = b.in_reply_to(id.clone());
    }
    if !draft.references.is_empty() {
        b = b.references(draft.references.join(" "));
    }
    if recipients.is_empty() {
        b = b.envelope(placeholder_envelope(&from)?);
    }
    let text = SinglePart::plain(draft.body.clone());
    let built = if attachments.is_empty() {
        b.singlepart(text)
    } else {
        let mut multi = MultiPart::mixed().singlepart(text);
        for a in attachments {
            let ct = ContentType::parse(&a.mime_type)
                .unwrap_or(ContentType::parse("application/octet-stream").map_err(build)?);
            multi = multi.singlepart(Attachment::new(a.name).body(a.bytes, ct));
        }
        b.multipart(multi)
    };
    let message = built.map_err(build)?;
    Ok((message.formatted(), recipients))
}

/// Drafts may have no recipients yet; lettre needs an envelope, so give it the sender.
fn placeholder_envelope(
    from: &lettre::message::Mailbox,
) -> Result<lettre::address::Envelope, ComposeError> {
    let addr = from.email.clone();
    lettre::address::Envelope::new(Some(addr.clone()), vec![addr]).map_err(build)
}

fn build(e: impl std::fmt::Display) -> ComposeError {
    ComposeError::Build(e.to_string())
}
