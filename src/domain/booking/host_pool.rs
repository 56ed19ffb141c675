//! Choosing the host for a booking: one who is free for the slot and has daily Create/Update
//! allowance left, taken in turn so load spreads over the pool.

use crate::domain::event_types::EventType;
use crate::domain::zoom::HostUser;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A meeting's time span in epoch milliseconds, end exclusive: back-to-back meetings do not
/// overlap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    pub start_ms: i64,
    pub end_ms: i64,
}

impl Span {
    pub fn of(start: DateTime<Utc>, duration_minutes: u32) -> Span {
        let start_ms = start.timestamp_millis();
        Span {
            start_ms,
            end_ms: start_ms + i64::from(duration_minutes) * 60_000,
        }
    }

    pub fn overlaps(&self, other: &Span) -> bool {
        self.start_ms < other.end_ms && other.start_ms < self.end_ms
    }
}

/// What one host already has: Create/Update calls today, and meetings overlapping the slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HostLoad {
    pub used_today: u32,
    pub overlapping: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoFreeHost {
    /// Every host has used its daily allowance: nothing can be booked until 00:00 UTC.
    QuotaExhausted,
    /// Some host has allowance, but every such host is busy at that time.
    SlotTaken,
}

/// Round-robin: the first host at or after `cursor` with allowance left and fewer than
/// `max_concurrent` meetings overlapping the slot. Returns its index.
pub fn choose_host(
    loads: &[HostLoad],
    daily_limit: u32,
    max_concurrent: u32,
    cursor: usize,
) -> Result<usize, NoFreeHost> {
    let n = loads.len();
    let mut any_allowance = false;
    for i in (0..n).map(|offset| (cursor + offset) % n) {
        if loads[i].used_today >= daily_limit {
            continue;
        }
        any_allowance = true;
        if loads[i].overlapping < max_concurrent {
            return Ok(i);
        }
    }
    Err(if any_allowance {
        NoFreeHost::SlotTaken
    } else {
        NoFreeHost::QuotaExhausted
    })
}

/// The hosts a booking of `event_type` may be placed on, as the reserve carries them: `None`
/// when the type takes the whole pool.
pub fn allowed_hosts(event_type: &EventType, pool: &[HostUser]) -> Option<Vec<HostUser>> {
    let hosts = event_type.hosts_from(pool);
    (hosts.len() < pool.len()).then_some(hosts)
}

/// The hosts a booking may be placed on, in pool order: the pool, or those of it in `allowed`.
/// A host no longer in the pool is never chosen.
pub fn eligible_hosts(pool: &[HostUser], allowed: Option<&[HostUser]>) -> Vec<HostUser> {
    pool.iter()
        .filter(|h| allowed.is_none_or(|allowed| allowed.contains(h)))
        .cloned()
        .collect()
}

/// Where round-robin starts among `eligible` for the pool-wide `cursor`: the first eligible
/// host at or after the cursor's place in the pool, so types sharing hosts still spread the
/// load over them.
pub fn cursor_among(pool: &[HostUser], eligible: &[HostUser], cursor: usize) -> usize {
    eligible
        .iter()
        .position(|h| {
            pool.iter()
                .position(|p| p == h)
                .is_some_and(|i| i >= cursor)
        })
        .unwrap_or(0)
}

