//! The fetch handler's side of the coordinator protocol: one Durable Object per Zoom account.

use crate::domain::api_error::ApiError;
use crate::domain::booking::BookingRecord;
use crate::domain::config::Config;
use crate::domain::coordinator_protocol::{
    booking_path, BookingRef, CommitBooking, HostSync, PermitAnswer, PermitGrant, PermitRequest,
    ReleaseReservation, RescheduleCommit, RescheduleOutcome, RescheduleRequest, ReserveOutcome,
    ReserveRequest, TokenGrant, TokenRequest, Zoom429Report, CANCEL_PATH, COMMIT_PATH,
    HOST_SYNC_PATH, PERMIT_PATH, RELEASE_PATH, RESCHEDULE_COMMIT_PATH, RESCHEDULE_PATH,
    RESCHEDULE_RELEASE_PATH, RESERVE_PATH, STATUS_PATH, TOKEN_PATH, WEBHOOK_EVENTS_PATH,
    ZOOM_429_PATH,
};
use crate::domain::token_policy::IssuedToken;
use crate::domain::webhook::event::MeetingEvent;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use worker::{console_error, Env, Method, Request, RequestInit, Response, Stub};

const BINDING: &str = "ZOOM_COORDINATOR";
const COORDINATOR_RETRY_AFTER_SECS: u32 = 2;

fn unavailable(context: &str, err: worker::Error) -> ApiError {
    console_error!("coordinator {context} failed: {err}");
    ApiError::CoordinatorUnavailable {
        retry_after: COORDINATOR_RETRY_AFTER_SECS,
    }
}

/// The coordinator of one Zoom account.
fn stub(env: &Env, account_id: &str) -> Result<Stub, ApiError> {
    env.durable_object(BINDING)
        .and_then(|ns| ns.get_by_name(account_id))
        .map_err(|e| unavailable("binding", e))
}

async fn call(
    env: &Env,
    account_id: &str,
    method: Method,
    path: &str,
    body: Option<String>,
) -> Result<Response, ApiError> {
    let mut init = RequestInit::new();
    init.with_method(method).with_body(body.map(Into::into));
    let request = Request::new_with_init(&format!("https://coordinator{path}"), &init)
        .map_err(|e| unavailable(path, e))?;
    stub(env, account_id)?
        .fetch_with_request(request)
        .await
        .map_err(|e| unavailable(path, e))
}

fn expect_success(context: &str, response: &Response) -> Result<(), ApiError> {
    match response.status_code() {
        200..=299 => Ok(()),
        status => Err(unavailable(
            context,
            worker::Error::RustError(format!("status {status}")),
        )),
    }
}

/// `POST`s a protocol message (protocol types serialize infallibly) and checks for success.
async fn post(
    env: &Env,
    account_id: &str,
    path: &str,
    body: &impl Serialize,
) -> Result<Response, ApiError> {
    let response = call(
        env,
        account_id,
        Method::Post,
        path,
        serde_json::to_string(body).ok(),
    )
    .await?;
    expect_success(path, &response)?;
    Ok(response)
}

/// `POST`s a protocol message and reads the answer.
async fn exchange<T: DeserializeOwned>(
    env: &Env,
    account_id: &str,
    path: &str,
    body: &impl Serialize,
) -> Result<T, ApiError> {
    let mut response = post(env, account_id, path, body).await?;
    response.json().await.map_err(|e| unavailable(path, e))
}

/// A request whose answer is a booking record, or 404.
async fn record_answer(
    env: &Env,
    account_id: &str,
    method: Method,
    path: &str,
    body: Option<String>,
) -> Result<Option<BookingRecord>, ApiError> {
    let mut response = call(env, account_id, method, path, body).await?;
    if response.status_code() == 404 {
        return Ok(None);
    }
    expect_success(path, &response)?;
    response
        .json()
        .await
        .map(Some)
        .map_err(|e| unavailable(path, e))
}

fn account(config: &Config) -> &str {
    &config.credentials.account_id
}

