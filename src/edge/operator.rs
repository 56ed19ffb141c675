//! Operator endpoint (bearer `ADMIN_TOKEN`): the coordinator's view of quotas, blocks and token
//! age. (Operators may also read any booking: see `domain::booking::access`.)

use super::account::Account;
use super::{http, settings};
use crate::domain::api_error::ApiError;
use crate::domain::coordinator::StatusRequest;
use crate::domain::operator;
use serde_json::json;
use worker::{Env, Request, Response};

fn authorize(req: &Request, env: &Env) -> Result<(), ApiError> {
    let configured = env.secret("ADMIN_TOKEN").map(|s| s.to_string()).ok();
    let presented = req.headers().get("authorization").ok().flatten();
    operator::authorize(configured.as_deref(), presented.as_deref())
}

/// `GET /v1/admin/status`: the coordinator's view, and `config_errors`, every problem with the
/// event types (empty when there is none). It answers even while those refuse bookings, so the
/// operator can see why.
pub async fn status(req: &Request, env: &Env) -> Result<Response, ApiError> {
    authorize(req, env)?;
    let account = Account::load(env)?;
    let mut status = account.coordinator.send(&StatusRequest {}).await?;
    let config_errors = settings::read_types(env, &account.config)
        .err()
        .unwrap_or_default();
    if let Some(fields) = status.as_object_mut() {
        fields.insert("config_errors".into(), json!(config_errors));
    }
    Ok(http::json_response(200, &status))
}
