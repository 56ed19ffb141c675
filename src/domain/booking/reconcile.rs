//! Reconciliation: comparing this service's scheduled bookings on a host with the host's
//! upcoming meetings as Zoom lists them, for changes made at Zoom without a webhook reaching us
//! (a meeting deleted or moved in Zoom's app while webhooks were off or lost).
//!
//! A meeting moved at Zoom moves its booking, unless the booking changed after the list was
//! read (an owner's reschedule must not be undone by an older list). A booking whose meeting is
//! missing from the list is only a suspect: the list drops meetings that started or ended, and a
//! booking committed after the list was read is not on it. It is cancelled only once Zoom
//! answers `GET /meetings/{id}` with 404 code 3001 (`zoom::api::means_already_deleted`).
//!
//! The same list shows **orphans**: meetings carrying the marker of an attempt the coordinator
//! released as "Zoom made nothing" (`booking::saga`) — a create Zoom carried out after the
//! service had read a settled list. No booking refers to them and none ever will, so they are
//! deleted.

use crate::domain::booking::host_pool::Span;
use crate::domain::booking::marker::Marker;
use crate::domain::booking::BookingId;

/// A scheduled booking's slot as the coordinator holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Booked {
    pub booking_id: BookingId,
    pub meeting_id: u64,
    pub span: Span,
    /// When the booking's schedule last changed (epoch ms).
    pub changed_at_ms: i64,
}

/// Where a booking and Zoom disagree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Drift {
    /// Zoom has the meeting at another time: the booking and its slot follow.
    Moved { booking_id: BookingId, span: Span },
    /// Zoom's list does not have the meeting: ask Zoom for it before anything changes.
    Missing {
        booking_id: BookingId,
        meeting_id: u64,
    },
}

/// The drift between `booked` (a host's scheduled bookings) and `listed` (that host's upcoming
/// meetings by id, read in full starting at `listed_at_ms`).
pub fn drift(booked: &[Booked], listed: &[(u64, Span)], listed_at_ms: i64) -> Vec<Drift> {
    let mut found = Vec::new();
    for booking in booked {
        // Changed since the list was read: the list is older than the booking.
        if booking.changed_at_ms >= listed_at_ms {
            continue;
        }
        let mut entries = listed.iter().filter(|(id, _)| *id == booking.meeting_id);
        match (entries.next(), entries.next()) {
            // Listed more than once (a list paged while it changed): no move on such evidence.
            (Some(_), Some(_)) => {}
            (Some((_, span)), None) if *span != booking.span => found.push(Drift::Moved {
                booking_id: booking.booking_id.clone(),
                span: *span,
            }),
            (Some(_), None) => {}
            // A meeting that started before the list was read is not "upcoming" any more.
            (None, _) if booking.span.start_ms <= listed_at_ms => {}
            (None, _) => found.push(Drift::Missing {
                booking_id: booking.booking_id.clone(),
                meeting_id: booking.meeting_id,
            }),
        }
    }
    found
}

/// The listed meetings (id, marker) that are orphans: their marker is one a released attempt
/// had, and no booking refers to the meeting.
pub fn orphans(
    listed: &[(u64, Marker)],
    released: &[Marker],
    booked_meeting_ids: &[u64],
) -> Vec<u64> {
    listed
        .iter()
        .filter(|(id, marker)| released.contains(marker) && !booked_meeting_ids.contains(id))
        .map(|(id, _)| *id)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const LISTED_AT: i64 = 1_000_000;
    const HOUR: i64 = 3_600_000;

    fn span(hours_ahead: i64, minutes: i64) -> Span {
        let start_ms = LISTED_AT + hours_ahead * HOUR;
        Span {
            start_ms,
            end_ms: start_ms + minutes * 60_000,
        }
    }

    fn booked(id: &str, meeting_id: u64, span: Span) -> Booked {
        Booked {
            booking_id: id.into(),
            meeting_id,
            span,
            changed_at_ms: LISTED_AT - 1,
        }
    }

    fn listed(id: u64, span: Span) -> (u64, Span) {
        (id, span)
    }

    #[test]
    fn bookings_zoom_lists_at_their_time_agree() {
        let bookings = [booked("bk_a", 1, span(2, 30))];
        assert!(drift(&bookings, &[listed(1, span(2, 30))], LISTED_AT).is_empty());
    }

    #[test]
    fn a_meeting_moved_at_zoom_moves_its_booking() {
        let bookings = [booked("bk_a", 1, span(2, 30))];
        assert_eq!(
            drift(&bookings, &[listed(1, span(5, 45))], LISTED_AT),
            vec![Drift::Moved {
                booking_id: "bk_a".into(),
                span: span(5, 45)
            }]
        );
    }

    #[test]
    fn a_meeting_missing_from_the_list_is_only_a_suspect() {
        let bookings = [booked("bk_a", 1, span(2, 30))];
        assert_eq!(
            drift(&bookings, &[listed(2, span(2, 30))], LISTED_AT),
            vec![Drift::Missing {
                booking_id: "bk_a".into(),
                meeting_id: 1
            }]
        );
    }

    #[test]
    fn a_booking_changed_after_the_list_was_read_is_left_alone() {
        let mut rescheduled = booked("bk_a", 1, span(5, 30));
        rescheduled.changed_at_ms = LISTED_AT;
        assert!(drift(&[rescheduled.clone()], &[listed(1, span(2, 30))], LISTED_AT).is_empty());
        assert!(drift(&[rescheduled], &[], LISTED_AT).is_empty());
    }

    #[test]
    fn a_meeting_listed_twice_moves_nothing() {
        let bookings = [booked("bk_a", 1, span(2, 30))];
        let twice = [listed(1, span(5, 30)), listed(1, span(6, 30))];
        assert!(drift(&bookings, &twice, LISTED_AT).is_empty());
    }

    #[test]
    fn a_meeting_under_way_when_the_list_was_read_is_not_missing() {
        let started = booked("bk_a", 1, span(0, 30));
        assert!(drift(&[started], &[], LISTED_AT).is_empty());
    }

    #[test]
    fn only_meetings_carrying_a_released_attempts_marker_and_no_booking_are_orphans() {
        let released = Marker::of("key", &"bk_released".into());
        let booked = Marker::of("key", &"bk_booked".into());
        let other_deployment = Marker::of("other key", &"bk_released".into());
        let listed = [
            (1, released.clone()),
            (2, booked),
            (3, other_deployment),
            // The released marker on a meeting a booking refers to (never expected): left.
            (4, released.clone()),
        ];
        assert_eq!(orphans(&listed, &[released], &[2, 4]), [1]);
        assert!(orphans(&listed, &[], &[]).is_empty());
    }
}
