//! What each named command does in the pane in front (pure: state changes + effects).

use super::{App, Confirm, Focus, ListSource, Pane, Prompt, PromptKind};
use crate::store::{Flags, Role};
use crate::tui::action::Command;
use crate::tui::compose;
use crate::tui::effects::Effect;
use crate::tui::panes::{composer, list, reader, sidebar};
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
            Pane::Mail if app.focus == Focus::Sidebar => sidebar::command(app, cmd),
            Pane::Mail => list::command(app, cmd, h),
            Pane::Reader => reader::command(app, cmd, h),
            Pane::Outbox => crate::tui::panes::outbox::command(app, cmd),
            Pane::Compose | Pane::Chain | Pane::Pager => vec![],
        },
    }
}

pub(crate) fn prompt(app: &mut App, kind: PromptKind, input: &str) -> Vec<Effect> {
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
                return sidebar::open_selected_mailbox(app);
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

/// Commands on messages shared by the list and the reader.
pub(crate) fn message_command(app: &mut App, cmd: Command) -> Vec<Effect> {
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
