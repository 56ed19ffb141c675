//! A new booking as a journaled saga: **reserve** (the coordinator journals the attempt with all
//! it needs to finish it: key, host, the booking) → **create** at Zoom → **commit**; or, when
//! Zoom's answer is lost, **resolve**: the coordinator itself finds the meeting by its marker
//! (`booking::marker`) and adopts it (a client key's attempt: its answer is kept for the retry)
//! or deletes it (a keyless attempt: no client can ever fetch its answer), or establishes that
//! Zoom made none and releases the slot and the key. An attempt whose outcome is unknown is never
//! forgotten: its key stays bound (retries get `409 request_in_progress`) until it is resolved.
//!
//! Every transition is decided here; `edge::bookings::create` (the worker's steps) and
//! `edge::coordinator::resolution` (the coordinator's) carry them out, and the coordinator
//! writes each step to SQLite before the next one runs.

use crate::domain::api_error::ApiError;
use crate::domain::booking::idempotency::{Attempt, StoredAnswer, CLIENT_KEY_RETENTION_MS};
use crate::domain::booking::{manage_token, BookingId, BookingRecord, ValidBooking};
use crate::domain::zoom::meetings::ZoomMeeting;
use crate::domain::zoom::retry::CallError;
use crate::domain::zoom::HostUser;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The coordinator's first look at Zoom after an attempt's outcome became unknown. The promise is
/// within 30 seconds.
pub const FIRST_CHECK_MS: i64 = 10_000;
/// A list of the host's meetings proves a create made nothing only if it was read at least this
/// long after the create was last sent: Zoom may still be carrying out a request whose answer
/// timed out.
pub const SETTLE_MS: i64 = 10_000;
/// Pages of a host's meeting list the worker reads itself after a lost answer, before handing
/// the attempt to the coordinator (which reads the whole list).
pub const WORKER_LOOKUP_PAGES: usize = 2;
/// Pages the coordinator reads when it resolves an attempt.
pub const RESOLUTION_PAGES: usize = 20;
/// Seconds a client is told to wait before asking again for an attempt being confirmed.
pub const OUTCOME_PENDING_RETRY_AFTER: u32 = 5;

/// How long the handler that reserved a booking owns it. After that the coordinator presumes the
/// handler gone (its isolate died) and resolves the attempt itself. The create is sent only
/// before `create_deadline`; a handler still at work after the lease (a slow search or commit)
/// is safe: a keyed attempt's commit is the adoption itself, a keyless one's is refused and the
/// handler deletes what it made (`on_commit`).
pub fn lease_ms(zoom_timeout_ms: u64) -> i64 {
    (12 * zoom_timeout_ms as i64).clamp(30_000, 720_000)
}

/// The last moment the handler may send its create (or resend it after a rejected token): once
/// the lease lapses the coordinator takes the attempt over, and a list it reads `SETTLE_MS`
/// later proves that nothing was made only if no create can still be under way then. A create
/// sent before this deadline has had its whole `ZOOM_TIMEOUT_MS` (and `SETTLE_MS` more) by
/// then. Past it the handler sends nothing and releases: Zoom made nothing.
pub fn create_deadline(lease_until_ms: i64, zoom_timeout_ms: u64) -> i64 {
    lease_until_ms - (zoom_timeout_ms as i64).max(SETTLE_MS)
}

/// What the journal keeps to finish an attempt without its handler.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Intent {
    pub host: HostUser,
    pub booking: ValidBooking,
}

// ---- The worker's steps -------------------------------------------------------------------

/// What the worker does after `POST /users/{host}/meetings`.
#[derive(Debug, Clone)]
pub enum AfterCreate {
    /// Zoom made this meeting: commit it.
    Commit(ZoomMeeting),
    /// Zoom may have made the meeting (no answer, a gateway error, an unreadable 2xx): look for
    /// it by its marker before anything else.
    LookUp,
    /// Zoom refused the host with its daily limit (this error) and made nothing: the same
    /// request may go to another host with allowance.
    TryAnotherHost(ApiError),
    /// Zoom certainly made nothing: release, and answer this error.
    Fail(ApiError),
    /// The create never left the worker (no token, no permit, its deadline passed): Zoom
    /// received nothing; release, giving back everything the booking took
    /// (`booking::give_back`), and answer this error.
    NeverSent(ApiError),
}

