//! `POST /v1/bookings`: validate (no side effects), reserve in the coordinator (idempotency, host,
//! slot, daily allowance in one step), create the Zoom meeting, commit, answer.

use super::read_body;
use crate::domain::api_error::ApiError;
use crate::domain::booking::creation::{self, Failed, Next, MAX_LOOKUP_PAGES};
use crate::domain::booking::host_pool::Span;
use crate::domain::booking::idempotency::{
    duplicate_key, fingerprint, IdempotencyKey, StoredAnswer, CLIENT_KEY_RETENTION_MS,
    DUPLICATE_WINDOW_MS,
};
use crate::domain::booking::request::Context;
use crate::domain::booking::submit_limits::Submitter;
use crate::domain::booking::{manage_token, parse_booking, BookingId, ValidBooking};
use crate::domain::config::Config;
use crate::domain::coordinator::{
    CommitBooking, MoveReservation, ReleaseReservation, ReserveOutcome, ReserveRequest,
};
use crate::domain::zoom::meetings::{create_meeting_body, ZoomMeeting};
use crate::domain::zoom::HostUser;
use crate::edge::account::Account;
use crate::edge::coordinator::Coordinator;
use crate::edge::intl_zones::IntlZones;
use crate::edge::zoom::api::{CallError, ZoomApi};
use crate::edge::zoom::meetings::PagerError;
use crate::edge::{clock, http, turnstile};
use serde_json::Value;
use worker::{console_error, console_warn, Env, Request, Response};

/// Under which key the coordinator remembers this submission, and for how long its answer is
/// replayed. A client key covers exactly one request body; without one, the same person, slot
/// and length within 10 minutes count as the same submission (a double-clicked form).
struct AttemptKey {
    key: String,
    fingerprint: String,
    retention_ms: i64,
}

