//! The fetch handler's side of the coordinator protocol: one Durable Object per Zoom account.

use crate::domain::api_error::ApiError;
use crate::domain::booking::BookingRecord;
use crate::domain::config::Config;
use crate::domain::coordinator_protocol::{booking_path, TokenGrant, TokenRequest, TOKEN_PATH};
use crate::domain::token_policy::IssuedToken;
use serde::Serialize;
use worker::{console_error, Env, Method, Request, RequestInit, Response, Stub};

const BINDING: &str = "ZOOM_COORDINATOR";
const COORDINATOR_RETRY_AFTER_SECS: u32 = 2;

fn unavailable(context: &str, err: worker::Error) -> ApiError {
    console_error!("coordinator {context} failed: {err}");
    ApiError::CoordinatorUnavailable {
        retry_after: COORDINATOR_RETRY_AFTER_SECS,
    }
}

fn stub(env: &Env, config: &Config) -> Result<Stub, ApiError> {
    env.durable_object(BINDING)
        .and_then(|ns| ns.get_by_name(&config.credentials.account_id))
        .map_err(|e| unavailable("binding", e))
}

async fn call(
    env: &Env,
    config: &Config,
    method: Method,
    path: &str,
    body: &impl Serialize,
) -> Result<Response, ApiError> {
    let json = serde_json::to_string(body).unwrap_or_default();
    let mut init = RequestInit::new();
    init.with_method(method).with_body(Some(json.into()));
    let request = Request::new_with_init(&format!("https://coordinator{path}"), &init)
        .map_err(|e| unavailable(path, e))?;
    stub(env, config)?
        .fetch_with_request(request)
        .await
        .map_err(|e| unavailable(path, e))
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
    let mut response = call(env, config, Method::Post, TOKEN_PATH, &body).await?;
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
    let response = call(
        env,
        config,
        Method::Put,
        &booking_path(&record.booking_id),
        record,
    )
    .await?;
    match response.status_code() {
        200..=299 => Ok(()),
        status => Err(unavailable(
            "ledger write",
            worker::Error::RustError(format!("status {status}")),
        )),
    }
}
