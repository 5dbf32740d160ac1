//! `:save FILE`: messages written to a file the user names, as one `.eml` or appended to
//! an mbox, never over an existing `.eml`.

use crate::mailbox_io::write_mbox_message;
use crate::tui::action::Outcome;
use std::io::Write;
use std::path::Path;

/// Write `messages` (envelope sender, date, raw bytes) to `target`: a path ending in
/// `.eml` takes exactly one message, byte for byte, and is never overwritten; anything
/// else is an mbox the messages are appended to (created when missing).
pub(super) fn save_messages(
    target: &Path,
    messages: &[(String, i64, Vec<u8>)],
) -> Result<Outcome, String> {
    let shown = target.display();
    let is_eml = target
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("eml"));
    match messages {
        [] => Err("nothing to save: the messages are gone".into()),
        [(_, _, raw)] if is_eml => {
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(target)
                .map_err(|e| format!("cannot create {shown}: {e}"))?;
            file.write_all(raw)
                .and_then(|()| file.sync_all())
                .map_err(|e| format!("cannot write {shown}: {e}"))?;
            Ok(Outcome::Done(format!("saved the message to {shown}")))
        }
        _ if is_eml => Err(format!(
            "{} messages do not fit one .eml: save them to an mbox file",
            messages.len()
        )),
        _ => {
            let file = std::fs::OpenOptions::new()
                .append(true)
                .create(true)
                .open(target)
                .map_err(|e| format!("cannot open {shown}: {e}"))?;
            let mut writer = std::io::BufWriter::new(file);
            for (sender, date, raw) in messages {
                write_mbox_message(&mut writer, sender, *date, raw)
                    .map_err(|e| format!("cannot write {shown}: {e}"))?;
            }
            writer
                .into_inner()
                .map_err(|e| e.into_error())
                .and_then(|f| f.sync_all())
                .map_err(|e| format!("cannot write {shown}: {e}"))?;
            Ok(Outcome::Done(format!(
                "appended {} to the mbox {shown}",
                crate::plural::count(messages.len(), "message")
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn done(outcome: Result<Outcome, String>) -> String {
        match outcome {
            Ok(Outcome::Done(text)) => text,
            other => panic!("not done: {other:?}"),
        }
    }

    #[test]
    fn one_eml_is_written_as_is_and_never_over_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.eml");
        let raw = b"Subject: x\r\n\r\nFrom the start\r\n".to_vec();
        let one = vec![("a@example.org".to_string(), 0, raw.clone())];
        done(save_messages(&path, &one));
        assert_eq!(std::fs::read(&path).unwrap(), raw);
        assert!(
            save_messages(&path, &one)
                .unwrap_err()
                .contains("cannot create")
        );
        assert_eq!(
            std::fs::read(&path).unwrap(),
            raw,
            "the first file is intact"
        );
        let two = vec![one[0].clone(), one[0].clone()];
        let other = dir.path().join("two.eml");
        assert!(save_messages(&other, &two).unwrap_err().contains(".eml"));
        assert!(!other.exists());
    }

    #[test]
    fn an_mbox_grows_and_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("saved");
        let m = |s: &str| {
            (
                String::new(),
                0,
                format!("Subject: {s}\n\nFrom here\n").into_bytes(),
            )
        };
        done(save_messages(&path, &[m("one"), m("two")]));
        done(save_messages(&path, &[m("three")]));
        let items = crate::mailbox_io::read_all(&path).unwrap();
        assert_eq!(items.len(), 3);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("\n>From here\n"), "{text}");
    }
}
