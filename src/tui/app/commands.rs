//! What each named command does in the pane in front (pure: state changes + effects).

use super::{App, Confirm, Focus, ListSource, Pane, Prompt, PromptKind};
use crate::store::{Flags, Role, SortKey};
use crate::tui::action::Command;
use crate::tui::compose;
use crate::tui::effects::Effect;
use crate::tui::panes::composer;
use crate::tui::ui::layout::list_rows;

pub(super) fn run(app: &mut App, cmd: Command) -> Vec<Effect> {
    let h = list_rows(app);
    match cmd {
        Command::Quit if app.pane == Pane::Mail => app.quit(),
        Command::Quit | Command::Back => back(app),
        Command::Help => {
            app.help = true;
            vec![]
        }
        Command::CommandLine => prompt(app, PromptKind::Command, ""),
        Command::Search => prompt(app, PromptKind::Search, ""),
        Command::Compose => {
            let from = app.identities().first().cloned().unwrap_or_default();
            composer::open(
                app,
                compose::new_message(&from, app.account.signature.as_deref()),
            )
        }
        Command::Outbox => {
            app.pane = Pane::Outbox;
            vec![Effect::LoadQueue, Effect::LoadScheduled]
        }
        Command::UndoSend => app.undo_send(),
        Command::FocusNext => {
            app.focus = match app.focus {
                Focus::Sidebar => Focus::List,
                Focus::List => Focus::Sidebar,
            };
            if app.pane != Pane::Mail {
                app.pane = Pane::Mail;
            }
            vec![]
        }
        Command::Refresh => app.reload_all(),
        _ => match app.pane {
            Pane::Mail if app.focus == Focus::Sidebar => sidebar(app, cmd),
            Pane::Mail => list(app, cmd, h),
            Pane::Reader => reader(app, cmd, h),
            Pane::Outbox => crate::tui::panes::outbox::command(app, cmd),
            Pane::Compose | Pane::Chain | Pane::Pager => vec![],
        },
    }
}

fn prompt(app: &mut App, kind: PromptKind, input: &str) -> Vec<Effect> {
    let candidates = match kind {
        PromptKind::Move => app.mailboxes.iter().map(|m| m.name.clone()).collect(),
        _ => Vec::new(),
    };
    let mut p = Prompt::new(kind, input);
    p.candidates = candidates;
    app.prompt = Some(p);
    vec![]
}

fn back(app: &mut App) -> Vec<Effect> {
    match app.pane {
        Pane::Reader if app.reader.inline_part.is_some() => {
            app.reader.inline_part = None;
            app.reader.scroll = 0;
            vec![]
        }
        Pane::Reader | Pane::Outbox | Pane::Chain => {
            app.pane = if app.pane == Pane::Chain {
                Pane::Reader
            } else {
                Pane::Mail
            };
            vec![]
        }
        Pane::Mail => {
            app.list.marked.clear();
            app.list.visual_anchor = None;
            if let ListSource::Search(_) = app.list.source {
                return open_selected_mailbox(app);
            }
            vec![]
        }
        Pane::Pager => {
            app.pane = app.pager.take().map_or(Pane::Mail, |(_, back)| back);
            vec![]
        }
        Pane::Compose => vec![],
    }
}

