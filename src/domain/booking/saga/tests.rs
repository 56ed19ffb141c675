//! The saga's transitions one at a time. (`interleavings` drives them against an in-memory
//! journal and Zoom, in every order the network and the isolates can produce.)

use super::*;
use crate::domain::booking::idempotency::Attempt;
use crate::domain::time_zone::Zone;
use chrono::{TimeZone, Utc};

mod interleavings;

pub(crate) fn booking() -> ValidBooking {
    ValidBooking {
        name: "Ada".into(),
        email: "ada@example.com".into(),
        start: Utc.with_ymd_and_hms(2030, 1, 2, 9, 0, 0).unwrap(),
        timezone: Zone::known("Europe/Berlin"),
        duration_minutes: 30,
        topic: "Intro".into(),
        agenda: None,
        event_type: "meeting".into(),
        answers: Vec::new(),
        settings: Default::default(),
        passcode: None,
    }
}

pub(crate) fn intent() -> Intent {
    Intent {
        host: HostUser::parse("host@example.com").unwrap(),
        booking: booking(),
    }
}

pub(crate) const MEETING: &str = r#"{"id":5,"join_url":"https://zoom.us/j/5","password":"p"}"#;

pub(crate) fn meeting() -> ZoomMeeting {
    ZoomMeeting::parse(MEETING).unwrap()
}

fn reserved(now_ms: i64) -> Attempt {
    Attempt::in_flight("fp".into(), "bk_1".into(), now_ms, 30_000, intent())
}

#[test]
fn a_created_meeting_is_committed() {
    assert!(matches!(after_create(Ok((201, MEETING))), AfterCreate::Commit(m) if m.id == 5));
}

#[test]
fn a_lost_answer_a_gateway_error_or_an_unreadable_2xx_is_looked_up_not_taken_as_nothing() {
    for answer in [
        Err(CallError::OutcomeUnknown),
        Err(CallError::Failed(ApiError::ZoomError { status: 502 })),
        Ok((201, "not json")),
    ] {
        assert!(matches!(after_create(answer), AfterCreate::LookUp));
    }
}

#[test]
fn a_refusal_made_nothing_and_a_daily_limit_goes_to_another_host() {
    let refusal = ApiError::ZoomRejected {
        status: 404,
        zoom_code: Some(1001),
    };
    assert!(matches!(
        after_create(Err(CallError::Failed(refusal.clone()))),
        AfterCreate::Fail(err) if err == refusal
    ));
    let daily = ApiError::DailyQuotaExhausted { retry_after: 600 };
    assert!(matches!(
        after_create(Err(CallError::Failed(daily.clone()))),
        AfterCreate::TryAnotherHost(err) if err == daily
    ));
}

#[test]
fn a_failed_search_proves_nothing() {
    assert_eq!(after_lookup(Ok(Some(meeting()))).map(|m| m.id), Some(5));
    assert!(after_lookup(Ok(None)).is_none());
    assert!(after_lookup(Err(CallError::OutcomeUnknown)).is_none());
}

#[test]
fn a_lost_commit_answer_is_pending_never_a_reason_to_delete() {
    let lost = after_commit(Err(ApiError::CoordinatorUnavailable { retry_after: 2 }));
    assert_eq!(lost, AfterCommit::Pending);
    assert_eq!(
        after_commit(Ok(CommitVerdict::NotThisAttempt)),
        AfterCommit::DeleteMeeting
    );
    let answer = StoredAnswer {
        status: 201,
        body: serde_json::json!({}),
    };
    assert_eq!(
        after_commit(Ok(CommitVerdict::Committed(answer.clone()))),
        AfterCommit::Answer(answer)
    );
}

#[test]
fn only_the_attempt_still_under_its_key_is_committed_and_only_once() {
    let attempt = reserved(0);
    assert_eq!(on_commit(Some(&attempt), &"bk_1".into(), true, 0), Ok(()));
    assert_eq!(
        on_commit(Some(&attempt), &"bk_2".into(), true, 0),
        Err(CommitVerdict::NotThisAttempt)
    );
    assert_eq!(
        on_commit(None, &"bk_1".into(), true, 0),
        Err(CommitVerdict::NotThisAttempt)
    );
    let answer = StoredAnswer {
        status: 201,
        body: serde_json::json!({"booking_id": "bk_1"}),
    };
    let done = Attempt {
        answer: Some(answer.clone()),
        ..attempt
    };
    for keyed in [true, false] {
        assert_eq!(
            on_commit(Some(&done), &"bk_1".into(), keyed, 60_000),
            Err(CommitVerdict::Committed(answer.clone()))
        );
    }
}

