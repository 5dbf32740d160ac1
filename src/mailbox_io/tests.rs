//! Tests for mailbox detection, Maildir flags and directory import.
#![allow(clippy::unwrap_used)]

use std::fs;

use super::*;

fn write(path: &Path, bytes: &[u8]) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, bytes).unwrap();
}

#[test]
fn a_maildir_file_name_gives_its_delivery_time() {
    assert_eq!(
        maildir::delivered_at("1727776800.M20P4242.host:2,S"),
        Some(1_727_776_800)
    );
    assert_eq!(
        maildir::delivered_at("1727776800.M20P4242.host"),
        Some(1_727_776_800)
    );
    assert_eq!(maildir::delivered_at("msg-17.eml"), None);
    assert_eq!(maildir::delivered_at("12345.x"), None, "before 1980");
}

#[test]
fn maildir_flags_come_from_the_info_suffix() {
    let flags = maildir_flags("1700000000.M1P2.host:2,FRS");
    assert!(flags.seen && flags.answered && flags.flagged);
    assert!(!flags.draft && !flags.trashed && !flags.passed);
    assert!(maildir_flags("x!2,DTP").draft);
    assert_eq!(
        maildir_flags("1700000000.M1P2.host"),
        MaildirFlags::default()
    );
    assert_eq!(maildir_flags("x:2,"), MaildirFlags::default());
}

#[test]
fn maildir_reads_cur_and_new_but_not_tmp() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(&root.join("cur/1.host:2,S"), b"Subject: seen\r\n\r\n");
    write(&root.join("new/2.host"), b"Subject: new\r\n\r\n");
    write(&root.join("tmp/3.host"), b"Subject: partial\r\n\r\n");
    fs::create_dir_all(root.join("tmp")).unwrap();
    assert_eq!(detect(root).unwrap(), MailboxKind::Maildir);
    let items = read_all(root).unwrap();
    assert_eq!(items.len(), 2);
    assert!(items[0].source.ends_with("cur/1.host:2,S"));
    assert!(items[0].flags.seen);
    assert_eq!(items[1].raw, b"Subject: new\r\n\r\n");
    assert!(!items[1].flags.seen);
}

#[test]
fn directory_is_searched_recursively_for_messages_and_mboxes() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(&root.join("a.eml"), b"Subject: a\n\nA\n");
    write(&root.join("sub/b.EML"), b"Subject: b\n\nB\n");
    write(
        &root.join("sub/noext"),
        b"Received: from x\nSubject: c\n\nC\n",
    );
    write(
        &root.join("sub/archive"),
        b"From x@y Mon Jan  1 00:00:00 2024\nSubject: d\n\nD\n",
    );
    write(&root.join("notes.txt"), b"not a message at all\n");
    write(&root.join(".hidden.eml"), b"Subject: hidden\n\n");
    write(&root.join("box/cur/9.host:2,T"), b"Subject: e\n\nE\n");
    write(&root.join("empty"), b"");
    assert_eq!(detect(root).unwrap(), MailboxKind::Directory);
    let iter = read_path(root).unwrap();
    let skipped: Vec<_> = iter
        .skipped()
        .iter()
        .map(|s| (s.path.clone(), s.why))
        .collect();
    assert_eq!(skipped, [(root.join(".hidden.eml"), "hidden")]);
    let (items, failed): (Vec<_>, Vec<_>) = iter.partition(Result::is_ok);
    let failed: Vec<String> = failed
        .into_iter()
        .map(|e| e.unwrap_err().to_string())
        .collect();
    assert_eq!(
        failed,
        [
            format!("{}: not mail: empty", root.join("empty").display()),
            format!(
                "{}: not mail: {}",
                root.join("notes.txt").display(),
                NotMail::NoHeaderField
            ),
        ]
    );
    let items: Vec<ImportItem> = items.into_iter().map(Result::unwrap).collect();
    let sources: Vec<String> = items
        .iter()
        .map(|i| {
            Path::new(&i.source)
                .strip_prefix(root)
                .unwrap()
                .display()
                .to_string()
        })
        .collect();
    assert_eq!(
        sources,
        [
            "a.eml",
            "box/cur/9.host:2,T",
            "sub/archive#1",
            "sub/b.EML",
            "sub/noext"
        ]
    );
    assert!(items[1].flags.trashed);
    assert_eq!(items[2].raw, b"Subject: d\r\n\r\nD\r\n");
    assert_eq!(items[2].envelope_sender.as_deref(), Some("x@y"));
}

