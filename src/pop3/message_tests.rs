//! Tests of canonical sizes, TOP extraction and streaming byte-stuffing.

use super::*;

#[test]
fn bare_lf_becomes_crlf_and_missing_final_newline_is_added() {
    assert_eq!(canonicalise(b"a\nb"), b"a\r\nb\r\n");
    assert_eq!(canonicalise(b"a\r\nb\r\n"), b"a\r\nb\r\n");
    assert_eq!(canonicalise(b""), b"");
    assert_eq!(canonicalise(b"x\r"), b"x\r\r\n");
    assert_eq!(canonicalise(b"x\ry"), b"x\ry\r\n");
}

#[test]
fn canonical_size_counts_the_crlf_form() {
    for raw in [
        &b"a\nb"[..],
        b"a\r\nb\r\n",
        b"",
        b"x\r",
        b"\n\n.\n",
        b"\xe9t\xe9\n",
    ] {
        assert_eq!(
            canonical_size(raw),
            canonicalise(raw).len() as u64,
            "{raw:?}"
        );
    }
}

#[test]
fn lines_starting_with_dot_are_stuffed_and_block_terminated() {
    assert_eq!(
        dot_stuff(b".a\r\nb.\r\n..c\r\n.\r\n"),
        b"..a\r\nb.\r\n...c\r\n..\r\n.\r\n"
    );
    assert_eq!(dot_stuff(b"no newline"), b"no newline\r\n.\r\n");
    assert_eq!(dot_stuff(b""), b".\r\n");
}

#[test]
fn stuffing_is_the_same_at_every_chunk_boundary() {
    let raw: &[u8] = b"From: a\n.dot\r\n\r\nbody\r.x\n..\r\n.\rend";
    let whole = dot_stuff(raw);
    for split in 0..=raw.len() {
        for second in split..=raw.len() {
            let mut out = Vec::new();
            let mut stuffer = DotStuffer::new();
            stuffer.push(&raw[..split], &mut out);
            stuffer.push(&raw[split..second], &mut out);
            stuffer.push(&raw[second..], &mut out);
            stuffer.finish(&mut out);
            assert_eq!(out, whole, "split at {split}/{second}");
        }
    }
}

#[test]
fn unstuffing_the_wire_form_gives_back_the_canonical_message() {
    let raw: &[u8] = b"Subject: x\n\n.\n..\n.a\nlast";
    let wire = dot_stuff(raw);
    let body = wire.strip_suffix(b".\r\n").unwrap();
    let unstuffed: Vec<u8> = body
        .split_inclusive(|&b| b == b'\n')
        .flat_map(|line| line.strip_prefix(b".").unwrap_or(line).to_vec())
        .collect();
    assert_eq!(unstuffed, canonicalise(raw));
}

#[test]
fn top_returns_header_blank_line_and_n_body_lines() {
    let msg: &[u8] = b"A: 1\r\nB: 2\r\n\r\nl1\r\nl2\r\nl3\r\n";
    assert_eq!(top(msg, 0), b"A: 1\r\nB: 2\r\n\r\n");
    assert_eq!(top(msg, 2), b"A: 1\r\nB: 2\r\n\r\nl1\r\nl2\r\n");
    assert_eq!(top(msg, 99), msg);
}

#[test]
fn top_of_header_only_or_lf_message_is_sensible() {
    assert_eq!(top(b"A: 1\r\nB: 2", 0), b"A: 1\r\nB: 2");
    assert_eq!(top(b"A: 1\n\nbody\nmore\n", 1), b"A: 1\n\nbody\n");
    assert_eq!(top(b"", 3), b"");
    assert_eq!(top(b"A: 1\r\n\r\nlast", 1), b"A: 1\r\n\r\nlast");
}
