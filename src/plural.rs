//! Counted nouns in what people read: "1 message", "3 messages", never "3 message(s)".

/// `n` and `noun`, with the plural `s` when `n` is not one. For the regular nouns the
/// messages use (message, hit, hop, recipient, field, file, client).
pub fn count<N: std::fmt::Display + PartialEq + From<u8>>(n: N, noun: &str) -> String {
    if n == N::from(1) {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

#[cfg(test)]
mod tests {
    use super::count;

    #[test]
    fn one_is_singular_and_every_other_count_plural() {
        assert_eq!(count(1, "message"), "1 message");
        assert_eq!(count(0, "message"), "0 messages");
        assert_eq!(count(2, "hit"), "2 hits");
        assert_eq!(count(12_505_u64, "hop"), "12505 hops");
    }
}
