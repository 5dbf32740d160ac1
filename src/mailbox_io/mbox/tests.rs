//! Tests for the mbox reader, the mboxrd writer and their round trip.
#![allow(clippy::unwrap_used)]

use super::*;

fn read(bytes: &[u8]) -> Vec<MboxMessage> {
    MboxReader::new(bytes).map(|m| m.unwrap()).collect()
}

fn round_trip(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    write_mbox(&mut out, [("a@b.test", 0, raw)]).unwrap();
    let mut messages = read(&out);
    assert_eq!(messages.len(), 1, "{:?}", String::from_utf8_lossy(&out));
    messages.remove(0).raw
}

#[test]
fn writer_quotes_from_lines_mboxrd_style() {
    let mut out = Vec::new();
    let raw = b"Subject: q\r\n\r\nFrom here\r\n>From there\r\n>>From everywhere\r\nFromage\r\n";
    write_mbox_message(&mut out, "a@b.test", 820_631_134, raw).unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "From a@b.test Wed Jan  3 01:05:34 1996\nSubject: q\n\n\
         >From here\n>>From there\n>>>From everywhere\nFromage\n\n"
    );
}

#[test]
fn writer_replaces_an_unusable_sender() {
    let mut out = Vec::new();
    write_mbox_message(&mut out, " \t", 0, b"x").unwrap();
    assert!(out.starts_with(b"From MAILER-DAEMON Thu Jan  1 00:00:00 1970\n"));
}

#[test]
fn round_trip_is_canonical_crlf_of_the_original() {
    let samples: [&[u8]; 8] = [
        b"Subject: a\r\n\r\nbody\r\n",
        b"Subject: lf\n\nbody\n",
        b"Subject: none\n\nno final newline",
        b"Subject: cr\r\rbare\rcr\r",
        b"Subject: blank end\r\n\r\nbody\r\n\r\n\r\n",
        b"From looks like an envelope line 12:00 2024\r\n\r\nFrom x y 1\r\n",
        b"",
        b"\r\n",
    ];
    for sample in samples {
        assert_eq!(round_trip(sample), canonical_crlf(sample), "{sample:?}");
    }
}

#[test]
fn reader_handles_crlf_files() {
    let file = b"From a@b Mon Jan  1 00:00:00 2024\r\nSubject: one\r\n\r\nbody\r\n\r\n\
From c@d Mon Jan  1 00:00:00 2024\r\nSubject: two\r\n\r\nbody two\r\n";
    let messages = read(file);
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[0].raw, b"Subject: one\r\n\r\nbody\r\n");
    assert_eq!(messages[1].raw, b"Subject: two\r\n\r\nbody two\r\n");
}

#[test]
fn from_line_without_blank_line_before_is_body() {
    let file = b"From a@b Mon Jan  1 00:00:00 2024\nSubject: x\n\nline\nFrom c@d Mon Jan  1 00:00:00 2024\n";
    let messages = read(file);
    assert_eq!(messages.len(), 1);
    assert!(
        messages[0]
            .raw
            .ends_with(b"line\r\nFrom c@d Mon Jan  1 00:00:00 2024\r\n")
    );
}

#[test]
fn text_before_the_first_separator_is_kept_as_a_message() {
    let messages = read(b"Subject: stray\n\nhello\n");
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].envelope_sender, None);
    assert!(read(b"").is_empty());
    assert!(read(b"\n\n").is_empty());
}

#[test]
fn empty_messages_between_separators_are_kept() {
    let file =
        b"From a@b Mon Jan  1 00:00:00 2024\n\nFrom c@d Mon Jan  1 00:00:00 2024\nSubject: 2\n";
    let messages = read(file);
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[0].raw, b"");
    assert_eq!(messages[1].envelope_sender.as_deref(), Some("c@d"));
}

#[test]
fn many_messages_round_trip_in_order() {
    let originals: Vec<Vec<u8>> = (0..50)
        .map(|i| format!("Subject: {i}\n\nFrom line {i}\n\n>From {i}\n").into_bytes())
        .collect();
    let mut out = Vec::new();
    write_mbox(
        &mut out,
        originals
            .iter()
            .map(|m| ("x@y.test", 1_700_000_000, m.as_slice())),
    )
    .unwrap();
    let back = read(&out);
    assert_eq!(back.len(), 50);
    for (original, back) in originals.iter().zip(back) {
        assert_eq!(back.raw, canonical_crlf(original));
    }
}

#[test]
fn asctime_pads_the_day_with_a_space() {
    assert_eq!(asctime(820_631_134), "Wed Jan  3 01:05:34 1996");
    assert_eq!(asctime(i64::MAX), "Thu Jan  1 00:00:00 1970");
}

#[test]
fn the_separator_date_is_when_the_message_was_delivered() {
    let mbox = b"From a@b.test Wed Jan  3 01:05:34 1996\nSubject: one\n\nx\n\n\
        From b@c.test Tue Oct 1 10:00:00 2024 +0200\nSubject: two\n\nx\n\n\
        From c@d.test on day 42\nSubject: three\n\nx\n";
    let dates: Vec<_> = read(mbox).iter().map(|m| m.delivered_at).collect();
    // A zone after the year is not read: the line's time is taken as UTC throughout.
    assert_eq!(dates, [Some(820_631_134), Some(1_727_776_800), None]);
    // What the writer writes reads back.
    let mut out = Vec::new();
    write_mbox_message(
        &mut out,
        "a@b.test",
        1_727_776_800,
        b"Subject: q\r\n\r\nx\r\n",
    )
    .unwrap();
    assert_eq!(read(&out)[0].delivered_at, Some(1_727_776_800));
}
