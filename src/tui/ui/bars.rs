//! The status line (node state, queue depth, unread, last event) and the one-line key
//! hint bar, which also hosts prompts and confirmations.

use crate::tui::action::Command;
use crate::tui::app::{App, Confirm, Focus, NodeStatus, Pane, PromptKind};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// The node part of the status line.
pub fn node_text(node: &NodeStatus) -> String {
    match node {
        NodeStatus::Starting => "node starting".into(),
        NodeStatus::Embedded { smtp, smtps, pop3 } => {
            let mut parts: Vec<String> = smtp.iter().map(|a| format!("smtp {a}")).collect();
            parts.extend(smtps.iter().map(|a| format!("smtps {a}")));
            parts.extend(pop3.iter().map(|a| format!("pop3 {a}")));
            if parts.is_empty() {
                "node up, no listeners".into()
            } else {
                parts.join(" ")
            }
        }
        NodeStatus::Attached { pid } => format!("attached to node pid {pid}"),
        NodeStatus::Failed(e) => format!("node down: {e}"),
    }
}

/// Node, queue and unread, then the last message. A message that does not fit beside the
/// node's addresses takes their room (they come back when it clears; why a node is down
/// stays), and one longer than the line ends in `…`.
pub fn status(app: &App, frame: &mut Frame, area: Rect) {
    let w = usize::from(area.width);
    let counts = format!("queue {} | unread {}", app.queue_depth(), app.unread());
    let full = format!(" {} | {counts} ", node_text(&app.node));
    // Why a node is down, or that it is not up yet, always shows whole.
    let addresses_only = matches!(
        app.node,
        NodeStatus::Embedded { .. } | NodeStatus::Attached { .. }
    );
    let left = if !addresses_only || super::columns(&full) + super::columns(&app.status) <= w {
        full
    } else {
        format!(" {counts} ")
    };
    let right_w = w.saturating_sub(super::columns(&left));
    let style = if app.status_is_error {
        app.theme.error.patch(app.theme.status)
    } else {
        app.theme.status
    };
    let line = Line::from(vec![
        Span::styled(left, app.theme.status),
        super::cell(&super::ellipsized(&app.status, right_w), right_w, style),
    ]);
    frame.render_widget(Paragraph::new(line), area);
}

pub fn hints(app: &App, frame: &mut Frame, area: Rect) {
    let w = usize::from(area.width);
    if let Some(p) = &app.prompt {
        let label = match p.kind {
            PromptKind::Command => ":".to_string(),
            PromptKind::Search => "/".to_string(),
            PromptKind::Move => "move to: ".to_string(),
            PromptKind::SavePart { .. } => "save to: ".to_string(),
            PromptKind::Attach => "attach file: ".to_string(),
            PromptKind::SendLater => "send later (in 2h, tomorrow 09:00, 17:30): ".to_string(),
            PromptKind::Reschedule { .. } => "send at (in 2h, tomorrow 09:00, 17:30): ".to_string(),
            PromptKind::MarkPattern { mark: true } => "mark matching: ".to_string(),
            PromptKind::Pipe => "pipe to (!cmd: interactive): ".to_string(),
            PromptKind::MarkPattern { mark: false } => "unmark matching: ".to_string(),
        };
        let more = if p.candidates.len() > 1 {
            format!("   [{}]", p.candidates.join(" "))
        } else {
            String::new()
        };
        let label_w = super::columns(&label);
        let room = w.saturating_sub(label_w);
        let (edited, _) =
            super::line::edited(p.input.text(), p.input.cursor(), room, Default::default());
        let mut line = Line::from(Span::raw(label));
        line.spans.extend(edited);
        let rest = w.saturating_sub(line.width());
        line.spans
            .push(super::cell(&more, rest, Default::default()));
        frame.render_widget(Paragraph::new(line), area);
        return;
    }
    if let Some(c) = &app.confirm {
        let text = match c {
            Confirm::Discard => {
                "close: enter/s save as draft  d: discard  other keys: keep editing".to_string()
            }
            Confirm::Expunge(ids) => format!(
                "delete {} for good? y/n",
                crate::plural::count(ids.len(), "message")
            ),
            Confirm::CancelQueued(q) => format!("cancel delivery of #{q}? y/n"),
            Confirm::Unschedule(_) => "move the waiting message back to Drafts? y/n".to_string(),
        };
        frame.render_widget(
            Paragraph::new(Line::from(super::cell(&text, w, app.theme.error))),
            area,
        );
        return;
    }
    let items: Vec<String> = match app.pane {
        Pane::Compose => split_hints(
            "ctrl-s send  ctrl-l send later  tab next field  ctrl-e $EDITOR  ctrl-a attach  ctrl-p save draft  esc close  f1 keys",
        ),
        Pane::Chain if app.chain.detail_open => {
            split_hints("enter/esc list  j/k hop  pgdn/pgup scroll  a auth  ? keys")
        }
        Pane::Chain => split_hints("j/k hop  enter detail  a auth  o order  q back  ? keys"),
        Pane::Pager => split_hints("j/k line  space/b page  g/G top/end  q back"),
        _ => {
            let ctx = app.key_context();
            let wanted: &[Command] = match app.pane {
                Pane::Reader => &[
                    Command::Back,
                    Command::Reply,
                    Command::ReplyAll,
                    Command::Forward,
                    Command::NextMessage,
                    Command::ToggleHeaders,
                    Command::Trace,
                    Command::SavePart,
                    Command::Help,
                ],
                Pane::Outbox if app.outbox.selected_scheduled().is_some() => &[
                    Command::Back,
                    Command::EditScheduled,
                    Command::Reschedule,
                    Command::SendNow,
                    Command::Cancel,
                    Command::Help,
                ],
                Pane::Outbox => &[
                    Command::Back,
                    Command::Open,
                    Command::Retry,
                    Command::HoldRelease,
                    Command::Cancel,
                    Command::Help,
                ],
                _ => &[
                    Command::Quit,
                    Command::Open,
                    Command::Compose,
                    Command::Reply,
                    Command::Delete,
                    Command::Search,
                    Command::FocusNext,
                    Command::Outbox,
                    Command::Help,
                ],
            };
            wanted
                .iter()
                .filter_map(|c| {
                    let what = match c {
                        // From the folders, tab goes back to the messages.
                        Command::FocusNext if app.focus == Focus::Sidebar => "messages",
                        c => short(*c),
                    };
                    app.keymap.key_for(ctx, *c).map(|k| format!("{k} {what}"))
                })
                .collect()
        }
    };
    frame.render_widget(
        Paragraph::new(Line::from(super::cell(
            &fit_hints(&items, w),
            w,
            app.theme.dim,
        ))),
        area,
    );
}

