//! When a send-later message goes: the times the send-later and reschedule prompts take
//! ("in 2h", "in 1h30m", "tomorrow 09:00", "17:30", "9am", "2025-06-01 08:00"), read against a
//! given "now" and local offset (pure, so `update` can check them without IO), and how a
//! chosen time is said back.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, Offset as _, TimeZone as _, Utc};

/// The furthest ahead a send may be put.
const MAX_AHEAD_DAYS: i64 = 366;

/// The formats, as the prompt's errors name them.
pub const FORMATS: &str = "in 2h, in 30m, tomorrow 09:00, 17:30, 9am, 2025-06-01 08:00";

/// Why a time was not understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WhenError {
    #[error("type when to send: {FORMATS}")]
    Empty,
    #[error("`{0}` is not a time (try {FORMATS})")]
    Unknown(String),
    #[error("`{0}` is not an amount of time (e.g. in 2h, in 1h30m, in 45 minutes)")]
    BadDuration(String),
    #[error("`{0}` is not a time of day (HH:MM, 00:00 to 23:59, or 9am, 5:30pm)")]
    BadTimeOfDay(String),
    #[error("`{0}` is not a date (YYYY-MM-DD)")]
    BadDate(String),
    #[error("{0} has passed")]
    Past(String),
    #[error("that is more than {MAX_AHEAD_DAYS} days ahead")]
    TooFar,
}

/// The unix time `input` names, `now` being unix seconds and `offset` the local time
/// zone's seconds east of UTC. A time of day alone is today's, or tomorrow's when it has
/// passed; a full date and time must be in the future.
pub fn parse(input: &str, now: i64, offset: i32) -> Result<i64, WhenError> {
    let text = input.trim().to_lowercase();
    let words = with_meridiem_joined(&text);
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    let local = local_now(now, offset);
    let at = match words.as_slice() {
        [] => return Err(WhenError::Empty),
        ["in", rest @ ..] if !rest.is_empty() => now + duration(&rest.concat(), input)?,
        ["tomorrow", time] => at_local(local.date_naive().succ_opt(), time_of_day(time)?, offset)?,
        ["today", time] => at_local(Some(local.date_naive()), time_of_day(time)?, offset)?,
        [time] if time.contains(':') || meridiem(time).is_some() => {
            let t = time_of_day(time)?;
            let today = at_local(Some(local.date_naive()), t, offset)?;
            if today > now {
                today
            } else {
                at_local(local.date_naive().succ_opt(), t, offset)?
            }
        }
        [date, time] => {
            let day = NaiveDate::parse_from_str(date, "%Y-%m-%d")
                .map_err(|_| WhenError::BadDate((*date).to_string()))?;
            at_local(Some(day), time_of_day(time)?, offset)?
        }
        _ => return Err(WhenError::Unknown(input.trim().to_string())),
    };
    if at <= now {
        return Err(WhenError::Past(input.trim().to_string()));
    }
    if at - now > MAX_AHEAD_DAYS * 86_400 {
        return Err(WhenError::TooFar);
    }
    Ok(at)
}

/// `at` as the outbox and the status line say it: `today 17:30`, `tomorrow 09:00`, or the
/// date and time, local.
pub fn describe(at: i64, now: i64, offset: i32) -> String {
    let (at_local, today) = (local_now(at, offset), local_now(now, offset).date_naive());
    let time = at_local.format("%H:%M");
    match at_local.date_naive() {
        d if d == today => format!("today {time}"),
        d if Some(d) == today.succ_opt() => format!("tomorrow {time}"),
        _ => at_local.format("%Y-%m-%d %H:%M").to_string(),
    }
}

/// The local zone; an offset out of range (a day or more) is taken as UTC.
fn zone(offset: i32) -> FixedOffset {
    FixedOffset::east_opt(offset).unwrap_or(Utc.fix())
}

fn local_now(secs: i64, offset: i32) -> DateTime<FixedOffset> {
    DateTime::from_timestamp(secs, 0)
        .unwrap_or_default()
        .with_timezone(&zone(offset))
}

fn at_local(day: Option<NaiveDate>, time: NaiveTime, offset: i32) -> Result<i64, WhenError> {
    let day = day.ok_or(WhenError::TooFar)?;
    zone(offset)
        .from_local_datetime(&day.and_time(time))
        .single()
        .map(|t| t.timestamp())
        .ok_or(WhenError::TooFar)
}

/// The words of `text`, with a lone `am` or `pm` joined to the time before it (`9 am`).
fn with_meridiem_joined(text: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        match words.last_mut() {
            Some(last) if matches!(word, "am" | "pm") => last.push_str(word),
            _ => words.push(word.to_string()),
        }
    }
    words
}

/// `9am` -> (`9`, false), `5:30pm` -> (`5:30`, true): the clock time and whether it is
/// after noon; `None` without `am` or `pm`.
fn meridiem(text: &str) -> Option<(&str, bool)> {
    if let Some(clock) = text.strip_suffix("am") {
        Some((clock, false))
    } else {
        text.strip_suffix("pm").map(|clock| (clock, true))
    }
}

/// `HH:MM` (or `H:MM`), or a 12-hour time: `9am`, `12pm` (noon), `12am` (midnight),
/// `5:30pm`.
fn time_of_day(text: &str) -> Result<NaiveTime, WhenError> {
    let bad = || WhenError::BadTimeOfDay(text.to_string());
    let Some((clock, after_noon)) = meridiem(text) else {
        return NaiveTime::parse_from_str(text, "%H:%M").map_err(|_| bad());
    };
    let (hour, minute) = clock.split_once(':').unwrap_or((clock, "0"));
    let (hour, minute): (u32, u32) = (
        hour.parse().map_err(|_| bad())?,
        minute.parse().map_err(|_| bad())?,
    );
    if !(1..=12).contains(&hour) {
        return Err(bad());
    }
    let hour = hour % 12 + if after_noon { 12 } else { 0 };
    NaiveTime::from_hms_opt(hour, minute, 0).ok_or_else(bad)
}

/// Seconds in `2h`, `1h30m`, `45minutes`, `90s`, `2d` (the words after `in`, joined).
fn duration(text: &str, input: &str) -> Result<i64, WhenError> {
    let bad = || WhenError::BadDuration(input.trim().to_string());
    let mut total: i64 = 0;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let amount: i64 = rest[..digits].parse().map_err(|_| bad())?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit = match &rest[..unit_len] {
            "s" | "sec" | "secs" | "second" | "seconds" => 1,
            "m" | "min" | "mins" | "minute" | "minutes" => 60,
            "h" | "hr" | "hrs" | "hour" | "hours" => 3600,
            "d" | "day" | "days" => 86_400,
            _ => return Err(bad()),
        };
        rest = &rest[unit_len..];
        let part = amount.checked_mul(unit).ok_or(WhenError::TooFar)?;
        total = total.checked_add(part).ok_or(WhenError::TooFar)?;
        if total > MAX_AHEAD_DAYS * 86_400 {
            return Err(WhenError::TooFar);
        }
    }
    if total == 0 {
        return Err(bad());
    }
    Ok(total)
}

#[cfg(test)]
mod tests;
