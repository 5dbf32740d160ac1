//! The terminal workstation (ratatui + crossterm).

pub mod chain_view;
