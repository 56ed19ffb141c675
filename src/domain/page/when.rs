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
/// An end on another day names that day too. When the clocks change during the meeting, or it
/// starts or ends in an hour the clocks repeat, a wall-clock time alone would misstate the length
/// ("01:30–01:30") or name two instants: each time then carries its UTC offset.
pub fn meeting_time_in_words(
    start: DateTime<Utc>,
    minutes: u32,
    zone_name: &str,
    zones: &dyn ZoneRules,
) -> String {
    let zone = zones.zone(zone_name).unwrap_or_else(Zone::utc);
    let offset = |instant: DateTime<Utc>| zones.offset_seconds(&zone, instant);
    let end = start + Duration::minutes(i64::from(minutes));
    let (start_offset, end_offset) = (offset(start), offset(end));
    let marked = start_offset != end_offset
        || repeated(start, start_offset, &offset)
        || repeated(end, end_offset, &offset);
    let local = |instant: DateTime<Utc>, offset: i32| {
        (instant + Duration::seconds(i64::from(offset))).naive_utc()
    };
    let (from, to) = (local(start, start_offset), local(end, end_offset));
    let stamp = |t: NaiveDateTime, offset: i32| match marked {
        true => format!("{} ({})", clock(t), utc_offset(offset)),
        false => clock(t),
    };
    let label = zone_label(&zone, start_offset);
    let (from_clock, to_clock) = (stamp(from, start_offset), stamp(to, end_offset));
    if to.date() != from.date() {
        let (from, to) = (day(from), day(to));
        format!("{from}, {from_clock} – {to}, {to_clock}, {label}")
    } else if marked {
        format!("{}, {from_clock} – {to_clock}, {label}", day(from))
    } else {
        format!("{}, {from_clock}–{to_clock}, {label}", day(from))
    }
}

/// Whether the wall-clock time `instant` shows (at `offset`) is shown again at another instant,
/// as in the hour repeated when clocks go back. No zone changes offset twice within 6 hours, so
/// the other offset, if any, is in force 6 hours before or after.
fn repeated(instant: DateTime<Utc>, offset: i32, offset_at: &dyn Fn(DateTime<Utc>) -> i32) -> bool {
    [-6, 6].iter().any(|hours| {
        let other = offset_at(instant + Duration::hours(*hours));
        let twin = instant + Duration::seconds(i64::from(offset - other));
        other != offset && offset_at(twin) == other
    })
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
    fn a_meeting_over_the_clocks_going_back_gives_each_time_its_offset() {
        // 2026-10-25 01:00 UTC: London goes from BST (+1) back to GMT; 01:30 happens twice.
        assert_eq!(
            words(at(2026, 10, 25, 0, 30), 60, "Europe/London"),
            "Sunday 25 October 2026, 01:30 (UTC+01:00) – 01:30 (UTC), London time"
        );
    }

    #[test]
    fn a_start_in_the_repeated_hour_says_which_one() {
        let first = words(at(2026, 10, 25, 0, 30), 15, "Europe/London");
        let second = words(at(2026, 10, 25, 1, 30), 15, "Europe/London");
        assert_eq!(
            first,
            "Sunday 25 October 2026, 01:30 (UTC+01:00) – 01:45 (UTC+01:00), London time"
        );
        assert_eq!(
            second,
            "Sunday 25 October 2026, 01:30 (UTC) – 01:45 (UTC), London time"
        );
    }

    #[test]
    fn a_meeting_over_the_clocks_going_forward_gives_each_time_its_offset() {
        // 2026-03-29 01:00 UTC: London skips from 01:00 GMT to 02:00 BST.
        assert_eq!(
            words(at(2026, 3, 29, 0, 30), 60, "Europe/London"),
            "Sunday 29 March 2026, 00:30 (UTC) – 02:30 (UTC+01:00), London time"
        );
    }

    #[test]
    fn times_next_to_a_change_but_clear_of_it_read_plainly() {
        assert_eq!(
            words(at(2026, 10, 24, 22, 0), 60, "Europe/London"),
            "Saturday 24 October 2026, 23:00 – Sunday 25 October 2026, 00:00, London time"
        );
        assert_eq!(
            words(at(2026, 10, 25, 2, 0), 30, "Europe/London"),
            "Sunday 25 October 2026, 02:00–02:30, London time"
        );
    }

    #[test]
    fn half_and_quarter_hour_zones_read_their_own_clock() {
        assert_eq!(
            words(at(2026, 11, 26, 4, 30), 30, "Asia/Kolkata"),
            "Thursday 26 November 2026, 10:00–10:30, Kolkata time"
        );
        // Chatham is UTC+13:45 in its summer; Lord Howe moves by half an hour (UTC+11).
        assert_eq!(
            words(at(2026, 1, 14, 20, 15), 45, "Pacific/Chatham"),
            "Thursday 15 January 2026, 10:00–10:45, Chatham time"
        );
        assert_eq!(
            words(at(2026, 1, 14, 23, 0), 30, "Australia/Lord_Howe"),
            "Thursday 15 January 2026, 10:00–10:30, Lord Howe time"
        );
        // Lord Howe's half-hour change (2026-04-05 02:00 local back to 01:30).
        assert_eq!(
            words(at(2026, 4, 4, 14, 45), 30, "Australia/Lord_Howe"),
            "Sunday 5 April 2026, 01:45 (UTC+11:00) – 01:45 (UTC+10:30), Lord Howe time"
        );
    }

    #[test]
    fn the_longest_meeting_over_new_year_names_both_days() {
        assert_eq!(
            words(at(2026, 12, 31, 18, 0), 720, "Europe/Berlin"),
            "Thursday 31 December 2026, 19:00 – Friday 1 January 2027, 07:00, Berlin time"
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
