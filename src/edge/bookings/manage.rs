//! The owner's side of a booking: read, reschedule, cancel, invitation. The token is checked
//! before the ledger is read, so a stranger cannot tell which bookings exist.

use super::read_body;
use crate::domain::api_error::ApiError;
use crate::domain::availability::Buffers;
use crate::domain::booking::access::{authorize, may_see, Access};
use crate::domain::booking::host_pool::Span;
use crate::domain::booking::reschedule::parse_reschedule;
use crate::domain::booking::reschedule_outcome::{self, Settled};
use crate::domain::booking::saga;
use crate::domain::booking::{BookingId, BookingRecord, BookingStatus};
use crate::domain::coordinator::{
    CancelBooking, GetAttendance, GetBooking, RescheduleCommit, RescheduleRelease,
    RescheduleRequest, RescheduleUnknown,
};
use crate::domain::event_types::EventTypes;
use crate::domain::zoom::api::means_already_deleted;
use crate::domain::zoom::meetings::{reschedule_body, ZoomMeeting};
use crate::edge::account::Account;
use crate::edge::intl_zones::IntlZones;
use crate::edge::zoom::api::{CallError, ZoomApi};
use crate::edge::{clock, http, settings};
use serde_json::json;
use std::time::Duration;
use worker::{console_warn, Delay, Env, Request, Response};

/// The account, once the event types are known to be good: a broken configuration refuses
/// the owner's routes as it refuses new bookings (`503 not_configured` naming every problem).
fn booking_account(env: &Env) -> Result<Account, ApiError> {
    let account = Account::load(env)?;
    settings::load_types(env, &account.config)?;
    Ok(account)
}

/// Checks the caller's token for `booking_id`, then loads the booking.
async fn authorized(
    req: &Request,
    env: &Env,
    account: &Account,
    booking_id: &BookingId,
) -> Result<(Access, BookingRecord), ApiError> {
    let admin_token = env.secret("ADMIN_TOKEN").map(|s| s.to_string()).ok();
    let authorization = req.headers().get("authorization").ok().flatten();
    let access = authorize(
        account.config.booking_signing_key.expose(),
        admin_token.as_deref(),
        booking_id,
        authorization.as_deref(),
    )?;
    let ask = GetBooking {
        booking_id: booking_id.clone(),
    };
    let record = account
        .coordinator
        .send(&ask)
        .await?
        .ok_or(ApiError::NotFound)?;
    may_see(access, &record, clock::now_ms())?;
    Ok((access, record))
}

/// Changes are the owner's alone; the operator may only read.
async fn owned(
    req: &Request,
    env: &Env,
    account: &Account,
    booking_id: &BookingId,
) -> Result<BookingRecord, ApiError> {
    match authorized(req, env, account, booking_id).await? {
        (Access::Owner, record) => Ok(record),
        (Access::Operator, _) => Err(ApiError::NotFound),
    }
}

/// The owner's view: every answer to an owner (read, reschedule, cancel) goes through it.
fn view(record: &BookingRecord) -> Response {
    http::json_response(200, &record.owner_view())
}

/// `GET /v1/bookings/{id}`: the owner's view, or with the operator token every kept attendee
/// and the whole recording (one more coordinator message, on the operator's reads only).
pub async fn show(req: &Request, env: &Env, booking_id: &BookingId) -> Result<Response, ApiError> {
    let account = booking_account(env)?;
    match authorized(req, env, &account, booking_id).await? {
        (Access::Owner, record) => Ok(view(&record)),
        (Access::Operator, record) => {
            let ask = GetAttendance {
                booking_id: booking_id.clone(),
            };
            let kept = account.coordinator.send(&ask).await?;
            Ok(http::json_response(200, &record.operator_view(&kept)))
        }
    }
}

