//! The address parser against a table: RFC 5322 Appendix A, the obsolete forms, what real
//! senders write, and garbage; strict errors and formatting.
#![allow(clippy::unwrap_used)]

use super::*;

fn mb(name: Option<&str>, addr: &str) -> Address {
    Address::Mailbox(Mailbox::new(name, addr))
}

fn group(name: &str, members: &[(Option<&str>, &str)]) -> Address {
    Address::Group {
        name: name.to_owned(),
        members: members.iter().map(|(n, a)| Mailbox::new(*n, a)).collect(),
    }
}

/// Inputs both parsers read the same way: valid RFC 5322 (current or obsolete syntax).
#[test]
fn valid_lists_parse_the_same_strictly_and_leniently() {
    let cases: Vec<(&str, Vec<Address>)> = vec![
        // A.1.1
        (
            "John Doe <jdoe@machine.example>",
            vec![mb(Some("John Doe"), "jdoe@machine.example")],
        ),
        // A.1.2
        (
            r#""Joe Q. Public" <john.q.public@example.com>"#,
            vec![mb(Some("Joe Q. Public"), "john.q.public@example.com")],
        ),
        (
            "Mary Smith <mary@x.test>, jdoe@example.org, Who? <one@y.test>",
            vec![
                mb(Some("Mary Smith"), "mary@x.test"),
                mb(None, "jdoe@example.org"),
                mb(Some("Who?"), "one@y.test"),
            ],
        ),
        (
            r#"<boss@nil.test>, "Giant; \"Big\" Box" <sysservices@example.net>"#,
            vec![
                mb(None, "boss@nil.test"),
                mb(Some(r#"Giant; "Big" Box"#), "sysservices@example.net"),
            ],
        ),
        // A.1.3
        (
            "A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;",
            vec![group(
                "A Group",
                &[
                    (Some("Ed Jones"), "c@a.test"),
                    (None, "joe@where.test"),
                    (Some("John"), "jdoe@one.test"),
                ],
            )],
        ),
        (
            "Undisclosed recipients:;",
            vec![group("Undisclosed recipients", &[])],
        ),
        // A.5: comments anywhere CFWS may stand, removed from the addr-spec.
        (
            r"Pete(A wonderful \) chap) <pete(his account)@silly.test(his host)>",
            vec![mb(Some("Pete"), "pete@silly.test")],
        ),
        (
            "A Group(Some people)\r\n     :Chris Jones <c@(Chris's host.)public.example>,\r\n         joe@example.org,\r\n  John <jdoe@one.test> (my dear friend); (the end of the group)",
            vec![group(
                "A Group",
                &[
                    (Some("Chris Jones"), "c@public.example"),
                    (None, "joe@example.org"),
                    (Some("John"), "jdoe@one.test"),
                ],
            )],
        ),
        (
            "(Empty list)(start)Hidden recipients  :(nobody(that I know))  ;",
            vec![group("Hidden recipients", &[])],
        ),
        // A.6.1 and A.6.3: obsolete phrase, route, empty entries, CFWS inside addr-spec.
        (
            "Joe Q. Public <john.q.public@example.com>",
            vec![mb(Some("Joe Q. Public"), "john.q.public@example.com")],
        ),
        (
            "Mary Smith <@node.test:mary@example.net>, , jdoe@test  . example",
            vec![
                mb(Some("Mary Smith"), "mary@example.net"),
                mb(None, "jdoe@test.example"),
            ],
        ),
        (
            "John Doe <jdoe@machine(comment).  example>",
            vec![mb(Some("John Doe"), "jdoe@machine.example")],
        ),
        (
            "Mary Smith\r\n  \r\n <mary@\r\n example.net>",
            vec![mb(Some("Mary Smith"), "mary@example.net")],
        ),
        // Real mail.
        (
            "=?utf-8?Q?M=C3=BCller=2C_J=C3=BCrgen?= <jm@x.test>",
            vec![mb(Some("Müller, Jürgen"), "jm@x.test")],
        ),
        (
            "=?utf-8?B?w4lsw6k=?= =?utf-8?B?IE5vw6s=?= <e@x.test>",
            vec![mb(Some("Élé Noë"), "e@x.test")],
        ),
        // A broken encoder's comma is still inside one encoded word.
        (
            "=?iso-8859-1?Q?Doe,_John?= <j@x.test>",
            vec![mb(Some("Doe, John"), "j@x.test")],
        ),
        (
            r#"John "Johnny" Doe <john@x.test>"#,
            vec![mb(Some("John Johnny Doe"), "john@x.test")],
        ),
        (
            "foo@bar.test (Foo Bar)",
            vec![mb(Some("Foo Bar"), "foo@bar.test")],
        ),
        (
            r#""john doe"@x.test, "plain"@x.test, Zoë <zoë@exämple.test>"#,
            vec![
                mb(None, r#""john doe"@x.test"#),
                mb(None, "plain@x.test"),
                mb(Some("Zoë"), "zoë@exämple.test"),
            ],
        ),
        ("root@[192.0.2.1]", vec![mb(None, "root@[192.0.2.1]")]),
        ("alice@localhost", vec![mb(None, "alice@localhost")]),
        ("", vec![]),
        (" , ,", vec![]),
    ];
    for (input, want) in cases {
        assert_eq!(
            parse_list_strict(input).as_ref(),
            Ok(&want),
            "strict {input:?}"
        );
        assert_eq!(parse_list(input), want, "lenient {input:?}");
    }
}

/// Broken mail strict parsing rejects: lenient reading keeps every addr-spec it can see.
#[test]
fn lenient_reading_of_broken_lists() {
    let cases: Vec<(&str, Vec<Address>)> = vec![
        (
            "tony.stark@example.com <tony.stark@example.com>",
            vec![mb(Some("tony.stark@example.com"), "tony.stark@example.com")],
        ),
        (
            "Doe, John <john@example.test>",
            vec![mb(Some("Doe"), ""), mb(Some("John"), "john@example.test")],
        ),
        ("bob at remote", vec![mb(Some("bob at remote"), "")]),
        (
            "Mr. Smith (at home) <smith@example.org",
            vec![mb(Some("Mr. Smith"), "smith@example.org")],
        ),
        (
            "a@x.test; b@y.test",
            vec![mb(None, "a@x.test"), mb(None, "b@y.test")],
        ),
        ("john doe@x.test", vec![mb(Some("john"), "doe@x.test")]),
        (
            "team: a@x.test, b@y.test",
            vec![group("team", &[(None, "a@x.test"), (None, "b@y.test")])],
        ),
        (
            "\"unterminated <a@b.test>",
            vec![mb(Some("unterminated <a@b.test>"), "")],
        ),
        (
            "<john>, Jane <jane@x.test> <jane2@x.test>",
            vec![
                mb(None, "john"),
                mb(Some("Jane"), "jane@x.test"),
                mb(None, "jane2@x.test"),
            ],
        ),
        ("<>", vec![]),
        (
            "good@x.test, ))) junk, other@y.test",
            vec![
                mb(None, "good@x.test"),
                mb(Some("))) junk"), ""),
                mb(None, "other@y.test"),
            ],
        ),
    ];
    for (input, want) in cases {
        assert_eq!(parse_list(input), want, "lenient {input:?}");
        assert!(parse_list_strict(input).is_err(), "strict {input:?}");
    }
}

#[test]
fn strict_errors_name_the_entry_the_place_and_what_was_expected() {
    let cases = [
        (
            "Doe, John <john@example.test>",
            "`Doe` is not an address: expected local@domain at column 1",
        ),
        (
            "ok@x.test, bob at remote",
            "`bob at remote` is not an address: expected local@domain at column 12",
        ),
        (
            "a@b.test c@d.test",
            "`a@b.test c@d.test` is not an address: expected `,` between addresses at column 10",
        ),
        (
            "Ann <ann@x.test",
            "`Ann <ann@x.test` is not an address: expected `>` after the address at column 16",
        ),
        (
            "x@y.test, \"open <a@b.test>",
            "`\"open <a@b.test>` is not an address: expected `\"` to close the quoted string at column 11",
        ),
        (
            "Zoë <zoe@x.test>)",
            "`Zoë <zoe@x.test>)` is not an address: expected an address character, not `)` at column 17",
        ),
        (
            "a@",
            "`a@` is not an address: expected a domain after `@` at column 3",
        ),
        (
            "team: a@x.test",
            "`team: a@x.test` is not an address: expected `;` to end the group at column 15",
        ),
    ];
    for (input, want) in cases {
        let error = parse_list_strict(input).unwrap_err();
        assert_eq!(error.to_string(), want, "{input:?}");
        assert_eq!(
            input[error.position..].chars().count() + error.column - 1,
            input.chars().count()
        );
    }
}

#[test]
fn names_with_specials_are_quoted_and_escaped() {
    let cases = [
        (
            Mailbox::new(Some("Müller, Jürgen"), "jm@x.test"),
            r#""Müller, Jürgen" <jm@x.test>"#,
        ),
        (
            Mailbox::new(Some("Zoë Smith"), "z@x.test"),
            "Zoë Smith <z@x.test>",
        ),
        (
            Mailbox::new(Some(r#"Say "hi" \o/"#), "h@x.test"),
            r#""Say \"hi\" \\o/" <h@x.test>"#,
        ),
        (
            Mailbox::new(Some("Joe Q. Public"), "j@x.test"),
            r#""Joe Q. Public" <j@x.test>"#,
        ),
        (Mailbox::new(None, "plain@x.test"), "plain@x.test"),
        (
            Mailbox::new(Some("tony.stark@example.com"), "tony.stark@example.com"),
            r#""tony.stark@example.com" <tony.stark@example.com>"#,
        ),
    ];
    for (mailbox, want) in cases {
        assert_eq!(mailbox.to_string(), want);
        assert_eq!(parse_list_strict(want), Ok(vec![Address::Mailbox(mailbox)]));
    }
    let list = parse_list("team: a@x.test, B <b@x.test>;, undisclosed-recipients:;");
    assert_eq!(
        format_list(&list),
        "team: a@x.test, B <b@x.test>;, undisclosed-recipients:;"
    );
}

#[test]
fn envelope_addresses_take_every_addr_spec_once() {
    assert_eq!(
        envelope_addresses(
            "=?utf-8?Q?Doe=2C_J?= <j@x.test>, team: a@x.test, J@X.test;, undisclosed:;, Name Only"
        ),
        ["j@x.test", "a@x.test"]
    );
    assert!(envelope_addresses("").is_empty());
}
