//! A forgiving header splitter for trace analysis (RFC 5322 §2.2, §2.2.3 unfolding).
//!
//! Kept separate from the MIME parser because the trace view must see every field in
//! order, including duplicates and fields with odd names, from arbitrary bytes: CRLF or LF,
//! an mbox `From ` line first, non-UTF-8 text (decoded lossily), no blank line at all.

/// One header field, name as written and value unfolded (line breaks removed, the folding
/// whitespace kept).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderField {
    pub name: String,
    pub value: String,
}

/// Splits the header section of `raw` into fields, in order. Stops at the first empty line.
pub fn header_fields(raw: &[u8]) -> Vec<HeaderField> {
    let text = String::from_utf8_lossy(raw);
    let mut fields: Vec<HeaderField> = Vec::new();
    let mut first = true;
    for line in text.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            if first {
                first = false;
                continue;
            }
            break;
        }
        if first && line.starts_with("From ") {
            first = false;
            continue;
        }
        first = false;
        if line.starts_with([' ', '\t']) {
            if let Some(last) = fields.last_mut() {
                last.value.push_str(line);
            }
            continue;
        }
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let name = name.trim_end();
        if name.is_empty() || name.contains(char::is_whitespace) {
            continue;
        }
        fields.push(HeaderField {
            name: name.to_string(),
            value: value.to_string(),
        });
    }
    for field in &mut fields {
        field.value = field.value.trim().to_string();
    }
    fields
}

/// Values of every field named `name` (case-insensitive), top to bottom.
pub fn values<'a>(fields: &'a [HeaderField], name: &str) -> impl Iterator<Item = &'a str> {
    let name = name.to_string();
    fields
        .iter()
        .filter(move |f| f.name.eq_ignore_ascii_case(&name))
        .map(|f| f.value.as_str())
}
