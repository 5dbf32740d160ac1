//! HTML parts to terminal text with html2text, and the links they contain.

use std::collections::HashSet;
use std::panic::AssertUnwindSafe;

use html2text::render::RichAnnotation;

/// Narrowest and widest widths we ask html2text for; narrower fails on tables.
const MIN_WIDTH: usize = 20;
const MAX_WIDTH: usize = 400;
/// html2text renders recursively: a few thousand nested elements overflow a 2 MiB thread
/// stack (tokio's default). Deeper documents are only ever hostile, so they are stripped.
const MAX_NESTING: usize = 1000;

/// Elements that never hold children or whose end tag the parser implies at the next
/// sibling, so they do not deepen the tree.
const NON_NESTING: [&str; 24] = [
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr", "p", "li", "td", "th", "tr", "dt", "dd", "option", "tbody", "thead",
];

/// Render `html` to plain text wrapped at `width` columns (links become `[n]` footnotes)
/// and collect the link targets in document order. Never fails: if html2text cannot render
/// the document, tags are stripped crudely instead.
pub fn render_html(html: &str, width: usize) -> (String, Vec<String>) {
    let width = width.clamp(MIN_WIDTH, MAX_WIDTH);
    if nesting_exceeds(html, MAX_NESTING) {
        return (strip_tags(html), Vec::new());
    }
    // html2text 0.15 panicked on some tables (an unchecked `tot_width - 1`); 0.17, which we
    // use, fixed it. The guard stays: one hostile message must not take the TUI or a server
    // task down, so any renderer panic degrades to stripped tags.
    std::panic::catch_unwind(AssertUnwindSafe(|| render_with_html2text(html, width)))
        .ok()
        .flatten()
        .unwrap_or_else(|| (strip_tags(html), Vec::new()))
}

fn render_with_html2text(html: &str, width: usize) -> Option<(String, Vec<String>)> {
    let plain = html2text::config::plain();
    let dom = plain.parse_html(html.as_bytes()).ok()?;
    let text = plain
        .dom_to_render_tree(&dom)
        .and_then(|tree| plain.render_to_string(tree, width))
        .ok()?;
    let rich = html2text::config::rich();
    let lines = rich
        .dom_to_render_tree(&dom)
        .and_then(|tree| rich.render_to_lines(tree, width))
        .unwrap_or_default();
    let mut seen = HashSet::new();
    let links = lines
        .iter()
        .flat_map(|line| line.tagged_strings())
        .flat_map(|piece| piece.tag.iter())
        .filter_map(|annotation| match annotation {
            RichAnnotation::Link(url) if !url.is_empty() => Some(url),
            _ => None,
        })
        .filter(|url| seen.insert(url.as_str()))
        .cloned()
        .collect();
    Some((text, links))
}

/// Whether the element nesting of `html` may exceed `limit`: counts open tags minus close
/// tags, an over-estimate for sloppy HTML, which is fine for a safety valve.
fn nesting_exceeds(html: &str, limit: usize) -> bool {
    let bytes = html.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while let Some(offset) = bytes[i..].iter().position(|b| *b == b'<') {
        i += offset + 1;
        let closing = bytes.get(i) == Some(&b'/');
        let start = if closing { i + 1 } else { i };
        let end = bytes[start..]
            .iter()
            .position(|b| !b.is_ascii_alphanumeric())
            .map_or(bytes.len(), |n| start + n);
        if end == start {
            continue;
        }
        let name = html[start..end].to_ascii_lowercase();
        if NON_NESTING.contains(&name.as_str()) {
            continue;
        }
        let self_closing = bytes[end..]
            .iter()
            .take(1024)
            .position(|b| *b == b'>')
            .is_some_and(|n| n > 0 && bytes[end + n - 1] == b'/');
        if closing {
            depth = depth.saturating_sub(1);
        } else if !self_closing {
            depth += 1;
            if depth > limit {
                return true;
            }
        }
    }
    false
}

/// Last-resort HTML to text: drop everything between `<` and `>`, decode nothing.
fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}