#[test]
fn a_keyless_attempt_is_committed_only_while_its_handler_holds_it() {
    let attempt = reserved(0);
    assert_eq!(
        on_commit(Some(&attempt), &"bk_1".into(), false, 29_999),
        Ok(())
    );
    // The lease lapsed: the coordinator may be deleting the meeting; the handler must too.
    assert_eq!(
        on_commit(Some(&attempt), &"bk_1".into(), false, 30_000),
        Err(CommitVerdict::NotThisAttempt)
    );
    let unknown = on_unknown(Some(&attempt), &"bk_1".into(), 2_000).unwrap();
    assert_eq!(
        on_commit(Some(&unknown), &"bk_1".into(), false, 3_000),
        Err(CommitVerdict::NotThisAttempt)
    );
    // A keyed one is the coordinator's to adopt: whoever commits first, it is the one meeting.
    assert_eq!(
        on_commit(Some(&attempt), &"bk_1".into(), true, 30_000),
        Ok(())
    );
    assert_eq!(
        on_commit(Some(&unknown), &"bk_1".into(), true, 3_000),
        Ok(())
    );
}

#[test]
fn each_check_keeps_the_key_of_an_unresolved_attempt_bound() {
    let mut attempt = on_unknown(Some(&reserved(0)), &"bk_1".into(), 1_000).unwrap();
    let mut at_ms = 1_000;
    while at_ms < 3 * CLIENT_KEY_RETENTION_MS {
        at_ms += backoff_ms(attempt.checks);
        attempt = check_again(&attempt, at_ms);
        assert!(attempt.expires_at_ms > at_ms);
    }
}

#[test]
fn an_unknown_outcome_is_first_checked_within_thirty_seconds() {
    let unknown = on_unknown(Some(&reserved(0)), &"bk_1".into(), 4_000).unwrap();
    assert_eq!(unknown.unknown_since_ms, Some(4_000));
    assert_eq!(unknown.lease_until_ms, 4_000 + FIRST_CHECK_MS);
    const { assert!(FIRST_CHECK_MS <= 30_000) };
    assert!(!is_due(&unknown, 4_000 + FIRST_CHECK_MS - 1));
    assert!(is_due(&unknown, 4_000 + FIRST_CHECK_MS));
    assert!(on_unknown(Some(&reserved(0)), &"bk_2".into(), 4_000).is_none());
}

#[test]
fn a_handler_that_never_reports_back_is_checked_when_its_lease_lapses() {
    let attempt = reserved(0);
    assert!(!is_due(&attempt, 29_999));
    assert!(is_due(&attempt, 30_000));
    let unjournaled = Attempt {
        intent: None,
        ..attempt
    };
    assert!(!is_due(&unjournaled, 30_000));
}

#[test]
fn a_found_meeting_is_adopted_under_a_client_key_and_deleted_without_one() {
    let attempt = on_unknown(Some(&reserved(0)), &"bk_1".into(), 1_000).unwrap();
    assert_eq!(
        after_check(&attempt, true, Found::Meeting(meeting()), 11_000),
        Resolution::Adopt(meeting())
    );
    assert_eq!(
        after_check(&attempt, false, Found::Meeting(meeting()), 11_000),
        Resolution::Delete(5)
    );
    assert_eq!(after_delete(&attempt, true, 12_000), Resolution::Release);
    assert_eq!(
        after_delete(&attempt, false, 12_000),
        Resolution::CheckAgain {
            at_ms: 12_000 + backoff_ms(0)
        }
    );
}

#[test]
fn nothing_found_proves_nothing_was_made_only_once_zoom_had_time_to_finish() {
    let attempt = on_unknown(Some(&reserved(0)), &"bk_1".into(), 1_000).unwrap();
    let early = Found::Nothing {
        read_started_ms: 5_000,
    };
    assert_eq!(
        after_check(&attempt, true, early, 5_000),
        Resolution::CheckAgain {
            at_ms: 1_000 + SETTLE_MS
        }
    );
    let settled = Found::Nothing {
        read_started_ms: 1_000 + SETTLE_MS,
    };
    assert_eq!(
        after_check(&attempt, true, settled, 1_000 + SETTLE_MS),
        Resolution::Release
    );
}

