//! Hard-wrapped paragraphs joined again when the pane is narrower than the text, so a
//! 72-column message read in 64 columns wraps as prose instead of leaving a word or two
//! on every other line.

use std::borrow::Cow;

use crate::tui::ui::columns;

/// The widest block still taken for prose that its writer wrapped.
const MAX_WRAPPED: usize = 100;

/// `body` as lines for a pane `width` columns wide. A line is joined to the one before
/// when both belong to the same paragraph (same quote prefix, neither empty nor a
/// signature separator, the second not indented or a list item) and the one before was
/// broken only because the next word did not fit. Text that fits is left as written.
/// Runs at every frame: when nothing is joined, the body is lent as it is, not copied.
pub fn reflow(body: &[String], width: usize) -> Cow<'_, [String]> {
    if width == 0 || body.iter().all(|l| columns(l) <= width) {
        return Cow::Borrowed(body);
    }
    let mut out: Vec<String> = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        let start = i;
        i += 1;
        // The block of lines that could form paragraphs: same prefix, none empty.
        while i < body.len() && same_block(&body[i - 1], &body[i]) {
            i += 1;
        }
        out.extend(join_block(&body[start..i]));
    }
    Cow::Owned(out)
}

/// The quote marks at the start (`> > `) and the text after them.
fn split_quote(line: &str) -> (&str, &str) {
    let text = line.trim_start_matches(['>', ' ']);
    let prefix = &line[..line.len() - text.len()];
    // A prefix is only quote marks when it holds one; plain indentation stays text.
    if prefix.contains('>') {
        (prefix, text)
    } else {
        ("", line)
    }
}

fn same_block(before: &str, line: &str) -> bool {
    let (p1, t1) = split_quote(before);
    let (p2, t2) = split_quote(line);
    p1.trim_end() == p2.trim_end()
        && !t1.trim().is_empty()
        && !t2.trim().is_empty()
        && !is_separator(t1)
        && !is_separator(t2)
        && !is_verbatim(t1)
        && !starts_apart(t2)
}

/// An indented line or a table row: never continued by the next line.
fn is_verbatim(text: &str) -> bool {
    text.starts_with([' ', '\t', '|', '+']) || text.chars().any(is_box_drawing)
}

/// Table and frame characters (U+2500-U+257F), as HTML tables are rendered.
fn is_box_drawing(c: char) -> bool {
    ('\u{2500}'..='\u{257f}').contains(&c)
}

fn is_separator(text: &str) -> bool {
    text == "-- " || text == "--"
}

/// An indented line, a list item or a table row: a new line in the source on purpose.
fn starts_apart(text: &str) -> bool {
    if is_verbatim(text) {
        return true;
    }
    let mut words = text.split_whitespace();
    let first = words.next().unwrap_or_default();
    matches!(first, "-" | "*" | "+" | "•")
        || (first.len() > 1
            && first.ends_with(['.', ')'])
            && first[..first.len() - 1].chars().all(|c| c.is_ascii_digit()))
}