/// After the create: its 2xx answer (status and body), or why none came.
pub fn after_create(answer: Result<(u16, &str), CallError>) -> AfterCreate {
    match answer {
        Ok((_, body)) => match ZoomMeeting::parse(body) {
            Some(meeting) => AfterCreate::Commit(meeting),
            // A 2xx means Zoom acted, even if its body cannot be read.
            None => AfterCreate::LookUp,
        },
        Err(CallError::OutcomeUnknown) => AfterCreate::LookUp,
        // A gateway error can come after Zoom acted.
        Err(CallError::Failed(ApiError::ZoomError { status })) if status >= 500 => {
            AfterCreate::LookUp
        }
        Err(CallError::Failed(err @ ApiError::DailyQuotaExhausted { .. })) => {
            AfterCreate::TryAnotherHost(err)
        }
        Err(CallError::Failed(err)) => AfterCreate::Fail(err),
        Err(CallError::NotSent(err)) => AfterCreate::NeverSent(err),
    }
}

/// What the worker does after its own short search for the meeting: commit what it found, or
/// hand the attempt to the coordinator (`503 outcome_pending`).
pub fn after_lookup(found: Result<Option<ZoomMeeting>, CallError>) -> Option<ZoomMeeting> {
    // A failed search proves nothing: the meeting may exist all the same.
    found.ok().flatten()
}

/// What the worker answers after its commit call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AfterCommit {
    /// The booking is committed: this is its one answer.
    Answer(StoredAnswer),
    /// The attempt is no longer this handler's (the coordinator already resolved it as "no
    /// meeting" and freed the slot): the meeting just made belongs to no booking and must go.
    DeleteMeeting,
    /// The commit's answer was lost: the coordinator may or may not have it. It resolves the
    /// attempt itself once the lease lapses (adopting the meeting by its marker).
    Pending,
}

pub fn after_commit(result: Result<CommitVerdict, ApiError>) -> AfterCommit {
    match result {
        Ok(CommitVerdict::Committed(answer)) => AfterCommit::Answer(answer),
        Ok(CommitVerdict::NotThisAttempt) => AfterCommit::DeleteMeeting,
        Err(_) => AfterCommit::Pending,
    }
}

/// The error for an attempt whose outcome is not known yet.
pub fn outcome_pending() -> ApiError {
    ApiError::OutcomePending {
        retry_after: OUTCOME_PENDING_RETRY_AFTER,
    }
}

// ---- The coordinator's steps --------------------------------------------------------------

/// The coordinator's answer to a commit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommitVerdict {
    /// Committed now or before (a handler and a resolution may both commit the one meeting):
    /// the answer the key replays.
    Committed(StoredAnswer),
    /// The key no longer belongs to this booking: nothing was committed.
    NotThisAttempt,
}

/// Whether a commit for `booking_id` may be written: only while the attempt under its key is
/// still this booking's. Its answer, if it has one already, is the answer. `keyed`: the key is a
/// client's `Idempotency-Key` (`idempotency::is_client_key`).
///
/// A keyless attempt is committed only while it is still its handler's (its lease holds and it
/// was not reported unknown): from then on the coordinator may be deleting its meeting (it
/// compensates, never adopts, a keyless attempt), and a commit landing while its DELETE is on
/// the way would leave a booking whose meeting is gone. The handler then deletes the meeting
/// too. A keyed attempt is committed whoever commits first: the coordinator would adopt the
/// same meeting.
pub fn on_commit(
    attempt: Option<&Attempt>,
    booking_id: &BookingId,
    keyed: bool,
    now_ms: i64,
) -> Result<(), CommitVerdict> {
    match attempt {
        Some(a) if &a.booking_id == booking_id => match &a.answer {
            Some(answer) => Err(CommitVerdict::Committed(answer.clone())),
            None if keyed || (a.unknown_since_ms.is_none() && a.lease_until_ms > now_ms) => Ok(()),
            None => Err(CommitVerdict::NotThisAttempt),
        },
        _ => Err(CommitVerdict::NotThisAttempt),
    }
}

/// The worker could not learn whether Zoom made the meeting: the attempt becomes the
/// coordinator's, first checked `FIRST_CHECK_MS` from now. `None` if the attempt is no longer
/// this booking's, or already answered (a resolution was faster).
pub fn on_unknown(
    attempt: Option<&Attempt>,
    booking_id: &BookingId,
    now_ms: i64,
) -> Option<Attempt> {
    let attempt = attempt.filter(|a| &a.booking_id == booking_id && a.answer.is_none())?;
    let mut next = attempt.clone();
    next.unknown_since_ms = Some(now_ms);
    next.lease_until_ms = now_ms + FIRST_CHECK_MS;
    Some(next)
}

