//! `POST /v1/bookings`: validate (no side effects), reserve in the coordinator (idempotency, host,
//! slot, daily allowance in one step), create the Zoom meeting, commit, answer.

use super::read_body;
use crate::domain::api_error::ApiError;
use crate::domain::booking::host_pool::Span;
use crate::domain::booking::idempotency::{
    client_key, duplicate_key, fingerprint, stored_client_key, StoredAnswer,
    CLIENT_KEY_RETENTION_MS, DUPLICATE_WINDOW_MS,
};
use crate::domain::booking::request::Context;
use crate::domain::booking::submit_limits::Submitter;
use crate::domain::booking::{booking_id_from_random, manage_token, parse_booking, ValidBooking};
use crate::domain::config::Config;
use crate::domain::coordinator_protocol::{
    CommitBooking, ReleaseReservation, ReserveOutcome, ReserveRequest,
};
use crate::domain::zoom::meetings::{create_meeting_body, is_meeting_for, ZoomMeeting};
use crate::edge::intl_zones::IntlZones;
use crate::edge::zoom_api::{CallError, ZoomApi};
use crate::edge::{clock, coordinator_client, http, settings, turnstile};
use serde_json::Value;
use worker::{console_error, console_warn, Env, Request, Response};

/// Pages of a host's meeting list searched for a create whose answer was lost.
const MAX_LOOKUP_PAGES: usize = 10;

/// Under which key the coordinator remembers this submission, and for how long its answer is
/// replayed. A client key covers exactly one request body; without one, the same person, slot
/// and length within 10 minutes count as the same submission (a double-clicked form).
struct AttemptKey {
    key: String,
    fingerprint: String,
    retention_ms: i64,
}

impl AttemptKey {
    fn new(client: Option<String>, booking: &ValidBooking) -> Self {
        match client {
            Some(key) => Self {
                key: stored_client_key(&key),
                fingerprint: fingerprint(booking),
                retention_ms: CLIENT_KEY_RETENTION_MS,
            },
            None => {
                let key = duplicate_key(booking);
                Self {
                    fingerprint: key.clone(),
                    key,
                    retention_ms: DUPLICATE_WINDOW_MS,
                }
            }
        }
    }
}

/// A booking made (or the one a repeated request made before).
pub struct Created {
    pub answer: StoredAnswer,
    pub replayed: bool,
}

impl Created {
    /// The JSON answer: 201 with `Location`, and `Idempotent-Replayed: true` for a replay.
    pub fn response(&self) -> Response {
        let answer = &self.answer;
        let location = answer.body["booking_id"]
            .as_str()
            .map(|id| format!("/v1/bookings/{id}"));
        let headers = http::created_headers(location.as_deref().unwrap_or("/v1/bookings"));
        if self.replayed {
            let _ = headers.set("idempotent-replayed", "true");
        }
        http::json_response_with(answer.status, &answer.body, headers)
    }
}

pub async fn create(mut req: Request, env: &Env) -> Result<Created, ApiError> {
    let config = settings::load(env)?;
    let header = req.headers().get("idempotency-key").ok().flatten();
    let client = client_key(header.as_deref())?;
    let presented = turnstile::Presented::of(&req);
    let (kind, body) = read_body(&mut req).await?;
    let context = Context {
        now: clock::now(),
        zones: &IntlZones,
        default_timezone: &config.default_timezone,
    };
    let booking = parse_booking(kind, &body, context)?;
    turnstile::check(env, &presented, kind, &body).await?;
    // Everything above is free of side effects: an invalid request leaves nothing behind, not
    // even under its idempotency key.
    let attempt = AttemptKey::new(client, &booking);
    let booking_id = clock::random_128()
        .map(booking_id_from_random)
        .map_err(|_| ApiError::CoordinatorUnavailable { retry_after: 1 })?;
    let reserve = ReserveRequest {
        booking_id: booking_id.clone(),
        idempotency_key: attempt.key.clone(),
        fingerprint: attempt.fingerprint.clone(),
        span: Span::of(booking.start, booking.duration_minutes),
        submitter: Submitter {
            ip: presented.client_ip.clone(),
            email: booking.email.clone(),
        },
    };
    let (host, send_at_ms) = match coordinator_client::reserve(env, &config, &reserve).await? {
        ReserveOutcome::Reserved { host, send_at_ms } => (host, send_at_ms),
        ReserveOutcome::Replay(answer) => {
            return Ok(Created {
                answer,
                replayed: true,
            })
        }
        ReserveOutcome::Refused(refusal) => return Err(refusal.into()),
        ReserveOutcome::RateLimited(denied) => return Err(denied.into()),
    };
    let zoom = ZoomApi::new(env, &config);
    let slot = Slot {
        host: &host,
        send_at_ms,
    };
    match book(&zoom, env, &config, slot, &booking, &booking_id, &attempt).await {
        Ok(answer) => Ok(Created {
            answer,
            replayed: false,
        }),
        Err((err, meeting_may_exist)) => {
            let release = ReleaseReservation {
                booking_id,
                idempotency_key: attempt.key,
                keep_slot: meeting_may_exist,
            };
            if let Err(release_err) = coordinator_client::release(env, &config, &release).await {
                // The reservation lapses on its own (`IN_FLIGHT_LEASE_MS`).
                console_warn!("reservation not released: {release_err:?}");
            }
            Err(err)
        }
    }
}

