//! The message list pane: a virtual window over a mailbox (only visible rows are fetched)
//! or the rows of a search, with selection, marks and the visual range; its commands, and
//! (in `render`) its drawing.

mod render;
#[cfg(test)]
mod tests;

pub(crate) use render::render;

use crate::store::{Flags, MailboxId, MessageId, MessageSummary, Role, SortKey, ThreadView};
use crate::tui::action::Command;
use crate::tui::app::{App, Pane, PromptKind, commands};
use crate::tui::effects::Effect;
use std::collections::BTreeSet;

/// What the list shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListSource {
    Mailbox(MailboxId),
    /// Search results (all held in memory, the store caps them).
    Search(String),
}

/// Where a row sits in the threaded view.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ThreadMark {
    /// 0 for a thread's first message, 1 for a reply to it, ...
    pub depth: u16,
    /// Messages in the thread (in this mailbox).
    pub size: u32,
    /// The whole thread is folded into this row.
    pub collapsed: bool,
    /// A folded row stands for these messages (the whole thread); empty otherwise.
    pub members: Vec<MessageId>,
}

/// The list's state: `rows` hold `[offset, offset + rows.len())` of `total`.
#[derive(Debug, Clone)]
pub struct ListState {
    pub source: ListSource,
    pub total: u64,
    pub offset: u64,
    pub rows: Vec<MessageSummary>,
    pub selected: u64,
    pub top: u64,
    pub sort: SortKey,
    pub descending: bool,
    /// Bumped on every new request; older answers are dropped.
    pub generation: u64,
    /// The window last asked for, to avoid asking twice.
    pub requested: Option<(u64, u64)>,
    pub marked: BTreeSet<MessageId>,
    pub visual_anchor: Option<u64>,
    /// The message to keep selected when a reload shifts rows (new mail above it).
    pub follow: Option<MessageId>,
    /// Threaded view: threads by their latest message, replies under their parents.
    pub threaded: bool,
    /// Which threads are folded (threaded view).
    pub thread_view: ThreadView,
    /// Depth and fold state of `rows`, index for index (threaded view only).
    pub marks: Vec<ThreadMark>,
}

impl Default for ListState {
    fn default() -> Self {
        ListState {
            source: ListSource::Mailbox(0),
            total: 0,
            offset: 0,
            rows: Vec::new(),
            selected: 0,
            top: 0,
            sort: SortKey::Date,
            descending: true,
            generation: 0,
            requested: None,
            marked: BTreeSet::new(),
            visual_anchor: None,
            follow: None,
            threaded: false,
            thread_view: ThreadView::default(),
            marks: Vec::new(),
        }
    }
}

impl ListState {
    /// The row at absolute position `index`, if it is loaded.
    pub fn row(&self, index: u64) -> Option<&MessageSummary> {
        let rel = index.checked_sub(self.offset)?;
        self.rows.get(usize::try_from(rel).ok()?)
    }

    pub fn selected_row(&self) -> Option<&MessageSummary> {
        self.row(self.selected)
    }

    /// The thread position of the row at `index`, in the threaded view.
    pub fn mark(&self, index: u64) -> Option<&ThreadMark> {
        if !self.threaded {
            return None;
        }
        let rel = index.checked_sub(self.offset)?;
        self.marks.get(usize::try_from(rel).ok()?)
    }

    /// Turn the threaded view on or off (the window is asked for again).
    pub fn toggle_threads(&mut self, height: u16) -> Vec<Effect> {
        self.threaded = !self.threaded;
        self.marks.clear();
        self.reload(height)
    }

    /// Fold or unfold the selected row's thread; the selection stays on the thread.
    pub fn toggle_thread_fold(&mut self, height: u16) -> Vec<Effect> {
        let Some(row) = self.selected_row() else {
            return Vec::new();
        };
        if !self.threaded {
            return Vec::new();
        }
        let thread = row.thread_id;
        // Folding keeps the thread's first row; it is at or above the selection.
        let first = (self.offset..=self.selected)
            .rev()
            .take_while(|&i| self.row(i).is_some_and(|r| r.thread_id == thread))
            .last()
            .unwrap_or(self.selected);
        if !self.thread_view.toggled.remove(&thread) {
            self.thread_view.toggled.insert(thread);
        }
        let keep = self.row(first).map(|r| r.id);
        let effects = self.reload(height);
        self.follow = keep;
        effects
    }

    /// Fold every thread, or unfold every thread if they were folded.
    pub fn toggle_all_folds(&mut self, height: u16) -> Vec<Effect> {
        if !self.threaded {
            return Vec::new();
        }
        self.thread_view.collapsed = !self.thread_view.collapsed;
        self.thread_view.toggled.clear();
        self.reload(height)
    }

    /// Show a mailbox from its first row.
    pub fn open_mailbox(&mut self, id: MailboxId, height: u16) -> Vec<Effect> {
        self.source = ListSource::Mailbox(id);
        self.rows.clear();
        self.marks.clear();
        self.total = 0;
        self.offset = 0;
        self.selected = 0;
        self.top = 0;
        self.marked.clear();
        self.visual_anchor = None;
        self.reload(height)
    }

