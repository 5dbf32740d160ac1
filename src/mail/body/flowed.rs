//! `format=flowed` plain text (RFC 3676): soft line breaks joined back into paragraphs.

/// Undo format=flowed: a line ending in a space continues on the next line of the same
/// quote depth (§4.2); a leading space added by space-stuffing is removed (§4.4); with
/// `delsp=yes` the soft-break space itself is deleted (§4.2). The signature separator
/// `-- ` is never joined (§4.3). Input lines are `\n`-separated.
pub fn unflow(text: &str, delsp: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut open: Option<(usize, String)> = None;
    for raw_line in text.split('\n') {
        let depth = raw_line.chars().take_while(|c| *c == '>').count();
        let mut line = &raw_line[depth..];
        if let Some(unstuffed) = line.strip_prefix(' ') {
            line = unstuffed;
        }
        let is_signature = line == "-- ";
        let soft = line.ends_with(' ') && !is_signature;
        let content = if soft && delsp {
            &line[..line.len() - 1]
        } else {
            line
        };
        match &mut open {
            Some((open_depth, paragraph)) if *open_depth == depth && !is_signature => {
                paragraph.push_str(content);
            }
            _ => {
                if let Some((open_depth, paragraph)) = open.take() {
                    push_line(&mut out, open_depth, &paragraph);
                }
                open = Some((depth, content.to_owned()));
            }
        }
        if !soft && let Some((open_depth, paragraph)) = open.take() {
            push_line(&mut out, open_depth, &paragraph);
        }
    }
    if let Some((open_depth, paragraph)) = open.take() {
        push_line(&mut out, open_depth, &paragraph);
    }
    out.pop();
    out
}

fn push_line(out: &mut String, depth: usize, text: &str) {
    for _ in 0..depth {
        out.push('>');
    }
    if depth > 0 && !text.is_empty() {
        out.push(' ');
    }
    out.push_str(text);
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn soft_breaks_are_joined_and_hard_breaks_kept() {
        let text = "This is a \nflowed paragraph.\nHard line.\n";
        assert_eq!(
            unflow(text, false),
            "This is a flowed paragraph.\nHard line.\n"
        );
    }

    #[test]
    fn delsp_removes_the_soft_break_space() {
        assert_eq!(unflow("日本 \n語\n", true), "日本語\n");
    }

    #[test]
    fn quote_depth_changes_end_a_paragraph() {
        let text = "> quoted \n> more\n>> deeper\nreply \nhere";
        assert_eq!(unflow(text, false), "> quoted more\n>> deeper\nreply here");
    }

    #[test]
    fn space_stuffing_is_removed_and_signature_kept() {
        let text = " From stuffed\n-- \nsig";
        assert_eq!(unflow(text, false), "From stuffed\n-- \nsig");
    }
}