#[test]
fn single_files_are_detected_as_mbox_or_eml() {
    let dir = tempfile::tempdir().unwrap();
    let eml = dir.path().join("one.eml");
    write(&eml, b"Subject: one\n\nbody\n");
    assert_eq!(detect(&eml).unwrap(), MailboxKind::Eml);
    let items = read_all(&eml).unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(
        items[0].raw, b"Subject: one\n\nbody\n",
        "eml bytes are kept as found"
    );

    let mbox = dir.path().join("box.mbox");
    write(
        &mbox,
        b"From a@b Mon Jan  1 00:00:00 2024\nSubject: 1\n\n\nFrom a@b Mon Jan  1 00:00:00 2024\nSubject: 2\n",
    );
    assert_eq!(detect(&mbox).unwrap(), MailboxKind::Mbox);
    let items = read_all(&mbox).unwrap();
    assert_eq!(items.len(), 2);
    assert!(items[1].source.ends_with("box.mbox#2"));
}

#[test]
fn missing_path_is_an_io_error_naming_it() {
    let err = read_path(Path::new("/nonexistent/postie/mailbox"))
        .err()
        .unwrap();
    assert!(matches!(err, MailboxIoError::Io { .. }));
    assert!(err.to_string().contains("/nonexistent/postie/mailbox"));
}

#[test]
fn a_single_file_or_mbox_entry_that_is_not_mail_fails_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.txt");
    write(&junk, b"garbage\n");
    let results: Vec<_> = read_path(&junk).unwrap().collect();
    assert_eq!(results.len(), 1);
    let err = results[0].as_ref().unwrap_err();
    assert!(matches!(
        err,
        MailboxIoError::NotMail {
            reason: NotMail::NoHeaderField,
            ..
        }
    ));
    assert!(
        err.to_string()
            .starts_with(&format!("{}: not mail", junk.display()))
    );

    let mbox = dir.path().join("box");
    write(
        &mbox,
        b"From a@b Mon Jan  1 00:00:00 2024\nSubject: 1\n\nok\n\n\
          From a@b Mon Jan  1 00:00:00 2024\njust prose\n",
    );
    let results: Vec<_> = read_path(&mbox).unwrap().collect();
    assert!(results[0].is_ok());
    let err = results[1].as_ref().unwrap_err().to_string();
    assert!(
        err.starts_with(&format!("{}#2: not mail", mbox.display())),
        "{err}"
    );
}

#[cfg(unix)]
#[test]
fn symlinked_directories_are_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(&root.join("a.eml"), b"Subject: a\n\nA\n");
    std::os::unix::fs::symlink(root, root.join("loop")).unwrap();
    assert_eq!(read_all(root).unwrap().len(), 1);
    let iter = read_path(root).unwrap();
    assert_eq!(iter.skipped().len(), 1);
    assert_eq!(iter.skipped()[0].path, root.join("loop"));
    assert!(iter.skipped()[0].why.contains("not followed"));
}

#[test]
fn maildir_plus_plus_subfolders_are_read_after_the_inbox() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(&root.join("cur/1.host:2,S"), b"Subject: inbox\r\n\r\n");
    write(&root.join(".Sent/cur/2.host:2,S"), b"Subject: sent\r\n\r\n");
    write(&root.join(".Sent/tmp/3.host"), b"Subject: partial\r\n\r\n");
    let items = read_all(root).unwrap();
    let subjects: Vec<&[u8]> = items.iter().map(|i| &i.raw[..]).collect();
    assert_eq!(
        subjects,
        [&b"Subject: inbox\r\n\r\n"[..], b"Subject: sent\r\n\r\n"]
    );
}
