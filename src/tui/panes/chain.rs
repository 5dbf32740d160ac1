//! The Received-chain view pane: one row per hop, delays, flags and auth results.
//!
//! State changes are pure methods on [`ChainViewState`], the app's keys reach them through
//! `App::on_chain_key`; [`render`] only reads. The view never reads the clock: every time
//! shown comes from the message.

mod render;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::mail::trace::{Trace, TracedHop};
use crate::tui::app::{App, Pane};
use crate::tui::effects::Effect;

pub use render::render;

/// Which way the hops are listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HopOrder {
    /// Oldest hop at the top: the route as the message travelled.
    #[default]
    OldestFirst,
    /// Topmost Received field first: the order of the header.
    HeaderOrder,
}

/// What a key asks of the chain view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChainAction {
    Next,
    Prev,
    First,
    Last,
    ToggleOrder,
    ToggleDetail,
    ToggleAuth,
    /// PageDown / PageUp: scroll the hop detail.
    ScrollDown,
    ScrollUp,
    /// Esc / q: close the detail if open, else leave the view.
    Close,
}

/// The view's own state. `selected` is an index into `Trace::hops` (oldest first), so it
/// names the same hop whichever order is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ChainViewState {
    pub selected: usize,
    pub order: HopOrder,
    pub detail_open: bool,
    pub auth_open: bool,
    /// Lines scrolled in the hop detail; reset when another hop is selected.
    pub detail_scroll: u16,
}

/// Maps a key to a chain-view action (pure; the app's keymap may call it).
pub fn key_action(key: KeyEvent) -> Option<ChainAction> {
    if key
        .modifiers
        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
    {
        return None;
    }
    Some(match key.code {
        KeyCode::Down | KeyCode::Char('j') => ChainAction::Next,
        KeyCode::Up | KeyCode::Char('k') => ChainAction::Prev,
        KeyCode::Home | KeyCode::Char('g') => ChainAction::First,
        KeyCode::End | KeyCode::Char('G') => ChainAction::Last,
        KeyCode::Char('o') => ChainAction::ToggleOrder,
        KeyCode::Enter => ChainAction::ToggleDetail,
        KeyCode::Char('a') => ChainAction::ToggleAuth,
        KeyCode::PageDown | KeyCode::Char(' ') => ChainAction::ScrollDown,
        KeyCode::PageUp => ChainAction::ScrollUp,
        KeyCode::Esc | KeyCode::Char('q') => ChainAction::Close,
        _ => return None,
    })
}

impl ChainViewState {
    /// Moves the selection one row down in the order shown.
    pub fn select_next(&mut self, hop_count: usize) {
        let row = self.row_of(self.selected, hop_count);
        self.select_row(row.saturating_add(1), hop_count);
    }

    /// Moves the selection one row up in the order shown.
    pub fn select_prev(&mut self, hop_count: usize) {
        let row = self.row_of(self.selected, hop_count);
        self.select_row(row.saturating_sub(1), hop_count);
    }

    /// Selects the top row.
    pub fn select_first(&mut self, hop_count: usize) {
        self.select_row(0, hop_count);
    }

    /// Selects the bottom row.
    pub fn select_last(&mut self, hop_count: usize) {
        self.select_row(hop_count.saturating_sub(1), hop_count);
    }

    /// Switches between oldest-first and header order; the same hop stays selected.
    pub fn toggle_order(&mut self) {
        self.order = match self.order {
            HopOrder::OldestFirst => HopOrder::HeaderOrder,
            HopOrder::HeaderOrder => HopOrder::OldestFirst,
        };
    }

    /// Opens or closes the selected hop's detail.
    pub fn toggle_detail(&mut self) {
        self.detail_open = !self.detail_open;
        self.detail_scroll = 0;
    }

    /// Shows or hides the authentication panel.
    pub fn toggle_auth(&mut self) {
        self.auth_open = !self.auth_open;
    }

    /// Applies an action. Returns false when the user asked to leave the view.
    pub fn apply(&mut self, action: ChainAction, hop_count: usize) -> bool {
        match action {
            ChainAction::Next => self.select_next(hop_count),
            ChainAction::Prev => self.select_prev(hop_count),
            ChainAction::First => self.select_first(hop_count),
            ChainAction::Last => self.select_last(hop_count),
            ChainAction::ToggleOrder => self.toggle_order(),
            ChainAction::ToggleDetail => self.toggle_detail(),
            ChainAction::ToggleAuth => self.toggle_auth(),
            ChainAction::ScrollDown => self.detail_scroll = self.detail_scroll.saturating_add(5),
            ChainAction::ScrollUp => self.detail_scroll = self.detail_scroll.saturating_sub(5),
            ChainAction::Close if self.detail_open => self.detail_open = false,
            ChainAction::Close => return false,
        }
        true
    }

    /// The selected hop, if the trace has any.
    pub fn selected_hop<'a>(&self, trace: &'a Trace) -> Option<&'a TracedHop> {
        trace.hops.get(self.selected).or_else(|| trace.hops.last())
    }

    /// The display row of chain index `index`.
    pub fn row_of(&self, index: usize, hop_count: usize) -> usize {
        match self.order {
            HopOrder::OldestFirst => index,
            HopOrder::HeaderOrder => hop_count.saturating_sub(1).saturating_sub(index),
        }
    }

    fn select_row(&mut self, row: usize, hop_count: usize) {
        if hop_count == 0 {
            self.selected = 0;
            return;
        }
        let row = row.min(hop_count - 1);
        // The mapping is its own inverse.
        let selected = self.row_of(row, hop_count);
        if selected != self.selected {
            self.detail_scroll = 0;
        }
        self.selected = selected;
    }
}

impl App {
    /// A key while the chain view is in front: it moves the view's own state; closing the
    /// view goes back to the reader.
    pub(crate) fn on_chain_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let hops = self
            .reader
            .doc
            .as_ref()
            .map(|d| d.trace.hops.len())
            .unwrap_or(0);
        if key.code == KeyCode::Char('?') {
            self.help = true;
        } else if let Some(action) = key_action(key)
            && !self.chain.apply(action, hops)
        {
            debug_assert_eq!(action, ChainAction::Close);
            self.pane = Pane::Reader;
        }
        vec![]
    }
}

#[cfg(test)]
mod tests;
