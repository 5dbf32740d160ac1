//! Ticks, store notifications and effect results folded into the state.

use super::{App, ListSource, Pane};
use crate::store::{Role, StoreEvent};
use crate::tui::action::Outcome;
use crate::tui::effects::{Effect, LoadKind};
use crate::tui::ui::layout::list_rows;

/// Most hits a search shows.
pub const SEARCH_LIMIT: u64 = 1000;
/// The most messages one mark-by-query (`T`) marks.
pub const MARK_LIMIT: u64 = 10_000;

/// How far the count of a search's matches goes (beyond: "more than").
pub const COUNT_LIMIT: u64 = 100_000;

impl App {
    pub(super) fn on_tick(&mut self, now: i64) -> Vec<Effect> {
        self.now = now;
        self.tick_undo();
        self.expire_status();
        let mut out = self.loads.expire(now);
        if let Some(c) = self.compose.as_mut()
            && c.dirty
            && !c.saving_draft
            && c.waiting.is_none()
            && now - c.last_saved >= i64::try_from(self.autosave_secs.max(1)).unwrap_or(5)
        {
            c.last_saved = now;
            out.extend(self.save_draft());
        }
        out
    }

    /// Follow the store: what changed is loaded again (coalesced by [`super::Loads`]).
    /// Changes by other processes, and events missed by a lagging receiver, arrive as
    /// [`StoreEvent::External`] and reload everything shown.
    pub(super) fn on_store_event(&mut self, event: StoreEvent) -> Vec<Effect> {
        let h = list_rows(self);
        let mut out = vec![Effect::LoadMailboxes];
        if self.accounts.len() > 1 {
            out.push(Effect::LoadAccountFolders);
        }
        match event {
            StoreEvent::MessageAdded {
                mailbox_id,
                from,
                subject,
                ..
            } => {
                let is_inbox = self.mailbox_by_role(Role::Inbox).map(|m| m.id) == Some(mailbox_id);
                if is_inbox {
                    self.announced_since_list += 1;
                    self.say(format!(
                        "new mail from {}: {}",
                        from.as_deref().unwrap_or("(unknown)"),
                        subject
                    ));
                    // A burst of new mail rings once, not once per message.
                    out.extend(self.ring());
                }
                if self.list.source == ListSource::Mailbox(mailbox_id) {
                    out.extend(self.list.reload(h));
                }
            }
            StoreEvent::MessagesChanged { mailbox_ids } => match &self.list.source {
                ListSource::Mailbox(id) if mailbox_ids.contains(id) => {
                    out.extend(self.list.reload(h))
                }
                // Hits may have moved, been flagged or deleted: ask again.
                ListSource::Search(query) => out.push(Effect::Search {
                    query: query.clone(),
                    limit: SEARCH_LIMIT,
                }),
                ListSource::Mailbox(_) => {}
            },
            StoreEvent::MailboxCreated { .. } => {}
            StoreEvent::QueueChanged => return vec![Effect::LoadQueue, Effect::LoadScheduled],
            StoreEvent::AddressesChanged => return vec![Effect::LoadAddresses],
            StoreEvent::External => {
                self.external_reload = true;
                return self.reload_all();
            }
        }
        out
    }

    /// Everything shown, from the store again.
    pub(super) fn reload_all(&mut self) -> Vec<Effect> {
        let mut out = vec![
            Effect::LoadMailboxes,
            Effect::LoadQueue,
            Effect::LoadScheduled,
            Effect::LoadAddresses,
        ];
        match &self.list.source {
            ListSource::Mailbox(_) => {
                let h = list_rows(self);
                out.extend(self.list.reload(h));
            }
            ListSource::Search(query) => out.push(Effect::Search {
                query: query.clone(),
                limit: SEARCH_LIMIT,
            }),
        }
        out.extend(self.outbox.attempts_effect());
        out
    }

    /// The folder list arrived: keep the sidebar on its folder, and show another folder
    /// when the one shown is gone.
    fn on_mailboxes(&mut self, list: Vec<crate::store::Mailbox>) -> Vec<Effect> {
        let first = self.mailboxes.is_empty() && !list.is_empty();
        // The sidebar stays on its folder (or the Outbox after the last one) when
        // folders appear or go.
        let on = self.mailboxes.get(self.sidebar).map(|m| m.id);
        self.mailboxes = order_mailboxes(list);
        self.sidebar = match on {
            Some(id) => self
                .mailboxes
                .iter()
                .position(|m| m.id == id)
                .unwrap_or(self.sidebar.min(self.mailboxes.len())),
            None => self.mailboxes.len(),
        };
        self.refresh_prompt_candidates();
        // The folder shown was removed: show the first (the Inbox) instead.
        if let ListSource::Mailbox(shown) = self.list.source
            && !first
            && !self.mailboxes.iter().any(|m| m.id == shown)
            && let Some(id) = self.mailboxes.first().map(|m| m.id)
        {
            self.sidebar = 0;
            let h = list_rows(self);
            return self.list.open_mailbox(id, h);
        }
        if first {
            // A folder chosen under another account in the sidebar, else the Inbox.
            let wanted = self.pending_folder.take();
            self.sidebar = wanted
                .and_then(|name| self.mailboxes.iter().position(|m| m.name == name))
                .unwrap_or(0);
            let h = list_rows(self);
            if let Some(id) = self.mailboxes.get(self.sidebar).map(|m| m.id) {
                return self.list.open_mailbox(id, h);
            }
        }
        vec![]
    }

