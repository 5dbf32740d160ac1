//! The one date parser: Date: fields and Received timestamps. RFC 5322 §3.3 date-time,
//! the obsolete forms of §4.3, asctime order, and the ISO / Go forms that some MTAs write
//! without a `;`.
//!
//! Lenient by design: comments, folding, a wrong weekday and text after the date are
//! ignored, common zone names are known, and a time with no date (`14:47:44 +0000`) is not
//! a date.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc};
use serde::Serialize;

use super::trace::tokenizer::strip_comments;

/// A parsed trace timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ParsedDate {
    /// The instant, in UTC (RFC 3339 in JSON, fractional seconds kept).
    pub utc: DateTime<Utc>,
    /// The offset the writer stated, in minutes east of UTC; `null` when the zone is
    /// unknown (`-0000`, a military letter, an unknown name, or no zone at all), in which
    /// case `utc` treats the time as UTC.
    pub offset_minutes: Option<i32>,
}

impl ParsedDate {
    /// The time as the writer saw it (UTC when the zone is unknown).
    pub fn original(&self) -> DateTime<FixedOffset> {
        match FixedOffset::east_opt(self.offset_minutes.unwrap_or(0) * 60) {
            Some(offset) => self.utc.with_timezone(&offset),
            None => self.utc.fixed_offset(),
        }
    }
}

/// Parses a date-time, skipping anything before the first date-like token.
/// Returns `None` when no day, month, year and time can be found.
pub fn parse_date(s: &str) -> Option<ParsedDate> {
    let cleaned = strip_comments(s);
    let words = words(&cleaned);
    (0..words.len()).find_map(|start| parse_at(&words[start..]))
}

/// A Date: field as unix seconds (what summaries and the reader keep).
pub fn unix_seconds(s: &str) -> Option<i64> {
    parse_date(s).map(|d| d.utc.timestamp())
}

/// Like [`parse_date`] but the date must begin at the first word (after an optional
/// weekday): used to find where an undelimited date starts in a Received line.
pub fn parse_date_at_start(s: &str) -> Option<ParsedDate> {
    parse_at(&words(&strip_comments(s)))
}

/// The words of a comment-free date text; commas and NULs separate like spaces.
fn words(cleaned: &str) -> Vec<&str> {
    cleaned
        .split(|c: char| c.is_whitespace() || c == ',' || c == '\0')
        .filter(|w| !w.is_empty())
        .flat_map(split_iso)
        .collect()
}

/// Splits `2018-04-22T02:54:17.5+02:00` into date, time and zone words.
fn split_iso(word: &str) -> Vec<&str> {
    let Some((date, time)) = word.split_once(['T', 't']) else {
        return vec![word];
    };
    if iso_date(date).is_none() || time.is_empty() {
        return vec![word];
    }
    match time.find(['Z', 'z', '+', '-']) {
        Some(at) => vec![date, &time[..at], &time[at..]],
        None => vec![date, time],
    }
}

fn parse_at(words: &[&str]) -> Option<ParsedDate> {
    let first = *words.first()?;
    let rest = &words[1..];
    if weekday(first) {
        return parse_at(rest);
    }
    if let Some(date) = iso_date(first) {
        return finish(date, rest);
    }
    if let Some(month) = month(first) {
        // asctime: Mon DD HH:MM:SS YYYY [zone]
        let day = number(rest.first()?)?;
        let (time, nanos) = clock(rest.get(1)?)?;
        let year = year(rest.get(2)?)?;
        let date = NaiveDate::from_ymd_opt(year, month, day)?;
        return build(date, time, nanos, rest.get(3..).unwrap_or(&[]));
    }
    let day = number(first)?;
    if day == 0 || day > 31 || first.len() > 2 {
        return None;
    }
    let month = month(rest.first()?)?;
    let year = year(rest.get(1)?)?;
    let date = NaiveDate::from_ymd_opt(year, month, day)?;
    finish(date, rest.get(2..)?)
}

/// Reads the time (optionally after a `T`) and zone that follow a calendar date.
fn finish(date: NaiveDate, rest: &[&str]) -> Option<ParsedDate> {
    let (time, nanos) = clock(rest.first()?)?;
    build(date, time, nanos, &rest[1..])
}

fn build(date: NaiveDate, time: NaiveTime, nanos: u32, zone_words: &[&str]) -> Option<ParsedDate> {
    let offset_minutes = zone_words.first().and_then(|w| zone(w)).flatten();
    let naive = date.and_time(time);
    let utc_naive = naive - chrono::Duration::minutes(i64::from(offset_minutes.unwrap_or(0)));
    let utc = Utc.from_utc_datetime(&utc_naive) + chrono::Duration::nanoseconds(i64::from(nanos));
    Some(ParsedDate {
        utc,
        offset_minutes,
    })
}

