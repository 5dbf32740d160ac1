//! When a send-later message goes: the times the send-later and reschedule prompts take
//! ("in 2h", "in 1h30m", "tomorrow 09:00", "17:30", "2025-06-01 08:00"), read against a
//! given "now" and local offset (pure, so `update` can check them without IO), and how a
//! chosen time is said back.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, Offset as _, TimeZone as _, Utc};

/// The furthest ahead a send may be put.
const MAX_AHEAD_DAYS: i64 = 366;

/// The formats, as the prompt's errors name them.
pub const FORMATS: &str = "in 2h, in 30m, tomorrow 09:00, 17:30, 2025-06-01 08:00";

/// Why a time was not understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WhenError {
    #[error("type when to send: {FORMATS}")]
    Empty,
    #[error("`{0}` is not a time (try {FORMATS})")]
    Unknown(String),
    #[error("`{0}` is not an amount of time (e.g. in 2h, in 1h30m, in 45 minutes)")]
    BadDuration(String),
    #[error("`{0}` is not a time of day (HH:MM, 00:00 to 23:59)")]
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
    let words: Vec<&str> = text.split_whitespace().collect();
    let local = local_now(now, offset);
    let at = match words.as_slice() {
        [] => return Err(WhenError::Empty),
        ["in", rest @ ..] if !rest.is_empty() => now + duration(&rest.concat(), input)?,
        ["tomorrow", time] => at_local(local.date_naive().succ_opt(), time_of_day(time)?, offset)?,
        ["today", time] => at_local(Some(local.date_naive()), time_of_day(time)?, offset)?,
        [time] if time.contains(':') => {
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

/// `HH:MM` (or `H:MM`).
fn time_of_day(text: &str) -> Result<NaiveTime, WhenError> {
    NaiveTime::parse_from_str(text, "%H:%M").map_err(|_| WhenError::BadTimeOfDay(text.to_string()))
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