    /// After a reload for another process's commits (`postie sendmail`, an import, a node
    /// whose events this workstation does not follow): mail it filed in the Inbox has no
    /// event of its own here, so more unread mail there is announced (and rings) as a
    /// count, less the new mail already announced by name since the last folder list.
    fn announce_mail_from_elsewhere(
        &mut self,
        unread_before: Option<(crate::store::MailboxId, u64)>,
        announced: u64,
    ) -> Vec<Effect> {
        if !std::mem::take(&mut self.external_reload) {
            return vec![];
        }
        // The same Inbox before and after: an account switch compares nothing.
        let (Some((inbox, before)), Some((now_inbox, after))) = (
            unread_before,
            self.mailbox_by_role(Role::Inbox).map(|m| (m.id, m.unread)),
        ) else {
            return vec![];
        };
        if inbox != now_inbox {
            return vec![];
        }
        let unnamed = after.saturating_sub(before).saturating_sub(announced);
        if unnamed == 0 {
            return vec![];
        }
        let count = crate::plural::count(unnamed, "new message");
        self.say(format!("{count} in the Inbox"));
        self.ring().into_iter().collect()
    }

    /// The bell for new mail, at most once a second: a burst rings once.
    fn ring(&mut self) -> Option<Effect> {
        if self.bell && self.now > self.last_bell {
            self.last_bell = self.now;
            return Some(Effect::Bell);
        }
        None
    }

