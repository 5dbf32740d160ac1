//! The search language: operators, keys, errors with columns, and the printer/parser
//! round trip over generated queries.

use super::*;

fn parse(q: &str) -> Expr {
    SearchQuery::parse(q).unwrap().expr.unwrap()
}

fn text(t: &str) -> Expr {
    Expr::Term(Term::Text(t.into()))
}

fn from(t: &str) -> Expr {
    Expr::Term(Term::From(t.into()))
}

#[test]
fn or_binds_looser_than_and_and_not_binds_tightest() {
    assert_eq!(
        parse("from:john OR from:mary"),
        Expr::Any(vec![from("john"), from("mary")])
    );
    assert_eq!(
        parse("a b OR c"),
        Expr::Any(vec![Expr::All(vec![text("a"), text("b")]), text("c")])
    );
    assert_eq!(
        parse("a (b OR c)"),
        Expr::All(vec![text("a"), Expr::Any(vec![text("b"), text("c")])])
    );
    assert_eq!(
        parse("NOT a -b c AND d"),
        Expr::All(vec![
            Expr::Not(Box::new(text("a"))),
            Expr::Not(Box::new(text("b"))),
            text("c"),
            text("d")
        ])
    );
    assert_eq!(parse("-from:spam"), Expr::Not(Box::new(from("spam"))));
    assert_eq!(
        parse("NOT (a OR b)"),
        Expr::Not(Box::new(Expr::Any(vec![text("a"), text("b")])))
    );
}

#[test]
fn operators_are_words_when_quoted_or_lowercase() {
    assert_eq!(parse("\"OR\" or"), Expr::All(vec![text("OR"), text("or")]));
    assert_eq!(parse("-"), text("-"));
    assert_eq!(parse("a-b"), text("a-b"));
    assert_eq!(parse("\"-x\""), text("-x"));
    assert_eq!(parse("smile:)"), text("smile:)"));
    assert_eq!(parse("\"a (b) c\""), text("a (b) c"));
}

#[test]
fn keys_values_sizes_and_relative_dates() {
    assert_eq!(
        parse("to:@example.org"),
        Expr::Term(Term::To("@example.org".into()))
    );
    assert_eq!(parse("cc:bob"), Expr::Term(Term::Cc("bob".into())));
    assert_eq!(
        parse("size:>1M"),
        Expr::Term(Term::Size {
            larger: true,
            octets: 1 << 20
        })
    );
    assert_eq!(
        parse("size:<20k"),
        Expr::Term(Term::Size {
            larger: false,
            octets: 20 << 10
        })
    );
    assert_eq!(
        parse("after:-7d"),
        Expr::Term(Term::After(Day::Ago {
            amount: 7,
            unit: 'd'
        }))
    );
    let day = Day::Ago {
        amount: 2,
        unit: 'w',
    };
    let now = 1_764_940_000; // 2025-12-05 13:06:40 UTC
    assert_eq!(day.start(now), 1_764_892_800 - 14 * 86_400);
    assert_eq!(
        parse("auth:DMARC=fail"),
        Expr::Term(Term::Auth("dmarc=fail".into()))
    );
    assert_eq!(parse("is:unread"), Expr::Term(Term::Is(Status::Unread)));
    assert_eq!(
        parse("from:"),
        text("from:"),
        "a key without a value is a word"
    );
}

#[test]
fn a_key_counts_only_when_typed_outside_quotes() {
    assert_eq!(parse("\"from:x\""), text("from:x"));
    assert_eq!(
        parse("from:\"John Smith\""),
        Expr::Term(Term::From("John Smith".into()))
    );
    assert_eq!(
        parse("list:users.rust-lang.org"),
        Expr::Term(Term::List("users.rust-lang.org".into()))
    );
}

#[test]
fn errors_name_the_column() {
    let err = |q: &str| SearchQuery::parse(q).unwrap_err();
    assert_eq!(err("a (b OR c"), QueryError::Unclosed { column: 3 });
    assert_eq!(
        err("a OR"),
        QueryError::Dangling {
            operator: "OR".into(),
            column: 3
        }
    );
    assert_eq!(err("OR a"), QueryError::LeadingOr { column: 1 });
    assert_eq!(
        err("a NOT"),
        QueryError::Dangling {
            operator: "NOT".into(),
            column: 3
        }
    );
    assert_eq!(err("x ()"), QueryError::Empty { column: 3 });
    assert_eq!(
        err("hello before:yesterday"),
        QueryError::BadDate {
            value: "yesterday".into(),
            column: 14
        }
    );
    assert_eq!(
        err("size:huge"),
        QueryError::BadSize {
            value: "huge".into(),
            column: 6
        }
    );
    assert_eq!(
        err("a -is:maybe"),
        QueryError::Unknown {
            term: "is:maybe".into(),
            column: 4
        }
    );
    assert!(err("auth:dmarc=maybe").to_string().starts_with("column 1:"));
    assert_eq!(SearchQuery::parse("   ").unwrap().expr, None);
}

