//! Tests for charset decoding, label aliases and header value decoding.
use super::*;

#[test]
fn gb2312_label_decodes_chinese() {
    // "你好" in GB2312.
    assert_eq!(decode(b"\xC4\xE3\xBA\xC3", Some("GB2312")), "你好");
}

#[test]
fn big5_label_decodes_traditional_chinese() {
    // "中文" in Big5.
    assert_eq!(decode(b"\xA4\xA4\xA4\xE5", Some("big5")), "中文");
}

#[test]
fn iso_2022_jp_escape_sequences_decode_to_japanese() {
    // "日本" in ISO-2022-JP.
    let bytes = b"\x1b$BF|K\\\x1b(B";
    assert_eq!(decode(bytes, Some("ISO-2022-JP")), "日本");
}

#[test]
fn shift_jis_aliases_cp932_decode() {
    // "テスト" in Shift_JIS.
    let bytes = b"\x83\x65\x83\x58\x83\x67";
    assert_eq!(decode(bytes, Some("cp932")), "テスト");
    assert_eq!(decode(bytes, Some("Shift_JIS")), "テスト");
}

#[test]
fn koi8_r_and_windows_1251_decode_cyrillic() {
    assert_eq!(
        decode(b"\xF0\xD2\xC9\xD7\xC5\xD4", Some("koi8-r")),
        "Привет"
    );
    assert_eq!(
        decode(b"\xCF\xF0\xE8\xE2\xE5\xF2", Some("windows-1251")),
        "Привет"
    );
}

#[test]
fn iso_8859_15_has_the_euro_sign() {
    assert_eq!(decode(b"5 \xA4", Some("iso-8859-15")), "5 €");
}

#[test]
fn utf7_label_decodes() {
    assert_eq!(decode(b"Hi Mom -+Jjo--!", Some("utf-7")), "Hi Mom -☺-!");
}

#[test]
fn utf8_mislabelled_as_latin1_is_read_as_utf8() {
    assert_eq!(decode("café".as_bytes(), Some("iso-8859-1")), "café");
    assert_eq!(decode("naïve".as_bytes(), Some("us-ascii")), "naïve");
}

#[test]
fn latin1_bytes_under_latin1_label_stay_latin1() {
    assert_eq!(decode(b"caf\xE9", Some("iso-8859-1")), "café");
}

#[test]
fn unknown_label_falls_back_to_utf8_then_windows_1252() {
    assert_eq!(decode("żółw".as_bytes(), Some("x-no-such-charset")), "żółw");
    assert_eq!(
        decode(b"caf\xE9 \x93q\x94", Some("unknown-8bit")),
        "café “q”"
    );
    assert_eq!(decode(b"caf\xE9", None), "café");
}

#[test]
fn replacement_labels_degrade_to_readable_ascii() {
    let text = decode(b"plain words", Some("iso-2022-kr"));
    assert_eq!(text, "plain words");
}

#[test]
fn text_the_label_cannot_decode_is_retried_in_its_family() {
    // EUC-JP bytes labelled Shift_JIS: "日本語" in EUC-JP.
    let euc_jp = b"\xC6\xFC\xCB\xDC\xB8\xEC";
    assert_eq!(decode(euc_jp, Some("iso-2022-jp")), "日本語");
    // UTF-8 labelled GB2312.
    assert_eq!(decode("中文 ok".as_bytes(), Some("gb2312")), "中文 ok");
}

#[test]
fn label_normalisation_handles_quotes_case_and_language_suffix() {
    assert_eq!(normalize_label(" \"UTF-8\" ").as_deref(), Some("utf-8"));
    assert_eq!(normalize_label("utf-8*en").as_deref(), Some("utf-8"));
    assert_eq!(normalize_label("unknown-8bit"), None);
    assert_eq!(
        normalize_label("ks_c_5601-1987").as_deref(),
        Some("ks_c_5601-1987")
    );
}

#[test]
fn korean_ks_c_5601_label_decodes() {
    // "한국" in EUC-KR.
    assert_eq!(decode(b"\xC7\xD1\xB1\xB9", Some("ks_c_5601-1987")), "한국");
}

#[test]
fn html_meta_charset_is_sniffed() {
    let html = br#"<html><head><meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS"></head>"#;
    assert_eq!(sniff_html_charset(html).as_deref(), Some("shift_jis"));
    assert_eq!(
        sniff_html_charset(b"<meta charset='koi8-r'>").as_deref(),
        Some("koi8-r")
    );
    assert_eq!(sniff_html_charset(b"<p>charset is a word</p>"), None);
}

