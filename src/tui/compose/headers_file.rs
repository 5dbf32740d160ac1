//! `[ui] edit_headers`: the composer's To, Cc, Bcc and Subject written above the body in
//! the file `$EDITOR` gets, and read back; a file that cannot be read back is refused
//! whole, so the caller keeps every line of it.

use super::Draft;

/// The header fields the file carries, in order.
const FIELDS: [&str; 4] = ["To", "Cc", "Bcc", "Subject"];

/// The fields read back from an edited file, and the body after the blank line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditedFile {
    pub to: String,
    pub cc: String,
    pub bcc: String,
    pub subject: String,
    pub body: String,
}

/// The file for `$EDITOR`: the four fields, a blank line, the body.
pub fn write(draft: &Draft, body: &str) -> String {
    let values = [&draft.to, &draft.cc, &draft.bcc, &draft.subject];
    let mut out = String::new();
    for (name, value) in FIELDS.iter().zip(values) {
        // A value never spans lines in the composer; keep it on one line here too.
        let value: String = value
            .chars()
            .map(|c| if c == '\n' { ' ' } else { c })
            .collect();
        out.push_str(&format!("{name}: {value}\n"));
    }
    out.push('\n');
    out.push_str(body);
    out
}

/// Read an edited file back: header lines up to the first blank line (a line starting
/// with white space continues the one before), then the body. A field left out is empty.
/// An error names the line (from 1) and what is wrong with it.
pub fn read(text: &str) -> Result<EditedFile, String> {
    let mut fields: [String; 4] = Default::default();
    let mut current: Option<usize> = None;
    let mut lines = text.split('\n').enumerate();
    let mut body_start = None;
    for (i, line) in lines.by_ref() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        let number = i + 1;
        if line.trim().is_empty() {
            body_start = Some(i + 1);
            break;
        }
        if line.starts_with([' ', '\t']) {
            let Some(at) = current else {
                return Err(format!(
                    "line {number}: continues a header line that is not there"
                ));
            };
            fields[at].push(' ');
            fields[at].push_str(line.trim());
            continue;
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err(format!(
                "line {number}: `{}` is not a header line (a blank line must separate the headers from the body)",
                line.chars().take(40).collect::<String>()
            ));
        };
        let Some(at) = FIELDS
            .iter()
            .position(|f| f.eq_ignore_ascii_case(name.trim()))
        else {
            return Err(format!(
                "line {number}: `{}` is not a field the composer edits (To, Cc, Bcc, Subject)",
                name.trim()
            ));
        };
        fields[at] = value.trim().to_string();
        current = Some(at);
    }
    let Some(start) = body_start else {
        return Err("no blank line between the headers and the body".into());
    };
    let body = text.split('\n').skip(start).collect::<Vec<_>>().join("\n");
    let [to, cc, bcc, subject] = fields;
    Ok(EditedFile {
        to,
        cc,
        bcc,
        subject,
        body,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn draft() -> Draft {
        Draft {
            to: "Bob <bob@example.org>".into(),
            cc: "carol@example.net".into(),
            subject: "Re: lunch".into(),
            ..Draft::default()
        }
    }

    #[test]
    fn what_is_written_reads_back_unchanged() {
        let body = "Hello Bob,\n\nTo: is not a header down here.\n";
        let file = write(&draft(), body);
        assert!(file.starts_with(
            "To: Bob <bob@example.org>\nCc: carol@example.net\nBcc: \nSubject: Re: lunch\n\n"
        ));
        let back = read(&file).unwrap();
        assert_eq!(
            (
                back.to.as_str(),
                back.cc.as_str(),
                back.bcc.as_str(),
                back.subject.as_str()
            ),
            (
                "Bob <bob@example.org>",
                "carol@example.net",
                "",
                "Re: lunch"
            )
        );
        assert_eq!(back.body, body);
    }

    #[test]
    fn edits_folded_lines_and_left_out_fields_are_read() {
        let back = read("subject: New plan\nTO: a@example.org,\n  b@example.org\n\nbody").unwrap();
        assert_eq!(back.subject, "New plan");
        assert_eq!(back.to, "a@example.org, b@example.org");
        assert_eq!((back.cc.as_str(), back.body.as_str()), ("", "body"));
    }

    #[test]
    fn a_file_that_cannot_be_read_names_the_line() {
        assert!(
            read("To: a@example.org\nFrom: me\n\nx")
                .unwrap_err()
                .starts_with("line 2:")
        );
        assert!(
            read("To: a@example.org\nno colon here\n\nx")
                .unwrap_err()
                .starts_with("line 2:")
        );
        assert!(read(" folded\n\nx").unwrap_err().starts_with("line 1:"));
        assert!(
            read("To: a@example.org")
                .unwrap_err()
                .contains("blank line")
        );
    }
}
