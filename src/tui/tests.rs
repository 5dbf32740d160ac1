//! Snapshot tests of every pane (filled below).
