//! An event type's `availability` (working hours, overrides, notice, horizon, buffers, step)
//! read into a plain spec with path-named problems. Part of `schema` (std and serde_json only,
//! included by `build.rs`); `domain::availability` is the typed view that decides with it.

use super::{object_of, quoted, Problems, MAX_DURATION, MIN_DURATION};
use serde_json::{Map, Value};

/// Days of the week as the file names them, Monday first (ISO order).
pub const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
/// Most ranges one day may have.
pub const MAX_RANGES_PER_DAY: usize = 12;
/// Most per-date overrides: a year of them.
pub const MAX_DATE_OVERRIDES: usize = 366;
pub const DEFAULT_HORIZON_DAYS: u32 = 60;
/// As far ahead as any booking may be made (`booking::request::MAX_DAYS_AHEAD`).
pub const MAX_HORIZON_DAYS: u32 = 366;
/// A year of notice at most.
pub const MAX_NOTICE_MINUTES: u32 = 366 * 24 * 60;
/// A buffer is at most as long as the longest meeting.
pub const MAX_BUFFER_MINUTES: u32 = MAX_DURATION as u32;
/// Minutes in a day: `24:00`, the latest a range may end.
pub const DAY_MINUTES: u16 = 24 * 60;

const AVAILABILITY_KEYS: &[&str] = &[
    "timezone",
    "weekly",
    "dates",
    "min_notice_minutes",
    "horizon_days",
    "buffer_before_minutes",
    "buffer_after_minutes",
    "slot_step_minutes",
];

/// Open hours of one day: `[start, end)` in minutes after local midnight, ascending and
/// disjoint.
pub type DayRanges = Vec<(u16, u16)>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AvailabilitySpec {
    /// The IANA zone the hours are read in (its shape checked here, its existence where the
    /// zone database is: `EventTypes::zone_problems`); `None`: `DEFAULT_TIMEZONE`.
    pub timezone: Option<String>,
    /// Monday first; an empty day is closed.
    pub weekly: [DayRanges; 7],
    /// `(year, month, day)` → that date's hours instead of its weekday's, ascending by date.
    pub dates: Vec<((i32, u32, u32), DayRanges)>,
    pub min_notice_minutes: u32,
    pub horizon_days: u32,
    pub buffer_before_minutes: u32,
    pub buffer_after_minutes: u32,
    /// `None`: the type's default duration.
    pub slot_step_minutes: Option<u32>,
}

pub(super) fn read_availability(
    map: &Map<String, Value>,
    path: &str,
    p: &mut Problems,
) -> Option<AvailabilitySpec> {
    let path = format!("{path}.availability");
    let item = match map.get("availability") {
        None | Some(Value::Null) => return None,
        Some(item) => item,
    };
    let map = object_of(item, AVAILABILITY_KEYS, &path, p)?;
    let timezone = match map.get("timezone") {
        None | Some(Value::Null) => None,
        Some(Value::String(name)) if is_zone_shaped(name) => Some(name.clone()),
        Some(_) => {
            p.add(
                &format!("{path}.timezone"),
                "expected an IANA time zone name such as Europe/London",
            );
            None
        }
    };
    let mut weekly: [DayRanges; 7] = Default::default();
    match map.get("weekly") {
        None | Some(Value::Null) => {}
        Some(item) => {
            if let Some(days) = object_of(item, &WEEKDAYS, &format!("{path}.weekly"), p) {
                for (i, day) in WEEKDAYS.iter().enumerate() {
                    if let Some(ranges) = days.get(*day) {
                        weekly[i] = read_ranges(ranges, &format!("{path}.weekly.{day}"), p);
                    }
                }
            }
        }
    }
    let dates = read_dates(map.get("dates"), &format!("{path}.dates"), p);
    let number = |key: &str, min: u32, max: u32, default: u32, p: &mut Problems| match map.get(key)
    {
        None | Some(Value::Null) => default,
        Some(value) => match value.as_u64() {
            Some(n) if (u64::from(min)..=u64::from(max)).contains(&n) => n as u32,
            _ => {
                p.add(
                    &format!("{path}.{key}"),
                    format!("expected a whole number from {min} to {max}"),
                );
                default
            }
        },
    };
    let min_notice_minutes = number("min_notice_minutes", 0, MAX_NOTICE_MINUTES, 0, p);
    let horizon_days = number("horizon_days", 1, MAX_HORIZON_DAYS, DEFAULT_HORIZON_DAYS, p);
    let buffer_before_minutes = number("buffer_before_minutes", 0, MAX_BUFFER_MINUTES, 0, p);
    let buffer_after_minutes = number("buffer_after_minutes", 0, MAX_BUFFER_MINUTES, 0, p);
    let slot_step_minutes = match map.get("slot_step_minutes") {
        None | Some(Value::Null) => None,
        Some(_) => Some(number(
            "slot_step_minutes",
            MIN_DURATION as u32,
            MAX_DURATION as u32,
            MIN_DURATION as u32,
            p,
        )),
    };
    Some(AvailabilitySpec {
        timezone,
        weekly,
        dates,
        min_notice_minutes,
        horizon_days,
        buffer_before_minutes,
        buffer_after_minutes,
        slot_step_minutes,
    })
}

