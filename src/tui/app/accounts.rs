//! Several accounts: switching the account shown (the sidebar lists the others).

use super::{App, Focus, ListState, Pane, ReaderState};
use crate::config::AccountConfig;
use crate::tui::effects::Effect;

impl App {
    /// Ask to show account `name` (refused while a message is being written, whose draft
    /// belongs to the account it was started in).
    pub(crate) fn switch_account(&mut self, name: &str) -> Vec<Effect> {
        let Some(found) = self
            .accounts
            .iter()
            .find(|a| a.eq_ignore_ascii_case(name.trim()))
            .cloned()
        else {
            self.fail(format!(
                "no account `{}` (accounts: {})",
                name.trim(),
                self.accounts.join(", ")
            ));
            return vec![];
        };
        if found == self.account.name {
            self.say(format!("already showing {found}"));
            return vec![];
        }
        if self.compose.is_some() {
            self.fail("send, save or close the message being written first");
            return vec![];
        }
        vec![Effect::SwitchAccount(found)]
    }

    /// Another account is shown: its folders, list, queue and address book, from scratch.
    pub(crate) fn account_switched(&mut self, account: AccountConfig) -> Vec<Effect> {
        self.say(format!("account {}", account.name));
        self.account = account;
        self.mailboxes.clear();
        self.sidebar = 0;
        self.focus = Focus::List;
        self.pane = Pane::Mail;
        let threaded = self.list.threaded;
        let generation = self.list.generation + 1;
        self.list = ListState {
            threaded,
            generation,
            ..ListState::default()
        };
        self.reader = ReaderState::default();
        self.pager = None;
        self.undo = None;
        vec![
            Effect::LoadAccountFolders,
            Effect::LoadMailboxes,
            Effect::LoadQueue,
            Effect::LoadScheduled,
            Effect::LoadAddresses,
        ]
    }
}
