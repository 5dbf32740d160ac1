//! The panes, one module each: a pane's state, the branch of `update` that handles its
//! keys and commands (pure: effects are returned, never run), and its render.
//!
//! What every pane shares stays outside: the [`App`](super::app::App) that holds the
//! panes' states and routes actions and outcomes to them, the prompt and confirmations,
//! the frame around the panes ([`ui`](super::ui): layout, status and hint bars, help).

pub(crate) mod chain;
pub(crate) mod composer;
pub(crate) mod list;
pub(crate) mod outbox;
pub(crate) mod pager;
pub(crate) mod reader;
pub(crate) mod sidebar;

/// Which pane is in front (`Mail`: the sidebar beside the message list).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Mail,
    Reader,
    Compose,
    Outbox,
    Chain,
    /// What a piped command printed.
    Pager,
}
