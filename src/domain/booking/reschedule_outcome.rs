//! What a reschedule does after Zoom's answer to its `PATCH /meetings/{id}`. A lost answer is
//! not taken as "nothing happened": the meeting is read back, and the ledger follows what Zoom
//! has. Only a refusal, or a read-back that still shows the old schedule, lets the new time go;
//! an outcome that cannot be learned keeps it held (its lease lapses on its own) while webhooks
//! and the Cron reconciliation bring the ledger in line with Zoom (the new time is held until
//! the reconciliation has run, `UNKNOWN_HOLD_MS`).

use crate::domain::api_error::ApiError;
use crate::domain::booking::reschedule::Reschedule;
use crate::domain::booking::saga::outcome_pending;
use crate::domain::zoom::meetings::ZoomMeeting;
use crate::domain::zoom::retry::CallError;

/// How long the new time of a reschedule whose outcome is unknown stays held: past the next
/// Cron reconciliation (every 10 minutes), which moves the booking if Zoom moved the meeting.
pub const UNKNOWN_HOLD_MS: i64 = 15 * 60 * 1000;

/// Where a reschedule stands once Zoom's answer (or the read-back) is in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settled {
    /// Zoom has the new schedule: the ledger follows.
    Commit,
    /// Zoom did not move the meeting: let the new time go, answer this error.
    Release(ApiError),
    /// Not known: keep the new time held, answer this error (`503 outcome_pending`).
    Pending(ApiError),
    /// The PATCH never left the worker: let the new time go and give back what the reschedule
    /// took (`booking::give_back`), answer this error.
    NotSent(ApiError),
}

/// After the PATCH; `None` when its answer was lost (or was a gateway error, which can come
/// after Zoom acted): read the meeting back.
pub fn after_update(result: Result<(), CallError>) -> Option<Settled> {
    match result {
        Ok(()) => Some(Settled::Commit),
        Err(CallError::OutcomeUnknown) => None,
        Err(CallError::Failed(ApiError::ZoomError { status })) if status >= 500 => None,
        Err(CallError::Failed(err)) => Some(Settled::Release(err)),
        Err(CallError::NotSent(err)) => Some(Settled::NotSent(err)),
    }
}

/// After reading the meeting back: whether Zoom has `change`.
pub fn after_read_back(
    read: Result<Option<ZoomMeeting>, CallError>,
    change: &Reschedule,
) -> Settled {
    match read {
        Ok(Some(meeting)) if has(&meeting, change) => Settled::Commit,
        // A PATCH is idempotent: the owner may send it again.
        Ok(Some(_)) => Settled::Release(ApiError::ZoomUnavailable { retry_after: 5 }),
        Ok(None) | Err(_) => Settled::Pending(outcome_pending()),
    }
}

fn has(meeting: &ZoomMeeting, change: &Reschedule) -> bool {
    meeting.start_time == Some(change.start)
        && meeting.duration == Some(change.duration_minutes)
        && meeting
            .timezone
            .as_deref()
            .is_none_or(|zone| zone == change.timezone.name())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time_zone::Zone;
    use chrono::{TimeZone, Utc};

    fn change() -> Reschedule {
        Reschedule {
            start: Utc.with_ymd_and_hms(2030, 1, 3, 8, 0, 0).unwrap(),
            timezone: Zone::known("Europe/Berlin"),
            duration_minutes: 45,
        }
    }

    fn meeting(start: &str) -> ZoomMeeting {
        ZoomMeeting::parse(&format!(
            r#"{{"id":5,"join_url":"j","start_time":"{start}","duration":45,"timezone":"Europe/Berlin"}}"#
        ))
        .unwrap()
    }

    #[test]
    fn a_lost_or_gateway_answer_is_read_back_and_a_refusal_lets_the_time_go() {
        assert_eq!(after_update(Ok(())), Some(Settled::Commit));
        assert_eq!(after_update(Err(CallError::OutcomeUnknown)), None);
        let gateway = CallError::Failed(ApiError::ZoomError { status: 504 });
        assert_eq!(after_update(Err(gateway)), None);
        let refused = ApiError::ZoomRejected {
            status: 400,
            zoom_code: Some(300),
        };
        assert_eq!(
            after_update(Err(CallError::Failed(refused.clone()))),
            Some(Settled::Release(refused))
        );
        // Never sent (no token): nothing reached Zoom, what it took is given back.
        let no_token = ApiError::ZoomAuthUnavailable { retry_after: 5 };
        assert_eq!(
            after_update(Err(CallError::NotSent(no_token.clone()))),
            Some(Settled::NotSent(no_token))
        );
    }

    #[test]
    fn the_ledger_follows_what_zoom_has_after_a_lost_answer() {
        let moved = Ok(Some(meeting("2030-01-03T08:00:00Z")));
        assert_eq!(after_read_back(moved, &change()), Settled::Commit);
        let unmoved = Ok(Some(meeting("2030-01-02T08:00:00Z")));
        assert!(matches!(
            after_read_back(unmoved, &change()),
            Settled::Release(ApiError::ZoomUnavailable { .. })
        ));
        for unknown in [Ok(None), Err(CallError::OutcomeUnknown)] {
            assert_eq!(
                after_read_back(unknown, &change()),
                Settled::Pending(outcome_pending())
            );
        }
    }
}
