//! Tests for body text selection, HTML rendering and text cleaning.
#![allow(clippy::unwrap_used)]

use super::*;

fn text_of(raw: &[u8]) -> BodyText {
    render_message_text(raw, 80)
}

#[test]
fn plain_text_is_decoded_and_line_endings_normalised() {
    let raw = b"Content-Type: text/plain; charset=iso-8859-1\r\n\
Content-Transfer-Encoding: quoted-printable\r\n\r\ncaf=E9\r\nline two\r\n\r\n";
    let body = text_of(raw);
    assert_eq!(body.text, "café\nline two");
    assert!(!body.from_html);
    assert!(body.links.is_empty());
}

#[test]
fn alternative_prefers_plain_over_html() {
    let raw = b"Content-Type: multipart/alternative; boundary=b\r\n\r\n\
--b\r\nContent-Type: text/plain\r\n\r\nplain version\r\n\
--b\r\nContent-Type: text/html\r\n\r\n<p>html version</p>\r\n--b--\r\n";
    assert_eq!(text_of(raw).text, "plain version");
}

#[test]
fn alternative_with_blank_plain_falls_back_to_html() {
    let raw = b"Content-Type: multipart/alternative; boundary=b\r\n\r\n\
--b\r\nContent-Type: text/plain\r\n\r\n  \r\n\
--b\r\nContent-Type: text/html\r\n\r\n<p>html <a href=\"https://x.test/\">link</a></p>\r\n--b--\r\n";
    let body = text_of(raw);
    assert!(body.text.contains("html"), "{}", body.text);
    assert!(body.from_html);
    assert_eq!(body.links, ["https://x.test/"]);
}

#[test]
fn related_html_inside_alternative_is_found() {
    let raw = b"Content-Type: multipart/alternative; boundary=a\r\n\r\n\
--a\r\nContent-Type: multipart/related; boundary=r\r\n\r\n\
--r\r\nContent-Type: text/html\r\n\r\n<b>rich</b> text\r\n\
--r\r\nContent-Type: image/png; name=x.png\r\n\r\nPNG\r\n--r--\r\n--a--\r\n";
    let body = text_of(raw);
    assert!(body.text.contains("rich"), "{}", body.text);
    assert!(body.from_html);
}

#[test]
fn mixed_keeps_every_inline_text_part_and_skips_attachments() {
    let raw = b"Content-Type: multipart/mixed; boundary=m\r\n\r\n\
--m\r\nContent-Type: text/plain\r\n\r\nfirst\r\n\
--m\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=a.txt\r\n\r\nhidden\r\n\
--m\r\nContent-Type: text/plain\r\n\r\nsecond\r\n--m--\r\n";
    assert_eq!(text_of(raw).text, "first\n\nsecond");
}

#[test]
fn terminal_escape_sequences_are_removed_from_text() {
    let raw = b"Content-Type: text/plain\r\n\r\nred \x1b[31malert\x1b[0m\x07 done\r\n";
    assert_eq!(text_of(raw).text, "red [31malert[0m done");
}

#[test]
fn html_charset_comes_from_meta_when_the_header_has_none() {
    let raw = b"Content-Type: text/html\r\n\r\n\
<html><head><meta charset=\"koi8-r\"></head><body>\xF0\xD2\xC9\xD7\xC5\xD4</body></html>\r\n";
    assert!(
        text_of(raw).text.contains("Привет"),
        "{}",
        text_of(raw).text
    );
}

#[test]
fn delivery_status_reports_are_readable() {
    let raw = b"Content-Type: multipart/report; report-type=delivery-status; boundary=r\r\n\r\n\
--r\r\nContent-Type: text/plain\r\n\r\nDelivery failed.\r\n\
--r\r\nContent-Type: message/delivery-status\r\n\r\nStatus: 5.1.1\r\n--r--\r\n";
    let body = text_of(raw);
    assert!(body.text.contains("Delivery failed."));
    assert!(body.text.contains("Status: 5.1.1"));
}

#[test]
fn html_rendering_respects_width_and_never_fails_on_tiny_widths() {
    let long = format!("<p>{}</p>", "word ".repeat(100));
    let (text, _) = render_html(&long, 40);
    assert!(text.lines().all(|l| l.chars().count() <= 40), "{text}");
    let (tiny, _) = render_html("<table><tr><td>a</td><td>b</td></tr></table>", 1);
    assert!(tiny.contains('a'));
}

#[test]
fn clean_text_strips_bom_and_trailing_space() {
    assert_eq!(clean_text("\u{feff}a\r\nb\rc  \n\n"), "a\nb\nc");
}

#[test]
fn hostile_nesting_is_stripped_instead_of_rendered() {
    let html = format!(
        "{}deep{}",
        "<blockquote><b>".repeat(5000),
        "</b></blockquote>".repeat(5000)
    );
    let small_stack = std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(move || render_html(&html, 80))
        .unwrap();
    let (text, links) = small_stack.join().unwrap();
    assert_eq!(text, "deep");
    assert!(links.is_empty());
}

