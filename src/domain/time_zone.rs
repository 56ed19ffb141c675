//! IANA time zones without shipping the zone database.
//!
//! Reading a local `start_time` needs the zone's UTC offsets. The worker asks the runtime, whose
//! ICU tables are already there (`Intl.DateTimeFormat`, see `edge::intl_zones`), instead of
//! compiling in its own copy of the IANA tables (chrono-tz: most of the deployable's size).
//! Natively (unit tests, tools) the same rules run over chrono-tz. Everything here works through
//! [`ZoneRules`], so both are held to the same tests.

use chrono::{DateTime, Duration, LocalResult, NaiveDateTime, Utc};

/// A time zone the zone database knows, by its IANA name (`Europe/Berlin`). Serialized as the
/// name (the coordinator journals bookings; it reads back only what it wrote).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Zone(String);

impl Zone {
    pub fn utc() -> Zone {
        Zone("UTC".to_owned())
    }

    pub fn name(&self) -> &str {
        &self.0
    }

    /// A zone by a name the database accepted (for `ZoneRules` implementations).
    pub fn known(name: impl Into<String>) -> Zone {
        Zone(name.into())
    }
}

/// A zone database.
pub trait ZoneRules {
    /// The zone named `name`, if it exists. The name is kept as given, except that a name the
    /// database knows in other letter case takes its proper case (`europe/berlin`).
    fn zone(&self, name: &str) -> Option<Zone>;

    /// How far `zone`'s wall clock is ahead of UTC at `instant`, in seconds.
    fn offset_seconds(&self, zone: &Zone, instant: DateTime<Utc>) -> i32;
}

/// The instant(s) a wall-clock time in `zone` names: one, two (a time repeated when clocks go
/// back: earliest first) or none (a time skipped when clocks go forward).
///
/// Assumes at most one offset change within a day either side of `local`, as every IANA zone
/// satisfies: the instant is `local` minus the offset in force just before or just after.
pub fn local_to_utc(
    rules: &dyn ZoneRules,
    zone: &Zone,
    local: NaiveDateTime,
) -> LocalResult<DateTime<Utc>> {
    let as_if_utc = local.and_utc();
    let mut found: Vec<DateTime<Utc>> = [-1, 1]
        .iter()
        .map(|days| rules.offset_seconds(zone, as_if_utc + Duration::days(*days)))
        .map(|offset| as_if_utc - Duration::seconds(i64::from(offset)))
        .filter(|t| *t + Duration::seconds(i64::from(rules.offset_seconds(zone, *t))) == as_if_utc)
        .collect();
    found.sort();
    found.dedup();
    match found.as_slice() {
        [] => LocalResult::None,
        [one] => LocalResult::Single(*one),
        [first, .., last] => LocalResult::Ambiguous(*first, *last),
    }
}

/// A zone's offsets over a span of time, read once: the offset is sampled every
/// [`SAMPLE_HOURS`] and each change found is narrowed to its exact second. Computing many local
/// times (an availability answer) then costs a few dozen lookups in the runtime's database
/// instead of several per time. Outside the span it asks `rules` itself.
///
/// Assumes no zone changes its offset twice within [`SAMPLE_HOURS`], as no IANA zone does.
pub struct Sampled<'a> {
    rules: &'a dyn ZoneRules,
    zone: Zone,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    /// `(since, offset)`, ascending: the offset in force from `since` on.
    changes: Vec<(DateTime<Utc>, i32)>,
}

pub const SAMPLE_HOURS: i64 = 12;

