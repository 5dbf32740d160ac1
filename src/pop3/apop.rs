//! APOP digests (RFC 1939 §7): MD5 over the greeting timestamp and the shared secret.
//!
//! MD5 (RFC 1321) is implemented here because APOP is its only use in postie and the
//! dependency set has no MD5 crate; it is not used for anything else.

/// The lowercase hex APOP digest a client sends for `timestamp` (with its angle
/// brackets, as in the greeting) and `secret`.
pub fn apop_digest(timestamp: &str, secret: &str) -> String {
    let mut input = Vec::with_capacity(timestamp.len() + secret.len());
    input.extend_from_slice(timestamp.as_bytes());
    input.extend_from_slice(secret.as_bytes());
    md5(&input).iter().map(|b| format!("{b:02x}")).collect()
}

/// Compare a client's digest with the expected one without early exit and ignoring case.
pub fn apop_matches(timestamp: &str, secret: &str, client_digest: &str) -> bool {
    let expected = apop_digest(timestamp, secret);
    let given = client_digest.to_ascii_lowercase();
    expected.len() == given.len()
        && expected
            .bytes()
            .zip(given.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

const SHIFTS: [u32; 64] = [
    7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9,
    14, 20, 5, 9, 14, 20, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10, 15,
    21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
];

/// MD5 (RFC 1321 §3).
fn md5(input: &[u8]) -> [u8; 16] {
    let table: Vec<u32> = (0..64)
        .map(|i: i32| ((f64::from(i + 1).sin().abs()) * 4_294_967_296.0) as u32)
        .collect();
    let mut state: [u32; 4] = [0x6745_2301, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476];
    let mut message = input.to_vec();
    let bit_len = (input.len() as u64).wrapping_mul(8);
    message.push(0x80);
    while message.len() % 64 != 56 {
        message.push(0);
    }
    message.extend_from_slice(&bit_len.to_le_bytes());
    for block in message.chunks_exact(64) {
        let words: Vec<u32> = block
            .chunks_exact(4)
            .map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
            .collect();
        let [mut a, mut b, mut c, mut d] = state;
        for i in 0..64 {
            let (f, g) = match i / 16 {
                0 => ((b & c) | (!b & d), i),
                1 => ((d & b) | (!d & c), (5 * i + 1) % 16),
                2 => (b ^ c ^ d, (3 * i + 5) % 16),
                _ => (c ^ (b | !d), (7 * i) % 16),
            };
            let rotated = a
                .wrapping_add(f)
                .wrapping_add(table[i])
                .wrapping_add(words[g])
                .rotate_left(SHIFTS[i]);
            a = d;
            d = c;
            c = b;
            b = b.wrapping_add(rotated);
        }
        for (s, v) in state.iter_mut().zip([a, b, c, d]) {
            *s = s.wrapping_add(v);
        }
    }
    let mut digest = [0u8; 16];
    for (chunk, word) in digest.chunks_exact_mut(4).zip(state) {
        chunk.copy_from_slice(&word.to_le_bytes());
    }
    digest
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(input: &[u8]) -> String {
        md5(input).iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn md5_matches_rfc_1321_test_suite() {
        assert_eq!(hex(b""), "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(hex(b"abc"), "900150983cd24fb0d6963f7d28e17f72");
        assert_eq!(
            hex(
                b"12345678901234567890123456789012345678901234567890123456789012345678901234567890"
            ),
            "57edf4a22be3c955ac49da2e2107b67a"
        );
    }

    #[test]
    fn apop_digest_matches_rfc_1939_example() {
        let timestamp = "<1896.697170952@dbc.mtview.ca.us>";
        assert_eq!(
            apop_digest(timestamp, "tanstaaf"),
            "c4c9334bac560ecc979e58001b3e22fb"
        );
        assert!(apop_matches(
            timestamp,
            "tanstaaf",
            "C4C9334BAC560ECC979E58001B3E22FB"
        ));
        assert!(!apop_matches(
            timestamp,
            "wrong",
            "c4c9334bac560ecc979e58001b3e22fb"
        ));
        assert!(!apop_matches(timestamp, "tanstaaf", "c4c9"));
    }
}