fn split_hints(text: &str) -> Vec<String> {
    text.split("  ").map(str::to_owned).collect()
}

/// The hints that fit in `width`, whole, two spaces apart. The last one (the help key,
/// or the way back) is always kept: hints that do not fit are left out before it, so it
/// is never the one cut off.
fn fit_hints(items: &[String], width: usize) -> String {
    let Some((last, rest)) = items.split_last() else {
        return String::new();
    };
    let mut kept: Vec<&str> = Vec::new();
    let mut used = super::columns(last);
    for item in rest {
        let more = super::columns(item) + 2;
        if used + more > width {
            break;
        }
        used += more;
        kept.push(item);
    }
    kept.push(last);
    kept.join("  ")
}

fn short(c: Command) -> &'static str {
    match c {
        Command::Quit => "quit",
        Command::Back => "back",
        Command::Open => "open",
        Command::Compose => "compose",
        Command::Reply => "reply",
        Command::ReplyAll => "all",
        Command::Forward => "fwd",
        Command::Delete => "delete",
        Command::Search => "search",
        Command::FocusNext => "folders",
        Command::Outbox => "outbox",
        Command::Help => "help",
        Command::NextMessage => "next",
        Command::ToggleHeaders => "headers",
        Command::Trace => "trace",
        Command::SavePart => "save",
        Command::Retry => "retry",
        Command::HoldRelease => "hold",
        Command::Cancel => "cancel",
        Command::EditScheduled => "edit",
        Command::Reschedule => "reschedule",
        Command::SendNow => "send now",
        other => other.name(),
    }
}

#[cfg(test)]
mod tests {
    use super::{fit_hints, split_hints};

    #[test]
    fn hints_that_do_not_fit_are_left_out_whole_and_the_last_is_kept() {
        let items = split_hints("q quit  enter open  c compose  / search  ? help");
        assert_eq!(
            fit_hints(&items, 80),
            "q quit  enter open  c compose  / search  ? help"
        );
        // 30 columns: "q quit  enter open  c compose" (29) has no room for the help.
        assert_eq!(fit_hints(&items, 30), "q quit  enter open  ? help");
        assert_eq!(fit_hints(&items, 8), "? help");
        assert_eq!(fit_hints(&items, 2), "? help", "cut later, by the cell");
        assert_eq!(fit_hints(&[], 10), "");
    }
}
