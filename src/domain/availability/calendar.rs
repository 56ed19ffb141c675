//! Host calendars against a candidate start: the buffer rule and the per-host counts
//! `booking::host_pool::choose_host` decides from.

use crate::domain::booking::host_pool::{HostLoad, Span};
use crate::domain::event_types::EventType;
use serde::{Deserialize, Serialize};

/// Time kept free around a meeting of a type, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Buffers {
    pub before_ms: i64,
    pub after_ms: i64,
}

impl Buffers {
    pub fn of_minutes(before: u32, after: u32) -> Buffers {
        Buffers {
            before_ms: i64::from(before) * 60_000,
            after_ms: i64::from(after) * 60_000,
        }
    }

    /// The buffers of `event_type` (none for a type without `availability`).
    pub fn of(event_type: &EventType) -> Buffers {
        event_type
            .availability()
            .map_or_else(Buffers::default, |a| {
                Buffers::of_minutes(a.buffer_before_minutes, a.buffer_after_minutes)
            })
    }

    /// How far around a candidate a meeting can be and still conflict with it: what the
    /// coordinator's range query widens the candidate by.
    pub fn reach_ms(&self) -> i64 {
        self.before_ms.max(self.after_ms)
    }
}

/// Whether a booking of `candidate` with the booked type's `buffers` (B before, A after)
/// conflicts with `meeting` [a, b): [s−B, e+A) overlaps [a, b), or [s, e) overlaps
/// [a−B, b+A). The buffers are kept free on both sides: the new meeting's own, and the same
/// room around every meeting already there, whoever booked it.
pub fn conflicts(candidate: Span, buffers: Buffers, meeting: &Span) -> bool {
    let widened = Span {
        start_ms: candidate.start_ms - buffers.before_ms,
        end_ms: candidate.end_ms + buffers.after_ms,
    };
    let meeting_widened = Span {
        start_ms: meeting.start_ms - buffers.before_ms,
        end_ms: meeting.end_ms + buffers.after_ms,
    };
    widened.overlaps(meeting) || candidate.overlaps(&meeting_widened)
}

/// One eligible host as the coordinator knows it: Create/Update calls today, and its meetings
/// (bookings, holds in flight, meetings made elsewhere) near the time asked about.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HostCalendar {
    pub used_today: u32,
    pub meetings: Vec<Span>,
}

/// Each host's allowance used and meetings conflicting with `candidate`, in host order.
pub fn loads_at(candidate: Span, buffers: Buffers, hosts: &[HostCalendar]) -> Vec<HostLoad> {
    hosts
        .iter()
        .map(|host| HostLoad {
            used_today: host.used_today,
            overlapping: host
                .meetings
                .iter()
                .filter(|m| conflicts(candidate, buffers, m))
                .count() as u32,
        })
        .collect()
}
