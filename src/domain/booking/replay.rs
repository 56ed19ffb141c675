//! What a replayed answer shows, to whom, and when replays of a booking end.
//!
//! A client's `Idempotency-Key` is a secret only its client knows: a replay under it is the
//! client's own answer, `manage_token` included. A keyless submission is recognised by what it
//! says (every field, `idempotency::fingerprint`), which anyone who knows those fields can say
//! again: its replay never carries the `manage_token` (it says `manage_token_withheld`), so it
//! cannot hand anyone the power to change or cancel the booking.

use crate::domain::booking::idempotency::{
    is_client_key, on_repeat, Attempt, Repeat, StoredAnswer,
};
use crate::domain::booking::{BookingRecord, BookingStatus};
use crate::domain::turnstile::CheckRefused;
use serde::{Deserialize, Serialize};

/// The field of the answer body that holds the owner's bearer token.
const MANAGE_TOKEN: &str = "manage_token";
/// Says the token exists but this answer does not carry it.
const WITHHELD: &str = "manage_token_withheld";

/// The answer a repeated request under `stored_key` gets: the stored one under a client's key,
/// the stored one without its `manage_token` (and `"manage_token_withheld": true`) under a
/// keyless submission's derived key.
pub fn replayed(stored_key: &str, answer: StoredAnswer) -> StoredAnswer {
    if is_client_key(stored_key) {
        return answer;
    }
    let mut body = answer.body;
    if let Some(fields) = body.as_object_mut() {
        fields.remove(MANAGE_TOKEN);
        fields.insert(WITHHELD.to_owned(), true.into());
    }
    StoredAnswer {
        status: answer.status,
        body,
    }
}

/// Whether a request the Turnstile check refused may ask the coordinator for a keyed replay at
/// all: only under a client's key, and only when Cloudflare called its token spent or expired
/// (a retry after a lost answer re-sends the token the first request used). A request with no
/// token or a made-up one is refused as before, at no cost to the one coordinator, so the
/// replay path cannot be used to flood it without passing a challenge first.
pub fn may_replay_refused(keyed: bool, refused: &CheckRefused) -> bool {
    keyed && refused.token_spent
}

/// What a keyed request whose Turnstile check refused its spent token is told instead of the
/// refusal: its booking, or that its booking is still being made or confirmed (a retry after a
/// lost answer, or after `503 outcome_pending`, must not be told "nothing was booked").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum KeyedAnswer {
    Replay(StoredAnswer),
    InProgress { retry_after: u32 },
}

/// The answer a request whose Turnstile check failed may still get: only a retry under a
/// client's key (a key a bot cannot know) of the request that key already booked or is
/// booking. Everything else (a keyless submission, another body, a key never used) gets the
/// check's refusal, so no booking is read without passing the check or holding the key.
pub fn replay_without_bot_check(
    stored_key: &str,
    existing: Option<&Attempt>,
    fingerprint: &str,
    now_ms: i64,
) -> Option<KeyedAnswer> {
    if !is_client_key(stored_key) {
        return None;
    }
    match on_repeat(existing, fingerprint, now_ms) {
        Repeat::Replay(answer) => Some(KeyedAnswer::Replay(answer)),
        Repeat::InProgress { retry_after } => Some(KeyedAnswer::InProgress { retry_after }),
        Repeat::Proceed | Repeat::KeyReused => None,
    }
}