    pub(super) fn on_outcome(&mut self, outcome: Outcome) -> Vec<Effect> {
        match outcome {
            Outcome::Mailboxes(list) => {
                let unread_before = self.mailbox_by_role(Role::Inbox).map(|m| (m.id, m.unread));
                let announced = std::mem::take(&mut self.announced_since_list);
                let mut out = self.on_mailboxes(list);
                out.extend(self.announce_mail_from_elsewhere(unread_before, announced));
                return out;
            }
            Outcome::Rows {
                generation,
                offset,
                total,
                rows,
                threads,
            } => {
                self.list
                    .rows_loaded(generation, offset, total, rows, threads);
                let h = list_rows(self);
                return self.list.ensure_visible(h);
            }
            Outcome::Message(doc) => {
                self.reader.inline_part = None;
                self.reader.doc = Some(doc);
                if let Some(cmd) = self.reader.after_load.take() {
                    return self.respond_to_doc(cmd);
                }
            }
            Outcome::Draft(draft) => {
                return crate::tui::panes::composer::open(self, *draft);
            }
            Outcome::SearchResults { query, rows } => {
                // A different search is waiting to run: these hits are already stale.
                if matches!(self.loads.waiting(LoadKind::Search),
                    Some(Effect::Search { query: next, .. }) if *next != query)
                {
                    return vec![];
                }
                let shown = rows.len() as u64;
                // Only the newest are listed: count them all, the answer follows.
                let count = (shown >= SEARCH_LIMIT).then(|| Effect::CountMatches {
                    query: query.clone(),
                });
                if count.is_some() {
                    self.say(format!("newest {shown} hits for {query} (counting all…)"));
                } else {
                    self.say(format!(
                        "{} for {query}",
                        crate::plural::count(shown, "hit")
                    ));
                }
                let refresh = self.list.source == ListSource::Search(query.clone());
                let (selected, marked) = (self.list.selected, self.list.marked.clone());
                self.list.show_results(query, rows);
                if refresh {
                    self.list.selected = selected.min(self.list.total.saturating_sub(1));
                    let ids: Vec<_> = self.list.rows.iter().map(|r| r.id).collect();
                    self.list.marked = marked.into_iter().filter(|id| ids.contains(id)).collect();
                    let h = list_rows(self);
                    let mut effects = self.list.ensure_visible(h);
                    effects.extend(count);
                    return effects;
                }
                if self.pane != Pane::Reader {
                    self.pane = Pane::Mail;
                }
                self.focus = super::Focus::List;
                return count.into_iter().collect();
            }
            Outcome::MatchCount { query, total } => {
                // Said only while that search is still the list.
                if self.list.source == ListSource::Search(query.clone()) {
                    let shown = self.list.total;
                    self.say(match total {
                        Some(n) => format!("newest {shown} of {n} hits for {query}"),
                        None => {
                            format!("newest {shown} of more than {COUNT_LIMIT} hits for {query}")
                        }
                    });
                }
            }
            Outcome::Matches {
                query,
                ids,
                mark,
                capped,
            } => self.on_matches(&query, ids, mark, capped),
            Outcome::PartShown { id, index, lines } => {
                if self.reader.doc.as_ref().is_some_and(|d| d.id == id) {
                    self.reader.inline_part = Some((index, lines));
                    self.reader.scroll = 0;
                    self.say("reading the part here: esc goes back to the message");
                }
            }
            Outcome::PipeOutput {
                command,
                output,
                status,
                success,
            } => {
                let line = format!("`{command}`: {status}");
                if success {
                    self.say(line.clone());
                } else {
                    self.fail(line.clone());
                }
                if !output.is_empty() {
                    self.show_pager(crate::tui::panes::pager::PagerState::new(line, &output));
                }
            }
            Outcome::Queue(entries) => return self.outbox.queue_loaded(entries),
            Outcome::Scheduled(waiting) => return self.outbox.scheduled_loaded(waiting),
            Outcome::Held { id, kind, send_at } => return self.on_held(id, kind, send_at),
            Outcome::TakenBack(draft) => return self.on_taken_back(draft),
            Outcome::Attempts { queue_id, attempts } => {
                self.outbox.attempts = Some((queue_id, attempts));
            }
            Outcome::Addresses(a) => self.addresses = a,
            Outcome::AccountFolders(all) => {
                self.other_folders = all
                    .into_iter()
                    .map(|(name, folders)| (name, order_mailboxes(folders)))
                    .collect();
            }
            Outcome::AccountSwitched(account) => return self.account_switched(*account),
            Outcome::Aliases(aliases) => {
                if !aliases.problems.is_empty() {
                    self.fail(format!("contacts: {}", aliases.problems.join("; ")));
                }
                self.aliases = aliases;
            }
            Outcome::QueryResults { token, found } => {
                let completed = self.compose.as_mut().is_some_and(|c| {
                    crate::tui::panes::composer::complete_from_query(c, &token, &found)
                });
                match found.len() {
                    0 => self.say(format!("no contact found for {token}")),
                    n if completed && n > 1 => self.say(format!(
                        "{n} found: {} (tab again after editing for others)",
                        found.join(" · ")
                    )),
                    _ => self.say(String::new()),
                }
            }
            Outcome::PathCandidates(found) => self.on_candidates(found),
            Outcome::Sent { queue_id, local } => {
                let mut parts = Vec::new();
                if local > 0 {
                    parts.push(format!("delivered to {local} local mailbox(es)"));
                }
                if let Some(id) = queue_id {
                    parts.push(format!("queued for delivery (#{id})"));
                }
                parts.push("a copy is in Sent".into());
                self.say(parts.join("; "));
                return self.on_sent();
            }
            Outcome::DraftSaved(id) => return self.on_draft_saved(id),
            Outcome::DraftFailed(error) => return self.on_draft_failed(error),
            Outcome::SendFailed {
                error,
                field,
                position,
            } => return self.on_send_failed(error, field, position),
            Outcome::Done(text) => {
                if !text.is_empty() {
                    self.say(text);
                }
            }
            Outcome::EditorText(text) => self.on_editor_text(text),
            Outcome::Failed(e) | Outcome::LoadFailed { error: e, .. } => self.fail(e),
        }
        vec![]
    }
}

/// Inbox, Sent, Drafts, Trash first, then user folders by name.
fn order_mailboxes(mut list: Vec<crate::store::Mailbox>) -> Vec<crate::store::Mailbox> {
    let rank = |m: &crate::store::Mailbox| match m.role {
        Some(Role::Inbox) => 0,
        Some(Role::Sent) => 1,
        Some(Role::Drafts) => 2,
        Some(Role::Trash) => 3,
        None => 4,
    };
    list.sort_by(|a, b| {
        rank(a)
            .cmp(&rank(b))
            .then_with(|| a.name.to_lowercase().cmp(&b.name.to_lowercase()))
    });
    list
}

impl App {
    /// A mark/unmark query's matches: those in the list in front (a search list holds
    /// only its hits) get marked or unmarked; actions on marks then apply to them.
    fn on_matches(
        &mut self,
        query: &str,
        ids: Vec<crate::store::MessageId>,
        mark: bool,
        capped: bool,
    ) {
        let in_view: Vec<_> = match &self.list.source {
            ListSource::Mailbox(_) => ids,
            ListSource::Search(_) => {
                let shown: std::collections::HashSet<_> =
                    self.list.rows.iter().map(|r| r.id).collect();
                ids.into_iter().filter(|id| shown.contains(id)).collect()
            }
        };
        let n = in_view.len();
        if mark {
            self.list.marked.extend(in_view);
        } else {
            for id in &in_view {
                self.list.marked.remove(id);
            }
        }
        let more = if capped {
            format!(" (the first {MARK_LIMIT})")
        } else {
            String::new()
        };
        let verb = if mark { "marked" } else { "unmarked" };
        self.say(format!(
            "{verb} {n} matching {query}{more}; {} marked in all",
            self.list.marked.len()
        ));
    }
}