#[test]
fn transport_keys_parse_to_their_terms() {
    let term = |q: &str| match parse(q) {
        Expr::Term(t) => t,
        other => panic!("{q}: {other:?}"),
    };
    assert_eq!(term("hop.tls:none"), Term::HopTls(false));
    assert_eq!(term("hop.tls:YES"), Term::HopTls(true));
    let span = |larger, amount, unit| Span {
        larger,
        amount,
        unit,
    };
    assert_eq!(term("hop.delay>1h"), Term::HopDelay(span(true, 1, 'h')));
    assert_eq!(term("hop.delay:<90s"), Term::HopDelay(span(false, 90, 's')));
    assert_eq!(term("transit>1d"), Term::Transit(span(true, 1, 'd')));
    assert_eq!(term("transit<5m"), Term::Transit(span(false, 5, 'm')));
    assert_eq!(term("transit>30"), Term::Transit(span(true, 30, 's')));
    assert_eq!(span(true, 2, 'h').millis(), 7_200_000);
    let block = |network: &str, prefix| {
        Term::HopIp(IpBlock {
            network: network.parse().unwrap(),
            prefix,
        })
    };
    assert_eq!(term("hop.ip:203.0.113.9/24"), block("203.0.113.0", 24));
    assert_eq!(term("hop.ip:192.0.2.7"), block("192.0.2.7", 32));
    assert_eq!(term("hop.ip:::ffff:192.0.2.7"), block("192.0.2.7", 32));
    assert_eq!(term("hop.ip:2001:db8:1::5/32"), block("2001:db8::", 32));
    assert_eq!(term("hop.ip:[2001:db8::1]"), block("2001:db8::1", 128));
    assert_eq!(
        term("hop.from:MX.Example.com"),
        Term::HopFrom("MX.Example.com".into())
    );
    assert_eq!(term("skew:yes"), Term::Skew(true));
    assert_eq!(term("skew:no"), Term::Skew(false));
    assert_eq!(term("auth.dkim:FAIL"), Term::AuthClaim("dkim=fail".into()));
    assert_eq!(term("auth.arc:pass"), Term::AuthClaim("arc=pass".into()));
    assert_eq!(
        term("status:bounced"),
        Term::Delivery(crate::store::RecipientState::Bounced)
    );
    assert_eq!(parse("transit>"), text("transit>"), "no value: a word");
    assert_eq!(parse("\"transit>1d\""), text("transit>1d"));
    assert_eq!(parse("transit:"), text("transit:"));
    assert_eq!(
        parse("-hop.tls:none"),
        Expr::Not(Box::new(Expr::Term(Term::HopTls(false))))
    );
}

#[test]
fn ip_blocks_cover_their_ranges() {
    let range = |q: &str| match parse(q) {
        Expr::Term(Term::HopIp(b)) => b.range(),
        other => panic!("{other:?}"),
    };
    let key = |ip: &str| crate::store::facts::ip_key(ip.parse().unwrap());
    assert_eq!(
        range("hop.ip:203.0.113.0/24"),
        (key("203.0.113.0"), key("203.0.113.255"))
    );
    assert_eq!(
        range("hop.ip:0.0.0.0/0"),
        (key("0.0.0.0"), key("255.255.255.255"))
    );
    assert_eq!(
        range("hop.ip:2001:db8::/32"),
        (
            key("2001:db8::"),
            key("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff")
        )
    );
    assert_eq!(range("hop.ip:::/0").1, [0xff; 16]);
}