impl AttemptKey {
    fn new(client: Option<IdempotencyKey>, booking: &ValidBooking) -> Self {
        match client {
            Some(key) => Self {
                key: key.stored(),
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
    let account = Account::load(env)?;
    let (config, coordinator) = (&account.config, &account.coordinator);
    let header = req.headers().get("idempotency-key").ok().flatten();
    let client = IdempotencyKey::from_header(header.as_deref())?;
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
        .map(BookingId::from_random)
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
    let (host, send_at_ms) = match coordinator.send(&reserve).await? {
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
    let mut reserved = Reserved {
        booking: &booking,
        booking_id,
        attempt,
        host,
        send_at_ms,
    };
    let zoom = ZoomApi::new(env, config, coordinator);
    match book_on_a_host(&zoom, coordinator, config, &mut reserved, reserve.span).await {
        Ok(answer) => Ok(Created {
            answer,
            replayed: false,
        }),
        Err(failed) => {
            let release = ReleaseReservation {
                booking_id: reserved.booking_id,
                idempotency_key: reserved.attempt.key,
                keep_slot: failed.meeting_may_exist,
            };
            if let Err(release_err) = coordinator.send(&release).await {
                // The reservation lapses on its own (`IN_FLIGHT_LEASE_MS`).
                console_warn!("reservation not released: {release_err:?}");
            }
            Err(failed.error)
        }
    }
}

/// A booking whose slot the coordinator holds: the create goes to `host`, sent at `send_at_ms`
/// (the per-second slot granted with the reservation).
struct Reserved<'a> {
    booking: &'a ValidBooking,
    booking_id: BookingId,
    attempt: AttemptKey,
    host: HostUser,
    send_at_ms: i64,
}

/// Why `book` did not book on its host.
enum Unbooked {
    Failed(Failed),
    /// Zoom refused the host with its daily limit (this error) and made nothing.
    HostSpent(ApiError),
}

impl From<Failed> for Unbooked {
    fn from(failed: Failed) -> Self {
        Unbooked::Failed(failed)
    }
}

/// Books on the reserved host; when Zoom refuses that host with its daily limit, the
/// coordinator moves the reservation to the next host with allowance and the same request is
/// sent there. Only when no host is left does the booking fail with `daily_quota_exhausted`.
async fn book_on_a_host(
    zoom: &ZoomApi<'_>,
    coordinator: &Coordinator,
    config: &Config,
    reserved: &mut Reserved<'_>,
    span: Span,
) -> Result<StoredAnswer, Failed> {
    // Zoom made nothing on a host that refused: a failure from here on leaves no meeting.
    let nothing_made = |error: ApiError| Failed {
        error,
        meeting_may_exist: false,
    };
    // Each move takes a host with allowance left, so the pool bounds the moves.
    let mut refused = None;
    for _ in 0..=config.host_users.len() {
        let spent = match book(zoom, coordinator, config, reserved).await {
            Ok(answer) => return Ok(answer),
            Err(Unbooked::Failed(failed)) => return Err(failed),
            Err(Unbooked::HostSpent(error)) => error,
        };
        console_warn!(
            "host {}: daily limit at Zoom; moving the booking",
            reserved.host
        );
        let ask = MoveReservation {
            booking_id: reserved.booking_id.clone(),
            idempotency_key: reserved.attempt.key.clone(),
            span,
            refused_host: reserved.host.clone(),
        };
        match coordinator.send(&ask).await.map_err(nothing_made)? {
            ReserveOutcome::Reserved { host, send_at_ms } => {
                reserved.host = host;
                reserved.send_at_ms = send_at_ms;
            }
            ReserveOutcome::Refused(refusal) => return Err(nothing_made(refusal.into())),
            ReserveOutcome::RateLimited(denied) => return Err(nothing_made(denied.into())),
            ReserveOutcome::Replay(_) => return Err(nothing_made(spent)),
        }
        refused = Some(spent);
    }
    Err(nothing_made(refused.unwrap_or(
        ApiError::DailyQuotaExhausted { retry_after: 1 },
    )))
}

/// Creates the meeting on the reserved host and commits it, as `domain::booking::creation`
/// decides at each step.
async fn book(
    zoom: &ZoomApi<'_>,
    coordinator: &Coordinator,
    config: &Config,
    reserved: &Reserved<'_>,
) -> Result<StoredAnswer, Unbooked> {
    let host = &reserved.host;
    let body = create_meeting_body(reserved.booking);
    let created = zoom.create_meeting(host, &body, reserved.send_at_ms).await;
    let answer = created
        .as_ref()
        .map(|reply| (reply.status, reply.body.as_str()));
    let meeting = match creation::after_create(answer.map_err(Clone::clone)) {
        Next::Commit(meeting) => meeting,
        Next::Fail(failed) => return Err(Unbooked::Failed(failed)),
        Next::TryAnotherHost(refused) => return Err(Unbooked::HostSpent(refused)),
        Next::LookUp => {
            console_warn!("create on {host}: no answer; looking for the meeting first");
            creation::after_lookup(find_created_meeting(zoom, host, reserved.booking).await)?
        }
    };
    let record = meeting.into_record(
        reserved.booking_id.clone(),
        host,
        reserved.booking,
        clock::now(),
    );
    let mut body = record.public_view();
    body["manage_token"] = Value::from(manage_token::issue(
        config.booking_signing_key.expose(),
        &reserved.booking_id,
    ));
    let answer = StoredAnswer { status: 201, body };
    let attempt = &reserved.attempt;
    let commit = CommitBooking {
        record,
        idempotency_key: attempt.key.clone(),
        fingerprint: attempt.fingerprint.clone(),
        key_retention_ms: attempt.retention_ms,
        answer: answer.clone(),
    };
    if let Err(err) = coordinator.send(&commit).await {
        let meeting_id = commit.record.meeting.id;
        let deleted = match zoom.delete_meeting(meeting_id).await {
            Ok(_) => true,
            Err(cleanup) => {
                console_error!("orphan meeting {meeting_id} left at Zoom: {cleanup:?}");
                false
            }
        };
        return Err(creation::after_failed_commit(err, deleted).into());
    }
    Ok(answer)
}

/// The meeting a create whose answer was lost made, if the host's upcoming meetings have it.
/// A list that cannot be read to the end counts as not found.
async fn find_created_meeting(
    zoom: &ZoomApi<'_>,
    host: &HostUser,
    booking: &ValidBooking,
) -> Result<Option<ZoomMeeting>, CallError> {
    let search = zoom.search_upcoming(host, MAX_LOOKUP_PAGES, |page| {
        page.meetings
            .iter()
            .find(|m| m.is_for(booking))
            .map(|m| m.id)
    });
    let id = match search.await {
        Ok(found) => found,
        Err(PagerError::Zoom(err)) => return Err(err),
        Err(PagerError::UnreadablePage | PagerError::TooManyPages) => None,
    };
    match id {
        Some(id) => Ok(ZoomMeeting::parse(&zoom.get_meeting(id).await?.body)),
        None => Ok(None),
    }
}