pub(super) fn open_selected_mailbox(app: &mut App) -> Vec<Effect> {
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

fn sidebar(app: &mut App, cmd: Command) -> Vec<Effect> {
    let n = app.mailboxes.len();
    let others = app.other_entries();
    match cmd {
        Command::Down => app.sidebar = (app.sidebar + 1).min(n + others.len()),
        Command::Up => app.sidebar = app.sidebar.saturating_sub(1),
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

fn list(app: &mut App, cmd: Command, h: u16) -> Vec<Effect> {
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
            prompt(app, PromptKind::Pipe, &start)
        }
        Command::MarkPattern => prompt(app, PromptKind::MarkPattern { mark: true }, ""),
        Command::UnmarkPattern => prompt(app, PromptKind::MarkPattern { mark: false }, ""),
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
        _ => message_command(app, cmd),
    }
}

/// Open the selected row: a draft goes to the composer, anything else to the reader.
pub(super) fn open_selected(app: &mut App) -> Vec<Effect> {
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

/// Commands on messages shared by the list and the reader.
fn message_command(app: &mut App, cmd: Command) -> Vec<Effect> {
    let targets = match app.pane {
        Pane::Reader => app
            .reader
            .doc
            .as_ref()
            .map(|d| vec![d.id])
            .unwrap_or_default(),
        _ => app.list.targets(),
    };
    let selected_flags = app.list.selected_row().map(|r| r.flags).unwrap_or_default();
    match cmd {
        Command::Delete | Command::Undelete | Command::Move if targets.is_empty() => vec![],
        Command::Delete => {
            let trash = app.mailbox_by_role(Role::Trash).map(|m| m.id);
            let in_trash = app.current_mailbox().map(|m| m.id) == trash && trash.is_some();
            match trash {
                _ if in_trash => {
                    app.confirm = Some(Confirm::Expunge(targets));
                    vec![]
                }
                Some(to) => {
                    app.list.marked.clear();
                    vec![Effect::Move { ids: targets, to }]
                }
                None => vec![],
            }
        }
        Command::Undelete => {
            let in_trash = app.current_mailbox().and_then(|m| m.role) == Some(Role::Trash);
            match app.mailbox_by_role(Role::Inbox).map(|m| m.id) {
                Some(to) if in_trash => {
                    app.list.marked.clear();
                    vec![Effect::Move { ids: targets, to }]
                }
                _ => {
                    app.say("undelete works in Trash");
                    vec![]
                }
            }
        }
        Command::ToggleFlag | Command::ToggleRead => {
            let flag = if cmd == Command::ToggleFlag {
                Flags::FLAGGED
            } else {
                Flags::SEEN
            };
            let (set, clear) = if selected_flags.contains(flag) {
                (Flags::empty(), flag)
            } else {
                (flag, Flags::empty())
            };
            app.list.set_flags_local(&targets, set, clear);
            if targets.is_empty() {
                vec![]
            } else {
                vec![Effect::SetFlags {
                    ids: targets,
                    set,
                    clear,
                }]
            }
        }
        Command::Move => prompt(app, PromptKind::Move, ""),
        Command::Reply | Command::ReplyAll | Command::Forward | Command::ForwardAttachment => {
            respond(app, cmd)
        }
        _ => vec![],
    }
}

/// Reply/forward from the open message, or load the selected one first; forward as
/// attachments from the list takes every marked message.
fn respond(app: &mut App, cmd: Command) -> Vec<Effect> {
    if cmd == Command::ForwardAttachment && app.pane != Pane::Reader && app.list.marked.len() > 1 {
        let ids = app.list.targets();
        let subjects: Vec<String> = ids
            .iter()
            .filter_map(|id| app.list.rows.iter().find(|r| r.id == *id))
            .map(|r| r.subject.clone())
            .collect();
        let from = app.identities().first().cloned().unwrap_or_default();
        let draft =
            compose::forward_marked(ids, &subjects, &from, app.account.signature.as_deref());
        app.list.marked.clear();
        return composer::open(app, draft);
    }
    let selected = app.list.selected_row().map(|r| r.id);
    let doc_id = app.reader.doc.as_ref().map(|d| d.id);
    if app.pane == Pane::Reader || (doc_id.is_some() && doc_id == selected) {
        return app.respond_to_doc(cmd);
    }
    match selected {
        Some(id) => {
            app.reader.after_load = Some(cmd);
            vec![Effect::LoadMessage {
                id,
                width: 72,
                as_draft: false,
            }]
        }
        None => vec![],
    }
}

fn reader(app: &mut App, cmd: Command, h: u16) -> Vec<Effect> {
    let page = app.height.saturating_sub(6).max(1);
    let (parts, links) = app
        .reader
        .doc
        .as_ref()
        .map(|d| (d.parts.len(), d.links.len()))
        .unwrap_or((0, 0));
    let r = &mut app.reader;
    match cmd {
        Command::Down => r.scroll = r.scroll.saturating_add(1),
        Command::Up => r.scroll = r.scroll.saturating_sub(1),
        Command::PageDown => r.scroll = r.scroll.saturating_add(page),
        Command::PageUp => r.scroll = r.scroll.saturating_sub(page),
        Command::First => r.scroll = 0,
        Command::Last => r.scroll = u16::MAX / 2,
        Command::ToggleHeaders => r.all_headers = !r.all_headers,
        Command::RawSource => {
            r.raw = !r.raw;
            r.scroll = 0;
        }
        Command::NextPart if parts > 0 => {
            r.part = Some(r.part.map(|p| (p + 1) % parts).unwrap_or(0));
            r.link = None;
        }
        Command::NextLink if links > 0 => {
            r.link = Some(r.link.map(|l| (l + 1) % links).unwrap_or(0));
            r.part = None;
        }
        Command::ToggleAlternative => {
            let switched = r.doc.as_mut().map(|d| d.switch_alternative());
            r.scroll = 0;
            match (switched, r.doc.as_ref().map(|d| d.body_is_html)) {
                (Some(true), Some(true)) => app.say("the HTML rendering (v: the plain text)"),
                (Some(true), _) => app.say("the plain text (v: the HTML rendering)"),
                _ => app.say("this message has one rendering only"),
            }
        }
        Command::Trace if r.doc.is_some() => {
            app.chain = Default::default();
            app.pane = Pane::Chain;
        }
        Command::SavePart => return save_part(app),
        Command::OpenPart => {
            if let (Some(doc), Some(index)) = (&app.reader.doc, app.reader.part) {
                return vec![Effect::OpenPart { id: doc.id, index }];
            }
            app.say("select a part with p first");
        }
        Command::OpenLink if r.part.is_some() && r.doc.is_some() => {
            if let (Some(doc), Some(index)) = (&app.reader.doc, app.reader.part) {
                return vec![Effect::ShowPart {
                    id: doc.id,
                    index,
                    width: usize::from(app.width.saturating_sub(2)).max(20),
                }];
            }
        }
        Command::OpenLink => {
            let link = app
                .reader
                .doc
                .as_ref()
                .zip(app.reader.link)
                .and_then(|(d, i)| d.links.get(i).cloned());
            match link {
                Some(url) => return vec![Effect::OpenUrl(url)],
                None => app.say("select a link with L first"),
            }
        }
        Command::NextMessage | Command::PrevMessage => {
            let before = app.list.selected;
            let mut out = app
                .list
                .move_by(if cmd == Command::NextMessage { 1 } else { -1 }, h);
            if app.list.selected != before {
                out.extend(open_selected(app));
            } else {
                app.say("no more messages");
            }
            return out;
        }
        Command::ToggleSplit => app.split = !app.split,
        _ => return message_command(app, cmd),
    }
    vec![]
}

fn save_part(app: &mut App) -> Vec<Effect> {
    let Some(doc) = &app.reader.doc else {
        return vec![];
    };
    let index = match app.reader.part {
        Some(i) => i,
        None => match doc.parts.iter().position(|p| p.filename.is_some()) {
            Some(i) => i,
            None => {
                app.say("this message has no attachment to save");
                return vec![];
            }
        },
    };
    let name = doc
        .parts
        .get(index)
        .and_then(|p| p.filename.clone())
        .unwrap_or_else(|| format!("part-{index}"));
    app.reader.part = Some(index);
    prompt(app, PromptKind::SavePart { index }, &name)
}
