//! The outbox drawn: the sends that wait (when, to whom, what), then every queued recipient with
//! its state; Enter shows the detail of the row in front.

use crate::store::{QueueEntry, RecipientState, ScheduleKind, ScheduledSend};
use crate::tui::app::App;
use crate::tui::ui;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

fn state_text(e: &QueueEntry, app: &App) -> String {
    match e.state {
        RecipientState::Queued => "queued".into(),
        RecipientState::Deferred => match e.next_attempt_at {
            Some(t) => format!(
                "deferred, next {}",
                ui::short_date(t, app.now, app.tz_offset)
            ),
            None => "deferred".into(),
        },
        RecipientState::Delivered => "delivered".into(),
        RecipientState::Bounced => "bounced".into(),
        RecipientState::Held => "held".into(),
        RecipientState::Cancelled => "cancelled".into(),
    }
}

/// The time column of a waiting send: `today 17:30`, or the undo window's seconds.
fn waiting_text(s: &ScheduledSend, app: &App) -> String {
    match s.kind {
        ScheduleKind::Undo => format!("sending in {} s (U: undo)", (s.send_at - app.now).max(0)),
        ScheduleKind::Later => format!(
            "at {}",
            crate::tui::when::describe(s.send_at, app.now, app.tz_offset)
        ),
    }
}

pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let w = usize::from(area.width);
    let o = &app.outbox;
    let detail_h = if o.detail { area.height / 2 } else { 0 };
    let list_area = Rect::new(area.x, area.y, area.width, area.height - detail_h);
    let mut title = format!(
        "Outbox: {}, {} waiting",
        crate::plural::count(o.entries.len(), "recipient"),
        app.queue_depth()
    );
    if !o.scheduled.is_empty() {
        title = format!(
            "{title}; {} to send later",
            crate::plural::count(o.scheduled.len(), "message")
        );
    }
    let mut lines = vec![Line::from(ui::cell(&title, w, app.theme.accent))];
    if o.rows() == 0 {
        lines.push(Line::from(ui::cell("  (nothing queued)", w, app.theme.dim)));
    }
    let rows = usize::from(list_area.height.saturating_sub(1));
    let skip = o.selected.saturating_sub(rows.saturating_sub(1));
    let state_w = 24;
    let rcpt_w = if w >= 100 { 30 } else { 22 };
    let subject_w = w.saturating_sub(state_w + rcpt_w + 8 + 3);
    let waiting = o.scheduled.iter().map(|s| {
        let style = ratatui::style::Style::default();
        (
            "later".to_string(),
            waiting_text(s, app),
            s.recipients.join(", "),
            s.subject.clone(),
            style,
        )
    });
    let queued = o.entries.iter().map(|e| {
        let style = if e.state == RecipientState::Bounced {
            app.theme.error
        } else {
            ratatui::style::Style::default()
        };
        (
            format!("#{}", e.queue_id),
            state_text(e, app),
            e.rcpt.clone(),
            e.subject.clone().unwrap_or_default(),
            style,
        )
    });
    for (i, (id, state, rcpt, subject, style)) in
        waiting.chain(queued).enumerate().skip(skip).take(rows)
    {
        let style = if i == o.selected {
            app.theme.selected
        } else {
            style
        };
        let text = format!(
            "{} {} {} {}",
            ui::cell(&id, 7, style).content,
            ui::cell(&state, state_w, style).content,
            ui::cell(&rcpt, rcpt_w, style).content,
            ui::cell(&subject, subject_w, style).content,
        );
        lines.push(Line::styled(text, style));
    }
    frame.render_widget(Paragraph::new(lines), list_area);
    if !o.detail {
        return;
    }
    let d = Rect::new(area.x, area.y + list_area.height, area.width, detail_h);
    let text = if let Some(s) = o.selected_scheduled() {
        waiting_detail(s, app)
    } else if let Some(e) = o.selected_entry() {
        queued_detail(o, e, app)
    } else {
        return;
    };
    let block = Block::default()
        .borders(Borders::TOP)
        .title(" delivery ")
        .border_style(app.theme.dim);
    frame.render_widget(
        Paragraph::new(text).block(block).wrap(Wrap { trim: false }),
        d,
    );
}

