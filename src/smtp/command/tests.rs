//! Parser table: every verb, case, spacing and parameter form, with the expected result.

use super::*;

fn ok(line: &str) -> Command {
    match parse(line.as_bytes()) {
        Ok(cmd) => cmd,
        Err(e) => panic!("{line:?} failed: {e}"),
    }
}

fn err(line: &[u8]) -> CommandError {
    match parse(line) {
        Ok(cmd) => panic!("{line:?} parsed as {cmd:?}"),
        Err(e) => e,
    }
}

#[test]
fn verbs_are_case_insensitive_and_trailing_spaces_ignored() {
    assert_eq!(
        ok("ehlo client.example  "),
        Command::Ehlo("client.example".into())
    );
    assert_eq!(ok("HeLo x"), Command::Helo("x".into()));
    assert_eq!(ok("data "), Command::Data);
    assert_eq!(ok("rset"), Command::Rset);
    assert_eq!(ok("NOOP anything"), Command::Noop);
    assert_eq!(ok("quit"), Command::Quit);
    assert_eq!(ok("help mail"), Command::Help);
    assert_eq!(ok("starttls"), Command::StartTls);
    assert_eq!(ok("expn list"), Command::Expn("list".into()));
    assert_eq!(
        ok("EXPN <staff@example.org>"),
        Command::Expn("staff@example.org".into())
    );
    assert_eq!(
        ok("vrfy <bob@x.example>"),
        Command::Vrfy("bob@x.example".into())
    );
}

#[test]
fn mail_accepts_null_sender_space_after_colon_and_parameters() {
    assert_eq!(
        ok("MAIL FROM:<>"),
        Command::Mail {
            from: String::new(),
            params: MailParams::default()
        }
    );
    assert_eq!(
        ok("mail from: <a@b.example> size=1000 BODY=8bitmime SMTPUTF8 AUTH=<>"),
        Command::Mail {
            from: "a@b.example".into(),
            params: MailParams {
                size: Some(1000),
                body: Some(Body::EightBitMime),
                smtputf8: true
            }
        }
    );
    assert_eq!(
        ok("MAIL FROM:<a@b.example> BODY=7BIT"),
        Command::Mail {
            from: "a@b.example".into(),
            params: MailParams {
                body: Some(Body::SevenBit),
                ..MailParams::default()
            }
        }
    );
}

#[test]
fn mail_and_rcpt_parameter_errors_map_to_555_or_501() {
    let cases: &[(&str, u16)] = &[
        ("MAIL FROM:<a@b.example> RET=FULL", 555),
        ("MAIL FROM:<a@b.example> BODY=BINARYMIME", 555),
        ("MAIL FROM:<a@b.example> FOO", 555),
        ("MAIL FROM:<a@b.example> SIZE=abc", 501),
        ("MAIL FROM:<a@b.example> SIZE=", 501),
        ("MAIL FROM:<a@b.example> SIZE=99999999999999999999999", 501),
        ("MAIL FROM:<a@b.example> BODY=9BIT", 501),
        ("MAIL FROM:<a@b.example> SMTPUTF8=yes", 501),
        ("MAIL FROM:<a@b.example> SIZE=1 SIZE=2", 501),
        ("RCPT TO:<a@b.example> NOTIFY=NEVER", 555),
        ("MAIL TO:<a@b.example>", 501),
        ("MAIL <a@b.example>", 501),
        ("MAIL FROM:<a@b", 501),
        ("RCPT FROM:<a@b.example>", 501),
        ("RCPT TO:<>", 501),
        ("RCPT TO:<not an address>", 501),
    ];
    for (line, code) in cases {
        assert_eq!(err(line.as_bytes()).reply().code, *code, "{line}");
    }
}

#[test]
fn enhanced_codes_distinguish_sender_and_recipient_syntax() {
    assert_eq!(err(b"MAIL FROM:<x>").reply().enhanced, Some("5.1.7"));
    assert_eq!(err(b"RCPT TO:<x>").reply().enhanced, Some("5.1.3"));
    assert_eq!(
        err(b"FOO").reply().to_string(),
        "500 5.5.1 Error: command not recognized\r\n"
    );
}

#[test]
fn bdat_requires_a_size_and_optional_last() {
    assert_eq!(
        ok("BDAT 100"),
        Command::Bdat {
            size: 100,
            last: false
        }
    );
    assert_eq!(
        ok("bdat 0 last"),
        Command::Bdat {
            size: 0,
            last: true
        }
    );
    for bad in [
        "BDAT",
        "BDAT x",
        "BDAT 10 FIRST",
        "BDAT -1",
        "BDAT 1 LAST more",
    ] {
        assert_eq!(err(bad.as_bytes()).reply().code, 501, "{bad}");
    }
}

#[test]
fn auth_takes_a_mechanism_and_optional_initial_response() {
    assert_eq!(
        ok("auth plain AGFsaWNlAHNlY3JldA=="),
        Command::Auth {
            mechanism: "PLAIN".into(),
            initial: Some("AGFsaWNlAHNlY3JldA==".into())
        }
    );
    assert_eq!(
        ok("AUTH LOGIN"),
        Command::Auth {
            mechanism: "LOGIN".into(),
            initial: None
        }
    );
    assert_eq!(err(b"AUTH").reply().code, 501);
}

#[test]
fn obsolete_verbs_are_recognised_as_not_implemented() {
    for verb in [
        "TURN",
        "SEND FROM:<a@b>",
        "SOML FROM:<a@b>",
        "SAML FROM:<a@b>",
        "ETRN x",
    ] {
        assert!(matches!(ok(verb), Command::NotImplemented(_)), "{verb}");
    }
}

#[test]
fn garbage_never_panics_and_is_unrecognised_or_syntax() {
    for line in [
        &b""[..],
        b" ",
        b"\x00\xff",
        b"MAIL\xff FROM",
        b"EHLO \xff",
        b"HELO",
        b"EHLO",
        b"DATA now",
        b"STARTTLS please",
        b"VRFY",
        b"AVERYLONGVERBINDEED",
    ] {
        let code = err(line).reply().code;
        assert!(code == 500 || code == 501, "{line:?} -> {code}");
    }
}
