//! The property the availability answer promises — a start is listed if and only if a booking
//! of it, made now, would be accepted — checked over random hours, calendars and settings
//! against a brute-force oracle written here from the rules alone: minute by minute,
//! with chrono-tz's own local times, and none of the code under test.

use super::super::query;
use super::super::*;
use crate::domain::booking::host_pool::HostLoad;
use crate::domain::booking::reservation::{choose, Decision, Pool};
use crate::domain::event_types::EventTypes;
use crate::domain::time_zone::CompiledZones;
use chrono::{Datelike, Duration, NaiveDate, TimeZone, Timelike};
use serde_json::{json, Value};

/// SplitMix64: small, seeded, reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// Zones of every kind: European and American changes, clocks that skip or repeat midnight
/// (Santiago, Havana, Beirut), 30- and 45-minute offsets (Kolkata, Kathmandu, Chatham), Lord
/// Howe's 30-minute DST, and the two ends of the world (Kiritimati +14, Pago Pago −11), whose
/// dates differ by a whole day.
const ZONES: &[&str] = &[
    "Europe/London",
    "America/New_York",
    "America/Santiago",
    "America/Havana",
    "Asia/Beirut",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Pacific/Chatham",
    "Australia/Lord_Howe",
    "Pacific/Kiritimati",
    "Pacific/Pago_Pago",
    "UTC",
];

/// The instants in 2030 at which `zone` changes its offset (none for a zone without DST).
fn changes_2030(zone: &str) -> Vec<DateTime<Utc>> {
    let tz: chrono_tz::Tz = zone.parse().unwrap();
    let offset = |t: DateTime<Utc>| {
        use chrono::Offset;
        t.with_timezone(&tz).offset().fix().local_minus_utc()
    };
    let mut found = Vec::new();
    let mut t = Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap();
    while t.year() == 2030 {
        if offset(t) != offset(t + Duration::minutes(15)) {
            found.push(t + Duration::minutes(15));
        }
        t += Duration::minutes(15);
    }
    found
}

/// One random world, as the oracle reads it (not as the code under test does).
struct World {
    /// The zone the type's hours are read in; `None`: a type without hours.
    zone: Option<&'static str>,
    /// The zone the question is asked in.
    asked_in: &'static str,
    /// Monday first: `[start, end)` minutes.
    weekly: Vec<Vec<(u32, u32)>>,
    overrides: Vec<(NaiveDate, Vec<(u32, u32)>)>,
    step: u32,
    duration: u32,
    notice: u32,
    horizon: u32,
    before: u32,
    after: u32,
    max_concurrent: u32,
    daily_limit: u32,
    used_today: Vec<u32>,
    /// Per host: `[start, end)` instants.
    meetings: Vec<Vec<(DateTime<Utc>, DateTime<Utc>)>>,
    now: DateTime<Utc>,
}

fn hhmm(m: u32) -> String {
    format!("{:02}:{:02}", m / 60, m % 60)
}

fn random_day(rng: &mut Rng) -> Vec<(u32, u32)> {
    let mut ranges = Vec::new();
    let mut at = rng.below(16) as u32 * 30;
    for _ in 0..rng.below(3) {
        let start = at + rng.below(8) as u32 * 30;
        let end = (start + 30 + rng.below(12) as u32 * 15).min(1440);
        if start >= 1440 || end <= start {
            break;
        }
        ranges.push((start, end));
        at = end + rng.below(4) as u32 * 30;
    }
    ranges
}

fn random_world(rng: &mut Rng) -> World {
    let zone = (rng.below(5) != 0).then(|| *rng.pick(ZONES));
    // Asked in the hours' zone or any other.
    let asked_in = match zone {
        Some(zone) if rng.below(2) == 0 => zone,
        _ => *rng.pick(ZONES),
    };
    // Shortly before a clock change of either zone (the window is four days), or anywhere.
    let mut changes = changes_2030(zone.unwrap_or(asked_in));
    changes.extend(changes_2030(asked_in));
    let base = if changes.is_empty() || rng.below(5) == 0 {
        Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap() + Duration::hours(rng.below(8760) as i64)
    } else {
        *rng.pick(&changes) - Duration::hours(rng.below(72) as i64)
    };
    let now = base + Duration::minutes(rng.below(600) as i64);
    let weekly = (0..7).map(|_| random_day(rng)).collect();
    let overrides = (0..rng.below(3))
        .map(|_| {
            let date = (now + Duration::days(rng.below(4) as i64)).date_naive();
            let hours = if rng.below(2) == 0 {
                Vec::new()
            } else {
                random_day(rng)
            };
            (date, hours)
        })
        .collect::<std::collections::BTreeMap<_, _>>()
        .into_iter()
        .collect();
    let hosts = 1 + rng.below(3) as usize;
    let mut meetings = Vec::new();
    for _ in 0..hosts {
        let mut mine = Vec::new();
        for _ in 0..rng.below(8) {
            let start = now + Duration::minutes(rng.below(4 * 1440) as i64 - 120);
            let length = Duration::minutes(5 + rng.below(120) as i64);
            mine.push((start, start + length));
        }
        meetings.push(mine);
    }
    let step = *rng.pick(&[15, 20, 30, 45, 60]);
    World {
        zone,
        asked_in,
        weekly,
        overrides,
        step,
        // A type without hours lists its grid at its default duration (its step).
        duration: match zone {
            Some(_) => *rng.pick(&[15, 30, 60, 600]),
            None => *rng.pick(&[step, step, 15, 600]),
        },
        notice: *rng.pick(&[0, 0, 30, 120, 1440]),
        horizon: *rng.pick(&[1, 2, 3, 60]),
        before: *rng.pick(&[0, 0, 5, 15]),
        after: *rng.pick(&[0, 10, 30]),
        max_concurrent: 1 + rng.below(2) as u32,
        daily_limit: 3,
        used_today: (0..hosts).map(|_| *rng.pick(&[0, 1, 3])).collect(),
        meetings,
        now,
    }
}

