//! An event type's rules for a start: hours read in the type's zone, the slot grid, notice and
//! horizon. [`Offer::admits`] decides one start; [`Offer::candidates`] lists the starts it
//! admits in a span, by walking the same grid.

use super::calendar::Buffers;
use crate::domain::booking::request::MAX_DAYS_AHEAD;
use crate::domain::event_types::schema::{AvailabilitySpec, DayRanges, DAY_MINUTES};
use crate::domain::event_types::EventType;
use crate::domain::time_zone::{local_to_utc, Sampled, Zone, ZoneRules};
use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, Timelike, Utc};

/// Why a start is not offered by the type's rules (all `422 outside_availability`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outside {
    /// Not a slot of the type's hours: a closed day, outside the ranges, off the grid, or too
    /// long to end within its range.
    NotOpen,
    /// Sooner than the type's minimum notice (or not in the future).
    TooSoon,
    /// At or past the type's horizon.
    TooFar,
}

/// The rules for booking one type at one length.
pub struct Offer<'a> {
    rules: &'a dyn ZoneRules,
    now: DateTime<Utc>,
    duration_minutes: u32,
    step_minutes: u32,
    buffers: Buffers,
    hours: Option<(&'a AvailabilitySpec, Zone)>,
}

impl<'a> Offer<'a> {
    /// `hours_zone` is the zone the type's hours are read in (its `availability.timezone`, else
    /// `DEFAULT_TIMEZONE`; unused for a type without hours).
    pub fn new(
        event_type: &'a EventType,
        duration_minutes: u32,
        hours_zone: Zone,
        rules: &'a dyn ZoneRules,
        now: DateTime<Utc>,
    ) -> Self {
        let spec = event_type.availability();
        Offer {
            rules,
            now,
            duration_minutes,
            step_minutes: spec
                .and_then(|s| s.slot_step_minutes)
                .unwrap_or_else(|| event_type.default_duration()),
            buffers: Buffers::of(event_type),
            hours: spec.map(|s| (s, hours_zone)),
        }
    }

    pub fn duration_minutes(&self) -> u32 {
        self.duration_minutes
    }

    pub fn buffers(&self) -> Buffers {
        self.buffers
    }

    /// Whether the type's rules take a booking starting at `start`. A type without hours takes
    /// any start in the future within `MAX_DAYS_AHEAD` days (what a booking could always do).
    pub fn admits(&self, start: DateTime<Utc>) -> Result<(), Outside> {
        self.admits_with(self.rules, start)
    }

    fn admits_with(&self, rules: &dyn ZoneRules, start: DateTime<Utc>) -> Result<(), Outside> {
        if start <= self.now {
            return Err(Outside::TooSoon);
        }
        let Some((spec, zone)) = &self.hours else {
            return if start > self.now + Duration::days(MAX_DAYS_AHEAD) {
                Err(Outside::TooFar)
            } else {
                Ok(())
            };
        };
        if start < self.now + Duration::minutes(i64::from(spec.min_notice_minutes)) {
            return Err(Outside::TooSoon);
        }
        if start >= self.now + Duration::days(i64::from(spec.horizon_days)) {
            return Err(Outside::TooFar);
        }
        let local =
            (start + Duration::seconds(i64::from(rules.offset_seconds(zone, start)))).naive_utc();
        if local.second() != 0 || start.timestamp_subsec_nanos() != 0 {
            return Err(Outside::NotOpen);
        }
        let minute = (local.hour() * 60 + local.minute()) as u16;
        let on_grid = ranges_of(spec, local.date()).iter().any(|&(open, close)| {
            open <= minute
                && u32::from(minute - open) % self.step_minutes == 0
                && u32::from(minute) + self.duration_minutes <= u32::from(close)
        });
        if on_grid {
            Ok(())
        } else {
            Err(Outside::NotOpen)
        }
    }

    /// `[earliest, latest)`: every start [`Offer::admits`] takes is in it (notice and horizon,
    /// or a type without hours' year ahead, its last second included).
    fn admissible(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        match &self.hours {
            Some((spec, _)) => (
                self.now + Duration::minutes(i64::from(spec.min_notice_minutes)),
                self.now + Duration::days(i64::from(spec.horizon_days)),
            ),
            None => (
                self.now,
                self.now + Duration::days(MAX_DAYS_AHEAD) + Duration::seconds(1),
            ),
        }
    }

