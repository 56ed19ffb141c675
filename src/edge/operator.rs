//! Operator endpoint (bearer `ADMIN_TOKEN`): the coordinator's view of quotas, blocks and token
//! age. (Operators may also read any booking: see `domain::booking::access`.)

use super::{coordinator_client, http, settings};
use crate::domain::admin;
use crate::domain::api_error::ApiError;
use worker::{Env, Request, Response};

fn authorize(req: &Request, env: &Env) -> Result<(), ApiError> {
    let configured = env.secret("ADMIN_TOKEN").map(|s| s.to_string()).ok();
    let presented = req.headers().get("authorization").ok().flatten();
    admin::authorize(configured.as_deref(), presented.as_deref())
}

/// `GET /v1/admin/status`.
pub async fn status(req: &Request, env: &Env) -> Result<Response, ApiError> {
    authorize(req, env)?;
    let config = settings::load(env)?;
    let status = coordinator_client::status(env, &config).await?;
    Ok(http::json_response(200, &status))
}