/// The shape of an IANA name (`Europe/Berlin`, `UTC`, `Etc/GMT+5`): a letter first, then
/// letters, digits, `/`, `_`, `-` and `+`, at most 64 characters. Here because this file builds
/// without the rest of the domain; `time_zone::is_zone_name` is this.
pub fn is_zone_shaped(name: &str) -> bool {
    name.len() <= 64
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/_-+".contains(c))
}

fn read_dates(
    item: Option<&Value>,
    path: &str,
    p: &mut Problems,
) -> Vec<((i32, u32, u32), DayRanges)> {
    let dates = match item {
        None | Some(Value::Null) => return Vec::new(),
        Some(Value::Object(dates)) => dates,
        Some(_) => {
            p.add(path, "expected an object of \"YYYY-MM-DD\": [ranges]");
            return Vec::new();
        }
    };
    if dates.len() > MAX_DATE_OVERRIDES {
        p.add(path, format!("at most {MAX_DATE_OVERRIDES} dates"));
        return Vec::new();
    }
    let mut read = Vec::new();
    for (key, ranges) in dates {
        let at = format!("{path}.{}", quoted(key));
        match parse_date(key) {
            Some(date) => read.push((date, read_ranges(ranges, &at, p))),
            None => p.add(&at, "expected a date YYYY-MM-DD"),
        }
    }
    read.sort();
    read
}

/// `YYYY-MM-DD`, a real calendar date.
pub fn parse_date(text: &str) -> Option<(i32, u32, u32)> {
    let b = text.as_bytes();
    let digits = |r: std::ops::Range<usize>| {
        b[r.clone()]
            .iter()
            .all(u8::is_ascii_digit)
            .then(|| text[r].parse::<u32>().ok())
            .flatten()
    };
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, m, d) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    (1..=days).contains(&d).then_some((y as i32, m, d))
}

/// `["HH:MM-HH:MM", …]`: each range non-empty, `24:00` the latest end, none overlapping.
fn read_ranges(item: &Value, path: &str, p: &mut Problems) -> DayRanges {
    let Value::Array(items) = item else {
        p.add(path, "expected a list of \"HH:MM-HH:MM\" ranges");
        return Vec::new();
    };
    if items.len() > MAX_RANGES_PER_DAY {
        p.add(path, format!("at most {MAX_RANGES_PER_DAY} ranges"));
        return Vec::new();
    }
    let mut ranges = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match item.as_str().and_then(parse_range) {
            Some(range) => ranges.push(range),
            None => p.add(
                &format!("{path}[{i}]"),
                "expected \"HH:MM-HH:MM\" with the start before the end (00:00 to 24:00)",
            ),
        }
    }
    ranges.sort();
    if ranges.windows(2).any(|w| w[0].1 > w[1].0) {
        p.add(path, "ranges overlap");
    }
    ranges
}

fn parse_range(text: &str) -> Option<(u16, u16)> {
    let (start, end) = text.split_once('-')?;
    let (start, end) = (clock_minutes(start)?, clock_minutes(end)?);
    (start < end && start < DAY_MINUTES).then_some((start, end))
}

/// `HH:MM` as minutes after midnight, `24:00` included.
fn clock_minutes(text: &str) -> Option<u16> {
    let (h, m) = text.trim().split_once(':')?;
    let two = |s: &str| {
        (s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u16>().ok())
            .flatten()
    };
    let (h, m) = (two(h)?, two(m)?);
    let minutes = h * 60 + m;
    (m < 60 && minutes <= DAY_MINUTES).then_some(minutes)
}