    /// Every start in `[from, to)` the rules admit, ascending: the grid of the type's hours in
    /// its zone, or, for a type without hours, every `step` from 00:00 in `listing_zone`. A
    /// local time skipped by a DST change yields nothing; one repeated yields each instant.
    pub fn candidates(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        listing_zone: &Zone,
    ) -> Vec<DateTime<Utc>> {
        // Only what the rules could admit is walked: a question about the past or beyond the
        // horizon costs nothing (it never reaches the coordinator, so it is never counted).
        let (earliest, latest) = self.admissible();
        let (from, to) = (from.max(earliest), to.min(latest));
        if from >= to {
            return Vec::new();
        }
        let zone = self.hours.as_ref().map_or(listing_zone, |(_, zone)| zone);
        let sampled = Sampled::over(self.rules, zone, from, to);
        let local_date = |t: DateTime<Utc>| {
            (t + Duration::seconds(i64::from(sampled.offset_seconds(zone, t))))
                .naive_utc()
                .date()
        };
        let all_day: DayRanges = vec![(0, DAY_MINUTES)];
        let mut found = Vec::new();
        let mut date = local_date(from);
        let last = local_date(to);
        while date <= last {
            let ranges = match &self.hours {
                Some((spec, _)) => ranges_of(spec, date),
                None => &all_day,
            };
            for &(open, close) in ranges {
                let mut minute = u32::from(open);
                // A type without hours lists every grid point of the day, whatever its length.
                let fits = |m: u32| match self.hours {
                    Some(_) => m + self.duration_minutes <= u32::from(close),
                    None => m < u32::from(close),
                };
                while fits(minute) {
                    for t in instants(&sampled, zone, at_minute(date, minute)) {
                        if t >= from && t < to && self.admits_with(&sampled, t).is_ok() {
                            found.push(t);
                        }
                    }
                    minute += self.step_minutes;
                }
            }
            let Some(next) = date.succ_opt() else { break };
            date = next;
        }
        found.sort();
        found.dedup();
        found
    }
}

/// The hours of `date`: its override if it has one, else its weekday's.
fn ranges_of(spec: &AvailabilitySpec, date: NaiveDate) -> &DayRanges {
    let key = (date.year(), date.month(), date.day());
    match spec.dates.binary_search_by(|(d, _)| d.cmp(&key)) {
        Ok(i) => &spec.dates[i].1,
        Err(_) => &spec.weekly[date.weekday().num_days_from_monday() as usize],
    }
}

fn at_minute(date: NaiveDate, minute: u32) -> NaiveDateTime {
    date.and_time(chrono::NaiveTime::MIN) + Duration::minutes(i64::from(minute))
}

fn instants(rules: &dyn ZoneRules, zone: &Zone, local: NaiveDateTime) -> Vec<DateTime<Utc>> {
    match local_to_utc(rules, zone, local) {
        LocalResult::Single(t) => vec![t],
        LocalResult::Ambiguous(a, b) => vec![a, b],
        LocalResult::None => Vec::new(),
    }
}

/// The first instant of `date` in `zone` (its 00:00, or, where a DST change skips midnight,
/// the first minute after the gap).
pub fn day_start(rules: &dyn ZoneRules, zone: &Zone, date: NaiveDate) -> DateTime<Utc> {
    for minute in (0..=DAY_MINUTES as u32).step_by(15) {
        if let Some(t) = instants(rules, zone, at_minute(date, minute)).first() {
            // A gap ends on a whole quarter hour in every IANA zone; be exact anyway.
            let earlier = (0..15)
                .rev()
                .map(|back| *t - Duration::minutes(back))
                .find(|c| {
                    (*c + Duration::seconds(i64::from(rules.offset_seconds(zone, *c))))
                        .naive_utc()
                        .date()
                        == date
                });
            return earlier.unwrap_or(*t);
        }
    }
    date.and_time(chrono::NaiveTime::MIN).and_utc()
}