/// Where and when the create goes: the reserved host, in the per-second slot granted with it.
#[derive(Clone, Copy)]
struct Slot<'a> {
    host: &'a str,
    send_at_ms: i64,
}

/// Creates the meeting on the reserved host and commits it. On failure, says whether the
/// meeting may exist at Zoom anyway (so the slot stays held until its lease lapses).
async fn book(
    zoom: &ZoomApi<'_>,
    env: &Env,
    config: &Config,
    slot: Slot<'_>,
    booking: &ValidBooking,
    booking_id: &str,
    attempt: &AttemptKey,
) -> Result<StoredAnswer, (ApiError, bool)> {
    let host = slot.host;
    let meeting = create_meeting(zoom, slot, booking)
        .await
        .map_err(|err| match err {
            CallError::OutcomeUnknown => (CallError::OutcomeUnknown.into(), true),
            CallError::Failed(err) => (err, false),
        })?;
    let record = meeting.into_record(booking_id.to_owned(), host, booking, clock::now());
    let mut body = record.public_view();
    body["manage_token"] = Value::from(manage_token::issue(
        &config.booking_signing_key.0,
        booking_id,
    ));
    let answer = StoredAnswer { status: 201, body };
    let commit = CommitBooking {
        record,
        idempotency_key: attempt.key.clone(),
        fingerprint: attempt.fingerprint.clone(),
        key_retention_ms: attempt.retention_ms,
        answer: answer.clone(),
    };
    if let Err(err) = coordinator_client::commit(env, config, &commit).await {
        // A meeting without a ledger entry would be invisible to every later operation:
        // take it back so the failed booking leaves nothing behind.
        let meeting_id = commit.record.meeting.id;
        if let Err(cleanup) = zoom.delete_meeting(meeting_id).await {
            console_error!("orphan meeting {meeting_id} left at Zoom: {cleanup:?}");
            return Err((err, true));
        }
        return Err((err, false));
    }
    Ok(answer)
}

/// Creates the meeting. A create is never blindly re-sent: if its answer was lost, the host's
/// meetings are searched first, since Zoom may have created it.
async fn create_meeting(
    zoom: &ZoomApi<'_>,
    slot: Slot<'_>,
    booking: &ValidBooking,
) -> Result<ZoomMeeting, CallError> {
    let host = slot.host;
    let body = create_meeting_body(booking);
    match zoom.create_meeting(host, &body, slot.send_at_ms).await {
        Ok(reply) => {
            ZoomMeeting::parse(&reply.body).ok_or(CallError::Failed(ApiError::ZoomError {
                status: reply.status,
            }))
        }
        Err(CallError::OutcomeUnknown) => {
            console_warn!(
                "create on {host}: no answer; looking for the meeting before anything else"
            );
            find_created_meeting(zoom, host, booking)
                .await?
                .ok_or(CallError::OutcomeUnknown)
        }
        Err(err) => Err(err),
    }
}

async fn find_created_meeting(
    zoom: &ZoomApi<'_>,
    host: &str,
    booking: &ValidBooking,
) -> Result<Option<ZoomMeeting>, CallError> {
    let mut page_token = String::new();
    for _ in 0..MAX_LOOKUP_PAGES {
        let reply = zoom.upcoming_page(host, &page_token).await?;
        let page: Value = serde_json::from_str(&reply.body).unwrap_or_default();
        let found = page["meetings"]
            .as_array()
            .and_then(|meetings| meetings.iter().find(|m| is_meeting_for(m, booking)))
            .and_then(|m| m["id"].as_u64());
        if let Some(id) = found {
            let reply = zoom.get_meeting(id).await?;
            return Ok(ZoomMeeting::parse(&reply.body));
        }
        page_token = page["next_page_token"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        if page_token.is_empty() {
            break;
        }
    }
    Ok(None)
}