impl World {
    fn event_types(&self) -> EventTypes {
        let ranges = |day: &[(u32, u32)]| -> Vec<String> {
            day.iter()
                .map(|(a, b)| format!("{}-{}", hhmm(*a), hhmm(*b)))
                .collect()
        };
        let names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
        let weekly: serde_json::Map<String, Value> = names
            .iter()
            .zip(&self.weekly)
            .map(|(n, day)| (n.to_string(), json!(ranges(day))))
            .collect();
        let dates: serde_json::Map<String, Value> = self
            .overrides
            .iter()
            .map(|(d, day)| (d.format("%Y-%m-%d").to_string(), json!(ranges(day))))
            .collect();
        let mut durations = vec![15, 30, 60, 600, self.step];
        durations.sort();
        durations.dedup();
        let mut doc = json!([{
            "slug": "t", "title": "T", "durations": durations, "default_duration": self.step,
        }]);
        if let Some(zone) = self.zone {
            doc[0]["availability"] = json!({
                "timezone": zone, "weekly": weekly, "dates": dates,
                "min_notice_minutes": self.notice, "horizon_days": self.horizon,
                "buffer_before_minutes": self.before, "buffer_after_minutes": self.after,
                "slot_step_minutes": self.step,
            });
        }
        EventTypes::parse(&doc.to_string(), "BOOKING_TYPES", &[]).unwrap()
    }

    /// Whether the answer lists `start`: the rules, read straight from the issue.
    fn oracle(&self, start: DateTime<Utc>) -> bool {
        let Some(zone) = self.zone else {
            // Every step from 00:00 in the asked zone, free, in the future and within a year.
            let tz: chrono_tz::Tz = self.asked_in.parse().unwrap();
            let local = start.with_timezone(&tz).naive_local();
            let minute = local.hour() * 60 + local.minute();
            return local.second() == 0
                && minute.is_multiple_of(self.step)
                && self.bookable_without_hours(start);
        };
        let tz: chrono_tz::Tz = zone.parse().unwrap();
        let local = start.with_timezone(&tz).naive_local();
        let date = local.date();
        let minute = local.hour() * 60 + local.minute();
        let day = self
            .overrides
            .iter()
            .find(|(d, _)| *d == date)
            .map(|(_, r)| r.clone())
            .unwrap_or_else(|| self.weekly[date.weekday().num_days_from_monday() as usize].clone());
        let on_grid = day.iter().any(|&(open, close)| {
            minute >= open
                && (minute - open).is_multiple_of(self.step)
                && minute + self.duration <= close
        });
        local.second() == 0
            && on_grid
            && start > self.now
            && start >= self.now + Duration::minutes(self.notice as i64)
            && start < self.now + Duration::days(self.horizon as i64)
            && self.some_host_free(start)
    }

    /// Whether a type without hours books `start` (any time, as before hours existed).
    fn bookable_without_hours(&self, start: DateTime<Utc>) -> bool {
        start > self.now && start <= self.now + Duration::days(366) && self.some_host_free(start)
    }

    fn some_host_free(&self, start: DateTime<Utc>) -> bool {
        let (before, after) = match self.zone {
            Some(_) => (self.before, self.after),
            None => (0, 0),
        };
        let end = start + Duration::minutes(self.duration as i64);
        let b = Duration::minutes(before as i64);
        let a = Duration::minutes(after as i64);
        let host_free = |h: usize| {
            self.used_today[h] < self.daily_limit
                && self.meetings[h]
                    .iter()
                    .filter(|(ms, me)| {
                        let first = start - b < *me && *ms < end + a;
                        let second = start < *me + a && *ms - b < end;
                        first || second
                    })
                    .count()
                    < self.max_concurrent as usize
        };
        (0..self.meetings.len()).any(host_free)
    }

    fn calendars(&self) -> Vec<HostCalendar> {
        self.meetings
            .iter()
            .zip(&self.used_today)
            .map(|(meetings, used)| HostCalendar {
                used_today: *used,
                meetings: meetings
                    .iter()
                    .map(|(s, e)| Span {
                        start_ms: s.timestamp_millis(),
                        end_ms: e.timestamp_millis(),
                    })
                    .collect(),
            })
            .collect()
    }
}