#[test]
fn bad_transport_values_name_their_column() {
    let err = |q: &str| SearchQuery::parse(q).unwrap_err();
    assert_eq!(
        err("hop.delay>soon"),
        QueryError::BadDuration {
            value: ">soon".into(),
            column: 10
        }
    );
    assert_eq!(
        err("x transit:1d"),
        QueryError::BadDuration {
            value: "1d".into(),
            column: 11
        }
    );
    assert_eq!(
        err("x transit>99999999999d"),
        QueryError::BadDuration {
            value: ">99999999999d".into(),
            column: 10
        }
    );
    assert_eq!(
        err("hop.ip:300.1.1.1/33"),
        QueryError::BadAddress {
            value: "300.1.1.1/33".into(),
            column: 8
        }
    );
    assert_eq!(
        err("a hop.ip:10.0.0.0/33"),
        QueryError::BadAddress {
            value: "10.0.0.0/33".into(),
            column: 10
        }
    );
    assert_eq!(
        err("hop.ip:2001:db8::/129"),
        QueryError::BadAddress {
            value: "2001:db8::/129".into(),
            column: 8
        }
    );
    assert_eq!(
        err("hop.ip:mx.example.com"),
        QueryError::BadAddress {
            value: "mx.example.com".into(),
            column: 8
        }
    );
    assert_eq!(
        err("a hop.tls:maybe"),
        QueryError::Unknown {
            term: "hop.tls:maybe".into(),
            column: 3
        }
    );
    for q in [
        "skew:often",
        "auth.dkim:great",
        "status:lost",
        "-auth.spf:x",
    ] {
        assert!(matches!(err(q), QueryError::Unknown { .. }), "{q}");
    }
    assert_eq!(err("-status:lost").column(), 2);
}

/// A deterministic generator of query-like text (xorshift), for the round trip.
struct Words(u64);

impl Words {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn query(&mut self) -> String {
        const PIECES: &[&str] = &[
            "bob",
            "\"a b\"",
            "OR",
            "AND",
            "NOT",
            "-",
            "-x",
            "(",
            ")",
            "\"OR\"",
            "from:john",
            "to:@example.org",
            "cc:ann",
            "subject:\"re: x\"",
            "has:attachment",
            "is:unread",
            "is:flagged",
            "before:2024-01-02",
            "after:-7d",
            "size:>1M",
            "size:<10",
            "folder:Inbox",
            "auth:dkim=pass",
            "auth:unverified",
            "list:rust-users",
            "\"from:x\"",
            "from:\"a b\"",
            "pre*",
            "\"q*\"",
            "ünï",
            "a:b",
            "from:",
            "\"",
            "x)",
            "(y",
            "-from:spam",
            "\"\"",
            "*",
            "hop.tls:none",
            "hop.tls:yes",
            "hop.delay>1h",
            "hop.delay:<30s",
            "hop.ip:203.0.113.0/24",
            "hop.ip:2001:db8::/32",
            "hop.ip:192.0.2.7",
            "hop.from:mx.example.com",
            "hop.from:\"a b\"",
            "transit>1d",
            "transit<5m",
            "skew:yes",
            "skew:no",
            "auth.dkim:fail",
            "auth.spf:pass",
            "auth.dmarc:pass",
            "auth.arc:none",
            "status:bounced",
            "status:held",
            "-transit>2h",
        ];
        let n = 1 + self.next() % 8;
        (0..n)
            .map(|_| PIECES[(self.next() % PIECES.len() as u64) as usize])
            .collect::<Vec<_>>()
            .join(if self.next().is_multiple_of(5) {
                ""
            } else {
                " "
            })
    }
}

#[test]
fn what_the_printer_writes_parses_to_the_same_search() {
    let mut words = Words(0x9e37_79b9_7f4a_7c15);
    let mut parsed = 0;
    for _ in 0..20_000 {
        let input = words.query();
        let Ok(query) = SearchQuery::parse(&input) else {
            continue;
        };
        parsed += 1;
        let printed = query.to_string();
        assert_eq!(
            SearchQuery::parse(&printed),
            Ok(query.clone()),
            "{input:?} printed as {printed:?}"
        );
        query.check_fts_syntax().unwrap();
    }
    assert!(parsed > 5_000, "only {parsed} generated queries parsed");
}

#[test]
fn control_characters_in_a_term_are_word_breaks_for_fts() {
    // The fuzzer's finding: "hello" followed by NULs gave an FTS5 syntax error.
    for input in [
        "hello\0\0\0",
        "\"a\0b\"",
        "x\u{1}*",
        "\"\0\"",
        "\u{7f}\u{0}*",
    ] {
        let query = SearchQuery::parse(input).unwrap();
        query
            .check_fts_syntax()
            .unwrap_or_else(|e| panic!("{input:?}: {e}"));
    }
    assert_eq!(
        fts_match(&Term::Text("a\0b".into())).as_deref(),
        Some("\"a b\"")
    );
}
