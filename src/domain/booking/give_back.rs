//! What a request that made nothing gives back. A booking takes, in the coordinator's one step,
//! a count for its IP and for its email (`submit_limits`) and one Create/Update from its host's
//! daily allowance; a reschedule takes one from its host and one from the booking's own limit
//! (`owner_limits`). When Zoom never received the call (no token could be had, the permit or the
//! deadline refused it before it left), all of it is given back. When Zoom may have received it,
//! the host's allowance and the IP count stay taken (conservative: Zoom may have counted it, and
//! a failed try still cost the service); only the email count is given back, because it counts
//! bookings made and none was.

use crate::domain::booking::idempotency::Attempt;
use crate::domain::booking::BookingId;
use crate::domain::rate_limits::utc_day;
use crate::domain::zoom::HostUser;
use chrono::{DateTime, Duration, Utc};

/// What a released booking attempt gives back (its email count, always).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GiveBack {
    /// Its IP count too.
    pub ip: bool,
    /// One Create/Update to this host's allowance for today.
    pub host_quota: Option<HostUser>,
}

/// The release of the attempt for `booking_id`; `never_sent`: its handler reports that no
/// create for it ever left the worker. `None` when the attempt is not this booking's, or was
/// answered: a release repeated (or arriving after a resolution released it) gives nothing back
/// twice, and a committed booking keeps its counts.
///
/// `held_for_ms`: how long before `now` the host's allowance may have been taken (the handler's
/// lease): if that was on an earlier UTC day, today's count is not the one to give back to.
pub fn on_release(
    attempt: Option<&Attempt>,
    booking_id: &BookingId,
    never_sent: bool,
    held_for_ms: i64,
    now: DateTime<Utc>,
) -> Option<GiveBack> {
    let attempt = attempt.filter(|a| &a.booking_id == booking_id && a.answer.is_none())?;
    let host = attempt.intent.as_ref().map(|intent| intent.host.clone());
    // The allowance was taken with the reservation, a lease before the lease's end: a release
    // that arrives after the lease lapsed (a slow handler) was held that much longer. Once the
    // coordinator took the attempt over, its lease no longer dates the reservation: kept.
    let reserved_at_ms = attempt.lease_until_ms - held_for_ms;
    let held_for_ms = held_for_ms.max(now.timestamp_millis() - reserved_at_ms);
    let dated = attempt.unknown_since_ms.is_none() && taken_today(held_for_ms, now);
    Some(GiveBack {
        ip: never_sent,
        host_quota: host.filter(|_| never_sent && dated),
    })
}

