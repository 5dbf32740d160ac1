//! The reader pane: the message's state (scroll, headers, raw, the part or link in
//! front), its commands, replying from it, and (in `render`) its drawing.

mod reflow;
mod render;

pub(crate) use render::render;

use crate::tui::action::Command;
use crate::tui::app::{App, Pane, PromptKind, commands};
use crate::tui::effects::Effect;
use crate::tui::message::ReaderDoc;

/// The reader's view state.
#[derive(Debug, Clone, Default)]
pub struct ReaderState {
    pub doc: Option<Box<ReaderDoc>>,
    pub scroll: u16,
    pub all_headers: bool,
    pub raw: bool,
    pub part: Option<usize>,
    pub link: Option<usize>,
    /// Reply/forward asked from the list: run it when the message has loaded.
    pub after_load: Option<Command>,
    /// A part read inline (`enter` on a selected text part): its number and lines, shown
    /// instead of the body until `esc`.
    pub inline_part: Option<(usize, Vec<String>)>,
}

impl App {
    /// Start a reply or forward of the message in the reader.
    pub(crate) fn respond_to_doc(&mut self, cmd: Command) -> Vec<Effect> {
        let Some(doc) = self.reader.doc.as_deref() else {
            return Vec::new();
        };
        let ids = self.identities();
        let own: Vec<String> = self
            .account
            .addresses
            .iter()
            .map(|a| a.to_ascii_lowercase())
            .collect();
        let from = pick_identity(&ids, doc);
        let sig = self.account.signature.as_deref();
        let draft = match cmd {
            Command::Reply => crate::tui::compose::reply(doc, false, &from, &own, sig),
            Command::ReplyAll => crate::tui::compose::reply(doc, true, &from, &own, sig),
            Command::Forward => crate::tui::compose::forward(doc, false, &from, sig),
            Command::ForwardAttachment => crate::tui::compose::forward(doc, true, &from, sig),
            _ => return Vec::new(),
        };
        super::composer::open(self, draft)
    }
}

/// Answer from the identity the message was sent to (by addr-spec), else the first one.
fn pick_identity(ids: &[String], doc: &ReaderDoc) -> String {
    use crate::mail::address::mailboxes;
    let rcpts = mailboxes(&doc.to)
        .into_iter()
        .chain(mailboxes(&doc.cc))
        .collect::<Vec<_>>();
    ids.iter()
        .find(|i| {
            let own = crate::tui::compose::bare_address(i);
            rcpts.iter().any(|r| r.same_addr(&own))
        })
        .or(ids.first())
        .cloned()
        .unwrap_or_default()
}

/// A named command in the reader (`h`: the rows of the list above it).
pub(crate) fn command(app: &mut App, cmd: Command, h: u16) -> Vec<Effect> {
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
            let link = r.link.map(|l| (l + 1) % links).unwrap_or(0);
            r.link = Some(link);
            r.part = None;
            // The list of links is at the end of the message, often off the screen.
            let url = r.doc.as_ref().and_then(|d| d.links.get(link)).cloned();
            if let Some(url) = url {
                let url = crate::mail::body::clean_text(&url);
                app.say(format!("link {} of {links}: {url} (enter opens)", link + 1));
            }
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
                out.extend(super::list::open_selected(app));
            } else {
                app.say("no more messages");
            }
            return out;
        }
        Command::ToggleSplit => app.split = !app.split,
        _ => return commands::message_command(app, cmd),
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
    commands::prompt(app, PromptKind::SavePart { index }, &name)
}