#[test]
fn header_value_decodes_encoded_words_and_unfolds() {
    let raw = b"=?iso-8859-1?Q?caf=E9?=\r\n =?utf-8?B?w6k=?= plain";
    assert_eq!(decode_header_value(raw, None), "caféé plain");
}

#[test]
fn encoded_words_with_unknown_charset_or_language_suffix_decode() {
    let raw = b"=?x-unknown?Q?caf=C3=A9?= and =?utf-8*en?Q?d=C3=A9j=C3=A0?=";
    assert_eq!(decode_header_value(raw, None), "café and déjà");
}

#[test]
fn raw_8bit_header_uses_the_fallback_charset() {
    // "中文" in GB2312, unencoded in a header.
    assert_eq!(
        decode_header_value(b"\xD6\xD0\xCE\xC4", Some("gb2312")),
        "中文"
    );
    assert_eq!(decode_header_value("ünï".as_bytes(), Some("gb2312")), "ünï");
}

#[test]
fn header_value_drops_control_characters() {
    assert_eq!(
        decode_header_value(b"a\x1b[31mb\x07 c\t d", None),
        "a [31mb c d"
    );
}

#[test]
fn malformed_encoded_words_are_left_readable() {
    assert_eq!(
        decode_header_value(b"=?utf-8?Q?broken", None),
        "=?utf-8?Q?broken"
    );
    assert_eq!(decode_header_value(b"=??=", None), "=??=");
    assert_eq!(
        decode_header_value(b"=?utf-8?X?abc?=", None),
        "=?utf-8?X?abc?="
    );
}

#[test]
fn latin1_bytes_under_a_utf8_label_read_as_windows_1252() {
    assert_eq!(decode(b"caf\xE9 cr\xE8me", Some("utf-8")), "café crème");
}

#[test]
fn mostly_valid_utf8_keeps_its_label_with_a_replacement_character() {
    assert_eq!(decode(b"caf\xC3\xA9 \xFF", Some("utf-8")), "café \u{FFFD}");
}

#[test]
fn a_character_split_across_two_encoded_words_is_joined() {
    let raw = b"=?iso-8859-2*sl?Q?Doma=e8e?=\r\n  =?utf-8*sl?Q?_omre=C5?=     =?Utf-8*SL?q?=BEje?=";
    assert_eq!(decode_header_value(raw, None), "Domače omrežje");
}

#[test]
fn text_between_encoded_words_is_kept_but_whitespace_between_them_dropped() {
    let raw = b"=?utf-8?Q?a?= =?utf-8?Q?b?= and =?utf-8?Q?c?=";
    assert_eq!(decode_header_value(raw, None), "ab and c");
}

#[test]
fn invisible_format_characters_are_dropped_from_header_values() {
    assert_eq!(
        decode_header_value("\u{feff}a\u{202e}b".as_bytes(), None),
        "ab"
    );
}

#[test]
fn iso_2022_jp_pieces_that_each_end_in_ascii_decode_when_joined() {
    // Each encoded word ends in ASCII (RFC 1468 asks that); joined, the text switches
    // to ASCII and straight back, which the Encoding Standard's decoder calls an error.
    let word = b"\x1b$B%F%9%H\x1b(B";
    assert_eq!(decode(word, Some("iso-2022-jp")), "テスト");
    assert_eq!(
        decode(&[&word[..], word].concat(), Some("ISO-2022-JP")),
        "テストテスト"
    );
    assert_eq!(
        decode(b"\x1b$B%F\x1b(B\x1b(J\x1b$B%9%H\x1b(B", Some("csiso2022jp")),
        "テスト"
    );
    // From the corpus (mikel-mail rfc2822/example14.eml): a folded Subject of two words.
    let raw = b"Re: TEST\r\n \r\n\t=?ISO-2022-JP?B?GyRCJUYlOSVIGyhC?=\r\n  =?ISO-2022-JP?B?GyRCJUYlOSVIGyhC?=";
    assert_eq!(decode_header_value(raw, None), "Re: TEST テストテスト");
    // Escapes that are not idle are kept, and broken text still decodes to something.
    assert_eq!(decode(b"a\x1b$B%F\x1b(Bb", Some("iso-2022-jp")), "aテb");
    assert!(!decode(b"\x1b$B\x1b", Some("iso-2022-jp")).is_empty());
}