    /// Show search results.
    pub fn show_results(&mut self, query: String, rows: Vec<MessageSummary>) {
        self.source = ListSource::Search(query);
        self.total = rows.len() as u64;
        self.rows = rows;
        // Hits are listed by date, not as threads.
        self.marks.clear();
        self.offset = 0;
        self.selected = 0;
        self.top = 0;
        self.marked.clear();
        self.visual_anchor = None;
        self.requested = None;
    }

    /// Ask again for the visible window (after new mail, flag changes, a sort change).
    pub fn reload(&mut self, height: u16) -> Vec<Effect> {
        self.requested = None;
        self.follow = self.selected_row().map(|r| r.id);
        self.fetch(height, true)
    }

    /// Move the selection by `delta` rows (clamped), keep it visible, fetch if needed.
    pub fn move_by(&mut self, delta: i64, height: u16) -> Vec<Effect> {
        if self.total == 0 {
            return Vec::new();
        }
        let max = self.total - 1;
        let next = if delta < 0 {
            self.selected.saturating_sub(delta.unsigned_abs())
        } else {
            self.selected.saturating_add(delta.unsigned_abs()).min(max)
        };
        self.select(next, height)
    }

    pub fn select(&mut self, index: u64, height: u16) -> Vec<Effect> {
        self.selected = index.min(self.total.saturating_sub(1));
        self.ensure_visible(height)
    }

    /// Scroll so the selection is on screen; request rows when the window leaves the cache.
    pub fn ensure_visible(&mut self, height: u16) -> Vec<Effect> {
        let h = u64::from(height.max(1));
        if self.selected < self.top {
            self.top = self.selected;
        } else if self.selected >= self.top + h {
            self.top = self.selected + 1 - h;
        }
        self.fetch(height, false)
    }

    fn fetch(&mut self, height: u16, force: bool) -> Vec<Effect> {
        let ListSource::Mailbox(mailbox) = self.source else {
            return Vec::new();
        };
        let h = u64::from(height.max(1));
        // Ask for the next window half a screen before it is needed, so scrolling rarely
        // shows a row that has not arrived yet.
        let margin = h / 2;
        let need_start = self.top.saturating_sub(margin);
        let need_end = (self.top + h + margin).min(self.total);
        let have_end = self.offset + self.rows.len() as u64;
        let cached = need_start >= self.offset && need_end <= have_end;
        if cached && !force && self.total > 0 {
            return Vec::new();
        }
        let offset = self.top.saturating_sub(h);
        let limit = h * 3;
        // A window already asked for that covers what is needed is on its way.
        if !force
            && let Some((o, l)) = self.requested
            && need_start >= o
            && (need_end <= o + l || o == offset)
        {
            return Vec::new();
        }
        self.requested = Some((offset, limit));
        self.generation += 1;
        vec![Effect::LoadRows {
            mailbox,
            sort: self.sort,
            descending: self.descending,
            offset,
            limit,
            generation: self.generation,
            threads: self.threaded.then(|| self.thread_view.clone()),
        }]
    }

    /// Rows arrived; keep them if they answer the latest request.
    pub fn rows_loaded(
        &mut self,
        generation: u64,
        offset: u64,
        total: u64,
        rows: Vec<MessageSummary>,
        marks: Vec<ThreadMark>,
    ) {
        if generation != self.generation {
            return;
        }
        self.total = total;
        self.offset = offset;
        self.rows = rows;
        self.marks = marks;
        if let Some(id) = self.follow.take()
            && let Some(pos) = self.rows.iter().position(|r| r.id == id)
        {
            // The view stays put (new mail shows above); the selection follows its message.
            self.selected = offset + pos as u64;
        }
        if self.selected >= total {
            self.selected = total.saturating_sub(1);
        }
        if self.top > self.selected {
            self.top = self.selected;
        }
    }

