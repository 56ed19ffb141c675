//! Choosing the host for a booking: one who is free for the slot and has daily Create/Update
//! allowance left, taken in turn so load spreads over the pool.

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
}