/// Whether the coordinator should check Zoom for this attempt now: a journaled attempt without
/// an answer whose handler's lease (or whose next check) has come.
pub fn is_due(attempt: &Attempt, now_ms: i64) -> bool {
    attempt.intent.is_some() && attempt.answer.is_none() && attempt.lease_until_ms <= now_ms
}

/// When the attempt stopped being its handler's: reported unknown, or its lease lapsed.
fn unknown_since(attempt: &Attempt) -> i64 {
    attempt.unknown_since_ms.unwrap_or(attempt.lease_until_ms)
}

/// What a check of the host's meetings found.
#[derive(Debug, Clone)]
pub enum Found {
    /// The meeting carrying the attempt's marker, read back in full.
    Meeting(ZoomMeeting),
    /// The whole list was read (from `read_started_ms`) and no meeting carries the marker.
    Nothing { read_started_ms: i64 },
    /// The list could not be read to the end.
    Unreadable,
}

/// What the coordinator does with an attempt after a check.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolution {
    /// Commit the booking with this meeting; the key replays its answer.
    Adopt(ZoomMeeting),
    /// Delete this meeting at Zoom (no client will ever ask for it), then release.
    Delete(u64),
    /// Zoom made nothing: free the slot and the key.
    Release,
    /// Not known yet: check again at this time (the attempt stays pending, its key bound).
    CheckAgain { at_ms: i64 },
}

/// The delay before the next check after `checks` inconclusive ones: soon at first, then every
/// ten minutes for as long as it takes. An attempt is never given up.
pub fn backoff_ms(checks: u32) -> i64 {
    const STEPS: [i64; 5] = [10_000, 30_000, 60_000, 120_000, 300_000];
    STEPS.get(checks as usize).copied().unwrap_or(600_000)
}

/// Decides a check's outcome. `keyed`: the attempt has a client's `Idempotency-Key`.
pub fn after_check(attempt: &Attempt, keyed: bool, found: Found, now_ms: i64) -> Resolution {
    match found {
        Found::Meeting(meeting) if keyed => Resolution::Adopt(meeting),
        Found::Meeting(meeting) => Resolution::Delete(meeting.id),
        Found::Nothing { read_started_ms }
            if read_started_ms >= unknown_since(attempt) + SETTLE_MS =>
        {
            Resolution::Release
        }
        Found::Nothing { .. } => Resolution::CheckAgain {
            at_ms: (unknown_since(attempt) + SETTLE_MS).max(now_ms + 1_000),
        },
        Found::Unreadable => Resolution::CheckAgain {
            at_ms: now_ms + backoff_ms(attempt.checks),
        },
    }
}

/// After the delete a keyless attempt's meeting needed: released once Zoom confirms it gone.
pub fn after_delete(attempt: &Attempt, deleted: bool, now_ms: i64) -> Resolution {
    if deleted {
        Resolution::Release
    } else {
        Resolution::CheckAgain {
            at_ms: now_ms + backoff_ms(attempt.checks),
        }
    }
}

/// The handler's lease lapsed: the attempt becomes the coordinator's, first checked when a list
/// can prove something (`SETTLE_MS` after the lease, the last moment a create could be sent
/// being `create_deadline`).
pub fn take_over(attempt: &Attempt) -> Attempt {
    let mut next = check_again(attempt, attempt.lease_until_ms + SETTLE_MS);
    next.checks = 0;
    next
}

/// The attempt as it waits for its next check. Its key stays bound however long that takes:
/// each check renews its expiry.
pub fn check_again(attempt: &Attempt, at_ms: i64) -> Attempt {
    let mut next = attempt.clone();
    next.unknown_since_ms = Some(unknown_since(attempt));
    next.lease_until_ms = at_ms;
    next.expires_at_ms = next.expires_at_ms.max(at_ms + CLIENT_KEY_RETENTION_MS);
    next.checks += 1;
    next
}

/// The 201 answer of a committed booking: the public view of its record and its owner token.
pub fn answer_for(record: &BookingRecord, signing_key: &str) -> StoredAnswer {
    let mut body = record.public_view();
    body["manage_token"] = Value::from(manage_token::issue(signing_key, &record.booking_id));
    StoredAnswer { status: 201, body }
}

#[cfg(test)]
pub(crate) mod tests;
