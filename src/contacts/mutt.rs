//! mutt's formats: alias files (`alias KEY [Name] <address>, ...`) and the output of a
//! `query_command` (a status line, then `address<TAB>name[<TAB>other]` lines).

use crate::mail::address::Mailbox;

/// The `(key, address text)` pairs of a mutt alias file, and a note for each line that is
/// not one (with its number). Comments (`#`), blank lines and other muttrc commands are
/// skipped; a line ending in `\` continues on the next; `-group NAME` options are read
/// past.
pub fn parse_alias_file(text: &str) -> (Vec<(String, String)>, Vec<String>) {
    let mut entries = Vec::new();
    let mut problems = Vec::new();
    let mut logical = String::new();
    let mut start = 0;
    for (i, line) in text.lines().enumerate() {
        if logical.is_empty() {
            start = i + 1;
        }
        match line.strip_suffix('\\') {
            Some(head) => {
                logical.push_str(head);
                continue;
            }
            None => logical.push_str(line),
        }
        let current = std::mem::take(&mut logical);
        match alias_line(&current) {
            Ok(Some(entry)) => entries.push(entry),
            Ok(None) => {}
            Err(why) => problems.push(format!("line {start}: {why}")),
        }
    }
    (entries, problems)
}

fn alias_line(line: &str) -> Result<Option<(String, String)>, String> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return Ok(None);
    }
    let Some(rest) = line.strip_prefix("alias") else {
        return Ok(None);
    };
    if !rest.is_empty() && !rest.starts_with(char::is_whitespace) {
        // Another word starting with "alias": not an alias command.
        return Ok(None);
    }
    let mut rest = rest.trim_start();
    // `-group NAME` (repeatable) before the key.
    while let Some(after) = rest.strip_prefix("-group") {
        let after = after.trim_start();
        rest = after
            .split_once(char::is_whitespace)
            .map_or("", |(_, r)| r.trim_start());
    }
    let Some((key, address)) = rest.split_once(char::is_whitespace) else {
        return Err("an alias line needs a key and an address".into());
    };
    let address = address.trim();
    if address.is_empty() || key.contains(['@', ',']) {
        return Err(format!(
            "`{key}` is not an alias key followed by an address"
        ));
    }
    Ok(Some((key.to_string(), address.to_string())))
}

/// The contacts in a query command's output, as `Name <address>` (or the bare address
/// when there is no name): the first line is mutt's status message and is skipped, as
/// are lines without an address.
pub fn parse_query_output(text: &str) -> Vec<String> {
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let mut fields = line.split('\t');
            let addr = fields.next()?.trim();
            if !addr.contains('@') {
                return None;
            }
            let name = fields.next().map(str::trim).filter(|n| !n.is_empty());
            let mailbox = Mailbox {
                name: name.map(str::to_string),
                addr: addr.to_string(),
            };
            Some(mailbox.to_string())
        })
        .collect()
}
