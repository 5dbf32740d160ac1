//! The send-later time parser against a fixed "now": relative amounts, times of day that
//! roll over to tomorrow, full dates, and the errors that keep the composer open.
#![allow(clippy::unwrap_used)]

use super::*;

/// Sunday 2025-06-15 14:20:00 UTC; local time is UTC+02:00, so 16:20 there.
const NOW: i64 = 1_749_997_200;
const CEST: i32 = 7200;

fn at(local: &str) -> i64 {
    DateTime::parse_from_str(&format!("{local} +0200"), "%Y-%m-%d %H:%M %z")
        .unwrap()
        .timestamp()
}

#[test]
fn relative_amounts_count_from_now() {
    for (input, secs) in [
        ("in 2h", 7200),
        ("in 30m", 1800),
        ("in 3s", 3),
        ("In 1h30m", 5400),
        ("in 1h 30m", 5400),
        ("in 45 minutes", 2700),
        ("in 2 hours", 7200),
        ("in 1d", 86_400),
        ("  in 10 sec  ", 10),
    ] {
        assert_eq!(parse(input, NOW, CEST), Ok(NOW + secs), "{input}");
    }
}

#[test]
fn twelve_hour_times_read_as_people_write_them() {
    for (input, local) in [
        ("5pm", "2025-06-15 17:00"),
        ("5:30 PM", "2025-06-15 17:30"),
        ("9am", "2025-06-16 09:00"),
        ("9 am", "2025-06-16 09:00"),
        ("12pm", "2025-06-16 12:00"),
        ("12am", "2025-06-16 00:00"),
        ("tomorrow 8:15am", "2025-06-16 08:15"),
        ("2025-06-20 11pm", "2025-06-20 23:00"),
    ] {
        assert_eq!(parse(input, NOW, CEST), Ok(at(local)), "{input}");
    }
    for input in ["13pm", "0am", "9:75am", "pm", "9xm"] {
        assert!(parse(input, NOW, CEST).is_err(), "{input}");
    }
}

#[test]
fn a_time_of_day_is_today_or_tomorrow_once_it_has_passed() {
    assert_eq!(parse("17:30", NOW, CEST), Ok(at("2025-06-15 17:30")));
    assert_eq!(parse("9:05", NOW, CEST), Ok(at("2025-06-16 09:05")));
    assert_eq!(
        parse("16:20", NOW, CEST),
        Ok(at("2025-06-16 16:20")),
        "now is past"
    );
    assert_eq!(
        parse("tomorrow 09:00", NOW, CEST),
        Ok(at("2025-06-16 09:00"))
    );
    assert_eq!(parse("today 23:59", NOW, CEST), Ok(at("2025-06-15 23:59")));
    assert_eq!(
        parse("2025-07-01 08:00", NOW, CEST),
        Ok(at("2025-07-01 08:00"))
    );
    // The same instant, read in another zone.
    assert_eq!(
        parse("tomorrow 09:00", NOW, 0),
        Ok(NOW - 14 * 3600 - 1200 + 86_400 + 9 * 3600)
    );
}

#[test]
fn what_is_not_understood_says_why() {
    let err = |input: &str| parse(input, NOW, CEST).unwrap_err();
    assert_eq!(err(""), WhenError::Empty);
    assert_eq!(err("soon"), WhenError::Unknown("soon".into()));
    assert_eq!(err("tomorrow"), WhenError::Unknown("tomorrow".into()));
    assert_eq!(err("in"), WhenError::Unknown("in".into()));
    assert_eq!(
        err("in 2 fortnights"),
        WhenError::BadDuration("in 2 fortnights".into())
    );
    assert_eq!(err("in h"), WhenError::BadDuration("in h".into()));
    assert_eq!(err("in 0m"), WhenError::BadDuration("in 0m".into()));
    assert_eq!(err("25:00"), WhenError::BadTimeOfDay("25:00".into()));
    assert_eq!(err("tomorrow 9xm"), WhenError::BadTimeOfDay("9xm".into()));
    assert_eq!(err("13pm"), WhenError::BadTimeOfDay("13pm".into()));
    assert_eq!(
        err("2025-13-01 08:00"),
        WhenError::BadDate("2025-13-01".into())
    );
    assert_eq!(
        err("2025-06-15 16:00"),
        WhenError::Past("2025-06-15 16:00".into())
    );
    assert_eq!(err("today 08:00"), WhenError::Past("today 08:00".into()));
    assert_eq!(err("in 400d"), WhenError::TooFar);
    assert_eq!(
        err("in 99999999999999999999h"),
        WhenError::BadDuration("in 99999999999999999999h".into())
    );
    assert_eq!(err("2030-01-01 00:00"), WhenError::TooFar);
    assert!(err("soon").to_string().contains("tomorrow 09:00"));
}

#[test]
fn a_chosen_time_is_said_back_in_local_words() {
    assert_eq!(describe(at("2025-06-15 17:30"), NOW, CEST), "today 17:30");
    assert_eq!(
        describe(at("2025-06-16 09:00"), NOW, CEST),
        "tomorrow 09:00"
    );
    assert_eq!(
        describe(at("2025-07-01 08:00"), NOW, CEST),
        "2025-07-01 08:00"
    );
}
