//! Operator endpoint (bearer `ADMIN_TOKEN`): the coordinator's view of quotas, blocks and token
//! age. (Operators may also read any booking: see `domain::booking::access`.)

use super::account::Account;
use super::http;
use crate::domain::api_error::ApiError;
use crate::domain::coordinator::StatusRequest;
use crate::domain::operator;
use worker::{Env, Request, Response};

fn authorize(req: &Request, env: &Env) -> Result<(), ApiError> {
    let configured = env.secret("ADMIN_TOKEN").map(|s| s.to_string()).ok();
    let presented = req.headers().get("authorization").ok().flatten();
    operator::authorize(configured.as_deref(), presented.as_deref())
}

/// `GET /v1/admin/status`.
pub async fn status(req: &Request, env: &Env) -> Result<Response, ApiError> {
    authorize(req, env)?;
    let account = Account::load(env)?;
    let status = account.coordinator.send(&StatusRequest {}).await?;
    Ok(http::json_response(200, &status))
}