#[test]
fn ordinary_sloppy_html_is_still_rendered() {
    let html = format!(
        "{}<a href=\"https://x.test/\">x</a>",
        "<p><font>text".repeat(300)
    );
    let (_, links) = render_html(&html, 80);
    assert_eq!(links, ["https://x.test/"]);
}

#[test]
fn links_are_deduplicated_across_parts() {
    let raw = b"Content-Type: multipart/mixed; boundary=m\r\n\r\n\
--m\r\nContent-Type: text/html\r\n\r\n<a href=\"https://a.test/\">a</a><a href=\"https://a.test/\">again</a>\r\n\
--m\r\nContent-Type: text/html\r\n\r\n<a href=\"https://b.test/\">b</a><a href=\"https://a.test/\">a</a>\r\n--m--\r\n";
    assert_eq!(text_of(raw).links, ["https://a.test/", "https://b.test/"]);
}

#[test]
fn html2text_table_panic_degrades_to_stripped_text() {
    // Minimised from a corpus spam by a mutation run: html2text 0.15 underflows here.
    let (text, _) = render_html("<p>before</p><table><td rowspan=2><tr></table>after", 80);
    assert!(text.contains("before") && text.contains("after"), "{text}");
}

#[test]
fn format_flowed_plain_text_is_unwrapped() {
    let raw = b"Content-Type: text/plain; charset=utf-8; format=flowed; delsp=no\r\n\r\n\
A long line that was \r\nwrapped by the sender.\r\n\r\n> quoted \r\n> text\r\n";
    assert_eq!(
        text_of(raw).text,
        "A long line that was wrapped by the sender.\n\n> quoted text"
    );
}

#[test]
fn table_that_panicked_html2text_0_15_renders_with_its_text() {
    let (text, _) =
        super::html::render_html("<p>before</p><table><td rowspan=2><tr></table>after", 80);
    assert!(text.contains("before") && text.contains("after"), "{text}");
}

const PLAIN_AND_HTML: &[u8] = b"Content-Type: multipart/mixed; boundary=m\r\n\r\n\
--m\r\nContent-Type: multipart/alternative; boundary=a\r\n\r\n\
--a\r\nContent-Type: text/plain\r\n\r\nplain words\r\n\
--a\r\nContent-Type: text/html\r\n\r\n<p>rich <b>words</b></p>\r\n\
--a--\r\n\
--m\r\nContent-Type: text/csv\r\nContent-Disposition: attachment; filename=t.csv\r\n\r\na,b\r\n1,2\r\n\
--m\r\nContent-Type: image/png\r\nContent-Disposition: attachment; filename=i.png\r\n\r\nPNG\r\n\
--m--\r\n";

#[test]
fn the_html_alternative_is_chosen_when_preferred() {
    with_parsed(PLAIN_AND_HTML, |parsed| {
        assert!(has_plain_and_html(parsed));
        let plain = body_text_preferring(parsed, 80, false);
        let html = body_text_preferring(parsed, 80, true);
        assert_eq!(plain.text, "plain words");
        assert!(!plain.from_html);
        assert!(
            html.text.contains("rich") && html.from_html,
            "{}",
            html.text
        );
    })
    .unwrap();
    with_parsed(b"Content-Type: text/plain\r\n\r\nx", |parsed| {
        assert!(!has_plain_and_html(parsed));
    })
    .unwrap();
}

#[test]
fn a_part_is_read_by_its_path_and_only_if_it_is_text() {
    with_parsed(PLAIN_AND_HTML, |parsed| {
        assert_eq!(part_text(parsed, &[1], 80).unwrap().text, "a,b\n1,2");
        let html = part_text(parsed, &[0, 1], 80).unwrap();
        assert!(
            html.from_html && html.text.contains("rich"),
            "{}",
            html.text
        );
        assert!(
            part_text(parsed, &[2], 80).is_none(),
            "an image has no text"
        );
        assert!(part_text(parsed, &[7], 80).is_none(), "no such part");
    })
    .unwrap();
}

/// The character-by-character definition the byte scan of [`clean_text`] must match.
fn clean_text_by_chars(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' if chars.peek() != Some(&'\n') => out.push('\n'),
            '\r' | '\u{FEFF}' => {}
            '\n' | '\t' => out.push(c),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out.trim_end().to_owned()
}

#[test]
fn clean_text_matches_its_character_definition_on_every_short_mix() {
    // Controls on both sides of each boundary (C0, DEL, C1, the BOM and its neighbours).
    let alphabet = [
        "a", "\r", "\n", "\t", " ", "\u{0}", "\u{1f}", "\u{7f}", "\u{80}", "\u{85}", "\u{9f}",
        "\u{a0}", "\u{feff}", "\u{fefe}", "\u{fffe}", "é",
    ];
    let mut checked = 0;
    for a in alphabet {
        for b in alphabet {
            for c in alphabet {
                for d in ["", "x", "\r", "\u{feff}"] {
                    let text = format!("{a}{b}{c}{d}");
                    assert_eq!(clean_text(&text), clean_text_by_chars(&text), "{text:?}");
                    checked += 1;
                }
            }
        }
    }
    assert_eq!(checked, 16 * 16 * 16 * 4);
}
