//! Fuzz target bodies, shared by the cargo-fuzz binaries in `fuzz/` and the seed replay in
//! `tests/fuzz_seeds.rs` so the two cannot drift. Not part of postie's API.
//!
//! Each body takes arbitrary bytes and must not panic on any of them. Beyond that it asserts
//! what its subject promises: a session's replies are well-formed CRLF lines, nothing it
//! acknowledged is lost, a password never crosses a cleartext connection that may not carry
//! one, a round trip through a printer gives back what was parsed. A failed assertion is a
//! bug found, exactly like a crash.
//!
//! Session targets read their input as `[flags, chunking, transcript...]`: the flags byte
//! picks the configuration, the chunking byte how the transcript is cut into reads
//! ([`chunks`]), so the fuzzer explores both the protocol and the buffering.

pub mod mail;
pub mod pop3;
pub mod smtp;
pub mod text;

/// One fuzz target: its name (the binary in `fuzz/` and the folder in `fuzz/corpus/`) and
/// its body.
#[derive(Debug, Clone, Copy)]
pub struct Target {
    pub name: &'static str,
    pub body: fn(&[u8]),
}

/// Every target, in the order the README lists them.
pub const TARGETS: &[Target] = &[
    Target {
        name: "smtp_command",
        body: smtp::command,
    },
    Target {
        name: "smtp_data",
        body: smtp::data,
    },
    Target {
        name: "smtp_session",
        body: smtp::session,
    },
    Target {
        name: "pop3_command",
        body: pop3::command,
    },
    Target {
        name: "pop3_session",
        body: pop3::session,
    },
    Target {
        name: "mail_parse",
        body: mail::parse,
    },
    Target {
        name: "address",
        body: mail::address,
    },
    Target {
        name: "received",
        body: mail::received,
    },
    Target {
        name: "auth_results",
        body: mail::auth_results,
    },
    Target {
        name: "mbox",
        body: mail::mbox,
    },
    Target {
        name: "config",
        body: text::config,
    },
    Target {
        name: "search",
        body: text::search,
    },
];

/// The target called `name`.
pub fn target(name: &str) -> Option<&'static Target> {
    TARGETS.iter().find(|t| t.name == name)
}

/// `[flags, chunking, rest...]`; missing header bytes count as zero.
fn header(data: &[u8]) -> (u8, u8, &[u8]) {
    match data {
        [] => (0, 0, data),
        [flags] => (*flags, 0, &data[1..]),
        [flags, chunking, rest @ ..] => (*flags, *chunking, rest),
    }
}

/// `data` cut into reads as a network would deliver it. Chunking 0 gives one read; otherwise
/// the low two bits pick the largest read (1, 7, 63 or 511 octets, so byte-at-a-time is
/// covered) and the whole byte seeds the lengths.
fn chunks(data: &[u8], chunking: u8) -> Vec<&[u8]> {
    if chunking == 0 || data.is_empty() {
        return vec![data];
    }
    let largest = [1usize, 7, 63, 511][usize::from(chunking & 3)];
    let mut state = u32::from(chunking) | 0x9e37_7900;
    let mut rest = data;
    let mut out = Vec::new();
    while !rest.is_empty() {
        // xorshift32: cheap, deterministic, and every seed gives a different cut.
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let len = (state as usize % largest + 1).min(rest.len());
        let (piece, tail) = rest.split_at(len);
        out.push(piece);
        rest = tail;
    }
    out
}

/// Every CR is followed by LF and every LF preceded by CR (the end need not be a CRLF).
fn only_crlf(bytes: &[u8]) -> bool {
    bytes.iter().enumerate().all(|(i, b)| match b {
        b'\r' => bytes.get(i + 1) == Some(&b'\n'),
        b'\n' => i > 0 && bytes[i - 1] == b'\r',
        _ => true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_cover_the_input_in_order_and_zero_means_one_read() {
        let data: Vec<u8> = (0..=255).collect();
        assert_eq!(chunks(&data, 0), vec![&data[..]]);
        for chunking in 1..=255u8 {
            let pieces = chunks(&data, chunking);
            assert_eq!(pieces.concat(), data);
            assert!(pieces.iter().all(|p| !p.is_empty()));
        }
        assert!(chunks(&data, 4).iter().all(|p| p.len() == 1));
    }

    #[test]
    fn every_target_name_is_unique() {
        for t in TARGETS {
            assert_eq!(TARGETS.iter().filter(|o| o.name == t.name).count(), 1);
            assert!(target(t.name).is_some());
        }
    }
}
