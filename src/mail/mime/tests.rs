//! Tests for the MIME tree, attachment detection and lenient parsing.
#![allow(clippy::unwrap_used)]

use super::*;

const NESTED: &[u8] = b"Content-Type: multipart/mixed; boundary=outer\r\n\r\n\
--outer\r\n\
Content-Type: multipart/alternative; boundary=inner\r\n\r\n\
--inner\r\nContent-Type: text/plain\r\n\r\nplain\r\n\
--inner\r\nContent-Type: text/html\r\n\r\n<p>html</p>\r\n\
--inner--\r\n\
--outer\r\n\
Content-Type: message/rfc822\r\n\r\n\
Subject: forwarded\r\n\r\nold body\r\n\
--outer\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
Content-Disposition: attachment; filename=\"../../etc/notes.txt\"\r\n\r\n\
notes\r\n\
--outer--\r\n";

#[test]
fn tree_is_flattened_depth_first_with_paths() {
    let tree = mime_tree(NESTED);
    let shape: Vec<(Vec<usize>, &str)> = tree
        .iter()
        .map(|p| (p.path.clone(), p.content_type.as_str()))
        .collect();
    assert_eq!(
        shape,
        [
            (vec![], "multipart/mixed"),
            (vec![0], "multipart/alternative"),
            (vec![0, 0], "text/plain"),
            (vec![0, 1], "text/html"),
            (vec![1], "message/rfc822"),
            (vec![2], "text/plain"),
        ]
    );
    assert_eq!(tree[1].depth, 1);
    assert_eq!(tree[2].depth, 2);
    assert_eq!(tree[1].children, 2);
}

#[test]
fn forwarded_message_and_disposition_attachment_are_attachments() {
    let tree = mime_tree(NESTED);
    let attachments: Vec<Vec<usize>> = tree
        .iter()
        .filter(|p| p.is_attachment)
        .map(|p| p.path.clone())
        .collect();
    assert_eq!(attachments, [vec![1], vec![2]]);
    assert_eq!(tree[2].disposition, Disposition::Unspecified);
    assert_eq!(tree[5].disposition, Disposition::Attachment);
}

#[test]
fn attachment_file_names_lose_any_directory_part() {
    let tree = mime_tree(NESTED);
    assert_eq!(tree[5].filename.as_deref(), Some("notes.txt"));
}

#[test]
fn sender_chosen_names_become_safe_bare_file_names() {
    let long = format!("{}.pdf", "a".repeat(300));
    let cases: &[(&str, Option<&str>)] = &[
        ("report.pdf", Some("report.pdf")),
        ("../../x/evil.sh", Some("evil.sh")),
        ("..\\..\\windows\\evil.bat", Some("evil.bat")),
        ("~/.bashrc", Some("bashrc")),
        ("~", None),
        (".hidden", Some("hidden")),
        ("-rf", Some("rf")),
        ("..", None),
        ("", None),
        ("a\x1b[2Jb\x07.txt", Some("a_[2Jb_.txt")),
        ("invoice\u{202E}fdp.exe", Some("invoicefdp.exe")),
        ("what?.txt", Some("what_.txt")),
        ("CON", Some("_CON")),
        ("lpt1.txt", Some("_lpt1.txt")),
        ("console.txt", Some("console.txt")),
        ("trailing dots. . ", Some("trailing dots")),
        ("Grüße.txt", Some("Grüße.txt")),
    ];
    for (name, want) in cases {
        assert_eq!(safe_filename(name).as_deref(), *want, "{name:?}");
    }
    let long = safe_filename(&long).unwrap();
    assert_eq!(long.len(), FILENAME_LIMIT);
    assert!(long.ends_with(".pdf"));
}

#[test]
fn leaves_are_numbered_depth_first_and_read_in_one_parse() {
    let tree = mime_tree(NESTED);
    let leaves: Vec<&[usize]> = leaves(&tree).map(|p| p.path.as_slice()).collect();
    assert_eq!(leaves, [&[0, 0][..], &[0, 1], &[1], &[2]]);
    let read = leaf_bytes(NESTED, |i| i == 3 || i == 9);
    assert_eq!(read.len(), 1);
    assert_eq!(read[0].0, 3);
    assert_eq!(read[0].1.filename.as_deref(), Some("notes.txt"));
    assert_eq!(read[0].2, b"notes");
}

#[test]
fn attachment_bytes_returns_the_decoded_part_or_none() {
    assert_eq!(attachment_bytes(NESTED, &[2]).unwrap(), b"notes");
    assert_eq!(
        attachment_bytes(NESTED, &[1]).unwrap(),
        b"Subject: forwarded\r\n\r\nold body"
    );
    assert_eq!(attachment_bytes(NESTED, &[0, 7]), None);
    assert_eq!(attachment_bytes(NESTED, &[5, 0]), None);
}

