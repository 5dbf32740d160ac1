//! DATA reader tables: terminator, unstuffing, normalisation, smuggling, limits, chunking.

use super::*;

const LIMITS: DataLimits = DataLimits {
    max_size: 1 << 20,
    text_line_limit: 1000,
    text_line_hard_limit: None,
};

/// Feed `input` in pieces of `chunk` bytes; returns (content, consumed, finished).
fn read_chunked(input: &[u8], chunk: usize) -> (Vec<u8>, usize, bool) {
    let mut reader = DataReader::dot_terminated(LIMITS);
    let mut consumed = 0;
    for piece in input.chunks(chunk.max(1)) {
        let (n, done) = reader.feed(piece);
        consumed += n;
        if done {
            return (reader.into_content(), consumed, true);
        }
    }
    (reader.into_content(), consumed, false)
}

fn read(input: &[u8]) -> (Vec<u8>, usize, bool) {
    read_chunked(input, input.len())
}

#[test]
fn crlf_dot_crlf_ends_data_and_leaves_the_rest() {
    let input = b"Subject: x\r\n\r\nbody\r\n.\r\nQUIT\r\n";
    let (content, consumed, done) = read(input);
    assert!(done);
    assert_eq!(content, b"Subject: x\r\n\r\nbody\r\n");
    assert_eq!(&input[consumed..], b"QUIT\r\n");
}

#[test]
fn empty_message_is_a_lone_dot_line() {
    assert_eq!(read(b".\r\n"), (Vec::new(), 3, true));
}

#[test]
fn stuffed_dots_are_removed_only_once() {
    let (content, _, done) = read(b"..\r\n...x\r\n.y\r\n.\r\n");
    assert!(done);
    assert_eq!(content, b".\r\n..x\r\ny\r\n");
}

/// The smtpsmug / SMTP-Smuggling-Tools sequences and smtp-proto's table: none of them ends
/// DATA; only the final real terminator does, so one message comes out, not two.
#[test]
fn smuggling_sequences_never_end_data() {
    let attempts: &[&[u8]] = &[
        b"\n.\n",
        b"\n.\r\n",
        b"\r.\r",
        b"\r.\r\n",
        b"\r\n.\n",
        b"\r\n.\r",
        b"\r\n.\r\r\n",
        b"\r\n\x00.\r\n",
        b"\r\n.\x00\r\n",
        b"\n\n.\n\n",
        b"\r\r.\r\r",
        b"\r\n \r\n.\n",
    ];
    for attempt in attempts {
        let mut input = b"Subject: a\r\n\r\nfirst".to_vec();
        input.extend_from_slice(attempt);
        input.extend_from_slice(b"MAIL FROM:<evil@x.example>\r\nRCPT TO:<v@y.example>\r\nDATA\r\n");
        input.extend_from_slice(b"smuggled\r\n.\r\n");
        for chunk in [1, 2, 3, 7, input.len()] {
            let (content, consumed, done) = read_chunked(&input, chunk);
            assert!(done, "{attempt:?} chunk {chunk}");
            assert_eq!(
                consumed,
                input.len(),
                "{attempt:?} ended early (chunk {chunk})"
            );
            let text = String::from_utf8_lossy(&content);
            assert!(text.contains("MAIL FROM:<evil@x.example>"), "{attempt:?}");
            assert!(text.ends_with("smuggled\r\n"), "{attempt:?}");
        }
    }
}

#[test]
fn dot_lf_at_the_start_does_not_end_data() {
    let (content, consumed, done) = read(b".\nrest\r\n.\r\n");
    assert!(done);
    assert_eq!(consumed, 11);
    assert_eq!(content, b".\r\nrest\r\n");
}

#[test]
fn bare_lf_and_bare_cr_are_normalised_to_crlf_and_flagged() {
    let mut reader = DataReader::dot_terminated(LIMITS);
    let (_, done) = reader.feed(b"a\nb\rc\r\r\nd\r\n.\r\n");
    assert!(done);
    assert!(reader.saw_bare_newline());
    assert_eq!(reader.into_content(), b"a\r\nb\r\nc\r\n\r\nd\r\n");
}

#[test]
fn clean_crlf_content_is_not_flagged_as_bare() {
    let mut reader = DataReader::dot_terminated(LIMITS);
    reader.feed(b"a\r\nb\r\n.\r\n");
    assert!(!reader.saw_bare_newline());
}

#[test]
fn nul_bytes_are_kept_as_content() {
    let (content, _, done) = read(b"a\x00b\r\n.\r\n");
    assert!(done);
    assert_eq!(content, b"a\x00b\r\n");
}

#[test]
fn oversized_content_is_counted_but_not_kept() {
    let limits = DataLimits {
        max_size: 10,
        ..LIMITS
    };
    let mut reader = DataReader::dot_terminated(limits);
    let (_, done) = reader.feed(b"0123456789abcdef\r\n.\r\n");
    assert!(done);
    assert!(reader.oversized());
    assert_eq!(reader.size(), 18);
    assert_eq!(reader.into_content().len(), 10);
}

#[test]
fn content_cut_at_the_limit_never_ends_in_a_lone_cr() {
    // Found by the smtp_data fuzzer: the limit fell between the CR and LF of a line end.
    let limits = DataLimits {
        max_size: 5,
        ..LIMITS
    };
    let mut reader = DataReader::dot_terminated(limits);
    let (_, done) = reader.feed(b"abcd\r\nefgh\r\n.\r\n");
    assert!(done && reader.oversized());
    assert_eq!(reader.into_content(), b"abcd");
}

