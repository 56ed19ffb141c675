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

/// One random world, as the oracle reads it (not as the code under test does).
struct World {
    zone: &'static str,
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
    // Around European and American clock changes, half-hour zones and the southern summer.
    let zone = *rng.pick(&[
        "Europe/London",
        "America/New_York",
        "Asia/Kolkata",
        "Australia/Lord_Howe",
        "UTC",
    ]);
    let base = *rng.pick(&[
        Utc.with_ymd_and_hms(2030, 3, 29, 7, 13, 0).unwrap(),
        Utc.with_ymd_and_hms(2030, 10, 25, 22, 0, 0).unwrap(),
        Utc.with_ymd_and_hms(2030, 11, 1, 12, 0, 0).unwrap(),
        Utc.with_ymd_and_hms(2030, 4, 4, 9, 30, 0).unwrap(),
    ]);
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
    World {
        zone,
        weekly,
        overrides,
        step: *rng.pick(&[15, 20, 30, 45, 60]),
        duration: *rng.pick(&[15, 30, 60]),
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
        let doc = json!([{
            "slug": "t", "title": "T", "durations": [15, 30, 60], "default_duration": 30,
            "availability": {
                "timezone": self.zone, "weekly": weekly, "dates": dates,
                "min_notice_minutes": self.notice, "horizon_days": self.horizon,
                "buffer_before_minutes": self.before, "buffer_after_minutes": self.after,
                "slot_step_minutes": self.step,
            }
        }]);
        EventTypes::parse(&doc.to_string(), "BOOKING_TYPES", &[]).unwrap()
    }

    /// The rules, read straight from the issue.
    fn oracle(&self, start: DateTime<Utc>) -> bool {
        let tz: chrono_tz::Tz = self.zone.parse().unwrap();
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
        let end = start + Duration::minutes(self.duration as i64);
        let b = Duration::minutes(self.before as i64);
        let a = Duration::minutes(self.after as i64);
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
        local.second() == 0
            && on_grid
            && start > self.now
            && start >= self.now + Duration::minutes(self.notice as i64)
            && start < self.now + Duration::days(self.horizon as i64)
            && (0..self.meetings.len()).any(host_free)
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

/// What the booking path decides for `start`: validation's `check_start`, then the
/// coordinator's `reservation::choose` over `loads_at`.
fn booking_accepted(world: &World, types: &EventTypes, start: DateTime<Utc>) -> bool {
    let event_type = types.get("t").unwrap();
    let valid = check_start(
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
        &world.calendars(),
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
    for case in 0..120 {
        let world = random_world(&mut rng);
        let types = world.event_types();
        let asked = world.now.date_naive();
        let query_string = format!(
            "type=t&from={}&to={}&timezone=UTC&duration={}",
            asked.format("%Y-%m-%d"),
            (asked + Duration::days(3)).format("%Y-%m-%d"),
            world.duration
        );
        let q = query::parse(&query_string, &types, &CompiledZones, &Zone::utc()).unwrap();
        let offer = q.offer(&CompiledZones, world.now);
        let (from, to) = q.window(&CompiledZones);
        let calendars = world.calendars();
        let listed: Vec<DateTime<Utc>> = offer
            .candidates(from, to, &q.timezone)
            .into_iter()
            .filter(|s| {
                free_with(
                    &calendars,
                    offer.buffers(),
                    world.daily_limit,
                    world.max_concurrent,
                    Span::of(*s, world.duration),
                )
            })
            .collect();
        listed_total += listed.len();
        let mut minute = from;
        while minute < to {
            let expected = world.oracle(minute);
            assert_eq!(
                listed.binary_search(&minute).is_ok(),
                expected,
                "seed {seed} case {case}: listing of {minute} in {}",
                world.zone
            );
            assert_eq!(
                booking_accepted(&world, &types, minute),
                expected,
                "seed {seed} case {case}: booking of {minute} in {}",
                world.zone
            );
            assert_eq!(
                offered(
                    &offer,
                    &calendars,
                    world.daily_limit,
                    world.max_concurrent,
                    minute
                ),
                expected
            );
            minute += Duration::minutes(5);
        }
    }
    assert!(
        listed_total > 200,
        "the worlds offer something: {listed_total}"
    );
}
