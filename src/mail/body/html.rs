//! HTML parts to terminal text with html2text, and the links they contain.

use html2text::render::RichAnnotation;

/// Narrowest and widest widths we ask html2text for; narrower fails on tables.
const MIN_WIDTH: usize = 20;
const MAX_WIDTH: usize = 400;

/// Render `html` to plain text wrapped at `width` columns (links become `[n]` footnotes)
/// and collect the link targets in document order. Never fails: if html2text cannot render
/// the document, tags are stripped crudely instead.
pub fn render_html(html: &str, width: usize) -> (String, Vec<String>) {
    let width = width.clamp(MIN_WIDTH, MAX_WIDTH);
    let plain = html2text::config::plain();
    let Ok(dom) = plain.parse_html(html.as_bytes()) else {
        return (strip_tags(html), Vec::new());
    };
    let text = plain
        .dom_to_render_tree(&dom)
        .and_then(|tree| plain.render_to_string(tree, width))
        .unwrap_or_else(|_| strip_tags(html));
    let rich = html2text::config::rich();
    let mut links: Vec<String> = Vec::new();
    if let Ok(lines) = rich
        .dom_to_render_tree(&dom)
        .and_then(|tree| rich.render_to_lines(tree, width))
    {
        for line in &lines {
            for piece in line.tagged_strings() {
                for annotation in &piece.tag {
                    if let RichAnnotation::Link(url) = annotation
                        && !url.is_empty()
                        && !links.contains(url)
                    {
                        links.push(url.clone());
                    }
                }
            }
        }
    }
    (text, links)
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