/// What a reschedule's release gives back: the host's Create/Update and the booking's count,
/// only if the PATCH never left and its hold (`held`) was still there to release (a repeated
/// release gives nothing twice). `held_for_ms` as for `on_release`.
pub fn on_reschedule_release(
    held: bool,
    never_sent: bool,
    held_for_ms: i64,
    now: DateTime<Utc>,
) -> RescheduleGiveBack {
    let give = held && never_sent;
    RescheduleGiveBack {
        owner_count: give,
        host_quota: give && taken_today(held_for_ms, now),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RescheduleGiveBack {
    pub owner_count: bool,
    pub host_quota: bool,
}

/// `host`'s Create/Update count for today after one is given back, or `None` when nothing is
/// to be given back: the count is zero, or Zoom itself said the host's day is spent (a daily
/// 429 set the count to the limit whatever it was; one given back would have the next booking
/// sent to a host Zoom refuses until midnight).
pub fn host_count_after_give_back(used: u32, spent_by_zoom: bool) -> Option<u32> {
    match used {
        _ if spent_by_zoom => None,
        0 => None,
        used => Some(used - 1),
    }
}

/// Whether something taken within the last `held_for_ms` was certainly taken today (UTC).
fn taken_today(held_for_ms: i64, now: DateTime<Utc>) -> bool {
    utc_day(now - Duration::milliseconds(held_for_ms)) == utc_day(now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::booking::idempotency::StoredAnswer;
    use crate::domain::booking::saga::tests::intent;
    use chrono::TimeZone;
    use serde_json::json;

    const LEASE: i64 = 120_000;

    fn noon() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2030, 1, 1, 12, 0, 0).unwrap()
    }

    fn in_flight() -> Attempt {
        let now_ms = noon().timestamp_millis();
        Attempt::in_flight("fp".into(), "bk_1".into(), now_ms, LEASE, intent())
    }

    #[test]
    fn a_create_never_sent_gives_back_everything_it_took() {
        let given = on_release(Some(&in_flight()), &"bk_1".into(), true, LEASE, noon());
        assert_eq!(
            given,
            Some(GiveBack {
                ip: true,
                host_quota: Some(intent().host),
            })
        );
    }

    #[test]
    fn a_create_zoom_may_have_received_gives_back_only_the_email_count() {
        let given = on_release(Some(&in_flight()), &"bk_1".into(), false, LEASE, noon());
        assert_eq!(
            given,
            Some(GiveBack {
                ip: false,
                host_quota: None,
            })
        );
    }

    #[test]
    fn a_release_gives_nothing_twice_and_nothing_for_a_booking_made() {
        assert_eq!(on_release(None, &"bk_1".into(), true, LEASE, noon()), None);
        let other = on_release(Some(&in_flight()), &"bk_2".into(), true, LEASE, noon());
        assert_eq!(other, None);
        let answered = Attempt {
            answer: Some(StoredAnswer {
                status: 201,
                body: json!({}),
            }),
            ..in_flight()
        };
        assert_eq!(
            on_release(Some(&answered), &"bk_1".into(), true, LEASE, noon()),
            None
        );
    }

    #[test]
    fn an_allowance_that_may_be_yesterdays_is_not_given_back_to_today() {
        let just_after_midnight = Utc.with_ymd_and_hms(2030, 1, 2, 0, 1, 0).unwrap();
        let given = on_release(
            Some(&in_flight()),
            &"bk_1".into(),
            true,
            LEASE,
            just_after_midnight,
        )
        .unwrap();
        assert!(given.ip);
        assert_eq!(given.host_quota, None);
    }

    #[test]
    fn a_release_after_its_lease_lapsed_past_midnight_gives_nothing_to_the_new_day() {
        // Reserved at 23:59 (lease until 00:01); its release comes at 00:02:30, when "a lease
        // ago" would already be the new day.
        let reserved = Utc.with_ymd_and_hms(2030, 1, 1, 23, 59, 0).unwrap();
        let attempt = Attempt::in_flight(
            "fp".into(),
            "bk_1".into(),
            reserved.timestamp_millis(),
            LEASE,
            intent(),
        );
        let late = Utc.with_ymd_and_hms(2030, 1, 2, 0, 2, 30).unwrap();
        let given = on_release(Some(&attempt), &"bk_1".into(), true, LEASE, late).unwrap();
        assert_eq!(given.host_quota, None);
        // Within its day, a late release still gives back.
        let afternoon = Utc.with_ymd_and_hms(2030, 1, 1, 14, 0, 0).unwrap();
        let attempt = Attempt::in_flight(
            "fp".into(),
            "bk_1".into(),
            afternoon.timestamp_millis(),
            LEASE,
            intent(),
        );
        let later = afternoon + Duration::minutes(10);
        let given = on_release(Some(&attempt), &"bk_1".into(), true, LEASE, later).unwrap();
        assert_eq!(given.host_quota, Some(intent().host));
        // Taken over by the coordinator (its lease now dates the next check): kept.
        let taken_over = Attempt {
            unknown_since_ms: Some(later.timestamp_millis()),
            lease_until_ms: later.timestamp_millis() + LEASE,
            ..attempt
        };
        let given = on_release(Some(&taken_over), &"bk_1".into(), true, LEASE, later).unwrap();
        assert_eq!(given.host_quota, None);
    }

    #[test]
    fn a_host_count_never_goes_below_zero_nor_below_a_day_zoom_called_spent() {
        assert_eq!(host_count_after_give_back(7, false), Some(6));
        assert_eq!(host_count_after_give_back(0, false), None);
        // Zoom answered 429 with the daily limit: the day stays spent.
        assert_eq!(host_count_after_give_back(100, true), None);
    }

    #[test]
    fn a_reschedule_gives_back_only_when_never_sent_and_still_held() {
        let all = RescheduleGiveBack {
            owner_count: true,
            host_quota: true,
        };
        let none = RescheduleGiveBack {
            owner_count: false,
            host_quota: false,
        };
        assert_eq!(on_reschedule_release(true, true, LEASE, noon()), all);
        assert_eq!(on_reschedule_release(true, false, LEASE, noon()), none);
        assert_eq!(on_reschedule_release(false, true, LEASE, noon()), none);
    }
}
