//! Date: values (RFC 5322 §3.3) to unix seconds, tolerant of obsolete and broken forms.

/// Parse a Date: value to unix seconds. Tries the strict RFC 2822 grammar (chrono), then
/// mailparse's lenient reader, then the same without a zone it does not know (read as
/// UTC). Returns `None` when no date can be read.
pub fn parse_date(value: &str) -> Option<i64> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    if let Ok(date) = chrono::DateTime::parse_from_rfc2822(value) {
        return Some(date.timestamp());
    }
    // chrono refuses a day name that does not match the date; senders get it wrong.
    if let Some((_, without_day)) = value.split_once(',')
        && let Ok(date) = chrono::DateTime::parse_from_rfc2822(without_day.trim())
    {
        return Some(date.timestamp());
    }
    // mailparse stops quietly at the end of its input, so "5" would read as 1970; a real
    // date has a time of day.
    if !value.contains(':') {
        return None;
    }
    let cleaned = clean(value);
    if let Ok(secs) = mailparse::dateparse(&cleaned) {
        return Some(secs);
    }
    let mut tokens: Vec<&str> = cleaned.split_whitespace().collect();
    // A zone mailparse does not know (`CEST`, `H0500`): read the time as UTC.
    if tokens
        .last()
        .is_some_and(|zone| !zone.contains(':') && zone.parse::<i32>().is_err())
    {
        tokens.pop();
    }
    mailparse::dateparse(&tokens.join(" ")).ok()
}

/// Drop comments, commas and dots that trip mailparse (`Tue, 1 Jul 2003 10:52:37 +0200
/// (CEST)`, `Mon. 3 Mar`), and split `+0200` glued to the seconds.
fn clean(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut depth = 0usize;
    for c in value.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            _ if depth > 0 => {}
            ',' | '.' => out.push(' '),
            '+' | '-' => {
                out.push(' ');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}