/// A waiting send: when, from, to, and what can be done to it.
fn waiting_detail(s: &ScheduledSend, app: &App) -> Vec<Line<'static>> {
    let date = |t: i64| ui::short_date(t, app.now, app.tz_offset);
    vec![
        Line::raw(format!("waiting to be sent: {}", waiting_text(s, app))),
        Line::raw(format!(
            "from {}  written {}",
            s.mail_from,
            date(s.created_at)
        )),
        Line::raw(format!("to {}", s.recipients.join(", "))),
        Line::raw(format!("subject: {}", s.subject)),
        Line::styled(
            "e: back to the composer  t: another time  s: send now  x: back to Drafts",
            app.theme.dim,
        ),
    ]
}

/// A queued recipient: its state, the last reply and the attempt log.
fn queued_detail(o: &super::OutboxState, e: &QueueEntry, app: &App) -> Vec<Line<'static>> {
    let date = |t: i64| ui::short_date(t, app.now, app.tz_offset);
    let mut text = vec![
        Line::raw(format!(
            "queue #{}  recipient {}  state {}",
            e.queue_id,
            e.rcpt,
            state_text(e, app)
        )),
        Line::raw(format!(
            "from {}  size {}  queued {}",
            e.mail_from,
            ui::human_size(e.size),
            date(e.created_at)
        )),
        Line::raw(format!(
            "attempts {}  next {}",
            e.attempts,
            e.next_attempt_at.map(date).unwrap_or_else(|| "-".into())
        )),
        Line::raw(format!(
            "last reply: {}",
            e.last_reply.as_deref().unwrap_or("-")
        )),
    ];
    text.extend(attempt_lines(o, e, app));
    text
}

/// The selected recipient's delivery attempts, newest last: time, host [ip], TLS, reply.
fn attempt_lines(
    o: &super::OutboxState,
    e: &crate::store::QueueEntry,
    app: &App,
) -> Vec<Line<'static>> {
    let Some((queue_id, attempts)) = &o.attempts else {
        return vec![Line::styled("attempts: loading", app.theme.dim)];
    };
    let mine: Vec<_> = attempts
        .iter()
        .filter(|a| *queue_id == e.queue_id && a.recipient_id == e.recipient_id)
        .collect();
    if mine.is_empty() {
        return vec![Line::styled("no delivery attempt yet", app.theme.dim)];
    }
    mine.into_iter()
        .map(|a| {
            let when = ui::short_date(a.at, app.now, app.tz_offset);
            Line::raw(attempt_text(&when, &a.log))
        })
        .collect()
}

/// One attempt: when, the host reached (or that none was), then the reply.
fn attempt_text(when: &str, log: &crate::store::AttemptLog) -> String {
    let host = match log.host.as_deref() {
        Some(host) => {
            let ip = log.ip.as_deref().map(|ip| format!(" [{ip}]"));
            let tls = if log.tls { " TLS" } else { "" };
            format!("{host}{}{tls}", ip.unwrap_or_default())
        }
        // Nothing answered: the name did not resolve, or no host took the connection.
        None => "no connection".into(),
    };
    let reply = [
        log.code.map(|c| c.to_string()),
        log.reply.clone().filter(|r| !r.is_empty()),
    ];
    let reply: Vec<String> = reply.into_iter().flatten().collect();
    format!("{when}  {host}  {}", reply.join(" "))
        .trim_end()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::attempt_text;
    use crate::store::AttemptLog;

    #[test]
    fn an_attempt_names_the_host_and_its_reply_or_says_nothing_was_reached() {
        let answered = AttemptLog {
            host: Some("mx1.example.org".into()),
            ip: Some("192.0.2.25".into()),
            tls: true,
            code: Some(451),
            reply: Some("4.7.1 greylisted".into()),
            ..AttemptLog::default()
        };
        assert_eq!(
            attempt_text("07:51", &answered),
            "07:51  mx1.example.org [192.0.2.25] TLS  451 4.7.1 greylisted"
        );
        let unresolved = AttemptLog {
            reply: Some("example.net: no such domain".into()),
            ..AttemptLog::default()
        };
        assert_eq!(
            attempt_text("05:44", &unresolved),
            "05:44  no connection  example.net: no such domain"
        );
        let refused = AttemptLog {
            host: Some("mx.example.org".into()),
            ip: Some("192.0.2.7".into()),
            reply: Some("connection refused".into()),
            ..AttemptLog::default()
        };
        assert_eq!(
            attempt_text("05:45", &refused),
            "05:45  mx.example.org [192.0.2.7]  connection refused"
        );
        assert_eq!(
            attempt_text("05:46", &AttemptLog::default()),
            "05:46  no connection"
        );
    }
}
