//! A line being edited (prompts, header fields): the text scrolled so the cursor stays in
//! view, and the cursor drawn as a reversed cell, as the body editor draws its own.

use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

/// The spans of `text` with the cursor before character `cursor`, in at most `width`
/// columns, and the cursor's column within them.
pub fn edited(text: &str, cursor: usize, width: usize, style: Style) -> (Vec<Span<'static>>, u16) {
    let chars: Vec<char> = text.chars().filter(|c| !c.is_control()).collect();
    let cursor = cursor.min(chars.len());
    let w = |c: &char| Line::raw(c.to_string()).width();
    // Drop characters from the left until the cursor cell fits.
    let mut start = 0;
    let mut before: usize = chars[..cursor].iter().map(w).sum();
    while start < cursor && before + 1 > width {
        before -= w(&chars[start]);
        start += 1;
    }
    let head: String = chars[start..cursor].iter().collect();
    let under = chars.get(cursor).copied().unwrap_or(' ');
    let mut used = before + w(&under);
    let mut tail = String::new();
    for c in chars.iter().skip(cursor + 1) {
        if used + w(c) > width {
            break;
        }
        used += w(c);
        tail.push(*c);
    }
    let cursor_style = style.add_modifier(Modifier::REVERSED);
    let spans = vec![
        Span::styled(head, style),
        Span::styled(under.to_string(), cursor_style),
        Span::styled(tail, style),
    ];
    (spans, u16::try_from(before).unwrap_or(u16::MAX))
}
