//! Tests for CRLF canonicalisation.
use super::*;

#[test]
fn bare_lf_becomes_crlf() {
    assert_eq!(canonical_crlf(b"a\nb\n"), b"a\r\nb\r\n");
}

#[test]
fn existing_crlf_is_not_doubled() {
    assert_eq!(canonical_crlf(b"a\r\nb\r\n"), b"a\r\nb\r\n");
}

#[test]
fn bare_cr_becomes_crlf() {
    assert_eq!(canonical_crlf(b"a\rb\r\r\n"), b"a\r\nb\r\n\r\n");
}

#[test]
fn missing_final_line_ending_is_added() {
    assert_eq!(
        canonical_crlf(b"Subject: x\n\nbody"),
        b"Subject: x\r\n\r\nbody\r\n"
    );
    assert_eq!(canonical_crlf(b"body\r"), b"body\r\n");
}

#[test]
fn empty_input_stays_empty() {
    assert_eq!(canonical_crlf(b""), b"");
}

#[test]
fn canonical_form_is_a_fixed_point() {
    let samples: [&[u8]; 5] = [b"a\n\rb", b"\r\r\n\n", b"x", b"\n", b"a\r\n\rb\n\r"];
    for sample in samples {
        let once = canonical_crlf(sample);
        assert!(is_canonical_crlf(&once), "{sample:?}");
        assert_eq!(canonical_crlf(&once), once);
    }
}

#[test]
fn mixed_endings_are_detected_as_not_canonical() {
    assert!(!is_canonical_crlf(b"a\r\nb\n"));
    assert!(!is_canonical_crlf(b"a\r\nb"));
    assert!(is_canonical_crlf(b""));
}

/// The byte-by-byte definitions the line-end searches must match.
fn canonical_by_bytes(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'\r' => {
                out.extend_from_slice(b"\r\n");
                if raw.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
            }
            b'\n' => out.extend_from_slice(b"\r\n"),
            byte => out.push(byte),
        }
        i += 1;
    }
    if !out.is_empty() && !out.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    out
}

#[test]
fn both_functions_match_their_byte_definitions_on_every_short_input() {
    let mut inputs: Vec<Vec<u8>> = vec![Vec::new()];
    let mut checked = 0;
    for _ in 0..7 {
        let mut longer = Vec::new();
        for input in &inputs {
            for byte in [b'a', b'\r', b'\n'] {
                let mut next = input.clone();
                next.push(byte);
                let want = canonical_by_bytes(&next);
                assert_eq!(canonical_crlf(&next), want, "{next:?}");
                assert_eq!(is_canonical_crlf(&next), want == next, "{next:?}");
                checked += 1;
                longer.push(next);
            }
        }
        inputs = longer;
    }
    assert_eq!(checked, (1..=7).map(|n| 3usize.pow(n)).sum::<usize>());
}