/// The pool-wide cursor after `chosen` took a booking: the place after it.
pub fn cursor_after(pool: &[HostUser], chosen: &HostUser) -> usize {
    pool.iter().position(|p| p == chosen).map_or(0, |i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn free(used_today: u32) -> HostLoad {
        HostLoad {
            used_today,
            overlapping: 0,
        }
    }

    fn busy(overlapping: u32) -> HostLoad {
        HostLoad {
            used_today: 0,
            overlapping,
        }
    }

    #[test]
    fn spans_touching_end_to_start_do_not_overlap() {
        let nine = Utc.with_ymd_and_hms(2030, 1, 1, 9, 0, 0).unwrap();
        let a = Span::of(nine, 30);
        let b = Span::of(nine + chrono::Duration::minutes(30), 30);
        let c = Span::of(nine + chrono::Duration::minutes(29), 5);
        assert!(!a.overlaps(&b) && !b.overlaps(&a));
        assert!(a.overlaps(&c) && c.overlaps(&a) && b.overlaps(&c));
        assert!(a.overlaps(&a));
    }

    #[test]
    fn hosts_are_taken_in_turn_while_they_have_allowance() {
        let all_free = [free(0); 3];
        assert_eq!(choose_host(&all_free, 100, 1, 0), Ok(0));
        assert_eq!(choose_host(&all_free, 100, 1, 1), Ok(1));
        assert_eq!(choose_host(&all_free, 100, 1, 5), Ok(2));
        assert_eq!(
            choose_host(&[free(100), free(100), free(7)], 100, 1, 0),
            Ok(2)
        );
        assert_eq!(
            choose_host(&[free(100); 3], 100, 1, 1),
            Err(NoFreeHost::QuotaExhausted)
        );
        assert_eq!(choose_host(&[], 100, 1, 0), Err(NoFreeHost::QuotaExhausted));
    }

    #[test]
    fn busy_hosts_are_skipped_up_to_their_concurrency() {
        assert_eq!(choose_host(&[busy(1), busy(0)], 100, 1, 0), Ok(1));
        assert_eq!(
            choose_host(&[busy(1), busy(1)], 100, 1, 0),
            Err(NoFreeHost::SlotTaken)
        );
        // Business plans: two meetings at once.
        assert_eq!(choose_host(&[busy(1), busy(1)], 100, 2, 1), Ok(1));
        assert_eq!(
            choose_host(&[busy(2), busy(2)], 100, 2, 0),
            Err(NoFreeHost::SlotTaken)
        );
        // A free host without allowance does not make the slot bookable; a busy host with
        // allowance makes the refusal a slot conflict, not a quota one.
        let out_of_quota_but_free = HostLoad {
            used_today: 100,
            overlapping: 0,
        };
        assert_eq!(
            choose_host(&[out_of_quota_but_free, busy(1)], 100, 1, 0),
            Err(NoFreeHost::SlotTaken)
        );
    }

    fn hosts(names: &[&str]) -> Vec<HostUser> {
        names.iter().map(|n| HostUser::parse(n).unwrap()).collect()
    }

    #[test]
    fn a_booking_is_placed_only_among_its_types_hosts_in_pool_order() {
        let pool = hosts(&["a@x.io", "b@x.io", "c@x.io"]);
        assert_eq!(eligible_hosts(&pool, None), pool);
        let allowed = hosts(&["c@x.io", "a@x.io", "gone@x.io"]);
        assert_eq!(
            eligible_hosts(&pool, Some(&allowed)),
            hosts(&["a@x.io", "c@x.io"])
        );
    }

    #[test]
    fn a_type_taking_every_host_reserves_over_the_whole_pool() {
        let pool = hosts(&["a@x.io", "b@x.io"]);
        let types = crate::domain::event_types::EventTypes::parse(
            r#"[{"slug":"all","title":"All","durations":[30],"default_duration":30},
                {"slug":"one","title":"One","durations":[30],"default_duration":30,
                 "hosts":["b@x.io"]}]"#,
            "BOOKING_TYPES",
            &pool,
        )
        .unwrap();
        assert_eq!(allowed_hosts(types.get("all").unwrap(), &pool), None);
        assert_eq!(
            allowed_hosts(types.get("one").unwrap(), &pool),
            Some(hosts(&["b@x.io"]))
        );
    }

    #[test]
    fn round_robin_over_a_subset_follows_the_pool_wide_cursor() {
        let pool = hosts(&["a@x.io", "b@x.io", "c@x.io", "d@x.io"]);
        let subset = hosts(&["a@x.io", "c@x.io"]);
        assert_eq!(cursor_among(&pool, &subset, 0), 0);
        assert_eq!(cursor_among(&pool, &subset, 1), 1);
        assert_eq!(cursor_among(&pool, &subset, 2), 1);
        // Past the last eligible host: around to the first.
        assert_eq!(cursor_among(&pool, &subset, 3), 0);
        assert_eq!(cursor_after(&pool, &subset[1]), 3);
    }
}
