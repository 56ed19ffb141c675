//! The create path's decisions after a slot is reserved: create the meeting, and if its answer
//! was lost, look for it before anything else; commit what Zoom made; and when the booking fails,
//! say whether the meeting may exist at Zoom anyway (its slot then stays held until the
//! reservation's lease lapses). `edge::bookings::create` executes these steps.

use crate::domain::api_error::ApiError;
use crate::domain::zoom::meetings::ZoomMeeting;
use crate::domain::zoom::retry::CallError;

/// Pages of a host's meeting list searched for a create whose answer was lost.
pub const MAX_LOOKUP_PAGES: usize = 10;

/// A booking that did not happen, and whether its meeting may exist at Zoom regardless.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failed {
    pub error: ApiError,
    pub meeting_may_exist: bool,
}

/// What to do after the create.
#[derive(Debug, Clone)]
pub enum Next {
    /// Zoom made this meeting: commit the booking.
    Commit(ZoomMeeting),
    /// The create's answer was lost: search the host's upcoming meetings for it.
    LookUp,
    /// Zoom refused the create with the host's daily limit (this error): it made nothing, so the
    /// same request may go to another host with allowance left.
    TryAnotherHost(ApiError),
    Fail(Failed),
}

fn fail(error: impl Into<ApiError>, meeting_may_exist: bool) -> Next {
    Next::Fail(Failed {
        error: error.into(),
        meeting_may_exist,
    })
}

/// After `POST /users/{host}/meetings`: its 2xx answer (status and body), or why none came.
pub fn after_create(answer: Result<(u16, &str), CallError>) -> Next {
    match answer {
        Ok((status, body)) => match ZoomMeeting::parse(body) {
            Some(meeting) => Next::Commit(meeting),
            None => fail(ApiError::ZoomError { status }, false),
        },
        Err(CallError::OutcomeUnknown) => Next::LookUp,
        Err(CallError::Failed(err @ ApiError::DailyQuotaExhausted { .. })) => {
            Next::TryAnotherHost(err)
        }
        Err(CallError::Failed(err)) => fail(err, false),
    }
}

/// After searching for a create whose answer was lost: the meeting found (read back in full)
/// is committed; none found, or a failed search, fails the booking.
pub fn after_lookup(found: Result<Option<ZoomMeeting>, CallError>) -> Result<ZoomMeeting, Failed> {
    let failed = |error: ApiError, meeting_may_exist| Failed {
        error,
        meeting_may_exist,
    };
    match found {
        Ok(Some(meeting)) => Ok(meeting),
        // Not in the list (yet): it may still appear, so the slot stays held.
        Ok(None) | Err(CallError::OutcomeUnknown) => {
            Err(failed(CallError::OutcomeUnknown.into(), true))
        }
        Err(CallError::Failed(err)) => Err(failed(err, false)),
    }
}

/// The commit failed after Zoom made the meeting: a meeting without a ledger entry is invisible
/// to every later operation, so the edge deletes it; `deleted` says whether that worked.
pub fn after_failed_commit(commit_error: ApiError, deleted: bool) -> Failed {
    Failed {
        error: commit_error,
        meeting_may_exist: !deleted,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MEETING: &str = r#"{"id":5,"join_url":"https://zoom.us/j/5"}"#;

    fn failed(next: Next) -> Failed {
        match next {
            Next::Fail(failed) => failed,
            other => panic!("expected a failure, got {other:?}"),
        }
    }

    #[test]
    fn a_created_meeting_is_committed() {
        assert!(matches!(after_create(Ok((201, MEETING))), Next::Commit(m) if m.id == 5));
    }

    #[test]
    fn an_unreadable_2xx_fails_as_a_zoom_error() {
        let failure = failed(after_create(Ok((201, "not json"))));
        assert_eq!(failure.error, ApiError::ZoomError { status: 201 });
        assert!(!failure.meeting_may_exist);
    }

    #[test]
    fn a_lost_answer_is_looked_up_before_anything_else() {
        assert!(matches!(
            after_create(Err(CallError::OutcomeUnknown)),
            Next::LookUp
        ));
    }

    #[test]
    fn a_create_refused_by_the_hosts_daily_limit_goes_to_another_host() {
        let daily = ApiError::DailyQuotaExhausted { retry_after: 600 };
        assert!(matches!(
            after_create(Err(CallError::Failed(daily.clone()))),
            Next::TryAnotherHost(err) if err == daily
        ));
    }

    #[test]
    fn a_refused_create_made_nothing() {
        let refusal = ApiError::ZoomRejected {
            status: 404,
            zoom_code: Some(1001),
        };
        let failure = failed(after_create(Err(CallError::Failed(refusal.clone()))));
        assert_eq!(failure.error, refusal);
        assert!(!failure.meeting_may_exist);
    }

    #[test]
    fn a_meeting_found_after_a_lost_answer_is_committed() {
        let meeting = ZoomMeeting::parse(MEETING).unwrap();
        assert_eq!(after_lookup(Ok(Some(meeting))).unwrap().id, 5);
    }

    #[test]
    fn a_meeting_not_found_or_a_lookup_without_answer_keeps_the_slot_held() {
        for found in [Ok(None), Err(CallError::OutcomeUnknown)] {
            let failure = after_lookup(found).unwrap_err();
            assert_eq!(failure.error, ApiError::ZoomUnavailable { retry_after: 5 });
            assert!(failure.meeting_may_exist);
        }
    }

    #[test]
    fn a_failed_commit_holds_the_slot_only_while_the_meeting_may_still_exist() {
        let err = ApiError::CoordinatorUnavailable { retry_after: 2 };
        assert!(!after_failed_commit(err.clone(), true).meeting_may_exist);
        let kept = after_failed_commit(err.clone(), false);
        assert!(kept.meeting_may_exist);
        assert_eq!(kept.error, err);
    }
}
