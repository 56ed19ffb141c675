//! `GET /v1/bookings/{id}`: a booking's status, attendance and recordings, for operators.

use super::{coordinator_client, http, settings};
use crate::domain::admin;
use crate::domain::api_error::ApiError;
use worker::{Env, Request, Response};

pub async fn show(req: &Request, env: &Env, booking_id: &str) -> Result<Response, ApiError> {
    let configured = env.secret("ADMIN_TOKEN").map(|s| s.to_string()).ok();
    let presented = req.headers().get("authorization").ok().flatten();
    admin::authorize(configured.as_deref(), presented.as_deref())?;
    let config = settings::load(env)?;
    let record = coordinator_client::booking(env, &config.credentials.account_id, booking_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(http::json_response(200, &record.detail_view()))
}
