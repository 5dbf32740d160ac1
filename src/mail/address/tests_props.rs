//! Seeded random properties of the address parser: formatting parses back to the same
//! value, lenient reading keeps every good mailbox among junk, and no input panics.
#![allow(clippy::unwrap_used)]

use super::*;
use crate::mail::charset::clean_line;

/// xorshift64: deterministic, so a failure names the case it failed on.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick(&mut self, alphabet: &[char]) -> char {
        alphabet[self.below(alphabet.len())]
    }

    fn string(&mut self, alphabet: &[char], max: usize) -> String {
        let len = self.below(max + 1);
        (0..len).map(|_| self.pick(alphabet)).collect()
    }
}

const NAME: &str = "abcXYZ09 ,;:<>@.()[]\"\\?!#'üé名-_ \t";
const ATEXT: &str = "abcXYZ09!#$%&'*+-/=?^_`{|}~üé";
const QUOTED: &str = "ab c.@,<>()\"\\:;ü";
const LABEL: &str = "abcxyz019-";

fn mailbox(rng: &mut Rng) -> Mailbox {
    let name_chars: Vec<char> = NAME.chars().collect();
    let name = clean_line(&rng.string(&name_chars, 24));
    let local = if rng.below(4) == 0 {
        text::local_word(&rng.string(&QUOTED.chars().collect::<Vec<_>>(), 10))
    } else {
        let atext: Vec<char> = ATEXT.chars().collect();
        let atoms = 1 + rng.below(3);
        (0..atoms)
            .map(|_| format!("{}{}", rng.pick(&atext), rng.string(&atext, 6)))
            .collect::<Vec<_>>()
            .join(".")
    };
    let domain = if rng.below(8) == 0 {
        format!("[192.0.2.{}]", rng.below(256))
    } else {
        let label: Vec<char> = LABEL.chars().collect();
        let labels = 1 + rng.below(3);
        (0..labels)
            .map(|_| format!("{}{}", rng.pick(&label[..9]), rng.string(&label, 8)))
            .collect::<Vec<_>>()
            .join(".")
    };
    Mailbox {
        name: (!name.is_empty()).then_some(name),
        addr: format!("{local}@{domain}"),
    }
}

fn address(rng: &mut Rng) -> Address {
    if rng.below(5) > 0 {
        return Address::Mailbox(mailbox(rng));
    }
    let name_chars: Vec<char> = NAME.chars().collect();
    let mut name = clean_line(&rng.string(&name_chars, 16));
    if name.is_empty() {
        name = "team".to_owned();
    }
    let members = (0..rng.below(3)).map(|_| mailbox(rng)).collect();
    Address::Group { name, members }
}

#[test]
fn formatted_lists_parse_back_to_the_same_value() {
    let mut rng = Rng(0x05ee_d0fa_dd2e_55e5);
    for _ in 0..3000 {
        let list: Vec<Address> = (0..1 + rng.below(4)).map(|_| address(&mut rng)).collect();
        let text = format_list(&list);
        assert_eq!(parse_list_strict(&text).as_ref(), Ok(&list), "{text}");
        assert_eq!(parse_list(&text), list, "{text}");
    }
}

#[test]
fn junk_entries_never_hide_good_mailboxes() {
    // Junk that cannot open a quote, comment, literal or angle, nor hold an address.
    let junk: Vec<char> = "abc xyz )]>.!?éü\t".chars().collect();
    let mut rng = Rng(0x0bad_cafe_1234_5678);
    for _ in 0..2000 {
        let mut entries = Vec::new();
        let mut good = Vec::new();
        for _ in 0..1 + rng.below(5) {
            if rng.below(3) == 0 {
                entries.push(rng.string(&junk, 12));
            } else {
                let m = mailbox(&mut rng);
                entries.push(m.to_string());
                good.push(m);
            }
        }
        let text = entries.join(", ");
        let found = mailboxes(&parse_list(&text));
        for m in &good {
            assert!(found.contains(m), "{m:?} lost from {text:?}: {found:?}");
        }
    }
}

#[test]
fn arbitrary_input_never_panics() {
    let alphabet: Vec<char> = "a@b.<>,;:\"\\()[] \t\r\n=?_Qéü\u{0}\u{7f}名"
        .chars()
        .collect();
    let mut rng = Rng(0x1234_5678_9abc_def1);
    for _ in 0..20_000 {
        let text = rng.string(&alphabet, 40);
        let lenient = parse_list(&text);
        if let Ok(strict) = parse_list_strict(&text) {
            // What the fuzz target holds too: format, parse, format, parse is stable.
            let once = parse_list(&format_list(&strict));
            assert_eq!(parse_list(&format_list(&once)), once, "{text:?}");
        }
        let _ = envelope_addresses(&text);
        let _ = format_list(&lenient);
    }
    let seeds = [
        r"Pete(A wonderful \) chap) <pete(his account)@silly.test(his host)>",
        "A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;",
        "=?utf-8?Q?M=C3=BCller=2C_J=C3=BCrgen?= <jm@x.test>, \"x\\\" y\" <@r:a@[1.2.3.4]>",
    ];
    for seed in seeds {
        for end in (0..=seed.len()).filter(|e| seed.is_char_boundary(*e)) {
            let _ = parse_list(&seed[..end]);
            let _ = parse_list_strict(&seed[..end]);
        }
    }
    let deep = "(".repeat(100_000);
    assert!(parse_list(&deep).is_empty());
}
