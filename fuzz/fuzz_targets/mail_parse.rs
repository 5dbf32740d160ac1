#![no_main]
//! Fuzz the mail model: arbitrary bytes through summaries, the MIME tree, body text, part
//! extraction, the mbox reader and the mbox round trip. Nothing may panic, and the round
//! trip must give back `canonical_crlf(input)`.
use libfuzzer_sys::fuzz_target;
use postie::mail::body::render_message_text;
use postie::mail::canonical::canonical_crlf;
use postie::mail::mime::{attachment_bytes, mime_tree};
use postie::mail::summarize;
use postie::mailbox_io::{MboxReader, write_mbox};

fuzz_target!(|data: &[u8]| {
    let _ = summarize(data);
    for part in mime_tree(data) {
        let _ = attachment_bytes(data, &part.path);
    }
    let _ = render_message_text(data, 72);
    for message in MboxReader::new(data) {
        let _ = message.map(|m| summarize(&m.raw));
    }
    let mut mbox = Vec::new();
    if write_mbox(&mut mbox, [("fuzz@example.test", 0, data)]).is_ok() {
        let back: Vec<_> = MboxReader::new(mbox.as_slice()).flatten().collect();
        assert_eq!(back.len(), 1);
        assert_eq!(back[0].raw, canonical_crlf(data));
    }
});