/// Whether a change to a booking (a webhook, an owner's reschedule or cancel, the Cron
/// reconciliation) ends the replays of the keyless submission that made it: once the booking
/// is cancelled or its time changed, the stored answer describes a booking that no longer is,
/// and submitting the same form again must book anew.
pub fn ends_keyless_replays(before: &BookingRecord, after: &BookingRecord) -> bool {
    let schedule = |r: &BookingRecord| {
        (
            r.meeting.start_time,
            r.meeting.duration,
            r.meeting.timezone.clone(),
        )
    };
    after.status == BookingStatus::Cancelled || schedule(before) != schedule(after)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::booking::idempotency::tests::booking;
    use crate::domain::booking::idempotency::{duplicate_key, fingerprint, IdempotencyKey};
    use serde_json::json;

    fn answer() -> StoredAnswer {
        StoredAnswer {
            status: 201,
            body: json!({"booking_id": "bk_1", "manage_token": "mt_secret",
                "meeting": {"join_url": "https://zoom.example/j/1"}}),
        }
    }

    fn answered() -> Attempt {
        Attempt::answered(fingerprint(&booking()), "bk_1".into(), answer(), 0, 600_000)
    }

    fn client_key() -> String {
        IdempotencyKey::parse("k-1").unwrap().stored()
    }

    #[test]
    fn a_keyed_replay_is_the_whole_answer() {
        assert_eq!(replayed(&client_key(), answer()), answer());
    }

    #[test]
    fn a_keyless_replay_withholds_the_manage_token_and_says_so() {
        let replay = replayed(&duplicate_key(&booking()), answer());
        assert_eq!(replay.status, 201);
        assert_eq!(
            replay.body,
            json!({"booking_id": "bk_1", "manage_token_withheld": true,
                "meeting": {"join_url": "https://zoom.example/j/1"}})
        );
        assert!(!format!("{replay:?}").contains("mt_secret"));
    }

    #[test]
    fn only_a_keyed_retry_of_the_same_request_is_answered_without_the_bot_check() {
        let fp = fingerprint(&booking());
        let done = answered();
        assert_eq!(
            replay_without_bot_check(&client_key(), Some(&done), &fp, 1_000),
            Some(KeyedAnswer::Replay(answer()))
        );
        // Another body under the key, no attempt, or an expired one: the check's refusal.
        assert_eq!(
            replay_without_bot_check(&client_key(), Some(&done), "other", 1_000),
            None
        );
        assert_eq!(
            replay_without_bot_check(&client_key(), None, &fp, 1_000),
            None
        );
        assert_eq!(
            replay_without_bot_check(&client_key(), Some(&done), &fp, 600_000),
            None
        );
        // A keyless submission never skips the check, even one that matches exactly.
        let keyless = duplicate_key(&booking());
        assert_eq!(
            replay_without_bot_check(&keyless, Some(&done), &fp, 1_000),
            None
        );
    }

    #[test]
    fn only_a_keyed_request_with_a_spent_token_asks_for_its_replay() {
        use crate::domain::api_error::ApiError;
        let refused = |token_spent| CheckRefused {
            error: ApiError::BotCheckFailed,
            token_spent,
        };
        assert!(may_replay_refused(true, &refused(true)));
        // No token, a made-up one, or a verifier that could not be asked: refused at once.
        assert!(!may_replay_refused(true, &refused(false)));
        let unavailable = ApiError::BotCheckUnavailable { retry_after: 5 };
        assert!(!may_replay_refused(true, &unavailable.into()));
        // Without a key there is nothing of the client's to replay.
        assert!(!may_replay_refused(false, &refused(true)));
    }

    #[test]
    fn a_keyed_retry_of_an_attempt_still_in_flight_is_told_to_wait_not_refused() {
        let mut in_flight = answered();
        in_flight.answer = None;
        in_flight.lease_until_ms = 30_000;
        let fp = fingerprint(&booking());
        // Its booking may be made yet: "nothing was booked" would send the client to book twice.
        assert_eq!(
            replay_without_bot_check(&client_key(), Some(&in_flight), &fp, 1_000),
            Some(KeyedAnswer::InProgress { retry_after: 1 })
        );
        // Only under its own key and body.
        assert_eq!(
            replay_without_bot_check(&client_key(), Some(&in_flight), "other", 1_000),
            None
        );
        let keyless = duplicate_key(&booking());
        assert_eq!(
            replay_without_bot_check(&keyless, Some(&in_flight), &fp, 1_000),
            None
        );
    }

    #[test]
    fn a_cancel_or_a_move_ends_keyless_replays_and_nothing_else_does() {
        let before = crate::domain::booking::record::tests::record();
        let changes: [fn(&mut BookingRecord); 4] = [
            |r| r.status = BookingStatus::Cancelled,
            |r| r.meeting.start_time += chrono::Duration::hours(1),
            |r| r.meeting.duration = 45,
            |r| r.meeting.timezone = "Europe/Berlin".into(),
        ];
        for change in changes {
            let mut after = before.clone();
            change(&mut after);
            assert!(ends_keyless_replays(&before, &after), "{after:?}");
        }
        let keeps: [fn(&mut BookingRecord); 3] = [
            |r| r.status = BookingStatus::Started,
            |r| r.status = BookingStatus::Ended,
            |r| r.webhook_events.applied += 1,
        ];
        for change in keeps {
            let mut after = before.clone();
            change(&mut after);
            assert!(!ends_keyless_replays(&before, &after), "{after:?}");
        }
    }
}