/// `PATCH /v1/bookings/{id}`: moves the meeting at Zoom (same meeting, same join link).
pub async fn reschedule(
    mut req: Request,
    env: &Env,
    booking_id: &BookingId,
) -> Result<Response, ApiError> {
    let account = booking_account(env)?;
    let record = owned(&req, env, &account, booking_id).await?;
    if record.status == BookingStatus::Cancelled {
        return Err(ApiError::BookingCancelled);
    }
    let (kind, body) = read_body(&mut req).await?;
    // A booking whose type is no longer configured keeps the implicit type's rules.
    let types = settings::load_types(env, &account.config)?;
    let implicit = EventTypes::implicit();
    let event_type = types
        .get(&record.event_type)
        .unwrap_or_else(|| implicit.default_type());
    let change = parse_reschedule(
        kind,
        &body,
        &record.meeting,
        event_type,
        clock::now(),
        &IntlZones,
        &account.config.default_timezone,
    )?;
    let meeting = &record.meeting;
    if change.start == meeting.start_time
        && change.duration_minutes == meeting.duration
        && change.timezone.name() == meeting.timezone
    {
        return Ok(view(&record));
    }
    let coordinator = &account.coordinator;
    let ask = RescheduleRequest {
        booking_id: booking_id.clone(),
        span: Span::of(change.start, change.duration_minutes),
        buffers: Buffers::of(event_type),
    };
    let current = coordinator.send(&ask).await??;
    let zoom = ZoomApi::new(env, &account.config, coordinator);
    let meeting_id = current.meeting.id;
    let body = reschedule_body(&change);
    let moved = zoom
        .update_meeting(meeting_id, &current.host_user, &body)
        .await
        .map(|_| ());
    let settled = match reschedule_outcome::after_update(moved) {
        Some(settled) => settled,
        None => {
            console_warn!("reschedule of {booking_id}: outcome unknown; reading the meeting back");
            // Zoom may still be carrying out a PATCH whose answer timed out: the meeting read
            // back too soon would show the old time although it is about to move.
            Delay::from(Duration::from_millis(saga::SETTLE_MS as u64)).await;
            let read = zoom
                .get_meeting(meeting_id)
                .await
                .map(|reply| ZoomMeeting::parse(&reply.body));
            reschedule_outcome::after_read_back(read, &change)
        }
    };
    let never_sent = matches!(settled, Settled::NotSent(_));
    match settled {
        Settled::Commit => {}
        Settled::Release(err) | Settled::NotSent(err) => {
            let release = RescheduleRelease {
                booking_id: booking_id.clone(),
                never_sent,
            };
            coordinator
                .send_or_log(&release, "reschedule hold not released")
                .await;
            return Err(err);
        }
        // The new time stays held past the next Cron reconciliation, which (or a webhook)
        // moves the booking if Zoom moved the meeting.
        Settled::Pending(err) => {
            let unknown = RescheduleUnknown {
                booking_id: booking_id.clone(),
            };
            coordinator
                .send_or_log(&unknown, "reschedule hold not extended")
                .await;
            return Err(err);
        }
    }
    let commit = RescheduleCommit {
        booking_id: booking_id.clone(),
        start_time: change.start,
        duration: change.duration_minutes,
        timezone: change.timezone.name().to_owned(),
    };
    // A lost answer here leaves Zoom moved and the ledger not (yet): the owner is told the
    // outcome is being confirmed, and webhooks or reconciliation bring the ledger along.
    let updated = coordinator.send(&commit).await.map_err(|err| {
        console_warn!("reschedule of {booking_id} not committed: {err:?}");
        saga::outcome_pending()
    })?;
    let updated = updated.ok_or(ApiError::NotFound)?;
    Ok(view(&updated))
}

/// `DELETE /v1/bookings/{id}`: idempotent; a meeting Zoom no longer has is cancelled already.
pub async fn cancel(
    req: &Request,
    env: &Env,
    booking_id: &BookingId,
) -> Result<Response, ApiError> {
    let account = booking_account(env)?;
    let record = owned(req, env, &account, booking_id).await?;
    if record.status == BookingStatus::Cancelled {
        return Ok(view(&record));
    }
    let zoom = ZoomApi::new(env, &account.config, &account.coordinator);
    match zoom.delete_meeting(record.meeting.id).await {
        Ok(_) => {}
        Err(CallError::Failed(err)) if means_already_deleted(&err) => {}
        Err(err) => return Err(err.into()),
    }
    let cancel = CancelBooking {
        booking_id: booking_id.clone(),
        reconciled: false,
    };
    let cancelled = account
        .coordinator
        .send(&cancel)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(view(&cancelled))
}

/// `GET /v1/bookings/{id}/invitation`: Zoom's invitation text for the guests.
pub async fn invitation(
    req: &Request,
    env: &Env,
    booking_id: &BookingId,
) -> Result<Response, ApiError> {
    let account = booking_account(env)?;
    let (access, record) = authorized(req, env, &account, booking_id).await?;
    if record.status == BookingStatus::Cancelled {
        return Err(ApiError::BookingCancelled);
    }
    // The owner's reads are limited (`booking::owner_limits`); the operator's are not.
    let owner_read = (access == Access::Owner).then_some(booking_id);
    let reply = ZoomApi::new(env, &account.config, &account.coordinator)
        .invitation(record.meeting.id, owner_read)
        .await?;
    let text = serde_json::from_str::<serde_json::Value>(&reply.body)
        .ok()
        .and_then(|v| v["invitation"].as_str().map(str::to_owned))
        .ok_or(ApiError::ZoomError {
            status: reply.status,
        })?;
    Ok(http::json_response(
        200,
        &json!({ "booking_id": booking_id, "invitation": text }),
    ))
}