/// The coordinator's current token, or a replacement for `rejected` if that is still current.
pub async fn request_token(
    env: &Env,
    config: &Config,
    rejected: Option<&str>,
) -> Result<IssuedToken, ApiError> {
    let body = TokenRequest {
        rejected_token: rejected.map(str::to_owned),
    };
    let grant: TokenGrant = exchange(env, account(config), TOKEN_PATH, &body).await?;
    grant.map_err(ApiError::from)
}

/// Decides a new booking in one step: replay, refusal, or a held slot on a chosen host.
pub async fn reserve(
    env: &Env,
    config: &Config,
    request: &ReserveRequest,
) -> Result<ReserveOutcome, ApiError> {
    exchange(env, account(config), RESERVE_PATH, request).await
}

/// Commits a booking to the ledger. Success means it is durably stored.
pub async fn commit(env: &Env, config: &Config, commit: &CommitBooking) -> Result<(), ApiError> {
    post(env, account(config), COMMIT_PATH, commit)
        .await
        .map(drop)
}

pub async fn release(
    env: &Env,
    config: &Config,
    release: &ReleaseReservation,
) -> Result<(), ApiError> {
    post(env, account(config), RELEASE_PATH, release)
        .await
        .map(drop)
}

pub async fn reserve_reschedule(
    env: &Env,
    config: &Config,
    request: &RescheduleRequest,
) -> Result<RescheduleOutcome, ApiError> {
    exchange(env, account(config), RESCHEDULE_PATH, request).await
}

pub async fn commit_reschedule(
    env: &Env,
    config: &Config,
    commit: &RescheduleCommit,
) -> Result<Option<BookingRecord>, ApiError> {
    let body = serde_json::to_string(commit).ok();
    record_answer(
        env,
        account(config),
        Method::Post,
        RESCHEDULE_COMMIT_PATH,
        body,
    )
    .await
}

pub async fn release_reschedule(
    env: &Env,
    config: &Config,
    booking: &BookingRef,
) -> Result<(), ApiError> {
    post(env, account(config), RESCHEDULE_RELEASE_PATH, booking)
        .await
        .map(drop)
}

pub async fn cancel(
    env: &Env,
    config: &Config,
    booking: &BookingRef,
) -> Result<Option<BookingRecord>, ApiError> {
    let body = serde_json::to_string(booking).ok();
    record_answer(env, account(config), Method::Post, CANCEL_PATH, body).await
}

/// Hands a host's complete upcoming-meeting list to the coordinator; answers how many of them
/// were made outside the service.
pub async fn sync_host(env: &Env, config: &Config, sync: &HostSync) -> Result<usize, ApiError> {
    exchange(env, account(config), HOST_SYNC_PATH, sync).await
}

/// The ledger record of a booking, if it exists.
pub async fn booking(
    env: &Env,
    account_id: &str,
    booking_id: &str,
) -> Result<Option<BookingRecord>, ApiError> {
    let path = booking_path(booking_id);
    record_answer(env, account_id, Method::Get, &path, None).await
}

/// Hands a verified webhook event to the coordinator, which applies it once.
pub async fn apply_event(
    env: &Env,
    account_id: &str,
    event: &MeetingEvent,
) -> Result<(), ApiError> {
    post(env, account_id, WEBHOOK_EVENTS_PATH, event)
        .await
        .map(drop)
}

/// A per-second permit for one Zoom call.
pub async fn permit(
    env: &Env,
    config: &Config,
    request: &PermitRequest,
) -> Result<PermitGrant, ApiError> {
    let answer: PermitAnswer = exchange(env, account(config), PERMIT_PATH, request).await?;
    answer.map_err(ApiError::from)
}

pub async fn report_429(
    env: &Env,
    config: &Config,
    report: &Zoom429Report,
) -> Result<(), ApiError> {
    post(env, account(config), ZOOM_429_PATH, report)
        .await
        .map(drop)
}

/// The coordinator's operator status (usage, blocks, token age; never token values).
pub async fn status(env: &Env, config: &Config) -> Result<Value, ApiError> {
    let mut response = call(env, account(config), Method::Get, STATUS_PATH, None).await?;
    expect_success("status", &response)?;
    response.json().await.map_err(|e| unavailable("status", e))
}
