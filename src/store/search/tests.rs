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
