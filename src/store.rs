//! The SQLite mailbox store: the only module that speaks SQL.
