//! The fetch handler's side of the coordinator protocol: one Durable Object per Zoom account.

use crate::domain::api_error::ApiError;
use crate::domain::booking::BookingRecord;
use crate::domain::config::Config;
use crate::domain::coordinator_protocol::{
    booking_path, PermitAnswer, PermitGrant, PermitRequest, TokenGrant, TokenRequest,
    Zoom429Report, PERMIT_PATH, STATUS_PATH, TOKEN_PATH, WEBHOOK_EVENTS_PATH, ZOOM_429_PATH,
};
use crate::domain::token_policy::IssuedToken;
use crate::domain::webhook::event::MeetingEvent;
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

/// Protocol types serialize infallibly (plain structs of strings and numbers).
fn json(body: &impl serde::Serialize) -> Option<String> {
    serde_json::to_string(body).ok()
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
    let account = &config.credentials.account_id;
    let mut response = call(env, account, Method::Post, TOKEN_PATH, json(&body)).await?;
    let grant: TokenGrant = response
        .json()
        .await
        .map_err(|e| unavailable("token answer", e))?;
    grant.map_err(ApiError::from)
}

/// Commits a booking to the ledger. Success means it is durably stored.
pub async fn record_booking(
    env: &Env,
    config: &Config,
    record: &BookingRecord,
) -> Result<(), ApiError> {
    let path = booking_path(&record.booking_id);
    let account = &config.credentials.account_id;
    let response = call(env, account, Method::Put, &path, json(record)).await?;
    expect_success("ledger write", &response)
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

/// The ledger record of a booking, if it exists.
pub async fn booking(
    env: &Env,
    account_id: &str,
    booking_id: &str,
) -> Result<Option<BookingRecord>, ApiError> {
    let path = booking_path(booking_id);
    let mut response = call(env, account_id, Method::Get, &path, None).await?;
    if response.status_code() == 404 {
        return Ok(None);
    }
    expect_success("ledger read", &response)?;
    response
        .json()
        .await
        .map(Some)
        .map_err(|e| unavailable("ledger read", e))
}

/// Hands a verified webhook event to the coordinator, which applies it once.
pub async fn apply_event(
    env: &Env,
    account_id: &str,
    event: &MeetingEvent,
) -> Result<(), ApiError> {
    let response = call(
        env,
        account_id,
        Method::Post,
        WEBHOOK_EVENTS_PATH,
        json(event),
    )
    .await?;
    expect_success("webhook event", &response)
}

/// A permit for one Zoom call (and, for creates, the host to book on).
pub async fn permit(
    env: &Env,
    config: &Config,
    request: &PermitRequest,
) -> Result<PermitGrant, ApiError> {
    let account = &config.credentials.account_id;
    let mut response = call(env, account, Method::Post, PERMIT_PATH, json(request)).await?;
    expect_success("permit", &response)?;
    let answer: PermitAnswer = response
        .json()
        .await
        .map_err(|e| unavailable("permit answer", e))?;
    answer.map_err(ApiError::from)
}

pub async fn report_429(
    env: &Env,
    config: &Config,
    report: &Zoom429Report,
) -> Result<(), ApiError> {
    let account = &config.credentials.account_id;
    let response = call(env, account, Method::Post, ZOOM_429_PATH, json(report)).await?;
    expect_success("429 report", &response)
}

/// The coordinator's operator status (usage, blocks, token age; never token values).
pub async fn status(env: &Env, config: &Config) -> Result<Value, ApiError> {
    let account = &config.credentials.account_id;
    let mut response = call(env, account, Method::Get, STATUS_PATH, None).await?;
    expect_success("status", &response)?;
    response.json().await.map_err(|e| unavailable("status", e))
}
