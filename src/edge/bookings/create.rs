//! `POST /v1/bookings`: validate (no side effects), reserve in the coordinator (idempotency, host,
//! slot, daily allowance and the journaled attempt in one step), create the Zoom meeting, commit,
//! answer — each step as `domain::booking::saga` decides. An outcome this handler cannot learn
//! is handed to the coordinator, which finishes it (`edge::coordinator::resolution`).

use super::read_body;
use crate::domain::api_error::ApiError;
use crate::domain::availability::Buffers;
use crate::domain::booking::host_pool::{allowed_hosts, Span};
use crate::domain::booking::idempotency::{
    duplicate_key, fingerprint, IdempotencyKey, StoredAnswer,
};
use crate::domain::booking::marker::Marker;
use crate::domain::booking::replay::{may_replay_refused, KeyedAnswer};
use crate::domain::booking::request::{client_key, Context};
use crate::domain::booking::saga::{self, AfterCommit, AfterCreate, WORKER_LOOKUP_PAGES};
use crate::domain::booking::submit_limits::Submitter;
use crate::domain::booking::{parse_booking, BodyKind, BookingId, ValidBooking};
use crate::domain::config::Config;
use crate::domain::coordinator::{
    CommitBooking, CreateUnknown, KeyedReplay, MismatchReport, MoveReservation, Refusal,
    ReleaseReservation, ReserveOutcome, ReserveRequest,
};
use crate::domain::zoom::meetings::{create_meeting_body, ZoomMeeting};
use crate::domain::zoom::HostUser;
use crate::edge::account::Account;
use crate::edge::coordinator::Coordinator;
use crate::edge::intl_zones::IntlZones;
use crate::edge::zoom::api::{CallError, ZoomApi};
use crate::edge::zoom::meetings::PagerError;
use crate::edge::{clock, http, settings, turnstile};
use worker::{console_error, console_warn, Env, Request, Response};

/// Under which key the coordinator remembers this submission. A client key covers exactly one
/// request body; without one, an identical submission (every field) within 10 minutes counts
/// as the same one (a double-clicked form), and its replay withholds the `manage_token`.
struct AttemptKey {
    key: String,
    fingerprint: String,
}