/// What the booking path decides for `start`: validation's window (in the future, within
/// `MAX_DAYS_AHEAD`) and `check_start`, then the coordinator's `reservation::choose` over
/// `loads_at`.
fn booking_accepted(
    world: &World,
    types: &EventTypes,
    calendars: &[HostCalendar],
    start: DateTime<Utc>,
) -> bool {
    let event_type = types.get("t").unwrap();
    let in_window = start > world.now
        && start <= world.now + Duration::days(crate::domain::booking::request::MAX_DAYS_AHEAD);
    let valid = in_window
        && check_start(
            event_type,
            world.duration,
            start,
            &CompiledZones,
            &Zone::utc(),
            world.now,
            false,
        )
        .is_ok();
    let loads: Vec<HostLoad> = loads_at(
        Span::of(start, world.duration),
        Buffers::of(event_type),
        calendars,
    );
    let pool = Pool {
        loads: &loads,
        daily_limit: world.daily_limit,
        max_concurrent: world.max_concurrent,
        cursor: 0,
        now: world.now,
    };
    valid && matches!(choose(&pool), Decision::Hold { .. })
}

#[test]
fn a_start_is_listed_if_and_only_if_a_booking_of_it_is_accepted() {
    let seed = std::env::var("AVAILABILITY_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(15);
    let mut rng = Rng(seed);
    let mut listed_total = 0;
    for case in 0..160 {
        let world = random_world(&mut rng);
        let types = world.event_types();
        let asked_tz: chrono_tz::Tz = world.asked_in.parse().unwrap();
        let first_date = world.now.with_timezone(&asked_tz).date_naive();
        let last_date = first_date + Duration::days(3);
        let query_string = format!(
            "type=t&from={}&to={}&timezone={}&duration={}",
            first_date.format("%Y-%m-%d"),
            last_date.format("%Y-%m-%d"),
            world.asked_in.to_lowercase(),
            world.duration
        );
        let q = query::parse(&query_string, &types, &CompiledZones, &Zone::utc()).unwrap();
        assert_eq!(q.timezone.name(), world.asked_in);
        let offer = q.offer(&CompiledZones, world.now);
        let (from, to) = q.window(&CompiledZones);
        // What the worker sends and the coordinator's sweep answers.
        let candidates = offer.candidates(from, to, &q.timezone);
        let starts = Starts::of(&candidates).expand().unwrap();
        let calendars = world.calendars();
        let mask = free_mask(
            &starts,
            world.duration,
            offer.buffers(),
            &calendars,
            world.daily_limit,
            world.max_concurrent,
        );
        let listed = mask.free(&candidates);
        listed_total += listed.len();
        // The answer as written: every listed start, once, under its own date in the asked
        // zone, and nothing else.
        let answer = q.answer(&CompiledZones, (from, to), &listed);
        let days = answer["days"].as_array().unwrap();
        assert_eq!(days.len(), 4);
        let mut written = Vec::new();
        for day in days {
            for slot in day["slots"].as_array().unwrap() {
                let slot = slot.as_str().unwrap();
                assert_eq!(&slot[..10], day["date"].as_str().unwrap(), "{slot}");
                assert!(!slot.ends_with('Z'), "{slot}");
                written.push(
                    DateTime::parse_from_rfc3339(slot)
                        .unwrap()
                        .with_timezone(&Utc),
                );
            }
        }
        assert_eq!(
            written, listed,
            "seed {seed} case {case}: the answer as written"
        );
        // Every 5 minutes from well before the first date to well after the last: listed iff
        // its date (in the asked zone) was asked and the oracle takes it; booked iff the
        // oracle takes it.
        let mut minute = first_date.and_hms_opt(0, 0, 0).unwrap().and_utc() - Duration::hours(38);
        let end = last_date.and_hms_opt(0, 0, 0).unwrap().and_utc() + Duration::hours(38);
        while minute < end {
            let date = minute.with_timezone(&asked_tz).date_naive();
            let asked = (first_date..=last_date).contains(&date);
            let expected = world.oracle(minute);
            let at = || {
                format!(
                    "seed {seed} case {case}: {minute} in {:?} asked in {}",
                    world.zone, world.asked_in
                )
            };
            assert_eq!(
                listed.binary_search(&minute).is_ok(),
                asked && expected,
                "listing of {}",
                at()
            );
            let bookable = match world.zone {
                Some(_) => expected,
                None => world.bookable_without_hours(minute),
            };
            assert_eq!(
                booking_accepted(&world, &types, &calendars, minute),
                bookable,
                "booking of {}",
                at()
            );
            if world.zone.is_some() {
                assert_eq!(
                    offered(
                        &offer,
                        &calendars,
                        world.daily_limit,
                        world.max_concurrent,
                        minute
                    ),
                    expected,
                    "offered {}",
                    at()
                );
            }
            minute += Duration::minutes(5);
        }
    }
    assert!(
        listed_total > 2000,
        "the worlds offer something: {listed_total}"
    );
}
