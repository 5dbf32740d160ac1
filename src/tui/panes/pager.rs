//! The pager pane: text a command printed (`|` pipe), scrolled with the reader's keys.
//!
//! State and key handling are pure methods on [`PagerState`], which `App::on_pager_key`
//! feeds; [`render`] only reads. The
//! text is cleaned of control characters when it arrives, so what a command prints can
//! never drive the terminal.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::tui::app::App;
use crate::tui::effects::Effect;
use crate::tui::theme::Theme;
use crate::tui::ui::layout::areas;

/// Lines kept; output beyond is cut with a note (the command's output is capped before).
const MAX_LINES: usize = 100_000;

/// What the pager shows and where it is scrolled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PagerState {
    /// The first line: what ran and how it ended.
    pub title: String,
    pub lines: Vec<String>,
    /// The first line shown.
    pub top: usize,
}

/// What a key did in the pager.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PagerKey {
    /// Handled (scrolled or ignored).
    Stay,
    /// `q` or `esc`: leave the pager.
    Close,
}

impl PagerState {
    /// A pager over `text` (cleaned: no escape sequences or other control characters).
    pub fn new(title: String, text: &str) -> Self {
        let clean = crate::mail::body::clean_text(text);
        let mut lines: Vec<String> = clean.lines().map(|l| l.replace('\t', "    ")).collect();
        if lines.len() > MAX_LINES {
            lines.truncate(MAX_LINES);
            lines.push(format!("[cut after {MAX_LINES} lines]"));
        }
        PagerState {
            title,
            lines,
            top: 0,
        }
    }

    /// Apply a key; `height` is the number of text rows on screen.
    pub fn key(&mut self, key: KeyEvent, height: usize) -> PagerKey {
        let page = height.saturating_sub(1).max(1);
        let last = self.lines.len().saturating_sub(height.max(1));
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        self.top = match key.code {
            KeyCode::Char('q') | KeyCode::Esc => return PagerKey::Close,
            KeyCode::Char('j') | KeyCode::Down | KeyCode::Enter => self.top + 1,
            KeyCode::Char('k') | KeyCode::Up => self.top.saturating_sub(1),
            KeyCode::Char('d') if ctrl => self.top + page / 2,
            KeyCode::Char('u') if ctrl => self.top.saturating_sub(page / 2),
            KeyCode::Char(' ') | KeyCode::PageDown => self.top + page,
            KeyCode::Char('b') | KeyCode::PageUp => self.top.saturating_sub(page),
            KeyCode::Char('g') | KeyCode::Home => 0,
            KeyCode::Char('G') | KeyCode::End => last,
            _ => self.top,
        }
        .min(last);
        PagerKey::Stay
    }
}

/// Draw the pager in `area`: the title, then the text from `top`.
pub fn render(frame: &mut Frame, area: Rect, pager: &PagerState, theme: &Theme) {
    let rows = usize::from(area.height.saturating_sub(1));
    let end = (pager.top + rows).min(pager.lines.len());
    let position = if pager.lines.is_empty() {
        "(no output)".to_string()
    } else {
        format!("lines {}-{} of {}", pager.top + 1, end, pager.lines.len())
    };
    let mut lines = vec![Line::from(vec![
        Span::styled(pager.title.clone(), theme.accent),
        Span::styled(format!("  {position}  q back"), theme.dim),
    ])];
    lines.extend(
        pager.lines[pager.top.min(end)..end]
            .iter()
            .map(|l| Line::raw(l.as_str())),
    );
    frame.render_widget(Paragraph::new(lines), area);
}

impl App {
    /// A key while the pager is in front: it scrolls; closing goes back to the pane the
    /// output was asked from.
    pub(crate) fn on_pager_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let rows = usize::from(
            areas(self, Rect::new(0, 0, self.width, self.height))
                .main
                .height,
        )
        .saturating_sub(1);
        if let Some((pager, back)) = self.pager.as_mut()
            && pager.key(key, rows) == PagerKey::Close
        {
            self.pane = *back;
            self.pager = None;
        }
        vec![]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(pager: &mut PagerState, code: KeyCode) -> PagerKey {
        pager.key(KeyEvent::new(code, KeyModifiers::NONE), 10)
    }

    #[test]
    fn escape_sequences_never_reach_the_screen() {
        let pager = PagerState::new("t".into(), "\u{1b}[31mred\u{1b}[0m\r\nnext\u{7}");
        assert_eq!(pager.lines, vec!["[31mred[0m", "next"]);
    }

    #[test]
    fn scrolling_stays_within_the_text() {
        let text: String = (1..=25).map(|i| format!("line {i}\n")).collect();
        let mut pager = PagerState::new("t".into(), &text);
        assert_eq!(key(&mut pager, KeyCode::Char('k')), PagerKey::Stay);
        assert_eq!(pager.top, 0);
        key(&mut pager, KeyCode::Char(' '));
        assert_eq!(pager.top, 9);
        key(&mut pager, KeyCode::Char('G'));
        assert_eq!(pager.top, 15, "the last page is full");
        key(&mut pager, KeyCode::Char('j'));
        assert_eq!(pager.top, 15);
        key(&mut pager, KeyCode::Char('g'));
        assert_eq!(pager.top, 0);
        assert_eq!(key(&mut pager, KeyCode::Char('q')), PagerKey::Close);
    }
}
