//! Keys, mouse and paste: prompts, confirmations, the composer and the chain view take
//! keys directly; everything else goes through the keymap to a named command.

use super::{App, Confirm, Field, Focus, ListSource, Pane, Prompt, PromptKind};
use crate::store::{QueryError, SearchQuery};
use crate::tui::effects::{Effect, QueueOp};
use crate::tui::ui::layout::{areas, list_rows};
use crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use ratatui::layout::{Position, Rect};

impl App {
    pub(super) fn on_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        if key.kind == KeyEventKind::Release {
            return vec![];
        }
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if ctrl && key.code == KeyCode::Char('c') {
            return self.quit();
        }
        if let Some(confirm) = self.confirm.take() {
            return self.on_confirm(confirm, key);
        }
        if self.prompt.is_some() {
            return self.on_prompt_key(key);
        }
        if self.help {
            self.help = false;
            return vec![];
        }
        match self.pane {
            Pane::Compose => self.on_compose_key(key),
            Pane::Pager => self.on_pager_key(key),
            Pane::Chain => self.on_chain_key(key),
            _ => match self.keymap.resolve(self.key_context(), key) {
                Some(cmd) => self.command(cmd),
                None => vec![],
            },
        }
    }

    fn on_confirm(&mut self, confirm: Confirm, key: KeyEvent) -> Vec<Effect> {
        let yes = matches!(key.code, KeyCode::Char('y') | KeyCode::Char('Y'));
        match confirm {
            Confirm::Discard => self.on_close_confirm(key),
            Confirm::Expunge(ids) if yes => {
                self.list.marked.clear();
                vec![Effect::Expunge { ids }]
            }
            Confirm::CancelQueued(queue_id) if yes => vec![Effect::Queue {
                op: QueueOp::Cancel,
                queue_id,
            }],
            Confirm::Unschedule(id) if yes => vec![Effect::TakeBack {
                id,
                reopen: false,
                width: usize::from(self.width),
            }],
            _ => vec![],
        }
    }

    /// A query that cannot be read: say why and keep the prompt open, the cursor where
    /// the query went wrong.
    fn refuse_query(&mut self, what: &str, e: QueryError, mut p: Prompt) -> Vec<Effect> {
        self.fail(format!("{what}: {e}"));
        p.input.set_cursor(e.column().saturating_sub(1));
        self.prompt = Some(p);
        vec![]
    }

    pub(super) fn submit(&mut self, p: Prompt) -> Vec<Effect> {
        let input = p.input.text().trim().to_string();
        match p.kind {
            PromptKind::Search | PromptKind::MarkPattern { .. } if input.is_empty() => vec![],
            PromptKind::Search => match SearchQuery::parse(&input) {
                Ok(_) => {
                    self.say(format!("searching {input}…"));
                    vec![Effect::Search {
                        query: input,
                        limit: super::outcome::SEARCH_LIMIT,
                    }]
                }
                Err(e) => self.refuse_query("search", e, p),
            },
            PromptKind::MarkPattern { mark } => match SearchQuery::parse(&input) {
                Ok(_) => {
                    let mailbox = match self.list.source {
                        ListSource::Mailbox(id) => Some(id),
                        ListSource::Search(_) => None,
                    };
                    vec![Effect::FindMatches {
                        query: input,
                        mailbox,
                        mark,
                    }]
                }
                Err(e) => self.refuse_query(if mark { "mark" } else { "unmark" }, e, p),
            },
            PromptKind::Move => {
                let target = self
                    .mailboxes
                    .iter()
                    .find(|m| m.name.eq_ignore_ascii_case(&input))
                    .map(|m| m.id);
                let ids = self.current_targets();
                match target {
                    Some(to) if !ids.is_empty() => {
                        self.list.marked.clear();
                        vec![Effect::Move { ids, to }]
                    }
                    Some(_) => vec![],
                    None => {
                        self.fail(format!(
                            "no folder `{input}` (create it with :mkdir {input})"
                        ));
                        vec![]
                    }
                }
            }
            PromptKind::SavePart { index } => match &self.reader.doc {
                Some(doc) if !input.is_empty() => vec![Effect::SavePart {
                    id: doc.id,
                    index,
                    path: input,
                }],
                _ => vec![],
            },
            PromptKind::Attach => {
                if let Some(c) = self.compose.as_mut()
                    && !input.is_empty()
                {
                    c.draft.attachments.push(Effect::expand_path(&input));
                    c.dirty = true;
                }
                vec![]
            }
            PromptKind::Command => self.run_command_line(&input),
            PromptKind::Pipe if input.is_empty() => vec![],
            PromptKind::Pipe => {
                let ids = self.current_targets();
                if ids.is_empty() {
                    self.fail("nothing to pipe: select or mark messages");
                    return vec![];
                }
                match input.strip_prefix('!') {
                    Some(command) => vec![Effect::PipeInteractive {
                        ids,
                        command: command.trim().to_string(),
                    }],
                    None => {
                        self.say(format!("running {input}…"));
                        vec![Effect::Pipe {
                            ids,
                            command: input,
                        }]
                    }
                }
            }
            PromptKind::SendLater => self.submit_send_later(p),
            PromptKind::Reschedule { id } => self.submit_reschedule(id, p),
        }
    }

    fn run_command_line(&mut self, line: &str) -> Vec<Effect> {
        let (verb, arg) = line
            .split_once(' ')
            .map(|(v, a)| (v, a.trim()))
            .unwrap_or((line, ""));
        use crate::tui::action::Command as C;
        match verb {
            "q" | "quit" => self.quit(),
            "help" => self.command(C::Help),
            "compose" => self.command(C::Compose),
            "outbox" => self.command(C::Outbox),
            "split" => self.command(C::ToggleSplit),
            "threads" => self.command(C::ToggleThreads),
            "messages" => {
                let text = self.said.text(self.tz_offset);
                self.show_pager(crate::tui::panes::pager::PagerState::new(
                    "status messages this session, oldest first (q back)".into(),
                    &text,
                ));
                vec![]
            }
            // Debug builds only: lets the end-to-end test check the panic hook gives the
            // terminal back (release builds do not know this command).
            #[cfg(debug_assertions)]
            "debug-panic" => panic!("debug-panic: raised on request from the command line"),
            "search" if !arg.is_empty() => {
                self.prompt = Some(Prompt::new(PromptKind::Search, arg));
                self.on_prompt_key(KeyEvent::from(KeyCode::Enter))
            }
            "folder" | "cd" => match self
                .mailboxes
                .iter()
                .position(|m| m.name.eq_ignore_ascii_case(arg))
            {
                Some(i) => {
                    self.sidebar = i;
                    self.pane = Pane::Mail;
                    crate::tui::panes::sidebar::open_selected_mailbox(self)
                }
                None => {
                    self.fail(format!("no folder `{arg}`"));
                    vec![]
                }
            },
            // The store announces the new folder once it is committed; loading the
            // list alongside the create raced it and missed the folder.
            "account" if arg.is_empty() => {
                self.say(format!(
                    "accounts: {} (showing {})",
                    self.accounts.join(", "),
                    self.account.name
                ));
                vec![]
            }
            "account" => self.switch_account(arg),
            "mkdir" if !arg.is_empty() => vec![Effect::CreateMailbox(arg.to_string())],
            "rename" if !arg.is_empty() => match self.list.source {
                ListSource::Mailbox(id) => vec![Effect::RenameMailbox {
                    id,
                    name: arg.to_string(),
                }],
                ListSource::Search(_) => {
                    self.fail(":rename NEW renames the folder shown: open it first");
                    vec![]
                }
            },
            "rmdir" | "rmdir!" => {
                let force = verb == "rmdir!";
                let folder = if arg.is_empty() {
                    match self.list.source {
                        ListSource::Mailbox(id) => self.mailboxes.iter().find(|m| m.id == id),
                        ListSource::Search(_) => None,
                    }
                } else {
                    self.mailboxes
                        .iter()
                        .find(|m| m.name.eq_ignore_ascii_case(arg))
                };
                match folder {
                    Some(m) => vec![Effect::RemoveMailbox { id: m.id, force }],
                    None => {
                        self.fail(format!("no folder `{arg}`"));
                        vec![]
                    }
                }
            }
            "save" if !arg.is_empty() => {
                let ids = self.current_targets();
                if ids.is_empty() {
                    self.fail("nothing to save: select or mark messages");
                    return vec![];
                }
                vec![Effect::SaveMessages {
                    ids,
                    path: arg.to_string(),
                }]
            }
            "sort" => {
                let key = match arg {
                    "date" => crate::store::SortKey::Date,
                    "from" => crate::store::SortKey::From,
                    "subject" => crate::store::SortKey::Subject,
                    "size" => crate::store::SortKey::Size,
                    _ => {
                        self.fail("sort by date, from, subject or size");
                        return vec![];
                    }
                };
                self.list.sort = key;
                let h = list_rows(self);
                self.list.reload(h)
            }
            _ => {
                self.fail(format!("unknown command `{line}` (try :help)"));
                vec![]
            }
        }
    }

    pub(super) fn on_paste(&mut self, text: &str) -> Vec<Effect> {
        if let Some(p) = self.prompt.as_mut() {
            p.input.insert(text);
        } else if let Some(c) = self.compose.as_mut() {
            if c.field == Field::Body {
                c.editor.insert_str(text);
                c.dirty = true;
            } else {
                c.paste_header(text);
            }
        }
        vec![]
    }

    pub(super) fn on_mouse(&mut self, m: MouseEvent) -> Vec<Effect> {
        if self.prompt.is_some() || self.confirm.is_some() || self.help {
            return vec![];
        }
        let a = areas(self, Rect::new(0, 0, self.width, self.height));
        let pos = Position::new(m.column, m.row);
        let h = list_rows(self);
        match m.kind {
            MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => {
                let d: i64 = if m.kind == MouseEventKind::ScrollDown {
                    3
                } else {
                    -3
                };
                match self.pane {
                    Pane::Reader if a.reader.is_some_and(|r| r.contains(pos)) => {
                        let r = &mut self.reader;
                        r.scroll = if d > 0 {
                            r.scroll.saturating_add(3)
                        } else {
                            r.scroll.saturating_sub(3)
                        };
                        vec![]
                    }
                    Pane::Mail | Pane::Reader => self.list.move_by(d, h),
                    _ => vec![],
                }
            }
            MouseEventKind::Down(MouseButton::Left) => {
                if let Some(side) = a.sidebar.filter(|r| r.contains(pos)) {
                    let i = usize::from(m.row - side.y);
                    if i <= self.mailboxes.len() {
                        self.sidebar = i;
                        self.focus = Focus::List;
                        return crate::tui::panes::sidebar::open_selected_mailbox(self);
                    }
                } else if let Some(list) = a.list.filter(|r| r.contains(pos) && m.row > r.y) {
                    let index = self.list.top + u64::from(m.row - list.y - 1);
                    self.focus = Focus::List;
                    if index < self.list.total {
                        let mut out = self.list.select(index, h);
                        if self.pane == Pane::Reader {
                            out.extend(crate::tui::panes::list::open_selected(self));
                        }
                        return out;
                    }
                }
                vec![]
            }
            _ => vec![],
        }
    }
}