    /// The messages an action applies to: the marked ones, else the selected one. A
    /// folded thread's row stands for the whole thread.
    pub fn targets(&self) -> Vec<MessageId> {
        let ids: Vec<MessageId> = if self.marked.is_empty() {
            self.selected_row().map(|r| vec![r.id]).unwrap_or_default()
        } else {
            self.marked.iter().copied().collect()
        };
        if !self.threaded {
            return ids;
        }
        let mut out: Vec<MessageId> = Vec::with_capacity(ids.len());
        for id in ids {
            let folded = self
                .rows
                .iter()
                .position(|r| r.id == id)
                .and_then(|i| self.marks.get(i))
                .filter(|m| m.collapsed && !m.members.is_empty());
            match folded {
                Some(mark) => out.extend(&mark.members),
                None => out.push(id),
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    pub fn toggle_mark(&mut self) {
        if let Some(id) = self.selected_row().map(|r| r.id)
            && !self.marked.remove(&id)
        {
            self.marked.insert(id);
        }
    }

    /// First press anchors; the second marks every loaded row between anchor and selection.
    pub fn visual(&mut self) -> bool {
        match self.visual_anchor.take() {
            None => {
                self.visual_anchor = Some(self.selected);
                false
            }
            Some(anchor) => {
                let (a, b) = (anchor.min(self.selected), anchor.max(self.selected));
                for i in a..=b {
                    if let Some(id) = self.row(i).map(|r| r.id) {
                        self.marked.insert(id);
                    }
                }
                true
            }
        }
    }

    pub fn mark_all_loaded(&mut self) {
        let ids: Vec<MessageId> = self.rows.iter().map(|r| r.id).collect();
        self.marked.extend(ids);
    }

    /// Show a flag change at once; the store's change event reloads the truth.
    pub fn set_flags_local(
        &mut self,
        ids: &[MessageId],
        set: crate::store::Flags,
        clear: crate::store::Flags,
    ) {
        for row in self.rows.iter_mut().filter(|r| ids.contains(&r.id)) {
            row.flags = row.flags.union(set).without(clear);
        }
    }
}

/// A named command in the message list (`h`: the rows it shows).
pub(crate) fn command(app: &mut App, cmd: Command, h: u16) -> Vec<Effect> {
    let page = i64::from(h);
    match cmd {
        Command::Down => app.list.move_by(1, h),
        Command::Up => app.list.move_by(-1, h),
        Command::PageDown => app.list.move_by(page, h),
        Command::PageUp => app.list.move_by(-page, h),
        Command::First => app.list.select(0, h),
        Command::Last => app.list.select(app.list.total.saturating_sub(1), h),
        Command::Open | Command::NextMessage | Command::PrevMessage => {
            let mut out = match cmd {
                Command::NextMessage => app.list.move_by(1, h),
                Command::PrevMessage => app.list.move_by(-1, h),
                _ => vec![],
            };
            out.extend(open_selected(app));
            out
        }
        Command::ToggleMark => {
            app.list.toggle_mark();
            app.list.move_by(1, h)
        }
        Command::VisualMark => {
            if app.list.visual() {
                app.say(format!("{} marked", app.list.marked.len()));
            } else {
                app.say("visual: move, then v again to mark the range");
            }
            vec![]
        }
        Command::Pipe => {
            let start = app.pipe_command.clone();
            commands::prompt(app, PromptKind::Pipe, &start)
        }
        Command::MarkPattern => commands::prompt(app, PromptKind::MarkPattern { mark: true }, ""),
        Command::UnmarkPattern => {
            commands::prompt(app, PromptKind::MarkPattern { mark: false }, "")
        }
        Command::MarkAll => {
            app.list.mark_all_loaded();
            app.say(format!("{} marked", app.list.marked.len()));
            vec![]
        }
        Command::CycleSort | Command::ReverseSort => {
            if cmd == Command::CycleSort {
                app.list.sort = match app.list.sort {
                    SortKey::Date => SortKey::From,
                    SortKey::From => SortKey::Subject,
                    SortKey::Subject => SortKey::Size,
                    SortKey::Size => SortKey::Date,
                };
            } else {
                app.list.descending = !app.list.descending;
            }
            app.say(format!(
                "sorted by {:?}{}",
                app.list.sort,
                if app.list.descending {
                    " (descending)"
                } else {
                    ""
                }
            ));
            app.list.reload(h)
        }
        Command::ToggleThreads => {
            let effects = app.list.toggle_threads(h);
            app.say(if app.list.threaded {
                "threaded view: threads by latest message (- folds one, = folds all)"
            } else {
                "flat view"
            });
            effects
        }
        Command::CollapseThread => app.list.toggle_thread_fold(h),
        Command::CollapseAll => {
            let effects = app.list.toggle_all_folds(h);
            if app.list.threaded {
                app.say(if app.list.thread_view.collapsed {
                    "every thread folded"
                } else {
                    "every thread unfolded"
                });
            }
            effects
        }
        Command::ToggleSplit => {
            app.split = !app.split;
            vec![]
        }
        _ => commands::message_command(app, cmd),
    }
}

/// Open the selected row: a draft goes to the composer, anything else to the reader.
pub(crate) fn open_selected(app: &mut App) -> Vec<Effect> {
    let Some(row) = app.list.selected_row().cloned() else {
        return vec![];
    };
    let in_drafts = app.mailbox_by_role(Role::Drafts).map(|m| m.id) == Some(row.mailbox_id);
    let width = usize::from(app.width.saturating_sub(2));
    if in_drafts {
        return vec![Effect::LoadMessage {
            id: row.id,
            width,
            as_draft: true,
        }];
    }
    app.pane = Pane::Reader;
    app.reader.scroll = 0;
    app.reader.part = None;
    app.reader.link = None;
    app.reader.after_load = None;
    let mut out = vec![Effect::LoadMessage {
        id: row.id,
        width,
        as_draft: false,
    }];
    if !row.flags.contains(Flags::SEEN) {
        app.list
            .set_flags_local(&[row.id], Flags::SEEN, Flags::empty());
        out.push(Effect::SetFlags {
            ids: vec![row.id],
            set: Flags::SEEN,
            clear: Flags::empty(),
        });
    }
    out
}