impl AttemptKey {
    fn new(client: Option<&IdempotencyKey>, booking: &ValidBooking) -> Self {
        Self {
            key: client.map_or_else(|| duplicate_key(booking), IdempotencyKey::stored),
            fingerprint: fingerprint(booking),
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

/// `keep_form`, when given, receives a form body once read: a refused plain form post is shown
/// again with what was typed, from the one copy the booking path read (never a second copy of
/// the request, which the runtime would buffer in full beside the first).
pub async fn create(
    mut req: Request,
    env: &Env,
    keep_form: Option<&mut Vec<u8>>,
) -> Result<Created, ApiError> {
    let account = Account::load(env)?;
    let (config, coordinator) = (&account.config, &account.coordinator);
    // A broken event types configuration refuses bookings (503 naming every path), before any
    // side effect.
    let types = settings::load_types(env, config)?;
    let header = req.headers().get("idempotency-key").ok().flatten();
    let presented = turnstile::Presented::of(&req);
    let (kind, body) = read_body(&mut req).await?;
    if let (Some(kept), BodyKind::Form) = (keep_form, kind) {
        kept.clone_from(&body);
    }
    let client = client_key(kind, &body, header.as_deref())?;
    // Drawn before validation (which stays pure) for a passcode the worker generates: it is
    // journaled with the attempt, so every create of this booking sends the same one.
    let random =
        clock::random_64().map_err(|_| ApiError::CoordinatorUnavailable { retry_after: 1 })?;
    let context = Context {
        now: clock::now(),
        zones: &IntlZones,
        default_timezone: &config.default_timezone,
        types: &types,
        random,
    };
    let booking = parse_booking(kind, &body, context)?;
    // Validation found the type among these.
    let event_type = types.get(&booking.event_type);
    let hosts = event_type.and_then(|event_type| allowed_hosts(event_type, &config.host_users));
    let buffers = event_type.map(Buffers::of).unwrap_or_default();
    let attempt = AttemptKey::new(client.as_ref(), &booking);
    if let Err(refused) = turnstile::check(env, &presented, kind, &body).await {
        if !may_replay_refused(client.is_some(), &refused) {
            return Err(refused.error);
        }
        return keyed_replay_or(coordinator, &attempt, refused.error).await;
    }
    // Everything above is free of side effects: an invalid request leaves nothing behind, not
    // even under its idempotency key.
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
        booking: booking.clone(),
        hosts,
        buffers,
    };
    let (host, send_at_ms, send_before_ms) = match coordinator.send(&reserve).await? {
        ReserveOutcome::Reserved {
            host,
            send_at_ms,
            send_before_ms,
        } => (host, send_at_ms, send_before_ms),
        ReserveOutcome::Replay(answer) => {
            return Ok(Created {
                answer,
                replayed: true,
            })
        }
        ReserveOutcome::Refused(refusal) => return Err(refusal.into()),
        ReserveOutcome::RateLimited(denied) => return Err(denied.into()),
    };
    let marker = Marker::of(config.booking_signing_key.expose(), &booking_id);
    let mut reserved = Reserved {
        booking: &booking,
        booking_id,
        marker,
        attempt,
        host,
        send_at_ms,
        send_before_ms,
    };
    let zoom = ZoomApi::new(env, config, coordinator);
    let outcome = book_on_a_host(&zoom, coordinator, config, &mut reserved, &reserve).await;
    let never_sent = matches!(outcome, Err(Unbooked::NeverSent(_)));
    match outcome {
        Ok(answer) => Ok(Created {
            answer,
            replayed: false,
        }),
        Err(Unbooked::NothingMade(error) | Unbooked::NeverSent(error)) => {
            // Zoom never received the create: the booking gives back all it took.
            let release = ReleaseReservation {
                booking_id: reserved.booking_id,
                idempotency_key: reserved.attempt.key,
                never_sent,
            };
            // Else the coordinator resolves the attempt itself once its lease lapses.
            coordinator
                .send_or_log(&release, "reservation not released")
                .await;
            Err(error)
        }
        // `book_on_a_host` moves a spent host's booking; it never returns `HostSpent`.
        Err(Unbooked::Settled(error) | Unbooked::HostSpent(error)) => Err(error),
        Err(Unbooked::Pending) => Err(saga::outcome_pending()),
    }
}

/// A keyed request the Turnstile check refused for a spent token
/// (`replay::may_replay_refused`): if its key already booked this same request, that booking's
/// answer (a retry after a lost answer re-sends a spent token), or `409 request_in_progress`
/// while it is still being made or confirmed; else the refusal. Only this
/// refused path asks the coordinator (a read): a passing booking gets its replay from the
/// reserve as before, and a keyless one never skips the check.
async fn keyed_replay_or(
    coordinator: &Coordinator,
    attempt: &AttemptKey,
    refused: ApiError,
) -> Result<Created, ApiError> {
    let ask = KeyedReplay {
        idempotency_key: attempt.key.clone(),
        fingerprint: attempt.fingerprint.clone(),
    };
    match coordinator.send(&ask).await {
        Ok(Some(KeyedAnswer::Replay(answer))) => Ok(Created {
            answer,
            replayed: true,
        }),
        Ok(Some(KeyedAnswer::InProgress { retry_after })) => {
            Err(ApiError::RequestInProgress { retry_after })
        }
        // Nothing to replay, or the coordinator could not say: the check's refusal stands.
        Ok(None) | Err(_) => Err(refused),
    }
}

/// A booking whose slot the coordinator holds: the create goes to `host`, sent at `send_at_ms`
/// (the per-second slot granted with the reservation) and not at or after `send_before_ms`, its
/// agenda carrying `marker`.
struct Reserved<'a> {
    booking: &'a ValidBooking,
    booking_id: BookingId,
    marker: Marker,
    attempt: AttemptKey,
    host: HostUser,
    send_at_ms: i64,
    send_before_ms: i64,
}

/// Why `book` did not book on its host.
enum Unbooked {
    /// Zoom certainly made nothing: release the reservation, answer this error.
    NothingMade(ApiError),
    /// No create for this booking ever left the worker: release the reservation giving back
    /// everything it took (`booking::give_back`), answer this error.
    NeverSent(ApiError),
    /// Zoom refused the host with its daily limit (this error) and made nothing.
    HostSpent(ApiError),
    /// The attempt is settled without this handler's release (nothing left to undo): answer
    /// this error.
    Settled(ApiError),
    /// The outcome is not known: the coordinator has (or will take) the attempt over.
    Pending,
}

/// Books on the reserved host; when Zoom refuses that host with its daily limit, the
/// coordinator moves the reservation to the next host with allowance and the same request is
/// sent there. Only when no host is left does the booking fail with `daily_quota_exhausted`.
async fn book_on_a_host(
    zoom: &ZoomApi<'_>,
    coordinator: &Coordinator,
    config: &Config,
    reserved: &mut Reserved<'_>,
    reserve: &ReserveRequest,
) -> Result<StoredAnswer, Unbooked> {
    // Each move takes a host with allowance left, so the pool bounds the moves.
    let mut refused = None;
    for _ in 0..=config.host_users.len() {
        let spent = match book(zoom, coordinator, config, reserved).await {
            Err(Unbooked::HostSpent(error)) => error,
            // A host that refused before this one received a create for the booking.
            Err(Unbooked::NeverSent(error)) if refused.is_some() => {
                return Err(Unbooked::NothingMade(error))
            }
            done => return done,
        };
        console_warn!(
            "host {}: daily limit at Zoom; moving the booking",
            reserved.host
        );
        let ask = MoveReservation {
            booking_id: reserved.booking_id.clone(),
            idempotency_key: reserved.attempt.key.clone(),
            span: reserve.span,
            refused_host: reserved.host.clone(),
            hosts: reserve.hosts.clone(),
            buffers: reserve.buffers,
        };
        // Zoom made nothing on a host that refused: a failure here leaves no meeting.
        match coordinator
            .send(&ask)
            .await
            .map_err(Unbooked::NothingMade)?
        {
            ReserveOutcome::Reserved {
                host,
                send_at_ms,
                send_before_ms,
            } => {
                reserved.host = host;
                reserved.send_at_ms = send_at_ms;
                reserved.send_before_ms = send_before_ms;
            }
            // The attempt is no longer this handler's to move (its lease lapsed): the booking
            // fails with the host's refusal, not as if another request held the key.
            ReserveOutcome::Refused(Refusal::InProgress { .. }) => {
                return Err(Unbooked::NothingMade(spent))
            }
            ReserveOutcome::Refused(refusal) => return Err(Unbooked::NothingMade(refusal.into())),
            ReserveOutcome::RateLimited(denied) => {
                return Err(Unbooked::NothingMade(denied.into()))
            }
            ReserveOutcome::Replay(_) => return Err(Unbooked::NothingMade(spent)),
        }
        refused = Some(spent);
    }
    Err(Unbooked::NothingMade(refused.unwrap_or(
        ApiError::DailyQuotaExhausted { retry_after: 1 },
    )))
}

/// Creates the meeting on the reserved host and commits it, as `domain::booking::saga` decides
/// at each step.
async fn book(
    zoom: &ZoomApi<'_>,
    coordinator: &Coordinator,
    config: &Config,
    reserved: &Reserved<'_>,
) -> Result<StoredAnswer, Unbooked> {
    let host = &reserved.host;
    let body = create_meeting_body(reserved.booking, &reserved.marker);
    let created = zoom
        .create_meeting(host, &body, reserved.send_at_ms, reserved.send_before_ms)
        .await;
    let answer = created
        .as_ref()
        .map(|reply| (reply.status, reply.body.as_str()));
    let (meeting, settings_mismatch) = match saga::after_create(answer.map_err(Clone::clone)) {
        // Zoom's answer shows what it made of the settings sent.
        AfterCreate::Commit(meeting) => {
            let text = answer.map_or("", |(_, text)| text);
            let report = MismatchReport::of_create(&reserved.booking.event_type, &body, text);
            (meeting, report)
        }
        AfterCreate::Fail(error) => return Err(Unbooked::NothingMade(error)),
        AfterCreate::NeverSent(error) => return Err(Unbooked::NeverSent(error)),
        AfterCreate::TryAnotherHost(refused) => return Err(Unbooked::HostSpent(refused)),
        AfterCreate::LookUp => {
            console_warn!("create on {host}: outcome unknown; looking for the meeting");
            let found = find_created_meeting(zoom, host, &reserved.marker).await;
            match saga::after_lookup(found) {
                // A listed meeting shows no settings: nothing to compare.
                Some(meeting) => (meeting, None),
                None => return Err(hand_over(coordinator, reserved).await),
            }
        }
    };
    commit(
        zoom,
        coordinator,
        config,
        reserved,
        meeting,
        settings_mismatch,
    )
    .await
}

/// Commits what Zoom made, and answers as `saga::after_commit` decides.
async fn commit(
    zoom: &ZoomApi<'_>,
    coordinator: &Coordinator,
    config: &Config,
    reserved: &Reserved<'_>,
    meeting: ZoomMeeting,
    settings_mismatch: Option<MismatchReport>,
) -> Result<StoredAnswer, Unbooked> {
    let record = meeting.into_record(
        reserved.booking_id.clone(),
        &reserved.host,
        reserved.booking,
        clock::now(),
    );
    let meeting_id = record.meeting.id;
    let commit = CommitBooking {
        answer: saga::answer_for(&record, config.booking_signing_key.expose()),
        record,
        idempotency_key: reserved.attempt.key.clone(),
        settings_mismatch,
    };
    match saga::after_commit(coordinator.send(&commit).await) {
        AfterCommit::Answer(answer) => Ok(answer),
        AfterCommit::Pending => Err(Unbooked::Pending),
        AfterCommit::DeleteMeeting => {
            // No booking refers to this meeting, and none ever will. Should the delete fail,
            // the Cron run finds it by the released attempt's marker and deletes it then.
            if let Err(cleanup) = zoom.delete_meeting(meeting_id).await {
                console_error!("meeting {meeting_id} belongs to no booking: {cleanup:?}");
            }
            Err(Unbooked::Settled(ApiError::BookingAbandoned))
        }
    }
}

/// The coordinator takes the attempt over; if it cannot be told, it takes it over anyway when
/// the handler's lease lapses.
async fn hand_over(coordinator: &Coordinator, reserved: &Reserved<'_>) -> Unbooked {
    let unknown = CreateUnknown {
        booking_id: reserved.booking_id.clone(),
        idempotency_key: reserved.attempt.key.clone(),
    };
    coordinator
        .send_or_log(&unknown, "unknown outcome not handed over (the lease will)")
        .await;
    Unbooked::Pending
}

/// The meeting a create whose answer was lost made, if the first pages of the host's meetings
/// have one carrying the booking's marker (the coordinator reads the rest). A search that fails
/// proves nothing: `None`, and the coordinator takes over.
async fn find_created_meeting(
    zoom: &ZoomApi<'_>,
    host: &HostUser,
    marker: &Marker,
) -> Result<Option<ZoomMeeting>, CallError> {
    match zoom.find_marked(host, marker, WORKER_LOOKUP_PAGES).await {
        Ok(found) => Ok(found),
        Err(PagerError::Zoom(err)) => Err(err),
        Err(PagerError::UnreadablePage | PagerError::TooManyPages) => Ok(None),
    }
}