#[test]
fn base64_with_a_trailing_list_footer_still_decodes() {
    let raw = b"Content-Type: application/octet-stream\r\n\
Content-Transfer-Encoding: base64\r\n\r\n\
aGVsbG8gd29y\r\nbGQ=\r\n\r\n_______\r\nList footer\r\n";
    assert_eq!(attachment_bytes(raw, &[]).unwrap(), b"hello world");
    assert_eq!(mime_tree(raw)[0].size, 11);
}

#[test]
fn size_counts_decoded_bytes() {
    let raw = b"Content-Transfer-Encoding: quoted-printable\r\n\r\na=3Db\r\n";
    // "a=b" and the final CRLF, which belongs to a top-level body.
    assert_eq!(mime_tree(raw)[0].size, 5);
}

#[test]
fn a_message_with_no_headers_is_one_text_part() {
    let tree = mime_tree(b"just some text\n");
    assert_eq!(tree.len(), 1);
    assert_eq!(tree[0].content_type, "text/plain");
    assert!(!tree[0].is_attachment);
}

#[test]
fn headers_starting_with_a_space_or_lone_cr_are_repaired() {
    let raw = b" orphan continuation\r\nSubject: x\r\nContent-Type: text/plain\r\n\r\nbody\r\n";
    let tree = mime_tree(raw);
    assert_eq!(tree[0].content_type, "text/plain");
    let lone_cr = b"Subject: x\rContent-Type: text/html\r\r<p>hi</p>";
    assert_eq!(mime_tree(lone_cr)[0].content_type, "text/html");
}

#[test]
fn an_mbox_envelope_line_before_the_headers_is_skipped() {
    let raw =
        b"From someone@example.org Sat Jan  3 01:05:34 1996\nContent-Type: text/html\n\n<p>x</p>\n";
    assert_eq!(mime_tree(raw)[0].content_type, "text/html");
}

#[test]
fn empty_and_garbage_input_never_panic() {
    for raw in [
        &b""[..],
        b"\r",
        b"\n\n\n",
        b"\xff\xfe\x00",
        b":::\r\n\r\n",
        b"--\r\n--",
    ] {
        let tree = mime_tree(raw);
        for part in &tree {
            attachment_bytes(raw, &part.path);
        }
    }
}

#[test]
fn sloppy_transfer_encoding_names_are_understood() {
    for name in [
        "quoted printable",
        "Quoted-Printable;",
        "quoted-printable   ",
        "QP",
    ] {
        let raw = format!("Content-Transfer-Encoding: {name}\r\n\r\na=3Db");
        assert_eq!(
            attachment_bytes(raw.as_bytes(), &[]).unwrap(),
            b"a=b",
            "{name}"
        );
    }
    let raw = b"Content-Transfer-Encoding: base64;\r\n\r\naGk=";
    assert_eq!(attachment_bytes(raw, &[]).unwrap(), b"hi");
    let raw = b"Content-Transfer-Encoding: 7-bit\r\n\r\na=3Db";
    assert_eq!(attachment_bytes(raw, &[]).unwrap(), b"a=3Db");
}

#[test]
fn hostile_multipart_nesting_is_read_flat_on_a_small_stack() {
    let mut raw = b"Subject: deep\n".to_vec();
    for level in 0..5000 {
        raw.extend(
            format!("Content-Type: multipart/mixed; boundary=b{level}\n\n--b{level}\n").as_bytes(),
        );
    }
    raw.extend(b"\nleaf\n");
    let small_stack = std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(move || (mime_tree(&raw), crate::mail::summarize(&raw)))
        .unwrap();
    let (tree, summary) = small_stack.join().unwrap();
    assert_eq!(tree.len(), 1);
    assert_eq!(summary.subject, "deep");
}

#[test]
fn obsolete_from_header_with_space_before_colon_is_not_an_envelope_line() {
    let tree = mime_tree(b"From : a@b.test\nContent-Type: text/html\n\n<p>x</p>\n");
    assert_eq!(tree[0].content_type, "text/html");
}

#[test]
fn content_id_is_read_without_brackets() {
    let raw = b"Content-Type: multipart/related; boundary=r\r\n\r\n\
--r\r\nContent-Type: text/html\r\n\r\n<img src=\"cid:logo@x\">\r\n\
--r\r\nContent-Type: image/png\r\nContent-ID: <logo@x>\r\n\r\nPNG\r\n--r--\r\n";
    let tree = mime_tree(raw);
    assert_eq!(tree[2].content_id.as_deref(), Some("logo@x"));
    assert_eq!(tree[1].content_id, None);
}
