//! Availability (issue 15): the stack of the `availability` group. Three hosts and five types
//! configured through `BOOKING_TYPES`:
//!
//! - `office`: Mon–Fri 09:00–12:00 `Europe/London`, 30-minute meetings on 30-minute slots, 10
//!   minutes kept free after every meeting, 2 hours' notice, and [`closed_date`] closed by a
//!   `dates` override; any of the three hosts;
//! - `solo`: the same hours, rules and closed date, on [`SOLO_HOST`] alone;
//! - `anytime`: 30 minutes, no `availability` (bookable at any time);
//! - `far`: the same London hours on any host, no notice, a year ahead ([`FAR_HORIZON_DAYS`]):
//!   the next end of London's summer time is always within its reach;
//! - `notice`: the same London hours with [`LONG_NOTICE_MINUTES`] of notice, so a working day
//!   inside the notice is always near.
//!
//! One meeting at a time per host. Availability reads are limited to [`LIMIT_PER_MINUTE`] a minute per IP address; [`ask`]
//! sends each read from an address of its own so scenarios never meet that limit by accident,
//! [`ask_from`] from a chosen one.

use chrono::{Datelike, Duration, NaiveDate, Utc, Weekday};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;
use testbed::{Answer, Stack, StackOptions};
use zoom_emulator::TokenMode;

pub const HOSTS: [&str; 3] = [
    "avail-a@example.com",
    "avail-b@example.com",
    "avail-c@example.com",
];

/// The one host of `solo`.
pub const SOLO_HOST: &str = HOSTS[1];

/// `AVAILABILITY_LIMIT_PER_IP` of the stack.
pub const LIMIT_PER_MINUTE: u32 = 20;

/// `horizon_days` of `far`: the most a type may have.
pub const FAR_HORIZON_DAYS: i64 = 366;

/// `min_notice_minutes` of `notice`: four days, so the next working day is always inside it.
pub const LONG_NOTICE_MINUTES: i64 = 4 * 24 * 60;

/// A working day (Mon–Fri) 9 to 15 days ahead that `office` and `solo` close with a `dates`
/// override (`[]`). Read once per process, so the stack and the scenarios agree.
pub fn closed_date() -> NaiveDate {
    static CLOSED: OnceLock<NaiveDate> = OnceLock::new();
    *CLOSED.get_or_init(|| {
        let mut date = Utc::now().date_naive() + Duration::days(9);
        while matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
            date += Duration::days(1);
        }
        date
    })
}

/// The hours, notice, buffer and closed date `office` and `solo` share.
fn office_hours() -> String {
    london_hours(&format!(
        r#""dates": {{"{}": []}},
            "min_notice_minutes": 120,
            "buffer_after_minutes": 10"#,
        closed_date().format("%Y-%m-%d")
    ))
}

/// Mon–Fri 09:00–12:00 `Europe/London` with `rules` (JSON members) added.
fn london_hours(rules: &str) -> String {
    format!(
        r#"{{"timezone": "Europe/London",
            "weekly": {{"mon": ["09:00-12:00"], "tue": ["09:00-12:00"], "wed": ["09:00-12:00"],
                        "thu": ["09:00-12:00"], "fri": ["09:00-12:00"], "sat": [], "sun": []}},
            {rules}}}"#
    )
}

pub fn booking_types() -> String {
    let hours = office_hours();
    let far = london_hours(&format!(r#""horizon_days": {FAR_HORIZON_DAYS}"#));
    let notice = london_hours(&format!(r#""min_notice_minutes": {LONG_NOTICE_MINUTES}"#));
    format!(
        r#"[
  {{"slug": "office", "title": "Office hours", "durations": [30], "default_duration": 30,
    "availability": {hours}}},
  {{"slug": "solo", "title": "Solo office hours", "durations": [30], "default_duration": 30,
    "hosts": ["{SOLO_HOST}"], "availability": {hours}}},
  {{"slug": "anytime", "title": "Any time", "durations": [30], "default_duration": 30}},
  {{"slug": "far", "title": "A year ahead", "durations": [30], "default_duration": 30,
    "availability": {far}}},
  {{"slug": "notice", "title": "Long notice", "durations": [30], "default_duration": 30,
    "availability": {notice}}}
]"#
    )
}

pub fn options() -> StackOptions {
    let mut options = StackOptions::new(TokenMode::Multi)
        .var("ZOOM_HOST_USER", &HOSTS.join(","))
        .var("BOOKING_TYPES", &booking_types())
        // One meeting at a time per host (the testbed's default lifts the limit).
        .var("ZOOM_HOST_MAX_CONCURRENT", "1")
        .var(
            "AVAILABILITY_LIMIT_PER_IP",
            &format!("{LIMIT_PER_MINUTE}/minute"),
        );
    // The emulator's account has these users (Zoom answers 1001 for any other).
    options.emulator.users = HOSTS.iter().map(|h| h.to_string()).collect();
    options
}

/// `GET /v1/availability?{query}` from an address no other read of this process used.
pub fn ask(stack: &Stack, query: &str) -> Answer {
    static NEXT: AtomicU32 = AtomicU32::new(1);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let ip = format!("10.15.{}.{}", (n >> 8) & 0xff, n & 0xff);
    ask_from(stack, query, &ip)
}

/// `GET /v1/availability?{query}` as a client at `ip` (`CF-Connecting-IP`).
pub fn ask_from(stack: &Stack, query: &str, ip: &str) -> Answer {
    let url = format!("{}/v1/availability?{query}", stack.worker);
    testbed::send_with(&stack.agent, "GET", &url, &[("cf-connecting-ip", ip)], b"")
}

/// `time` (`HH:MM`) on `date` in London as the answer writes it: RFC 3339 with London's offset
/// that day (`+00:00` in winter, `+01:00` in summer), so a scenario holds in every season.
pub fn in_london(date: NaiveDate, time: &str) -> String {
    use chrono::TimeZone;
    let local = chrono::NaiveDateTime::parse_from_str(&format!("{date}T{time}"), "%Y-%m-%dT%H:%M")
        .unwrap_or_else(|e| panic!("{date}T{time}: {e}"));
    chrono_tz::Europe::London
        .from_local_datetime(&local)
        .single()
        .unwrap_or_else(|| panic!("{local} is not one London time"))
        .format("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}