#[test]
fn long_lines_are_counted_once_each_and_hard_limit_flagged() {
    let limits = DataLimits {
        text_line_limit: 5,
        text_line_hard_limit: Some(8),
        ..LIMITS
    };
    let mut reader = DataReader::dot_terminated(limits);
    reader.feed(b"123456\r\n12345\r\n1234567\r\n.\r\n");
    assert_eq!(reader.long_lines(), 2);
    assert!(!reader.hard_line_exceeded());
    reader = DataReader::dot_terminated(limits);
    reader.feed(b"123456789\r\n.\r\n");
    assert!(reader.hard_line_exceeded());
}

#[test]
fn chunked_reader_keeps_dots_and_normalises_split_crlf() {
    let mut reader = DataReader::chunked(LIMITS);
    assert_eq!(reader.feed(b".\r"), (2, false));
    assert_eq!(reader.feed(b"\n.x\n"), (4, false));
    reader.feed(b"end\r");
    reader.finish_chunks();
    assert_eq!(reader.into_content(), b".\r\n.x\r\nend\r\n");
}

#[test]
fn every_split_of_a_message_gives_the_same_content() {
    let input = b"A: b\r\n\r\n..dot\r\nbare\nline\r\n.\r\nNEXT";
    let (whole, consumed, done) = read(input);
    assert!(done);
    for split in 0..=input.len() {
        let mut reader = DataReader::dot_terminated(LIMITS);
        let (n1, d1) = reader.feed(&input[..split]);
        let (n2, d2) = if d1 {
            (0, true)
        } else {
            reader.feed(&input[split..])
        };
        assert!(d2, "split {split}");
        assert_eq!(n1 + n2, consumed, "split {split}");
        assert_eq!(reader.into_content(), whole, "split {split}");
    }
}

/// Deterministic pseudo-random inputs over the dangerous alphabet (CR, LF, dot, NUL, text):
/// content is always canonical CRLF, the reader stops only right after `<CRLF>.<CRLF>`
/// (or a leading `.<CRLF>`), and splitting the input never changes the result.
#[test]
fn random_inputs_keep_crlf_canonical_and_stop_only_at_the_terminator() {
    let alphabet = [b'\r', b'\n', b'.', b'a', 0];
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..20_000 {
        let len = (next() % 24) as usize;
        let input: Vec<u8> = (0..len).map(|_| alphabet[(next() % 5) as usize]).collect();
        let (content, consumed, done) = read(&input);
        assert!(
            content.iter().enumerate().all(|(i, b)| match b {
                b'\r' => content.get(i + 1) == Some(&b'\n'),
                b'\n' => i > 0 && content[i - 1] == b'\r',
                _ => true,
            }),
            "{input:?} -> {content:?}"
        );
        if done {
            let eaten = &input[..consumed];
            assert!(
                eaten == b".\r\n" || eaten.ends_with(b"\r\n.\r\n"),
                "{input:?}"
            );
            let earlier = eaten[..consumed - 3].windows(5).any(|w| w == b"\r\n.\r\n");
            assert!(
                !earlier && !eaten[..consumed - 1].starts_with(b".\r\n"),
                "{input:?}"
            );
        } else {
            assert_eq!(consumed, input.len());
        }
        let split = (next() as usize) % (input.len() + 1);
        let mut reader = DataReader::dot_terminated(LIMITS);
        let (n1, d1) = reader.feed(&input[..split]);
        let (n2, d2) = if d1 {
            (0, true)
        } else {
            reader.feed(&input[split..])
        };
        assert_eq!((n1 + n2, d2), (consumed, done), "{input:?} split {split}");
        assert_eq!(reader.into_content(), content, "{input:?} split {split}");
    }
}

/// What a reader holds after `input`, fed at once (`feed`, which takes runs) or byte by
/// byte through `step`, the definition.
fn state_after(mut reader: DataReader, input: &[u8], by_step: bool) -> String {
    let (consumed, done) = if by_step {
        match input.iter().position(|&b| reader.step(b)) {
            Some(i) => (i + 1, true),
            None => (input.len(), false),
        }
    } else {
        reader.feed(input)
    };
    format!(
        "{consumed} {done} {} {} {} {} {:?}",
        reader.size(),
        reader.long_lines(),
        reader.hard_line_exceeded(),
        reader.saw_bare_newline(),
        reader.content()
    )
}

#[test]
fn taking_runs_inside_lines_matches_the_byte_by_byte_reader_at_every_limit() {
    let inputs: [&[u8]; 6] = [
        b"Subject: a\r\n\r\nbody line\r\n..dot\r\nlong long long line\r\n.\r\nNEXT",
        b"x\ry\nz\r\r\n.\n.\r\n.\r\n",
        b"abcdefghij\r\nklmnopqrstuvwxyz\r\n",
        b"\r\n.\r\n",
        b"no line end at all, just bytes",
        b"a\r\n.b\r\n.\rc\r\n.\r\n",
    ];
    let mut compared = 0;
    for input in inputs {
        for max_size in [0, 1, 5, 11, 12, 13, 40, 1 << 20] {
            for (text_line_limit, hard) in [(3, Some(5)), (10, None), (1000, None)] {
                let limits = DataLimits {
                    max_size,
                    text_line_limit,
                    text_line_hard_limit: hard,
                };
                for make in [DataReader::dot_terminated, DataReader::chunked] {
                    assert_eq!(
                        state_after(make(limits), input, false),
                        state_after(make(limits), input, true),
                        "{input:?} {limits:?}"
                    );
                    compared += 1;
                }
            }
        }
    }
    assert_eq!(compared, 6 * 8 * 3 * 2);
}
