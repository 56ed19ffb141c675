//! Operator endpoints (bearer `ADMIN_TOKEN`): a booking's full record, and the coordinator's
//! view of quotas, blocks and token age.

use super::{coordinator_client, http, settings};
use crate::domain::admin;
use crate::domain::api_error::ApiError;
use worker::{Env, Request, Response};

fn authorize(req: &Request, env: &Env) -> Result<(), ApiError> {
    let configured = env.secret("ADMIN_TOKEN").map(|s| s.to_string()).ok();
    let presented = req.headers().get("authorization").ok().flatten();
    admin::authorize(configured.as_deref(), presented.as_deref())
}

/// `GET /v1/bookings/{id}`.
pub async fn show_booking(
    req: &Request,
    env: &Env,
    booking_id: &str,
) -> Result<Response, ApiError> {
    authorize(req, env)?;
    let config = settings::load(env)?;
    let record = coordinator_client::booking(env, &config.credentials.account_id, booking_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(http::json_response(200, &record.detail_view()))
}

/// `GET /v1/admin/status`.
pub async fn status(req: &Request, env: &Env) -> Result<Response, ApiError> {
    authorize(req, env)?;
    let config = settings::load(env)?;
    let status = coordinator_client::status(env, &config).await?;
    Ok(http::json_response(200, &status))
}
