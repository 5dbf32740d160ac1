//! Where a configuration problem is written: the line and dotted key of a byte offset,
//! and the line of a key (or of the offending value inside it) found after parsing.

/// The 1-based line of a byte offset and the dotted key written there.
pub(super) fn locate(text: &str, offset: usize) -> (usize, String) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let mut section = String::new();
    for l in before.lines() {
        if let Some(name) = section_header(l) {
            section = name;
        }
    }
    let current = text.lines().nth(line - 1).unwrap_or("");
    if let Some(name) = section_header(current) {
        return (line, name);
    }
    let key = current
        .split_once('=')
        .map(|(k, _)| k.trim().trim_matches('"').to_string())
        .unwrap_or_default();
    let dotted = match (section.is_empty(), key.is_empty()) {
        (true, _) => key,
        (false, true) => section,
        (false, false) => format!("{section}.{key}"),
    };
    (line, dotted)
}

fn section_header(line: &str) -> Option<String> {
    let t = line.trim();
    let inner = t.strip_prefix("[[").and_then(|r| r.strip_suffix("]]"));
    let inner = inner.or_else(|| t.strip_prefix('[').and_then(|r| r.strip_suffix(']')))?;
    Some(inner.trim().to_string())
}

pub(super) fn section_of(key: &str) -> &str {
    key.rsplit_once('.').map_or("", |(s, _)| s)
}

pub(super) fn unknown_field(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    rest.split_once('`').map(|(f, _)| f.to_string())
}

/// The line of a problem found after parsing: where the value `message` names in
/// backticks is written inside `key` (any of its occurrences, e.g. in one `[[accounts]]`
/// of several), else where `key` is first written, else its section's header, else 1.
pub(super) fn line_of_problem(text: &str, key: &str, message: &str) -> usize {
    let lines: Vec<&str> = text.lines().collect();
    let spans = key_spans(&lines, key);
    if let Some(value) = message.split('`').nth(1).filter(|v| !v.is_empty()) {
        let quoted = format!("\"{value}\"");
        for pattern in [quoted.as_str(), value] {
            for &(first, last) in &spans {
                if let Some(i) = (first..=last).find(|&i| lines[i].contains(pattern)) {
                    return i + 1;
                }
            }
        }
    }
    if let Some(&(first, _)) = spans.first() {
        return first + 1;
    }
    let section = section_of(key);
    lines
        .iter()
        .position(|l| section_header(l).is_some_and(|name| name == section))
        .map_or(1, |i| i + 1)
}

/// Each place `key` is written: its first and last line (0-based), the value running on
/// until the next key or section header.
fn key_spans(lines: &[&str], key: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut section = String::new();
    let mut open: Option<usize> = None;
    for (i, line) in lines.iter().enumerate() {
        let header = section_header(line);
        let written = written_key(line);
        if (header.is_some() || written.is_some())
            && let Some(first) = open.take()
        {
            spans.push((first, i - 1));
        }
        if let Some(name) = header {
            section = name;
        } else if let Some(written) = written {
            let full = if section.is_empty() {
                written
            } else {
                format!("{section}.{written}")
            };
            if full == key {
                open = Some(i);
            }
        }
    }
    if let Some(first) = open {
        spans.push((first, lines.len() - 1));
    }
    spans
}

/// The dotted key a `key = value` line assigns (quotes and spaces around dots removed).
fn written_key(line: &str) -> Option<String> {
    let (left, _) = line.split_once('=')?;
    let left = left.trim();
    let bare = |c: char| c.is_ascii_alphanumeric() || "_-. \"".contains(c);
    if left.is_empty() || !left.chars().all(bare) || left.starts_with('"') != left.ends_with('"') {
        return None;
    }
    let parts: Vec<&str> = left
        .split('.')
        .map(|p| p.trim().trim_matches('"'))
        .collect();
    Some(parts.join("."))
}
