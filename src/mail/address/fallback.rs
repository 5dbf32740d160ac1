//! What can still be read from one address entry the grammar rejects: every `<...>` and
//! every `local@domain` it can see becomes a mailbox, the words around them its name, and
//! an entry with no address at all keeps its words as a name-only mailbox.

use super::Mailbox;
use super::lexer::{Kind, Token};
use super::text;

/// The mailboxes of one entry (`tokens` may end with its `,`, `;` or end token).
pub(super) fn mailboxes(tokens: &[Token]) -> Vec<Mailbox> {
    let comment = tokens
        .iter()
        .flat_map(|t| &t.comments)
        .map(|c| text::words(c))
        .find(|c| !c.is_empty());
    let tokens = match tokens.last().map(|t| &t.kind) {
        Some(Kind::Special(',' | ';') | Kind::End) => &tokens[..tokens.len() - 1],
        _ => tokens,
    };
    let mut out = if tokens.iter().any(|t| t.kind == Kind::Special('<')) {
        angled(tokens)
    } else if tokens.iter().any(|t| t.kind == Kind::Special('@')) {
        bare(tokens)
    } else {
        let words = text::phrase(tokens);
        let name = Some(words).filter(|w| !w.is_empty()).or(comment.clone());
        name.map(|name| Mailbox {
            name: Some(name),
            addr: String::new(),
        })
        .into_iter()
        .collect()
    };
    if let Some(first) = out.first_mut()
        && first.name.is_none()
    {
        first.name = comment;
    }
    out
}

/// Entries with angle brackets: each `<...>` is an address, the text before it its name.
fn angled(tokens: &[Token]) -> Vec<Mailbox> {
    let mut out = Vec::new();
    let mut name_from = 0;
    let mut i = 0;
    while i < tokens.len() {
        if tokens[i].kind != Kind::Special('<') {
            i += 1;
            continue;
        }
        let close = tokens[i..]
            .iter()
            .position(|t| t.kind == Kind::Special('>'))
            .map_or(tokens.len(), |p| i + p);
        let inner = &tokens[i + 1..close];
        // Drop an obsolete route (`@relay:`) in front of the address.
        let inner = match inner.iter().rposition(|t| t.kind == Kind::Special(':')) {
            Some(colon) => &inner[colon + 1..],
            None => inner,
        };
        out.push(Mailbox {
            name: name(&tokens[name_from..i]),
            addr: joined(inner),
        });
        i = close + 1;
        name_from = i.min(tokens.len());
    }
    let tail = &tokens[name_from..];
    if tail.iter().any(|t| t.kind == Kind::Special('@')) {
        out.extend(bare(tail));
    } else {
        name_last(&mut out, tail);
    }
    out
}

/// Entries without angle brackets: each `@` with the text touching it on both sides is an
/// address; the words before it name it.
fn bare(tokens: &[Token]) -> Vec<Mailbox> {
    let local = |t: &Token| matches!(t.kind, Kind::Atom(_) | Kind::Quoted(_) | Kind::Special('.'));
    let domain = |t: &Token| {
        matches!(
            t.kind,
            Kind::Atom(_) | Kind::Literal(_) | Kind::Special('.')
        )
    };
    let mut out = Vec::new();
    let mut name_from = 0;
    let mut i = 0;
    while i < tokens.len() {
        if tokens[i].kind != Kind::Special('@') {
            i += 1;
            continue;
        }
        let mut left = i;
        while left > name_from
            && local(&tokens[left - 1])
            && (left == i || !tokens[left].space_before)
        {
            left -= 1;
        }
        let mut right = i + 1;
        while right < tokens.len()
            && domain(&tokens[right])
            && (right == i + 1 || !tokens[right].space_before)
        {
            right += 1;
        }
        out.push(Mailbox {
            name: name(&tokens[name_from..left]),
            addr: joined(&tokens[left..right]),
        });
        name_from = right;
        i = right;
    }
    name_last(&mut out, &tokens[name_from..]);
    out
}

fn name(tokens: &[Token]) -> Option<String> {
    Some(text::phrase(tokens)).filter(|n| !n.is_empty())
}

/// Words after the last address name it when nothing before did (`addr Name`).
fn name_last(out: &mut [Mailbox], tail: &[Token]) {
    if let Some(last) = out.last_mut()
        && last.name.is_none()
    {
        last.name = name(tail);
    }
}

/// Tokens written together without whitespace: the address as the sender meant it.
fn joined(tokens: &[Token]) -> String {
    let mut out = String::new();
    for token in tokens {
        match &token.kind {
            Kind::Atom(a) | Kind::Literal(a) => out.push_str(a),
            Kind::Quoted(q) => out.push_str(&text::local_word(q)),
            Kind::Special(c) => out.push(*c),
            Kind::Stray(_) | Kind::End => {}
        }
    }
    out
}
