//! The folder sidebar pane: Inbox, Sent, Drafts, Trash, user folders with unread counts,
//! the Outbox with its queue depth, then the other accounts and their folders. Its lines,
//! its commands and its render.

use crate::tui::action::Command;
use crate::tui::app::{App, Focus, Pane};
use crate::tui::effects::Effect;
use crate::tui::ui::layout::list_rows;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

/// A sidebar line under the Outbox: another account, or one of its folders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtherEntry {
    pub account: String,
    pub folder: Option<String>,
    pub unread: u64,
}

impl App {
    /// The accounts other than the one shown, in config order.
    pub fn other_accounts(&self) -> Vec<&str> {
        self.accounts
            .iter()
            .filter(|a| **a != self.account.name)
            .map(String::as_str)
            .collect()
    }

    /// The sidebar lines under the Outbox: each other account, then its folders.
    pub fn other_entries(&self) -> Vec<OtherEntry> {
        let mut out = Vec::new();
        for account in self.other_accounts() {
            out.push(OtherEntry {
                account: account.to_string(),
                folder: None,
                unread: 0,
            });
            let folders = self
                .other_folders
                .iter()
                .find(|(name, _)| name == account)
                .map(|(_, f)| f.as_slice())
                .unwrap_or_default();
            out.extend(folders.iter().map(|m| OtherEntry {
                account: account.to_string(),
                folder: Some(m.name.clone()),
                unread: m.unread,
            }));
        }
        out
    }
}

/// A named command in the sidebar.
pub(crate) fn command(app: &mut App, cmd: Command) -> Vec<Effect> {
    let n = app.mailboxes.len();
    let others = app.other_entries();
    match cmd {
        Command::Down => app.sidebar = (app.sidebar + 1).min(n + others.len()),
        Command::Up => app.sidebar = app.sidebar.saturating_sub(1),
        Command::First => app.sidebar = 0,
        Command::Last => app.sidebar = n + others.len(),
        // Under the Outbox: the other accounts and their folders.
        Command::Open if app.sidebar > n => {
            if let Some(entry) = others.get(app.sidebar - n - 1) {
                let effects = app.switch_account(&entry.account);
                if !effects.is_empty() {
                    app.pending_folder = entry.folder.clone();
                }
                return effects;
            }
        }
        Command::Open => {
            app.focus = Focus::List;
            return open_selected_mailbox(app);
        }
        _ => {}
    }
    vec![]
}

/// Show the folder selected in the sidebar.
pub(crate) fn open_selected_mailbox(app: &mut App) -> Vec<Effect> {
    let h = list_rows(app);
    match app.mailboxes.get(app.sidebar).map(|m| m.id) {
        Some(id) => app.list.open_mailbox(id, h),
        // The entry after the folders is the Outbox.
        None => {
            app.pane = Pane::Outbox;
            vec![Effect::LoadQueue, Effect::LoadScheduled]
        }
    }
}

/// Draw the sidebar.
pub(crate) fn render(app: &App, frame: &mut Frame, area: Rect) {
    let width = usize::from(area.width.saturating_sub(1));
    let mut lines: Vec<Line> = Vec::new();
    let focused = app.focus == Focus::Sidebar && app.pane == Pane::Mail;
    let current = app.current_mailbox().map(|m| m.id);
    for (i, m) in app.mailboxes.iter().enumerate() {
        let count = if m.unread > 0 {
            m.unread.to_string()
        } else {
            String::new()
        };
        lines.push(entry(
            app,
            &m.name,
            &count,
            width,
            i,
            focused,
            current == Some(m.id),
            m.unread > 0,
        ));
    }
    let depth = app.queue_depth();
    let count = if depth > 0 {
        depth.to_string()
    } else {
        String::new()
    };
    let i = app.mailboxes.len();
    lines.push(entry(
        app,
        "Outbox",
        &count,
        width,
        i,
        focused,
        app.pane == Pane::Outbox,
        false,
    ));
    for (k, other) in app.other_entries().into_iter().enumerate() {
        let (label, count) = match &other.folder {
            None => (format!("» {}", other.account), String::new()),
            Some(folder) => (
                format!("  {folder}"),
                if other.unread > 0 {
                    other.unread.to_string()
                } else {
                    String::new()
                },
            ),
        };
        lines.push(entry(
            app,
            &label,
            &count,
            width,
            i + 1 + k,
            focused,
            false,
            other.unread > 0,
        ));
    }
    let mut block = Block::default()
        .borders(Borders::RIGHT)
        .border_style(app.theme.dim);
    if app.accounts.len() > 1 {
        block = block.title(Span::styled(app.account.name.clone(), app.theme.accent));
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

#[allow(clippy::too_many_arguments)]
fn entry(
    app: &App,
    name: &str,
    count: &str,
    width: usize,
    index: usize,
    focused: bool,
    current: bool,
    unread: bool,
) -> Line<'static> {
    let name_w = width.saturating_sub(count.len() + 1);
    let mut style = if unread {
        app.theme.unread
    } else {
        Style::default()
    };
    if current {
        style = style.patch(app.theme.accent);
    }
    if focused && index == app.sidebar {
        style = style.patch(app.theme.selected);
    }
    Line::from(vec![
        crate::tui::ui::cell(name, name_w, style),
        Span::styled(format!(" {count}"), style),
    ])
}