impl<'a> Sampled<'a> {
    /// `zone`'s offsets from `from` to `to` (a few days either side of local times in
    /// between are covered: `local_to_utc` looks a day around).
    pub fn over(
        rules: &'a dyn ZoneRules,
        zone: &Zone,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Self {
        let (from, to) = (from - Duration::days(2), to + Duration::days(2));
        let step = Duration::hours(SAMPLE_HOURS);
        let mut at = from;
        let mut offset = rules.offset_seconds(zone, at);
        let mut changes = vec![(from, offset)];
        while at < to {
            let next = at + step;
            let next_offset = rules.offset_seconds(zone, next);
            if next_offset != offset {
                // The change is in (at, next]: the first second with the new offset.
                let (mut lo, mut hi) = (at.timestamp(), next.timestamp());
                while hi - lo > 1 {
                    let mid = lo + (hi - lo) / 2;
                    let t = DateTime::from_timestamp(mid, 0).unwrap_or(next);
                    if rules.offset_seconds(zone, t) == offset {
                        lo = mid;
                    } else {
                        hi = mid;
                    }
                }
                changes.push((DateTime::from_timestamp(hi, 0).unwrap_or(next), next_offset));
                offset = next_offset;
            }
            at = next;
        }
        Sampled {
            rules,
            zone: zone.clone(),
            from,
            to,
            changes,
        }
    }
}

impl ZoneRules for Sampled<'_> {
    fn zone(&self, name: &str) -> Option<Zone> {
        self.rules.zone(name)
    }

    fn offset_seconds(&self, zone: &Zone, instant: DateTime<Utc>) -> i32 {
        if zone != &self.zone || instant < self.from || instant > self.to {
            return self.rules.offset_seconds(zone, instant);
        }
        let after = self.changes.partition_point(|(since, _)| *since <= instant);
        self.changes[after.saturating_sub(1)].1
    }
}

/// Whether `name` has the shape of an IANA zone name (`Europe/Berlin`, `UTC`, `Etc/GMT+5`): a
/// letter first, then letters, digits, `/`, `_`, `-` and `+`, at most 64 characters. `Intl` also
/// takes UTC offsets such as `+01:00`, which are no zones (they know no daylight saving time)
/// and which the compiled tables refuse, so every database refuses anything else first.
pub fn is_zone_name(name: &str) -> bool {
    crate::domain::event_types::schema::is_zone_shaped(name)
}

/// The zone database compiled in from chrono-tz: for native builds and tests, never shipped in
/// the worker.
#[cfg(any(test, not(target_arch = "wasm32")))]
pub struct CompiledZones;

#[cfg(any(test, not(target_arch = "wasm32")))]
impl ZoneRules for CompiledZones {
    fn zone(&self, name: &str) -> Option<Zone> {
        if !is_zone_name(name) {
            return None;
        }
        let exact = name.parse::<chrono_tz::Tz>().ok();
        let tz = exact.or_else(|| {
            chrono_tz::TZ_VARIANTS
                .iter()
                .find(|tz| tz.name().eq_ignore_ascii_case(name))
                .copied()
        })?;
        Some(Zone::known(tz.name()))
    }

