//! Import from mbox, Maildir and .eml files; export to mbox.
