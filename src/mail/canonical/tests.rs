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
