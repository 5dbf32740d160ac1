#![no_main]
//! Fuzz the DATA/BDAT content reader: arbitrary bytes, split at an arbitrary point. Must not
//! panic, never consume past the terminator, and always produce canonical CRLF content.
use libfuzzer_sys::fuzz_target;
use postie::smtp::data::{DataLimits, DataReader};

fn canonical(content: &[u8]) -> bool {
    content.iter().enumerate().all(|(i, b)| match b {
        b'\r' => content.get(i + 1) == Some(&b'\n'),
        b'\n' => i > 0 && content[i - 1] == b'\r',
        _ => true,
    })
}

fuzz_target!(|data: &[u8]| {
    let limits = DataLimits {
        max_size: 1 << 16,
        text_line_limit: 78,
        text_line_hard_limit: Some(998),
    };
    let split = data.first().map_or(0, |b| usize::from(*b)).min(data.len());
    let mut reader = DataReader::dot_terminated(limits);
    let (first, done) = reader.feed(&data[..split]);
    assert!(first <= split);
    let consumed = if done { first } else { first + reader.feed(&data[split..]).0 };
    assert!(consumed <= data.len());
    if done {
        assert!(data[..consumed].ends_with(b"\r\n.\r\n") || data[..consumed] == *b".\r\n");
    }
    assert!(canonical(reader.content()));

    let mut chunked = DataReader::chunked(limits);
    assert_eq!(chunked.feed(data), (data.len(), false));
    chunked.finish_chunks();
    assert!(canonical(chunked.content()));
});