    fn offset_seconds(&self, zone: &Zone, instant: DateTime<Utc>) -> i32 {
        use chrono::{Offset, TimeZone};
        match zone.name().parse::<chrono_tz::Tz>() {
            Ok(tz) => tz
                .offset_from_utc_datetime(&instant.naive_utc())
                .fix()
                .local_minus_utc(),
            Err(_) => 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, TimeZone};

    fn local(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_opt(h, min, 0)
            .unwrap()
    }

    fn zone(name: &str) -> Zone {
        CompiledZones.zone(name).unwrap()
    }

    #[test]
    fn names_are_checked_and_take_their_proper_case() {
        assert_eq!(zone("Europe/Berlin").name(), "Europe/Berlin");
        assert_eq!(zone("europe/berlin").name(), "Europe/Berlin");
        assert_eq!(zone("UTC"), Zone::utc());
        assert!(CompiledZones.zone("Mars/Olympus").is_none());
        assert!(CompiledZones.zone("").is_none());
    }

    #[test]
    fn utc_offsets_are_not_zone_names() {
        for offset in ["+01:00", "-0530", "+01", "01:00", "Z"] {
            assert!(CompiledZones.zone(offset).is_none(), "{offset}");
        }
        for name in [
            "Etc/GMT+5",
            "America/Port-au-Prince",
            "UTC",
            "America/Argentina/Buenos_Aires",
        ] {
            assert!(is_zone_name(name), "{name}");
        }
    }

    #[test]
    fn ordinary_times_have_one_instant() {
        let berlin = zone("Europe/Berlin");
        assert_eq!(
            local_to_utc(&CompiledZones, &berlin, local(2030, 1, 15, 9, 30)),
            LocalResult::Single(Utc.with_ymd_and_hms(2030, 1, 15, 8, 30, 0).unwrap())
        );
        let tokyo = zone("Asia/Tokyo");
        assert_eq!(
            local_to_utc(&CompiledZones, &tokyo, local(2030, 7, 1, 0, 0)),
            LocalResult::Single(Utc.with_ymd_and_hms(2030, 6, 30, 15, 0, 0).unwrap())
        );
    }

    #[test]
    fn dst_gaps_have_none_and_repeats_have_two() {
        let berlin = zone("Europe/Berlin");
        // 2030-03-31: 02:00 CET becomes 03:00 CEST.
        assert_eq!(
            local_to_utc(&CompiledZones, &berlin, local(2030, 3, 31, 2, 30)),
            LocalResult::None
        );
        // 2030-10-27: 03:00 CEST becomes 02:00 CET; 02:30 happens twice.
        assert_eq!(
            local_to_utc(&CompiledZones, &berlin, local(2030, 10, 27, 2, 30)),
            LocalResult::Ambiguous(
                Utc.with_ymd_and_hms(2030, 10, 27, 0, 30, 0).unwrap(),
                Utc.with_ymd_and_hms(2030, 10, 27, 1, 30, 0).unwrap()
            )
        );
        // Half-hour zones and the southern hemisphere.
        let adelaide = zone("Australia/Adelaide");
        assert_eq!(
            local_to_utc(&CompiledZones, &adelaide, local(2030, 1, 10, 12, 0)),
            LocalResult::Single(Utc.with_ymd_and_hms(2030, 1, 10, 1, 30, 0).unwrap())
        );
    }

    /// Sampled offsets are the database's, to the second, around every change of a year in
    /// zones with DST, half-hour offsets and none.
    #[test]
    fn sampled_offsets_are_exact_around_every_change() {
        for name in [
            "Europe/London",
            "America/New_York",
            "Australia/Lord_Howe",
            "Asia/Kolkata",
        ] {
            let zone = zone(name);
            let from = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
            let to = Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap();
            let sampled = Sampled::over(&CompiledZones, &zone, from, to);
            let mut t = from;
            while t < to {
                for probe in [t, t + Duration::seconds(1), t + Duration::minutes(59)] {
                    assert_eq!(
                        sampled.offset_seconds(&zone, probe),
                        CompiledZones.offset_seconds(&zone, probe),
                        "{name} {probe}"
                    );
                }
                t += Duration::minutes(30);
            }
        }
    }

    /// The algorithm agrees with chrono-tz's own local-time resolution across a year of hours
    /// in zones with and without DST.
    #[test]
    fn compiled_zones_agree_with_chrono_tz_hour_by_hour() {
        for name in [
            "Europe/Berlin",
            "America/New_York",
            "Australia/Lord_Howe",
            "Asia/Tokyo",
        ] {
            let tz: chrono_tz::Tz = name.parse().unwrap();
            let zone = zone(name);
            let mut t = local(2030, 1, 1, 0, 15);
            while t < local(2031, 1, 1, 0, 0) {
                let expected = tz.from_local_datetime(&t).map(|d| d.with_timezone(&Utc));
                assert_eq!(
                    local_to_utc(&CompiledZones, &zone, t),
                    expected,
                    "{name} {t}"
                );
                t += Duration::minutes(30);
            }
        }
    }
}