#[test]
fn an_unreadable_list_is_checked_again_later_and_never_given_up() {
    let mut attempt = on_unknown(Some(&reserved(0)), &"bk_1".into(), 1_000).unwrap();
    let mut last_wait = 0;
    for _ in 0..20 {
        let Resolution::CheckAgain { at_ms } =
            after_check(&attempt, true, Found::Unreadable, 100_000)
        else {
            panic!("an unreadable list must never resolve an attempt");
        };
        assert!(at_ms - 100_000 >= last_wait);
        last_wait = at_ms - 100_000;
        attempt = check_again(&attempt, at_ms);
        assert_eq!(attempt.unknown_since_ms, Some(1_000));
    }
    assert_eq!(last_wait, 600_000);
    assert_eq!(attempt.checks, 20);
}

#[test]
fn a_lapsed_lease_counts_as_unknown_from_the_lease_end() {
    let attempt = reserved(0);
    let again = check_again(&attempt, 45_000);
    assert_eq!(again.unknown_since_ms, Some(30_000));
    assert_eq!(
        after_check(
            &attempt,
            true,
            Found::Nothing {
                read_started_ms: 30_000
            },
            30_000
        ),
        Resolution::CheckAgain {
            at_ms: 30_000 + SETTLE_MS
        }
    );
}

#[test]
fn the_lease_grows_with_zoom_timeout_within_bounds() {
    assert_eq!(lease_ms(1_500), 30_000);
    assert_eq!(lease_ms(10_000), 120_000);
    assert_eq!(lease_ms(60_000), 720_000);
}

/// A handler that stalls past its lease (slow permits, a slow token request) must not send its
/// create after the coordinator may have proved "nothing made": the create is sent only before
/// `create_deadline`, and the first check after a take-over reads the list at least
/// `SETTLE_MS` after that. A create refused for lateness made nothing: it is released.
#[test]
fn no_create_is_sent_late_enough_to_escape_the_first_conclusive_check() {
    let reserved = reserved(0);
    let taken = take_over(&reserved);
    assert_eq!(taken.unknown_since_ms, Some(reserved.lease_until_ms));
    assert_eq!(taken.checks, 0);
    let first_read = taken.lease_until_ms;
    for zoom_timeout_ms in [1_500, 10_000, 60_000] {
        // A create sent just before its deadline has timed out, and Zoom has had `SETTLE_MS`
        // more, before the first read that can prove nothing was made.
        let last_send = create_deadline(reserved.lease_until_ms, zoom_timeout_ms) - 1;
        assert!(first_read - (last_send + zoom_timeout_ms as i64) >= SETTLE_MS);
    }
    // A list read then, without the marker, proves nothing was made.
    assert_eq!(
        after_check(
            &taken,
            true,
            Found::Nothing {
                read_started_ms: first_read
            },
            first_read
        ),
        Resolution::Release
    );
    // The handler that woke too late sends nothing, and says so.
    let not_sent = ApiError::BookingAbandoned;
    assert!(matches!(
        after_create(Err(CallError::NotSent(not_sent))),
        AfterCreate::NeverSent(ApiError::BookingAbandoned)
    ));
}

/// An attempt whose journal this build cannot read (a format a later version wrote) is never
/// taken for one from before the journal: its meeting may exist, so its key stays bound.
#[test]
fn an_attempt_whose_journal_cannot_be_read_keeps_its_key_bound() {
    let stored = serde_json::to_value(intent()).unwrap();
    let mut other_format = stored.clone();
    other_format["booking"]
        .as_object_mut()
        .unwrap()
        .remove("topic");
    let read_back = serde_json::from_value::<Intent>(other_format).ok();
    assert!(read_back.is_none());
    let mut pending = on_unknown(Some(&reserved(0)), &"bk_1".into(), 1_000).unwrap();
    pending.intent = read_back;
    for now in [pending.lease_until_ms, pending.lease_until_ms + 3_600_000] {
        assert!(matches!(
            crate::domain::booking::idempotency::on_repeat(Some(&pending), "fp", now),
            crate::domain::booking::idempotency::Repeat::InProgress { .. }
        ));
    }
}