/// Join the lines of one block where the writer's wrapping broke them: line `n` ends
/// where the next word would have passed the block's widest line. A sentence followed by
/// a short line ("...as agreed." then "Thanks,") is a break the writer meant.
fn join_block(block: &[String]) -> Vec<String> {
    let widest = block.iter().map(|l| columns(l)).max().unwrap_or(0);
    // Writers wrap prose at 72-80 columns; a block wider than this is a log or a table.
    if widest > MAX_WRAPPED {
        return block.to_vec();
    }
    let mut out: Vec<String> = Vec::new();
    let mut previous: Option<&str> = None;
    for line in block {
        let (prefix, text) = split_quote(line);
        let next_word = text.split_whitespace().next().unwrap_or_default();
        let broken = previous.is_some_and(|p| {
            let meant = p.trim_end().ends_with(['.', '!', '?', ':']) && columns(line) * 2 < widest;
            columns(p) + 1 + columns(next_word) > widest && !meant
        });
        match out.last_mut() {
            Some(last) if broken => {
                last.truncate(last.trim_end().len());
                last.push(' ');
                last.push_str(text.trim_start());
            }
            _ => out.push(format!("{prefix}{text}")),
        }
        previous = Some(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::reflow;

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(String::from).collect()
    }

    fn flowed(text: &str, width: usize) -> Vec<String> {
        reflow(&lines(text), width).into_owned()
    }

    const WINE: &str = "\
This is release 20020904 of Wine, a free implementation of Windows on
Unix.  This is still a developers only release.  There are many bugs
and unimplemented features.  Most applications still do not work
correctly.

Patches should be submitted to \"wine-patches@winehq.com\".";

    #[test]
    fn a_hard_wrapped_paragraph_is_joined_when_the_pane_is_narrower() {
        let out = flowed(WINE, 64);
        assert_eq!(out.len(), 3, "{out:#?}");
        assert!(out[0].starts_with("This is release 20020904 of Wine"));
        assert!(out[0].ends_with("Most applications still do not work correctly."));
        assert!(out[0].contains("Windows on Unix.  This is still"));
        assert_eq!(out[1], "");
        assert_eq!(
            out[2],
            "Patches should be submitted to \"wine-patches@winehq.com\"."
        );
    }

    #[test]
    fn text_that_fits_is_left_as_written() {
        assert_eq!(flowed(WINE, 80), lines(WINE));
        let body = lines(WINE);
        assert!(
            matches!(reflow(&body, 80), std::borrow::Cow::Borrowed(_)),
            "lent, not copied, at every frame"
        );
    }

    #[test]
    fn short_lines_lists_indentation_and_signatures_keep_their_breaks() {
        let text = "\
Hi Bob, this line is long enough to be wider than the narrow pane we use.
Thanks,
Alice
- first item of a list that is also rather long for the pane width
- second item
    indented code line that is long and must stay a line of its own ok
1. numbered item
-- 
Alice Example, somewhere with a long signature line that is wide too";
        let out = flowed(text, 40);
        assert_eq!(out, lines(text), "nothing here was broken by wrapping");
        // Each break below follows the block's widest line with no sentence ending, which
        // the wrap test alone would join: only the rule named keeps it.
        let wide = "This line is the widest of its block and ends without a stop";
        for (rule, next) in [
            ("a list item", "- item"),
            ("a numbered item", "1. item"),
            ("an indented line", "    code"),
            ("a signature separator", "-- "),
            ("a deeper quote", "> quoted"),
        ] {
            let text = format!("{wide}\n{next}");
            assert_eq!(flowed(&text, 40), lines(&text), "{rule}");
        }
        // Nor is the line after a separator joined to it.
        assert_eq!(flowed("-- \nAlice", 4), ["-- ", "Alice"]);
    }

    #[test]
    fn tables_and_wide_logs_keep_their_lines() {
        let table = "\
┌──────────┬───────────────────────────┐
│ item     │ price of the item in euro │
└──────────┴───────────────────────────┘
| a | b and some more text to be wide |
| c | d and some more text to be wide |
└──────────┴───────────────────────────┘
Text after it.";
        assert_eq!(flowed(table, 30), lines(table));
        let log = format!(
            "{}\n{}\n{}",
            "2026-12-06 05:36:48 INFO postie::node: node started smtp_addrs=[127.0.0.1:2525] pop3_addrs=[127.0.0.1:1100]",
            "2026-12-06 05:36:51 INFO postie::access: session proto=smtp peer=127.0.0.1:34150 result=quit",
            "2026-12-06 05:37:05 INFO postie::node: node stopped"
        );
        assert_eq!(flowed(&log, 60), lines(&log));
    }

    #[test]
    fn quoted_paragraphs_join_within_their_own_quote_level() {
        let text = "\
> This quoted paragraph was wrapped by the writer at sixty columns or
> so, and should read as one paragraph again.
> > A deeper quote stays apart from the one above it even though it
> > was wrapped the same way.
Unquoted reply.";
        let out = flowed(text, 40);
        assert_eq!(
            out,
            [
                "> This quoted paragraph was wrapped by the writer at sixty columns or so, and should read as one paragraph again.",
                "> > A deeper quote stays apart from the one above it even though it was wrapped the same way.",
                "Unquoted reply.",
            ]
        );
    }
}
