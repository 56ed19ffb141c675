//! The internal protocol between the stateless fetch handler and the `ZoomCoordinator` Durable
//! Object (one per Zoom account). Each message is one type that names its answer type in the
//! table below; the fetch handler sends any message through one generic client and the object
//! dispatches through the same table, so the two sides cannot drift apart.
//!
//! Adding a message: define its type in `messages` and give it a line in the table there
//! (`for_each_message!`), then implement `Handle<YourMessage>` for the coordinator in
//! `edge::coordinator`. Nothing else.

pub mod jobs;
mod messages;

// The Durable Object (wasm32 only) dispatches through the table.
#[cfg(target_arch = "wasm32")]
pub(crate) use messages::for_each_message;
pub use messages::*;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// A request to the coordinator. `ROUTE` and `Answer` come from the table in `messages`; the
/// route is derived from the type's name.
pub trait Message: Serialize + DeserializeOwned {
    const ROUTE: &'static str;
    type Answer: Serialize + DeserializeOwned;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::api_error::ApiError;
    use crate::domain::token_policy::IssuedToken;

    #[test]
    fn grant_round_trips_as_json() {
        let ok: TokenGrant = Ok(IssuedToken {
            access_token: "t".into(),
            issued_at_ms: 1,
            expires_at_ms: 2,
        });
        let err: TokenGrant = Err(TokenGrantError::Unavailable);
        for grant in [ok, err] {
            let wire = serde_json::to_string(&grant).unwrap();
            assert_eq!(serde_json::from_str::<TokenGrant>(&wire).unwrap(), grant);
        }
        assert_eq!(
            serde_json::to_string(&TokenRequest::default()).unwrap(),
            "{}"
        );
    }

    #[test]
    fn grant_errors_map_to_public_errors() {
        assert_eq!(ApiError::from(TokenGrantError::Rejected).status(), 502);
        let unavailable = ApiError::from(TokenGrantError::Unavailable);
        assert_eq!(unavailable.status(), 503);
        assert_eq!(unavailable.retry_after(), Some(5));
    }

    #[test]
    fn an_availability_read_and_its_answers_round_trip_as_json() {
        use crate::domain::availability::{Buffers, FreeMask, Starts};
        use chrono::{Duration, TimeZone, Utc};
        let nine = Utc.with_ymd_and_hms(2030, 1, 7, 9, 0, 0).unwrap();
        let starts: Vec<_> = (0..6).map(|k| nine + Duration::minutes(30 * k)).collect();
        let ask = AvailabilityRequest {
            hosts: None,
            starts: Starts::of(&starts),
            duration_minutes: 30,
            buffers: Buffers::of_minutes(0, 10),
            ip: Some("203.0.113.7".into()),
        };
        let wire = serde_json::to_string(&ask).unwrap();
        assert_eq!(
            serde_json::from_str::<AvailabilityRequest>(&wire).unwrap(),
            ask
        );
        let answers: [AvailabilityAnswer; 3] = [
            Ok(FreeMask::of([true, false, true])),
            Err(AvailabilityRefusal::TooManyRequests { retry_after: 9 }),
            Err(AvailabilityRefusal::TooManyStarts),
        ];
        for answer in answers {
            let wire = serde_json::to_string(&answer).unwrap();
            assert_eq!(
                serde_json::from_str::<AvailabilityAnswer>(&wire).unwrap(),
                answer
            );
        }
        let limited = ApiError::from(AvailabilityRefusal::TooManyRequests { retry_after: 9 });
        assert_eq!((limited.status(), limited.retry_after()), (429, Some(9)));
        assert_eq!(
            ApiError::from(AvailabilityRefusal::TooManyStarts).code(),
            "range_too_long"
        );
    }

    #[test]
    fn messages_from_a_worker_before_buffers_read_as_none_and_no_address() {
        use crate::domain::availability::Buffers;
        // A worker of the previous deployment (a rolling deploy) sends no `buffers`, `hosts`
        // or `ip`: the move keeps no buffer and the whole pool, as that worker meant.
        let wire = r#"{"booking_id":"bk_0123456789abcdefghijkl","idempotency_key":"k",
            "span":{"start_ms":0,"end_ms":1},"refused_host":"a@example.com"}"#;
        let ask: MoveReservation = serde_json::from_str(wire).unwrap();
        assert_eq!((ask.buffers, ask.hosts), (Buffers::default(), None));
        let wire = r#"{"starts":[[0,1800000,4]],"duration_minutes":30}"#;
        let ask: AvailabilityRequest = serde_json::from_str(wire).unwrap();
        assert_eq!(
            (ask.buffers, ask.hosts, ask.ip),
            (Buffers::default(), None, None)
        );
        assert_eq!(ask.starts.expand().unwrap().len(), 4);
    }

    #[test]
    fn a_hold_from_a_worker_without_buffers_keeps_none() {
        let wire = r#"{"booking_id":"bk_0123456789abcdefghijkl","span":{"start_ms":0,"end_ms":1}}"#;
        let ask: RescheduleRequest = serde_json::from_str(wire).unwrap();
        assert_eq!(ask.buffers, crate::domain::availability::Buffers::default());
    }
}