/// `2018-04-22` (ISO 8601 calendar date, as Go and SendGrid write it).
fn iso_date(word: &str) -> Option<NaiveDate> {
    let mut parts = word.split('-');
    let y = parts.next()?;
    let m = parts.next()?;
    let d = parts.next()?;
    if parts.next().is_some() || y.len() != 4 || m.len() > 2 || d.len() > 2 {
        return None;
    }
    NaiveDate::from_ymd_opt(i32::try_from(number(y)?).ok()?, number(m)?, number(d)?)
}

/// `HH:MM[:SS[.fraction]]`; a leap second 60 is read as 59.
fn clock(word: &str) -> Option<(NaiveTime, u32)> {
    let mut parts = word.split(':');
    let h: u32 = parts.next()?.parse().ok()?;
    let m: u32 = parts.next()?.parse().ok()?;
    let (s, nanos) = match parts.next() {
        Some(sec) => {
            let (whole, frac) = sec.split_once('.').unwrap_or((sec, ""));
            let s: u32 = whole.parse().ok()?;
            (s.min(59), fraction_nanos(frac)?)
        }
        None => (0, 0),
    };
    if parts.next().is_some() {
        return None;
    }
    Some((NaiveTime::from_hms_opt(h, m, s)?, nanos))
}

fn fraction_nanos(frac: &str) -> Option<u32> {
    if frac.is_empty() {
        return Some(0);
    }
    if !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let digits: String = frac.chars().chain("000000000".chars()).take(9).collect();
    digits.parse().ok()
}

fn number(word: &str) -> Option<u32> {
    if word.is_empty() || word.len() > 4 || !word.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    word.parse().ok()
}

/// RFC 5322 §4.3: two-digit years 00-49 are 20xx, 50-99 are 19xx; three digits add 1900.
fn year(word: &str) -> Option<i32> {
    let n = i32::try_from(number(word)?).ok()?;
    Some(match word.len() {
        1 | 2 if n < 50 => 2000 + n,
        1 | 2 => 1900 + n,
        3 => 1900 + n,
        _ => n,
    })
}

fn weekday(word: &str) -> bool {
    let w = word.trim_end_matches('.').to_ascii_lowercase();
    const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    DAYS.iter()
        .any(|d| w == *d || (w.len() > 3 && w.starts_with(d) && w.ends_with("day")))
}

fn month(word: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let w = word.trim_end_matches('.').to_ascii_lowercase();
    if w.len() < 3 {
        return None;
    }
    let index = MONTHS.iter().position(|m| w.starts_with(m))?;
    let full = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    let known = w.len() == 3 || full[index].starts_with(w.as_str()) || w == "sept";
    known.then_some(index as u32 + 1)
}

/// A zone word: `Some(Some(minutes))` for a known offset, `Some(None)` for an explicitly
/// unknown zone (`-0000`, military letters, unknown names), `None` when it is no zone.
fn zone(word: &str) -> Option<Option<i32>> {
    let bytes = word.as_bytes();
    if let Some(sign @ (b'+' | b'-')) = bytes.first().copied() {
        let digits: String = word[1..].chars().filter(|c| *c != ':').collect();
        if !(digits.len() == 4 || digits.len() == 2) || !digits.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let hours: i32 = digits[..2].parse().ok()?;
        let minutes: i32 = digits.get(2..4).map_or(Some(0), |m| m.parse().ok())?;
        if hours > 23 || minutes > 59 {
            return None;
        }
        let total = hours * 60 + minutes;
        if sign == b'-' && total == 0 {
            return Some(None);
        }
        return Some(Some(if sign == b'-' { -total } else { total }));
    }
    let upper = word.to_ascii_uppercase();
    let known = match upper.as_str() {
        "UT" | "UTC" | "GMT" | "Z" => 0,
        "EDT" => -4 * 60,
        "EST" | "CDT" => -5 * 60,
        "CST" | "MDT" => -6 * 60,
        "MST" | "PDT" => -7 * 60,
        "PST" => -8 * 60,
        "BST" | "CET" | "MET" | "WAT" => 60,
        "CEST" | "MEST" | "EET" | "SAST" => 120,
        "EEST" | "MSK" => 180,
        "JST" | "KST" => 9 * 60,
        "HKT" | "AWST" | "SGT" => 8 * 60,
        "AEST" => 10 * 60,
        "AEDT" => 11 * 60,
        "NZST" => 12 * 60,
        "NZDT" => 13 * 60,
        _ if upper.len() == 1 && upper.as_bytes()[0].is_ascii_alphabetic() => return Some(None),
        _ if (2..=5).contains(&upper.len()) && upper.bytes().all(|b| b.is_ascii_alphabetic()) => {
            return Some(None);
        }
        _ => return None,
    };
    Some(Some(known))
}
