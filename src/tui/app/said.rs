//! The status line's past messages, for `:messages`: a status message clears itself after
//! a few seconds and a long one is cut at the line's end, so each is kept here whole.

use std::collections::VecDeque;

/// Messages kept; older ones are dropped.
const KEPT: usize = 200;

/// What the status line said this session, oldest first.
#[derive(Debug, Clone, Default)]
pub struct Said {
    entries: VecDeque<(i64, bool, String)>,
}

impl Said {
    /// Keep `text`, said at `at` (unix seconds), an error or not; the same text said again
    /// at once is kept once.
    pub fn push(&mut self, at: i64, error: bool, text: &str) {
        if text.is_empty()
            || self
                .entries
                .back()
                .is_some_and(|(_, e, last)| *e == error && last == text)
        {
            return;
        }
        if self.entries.len() == KEPT {
            self.entries.pop_front();
        }
        self.entries.push_back((at, error, text.to_string()));
    }

    /// One line per message, `HH:MM:SS` in the offset `tz_offset`, errors marked.
    pub fn text(&self, tz_offset: i32) -> String {
        let mut out = String::new();
        for (at, error, text) in &self.entries {
            let time = crate::tui::ui::local_time(*at, tz_offset)
                .map(|t| t.format("%H:%M:%S").to_string())
                .unwrap_or_default();
            let mark = if *error { "error: " } else { "" };
            out.push_str(&format!("{time}  {mark}{text}\n"));
        }
        if out.is_empty() {
            out.push_str("(nothing said yet)\n");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::Said;

    #[test]
    fn keeps_each_message_whole_once_in_order_and_bounded() {
        let mut said = Said::default();
        said.push(3_600, false, "moved 2 messages");
        said.push(3_601, false, "moved 2 messages");
        said.push(3_662, true, "cannot save: disk full");
        said.push(3_663, false, "");
        assert_eq!(
            said.text(0),
            "01:00:00  moved 2 messages\n01:01:02  error: cannot save: disk full\n"
        );
        for i in 0..500 {
            said.push(i, false, &format!("message {i}"));
        }
        let text = said.text(3_600);
        assert_eq!(text.lines().count(), super::KEPT);
        assert!(text.starts_with("01:05:00  message 300\n"), "{text}");
    }
}
