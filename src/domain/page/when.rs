//! A meeting's time in words, in the booking's own time zone: "Thursday 26 November 2026,
//! 10:00–10:30, London time". What a guest reads in a confirmation; the booking page's and the
//! manage page's scripts write the same words with `Intl.DateTimeFormat` (`timeZone`).
//!
//! Written by hand: chrono's `format` would bring its whole format engine into the worker.

use crate::domain::time_zone::{Zone, ZoneRules};
use chrono::{DateTime, Datelike, Duration, NaiveDateTime, Timelike, Utc};

const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// `start` to `start + minutes` as the zone's wall clock shows them, with the zone's label. A
/// zone the database does not know (a record written before a zone was retired) reads as UTC.
/// An end on another day names that day too.
pub fn meeting_time_in_words(
    start: DateTime<Utc>,
    minutes: u32,
    zone_name: &str,
    zones: &dyn ZoneRules,
) -> String {
    let zone = zones.zone(zone_name).unwrap_or_else(Zone::utc);
    let local = |instant: DateTime<Utc>| {
        let offset = zones.offset_seconds(&zone, instant);
        (instant + Duration::seconds(i64::from(offset))).naive_utc()
    };
    let end = start + Duration::minutes(i64::from(minutes));
    let (from, to) = (local(start), local(end));
    let label = zone_label(&zone, zones.offset_seconds(&zone, start));
    if to.date() == from.date() {
        format!("{}, {}–{}, {label}", day(from), clock(from), clock(to))
    } else {
        let (from, to) = (day(from) + ", " + &clock(from), day(to) + ", " + &clock(to));
        format!("{from} – {to}, {label}")
    }
}

/// What people call the zone: `Europe/London` → "London time", `America/New_York` → "New York
/// time", `UTC` → "UTC". `Etc/GMT+5` means five hours *behind* UTC, so `Etc/…` zones are named
/// by their offset ("UTC−05:00") instead of their confusing name.
pub fn zone_label(zone: &Zone, offset_seconds: i32) -> String {
    let name = zone.name();
    if name.starts_with("Etc/") {
        return utc_offset(offset_seconds);
    }
    match name.rsplit_once('/') {
        Some((_, city)) => format!("{} time", city.replace('_', " ")),
        None => name.to_owned(),
    }
}

fn utc_offset(seconds: i32) -> String {
    if seconds == 0 {
        return "UTC".to_owned();
    }
    let sign = if seconds < 0 { '−' } else { '+' };
    let minutes = seconds.unsigned_abs() / 60;
    format!("UTC{sign}{:02}:{:02}", minutes / 60, minutes % 60)
}

fn day(t: NaiveDateTime) -> String {
    format!(
        "{} {} {} {}",
        WEEKDAYS[t.weekday().num_days_from_monday() as usize],
        t.day(),
        MONTHS[t.month0() as usize],
        t.year()
    )
}

fn clock(t: NaiveDateTime) -> String {
    format!("{:02}:{:02}", t.hour(), t.minute())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time_zone::CompiledZones;
    use chrono::TimeZone;

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }

    fn words(start: DateTime<Utc>, minutes: u32, zone: &str) -> String {
        meeting_time_in_words(start, minutes, zone, &CompiledZones)
    }

    #[test]
    fn a_london_meeting_reads_in_london_time_with_its_end() {
        assert_eq!(
            words(at(2026, 11, 26, 10, 0), 30, "Europe/London"),
            "Thursday 26 November 2026, 10:00–10:30, London time"
        );
    }

    #[test]
    fn the_wall_clock_is_the_zones_own_in_summer_and_winter() {
        assert_eq!(
            words(at(2026, 7, 1, 14, 0), 45, "America/New_York"),
            "Wednesday 1 July 2026, 10:00–10:45, New York time"
        );
        assert_eq!(
            words(at(2026, 1, 15, 15, 0), 60, "America/New_York"),
            "Thursday 15 January 2026, 10:00–11:00, New York time"
        );
        assert_eq!(
            words(at(2026, 1, 10, 1, 30), 30, "Australia/Adelaide"),
            "Saturday 10 January 2026, 12:00–12:30, Adelaide time"
        );
    }

    #[test]
    fn utc_and_offset_zones_are_named_by_their_offset() {
        assert_eq!(
            words(at(2026, 11, 26, 10, 0), 30, "UTC"),
            "Thursday 26 November 2026, 10:00–10:30, UTC"
        );
        assert_eq!(
            words(at(2026, 11, 26, 15, 0), 30, "Etc/GMT+5"),
            "Thursday 26 November 2026, 10:00–10:30, UTC−05:00"
        );
        assert_eq!(
            words(at(2026, 11, 26, 10, 0), 30, "Etc/UTC"),
            "Thursday 26 November 2026, 10:00–10:30, UTC"
        );
    }

    #[test]
    fn multi_word_cities_read_with_spaces() {
        assert_eq!(
            words(at(2026, 3, 2, 13, 0), 30, "America/Argentina/Buenos_Aires"),
            "Monday 2 March 2026, 10:00–10:30, Buenos Aires time"
        );
    }

    #[test]
    fn a_meeting_past_midnight_names_the_day_it_ends() {
        assert_eq!(
            words(at(2026, 11, 26, 23, 30), 60, "Europe/London"),
            "Thursday 26 November 2026, 23:30 – Friday 27 November 2026, 00:30, London time"
        );
    }

    #[test]
    fn the_end_follows_a_dst_change_during_the_meeting() {
        // 2026-10-25 01:00 UTC: London goes from BST (+1) back to GMT.
        assert_eq!(
            words(at(2026, 10, 25, 0, 30), 60, "Europe/London"),
            "Sunday 25 October 2026, 01:30–01:30, London time"
        );
    }

    #[test]
    fn an_unknown_zone_reads_as_utc() {
        assert_eq!(
            words(at(2026, 11, 26, 10, 0), 30, "Mars/Olympus"),
            "Thursday 26 November 2026, 10:00–10:30, UTC"
        );
    }
}
