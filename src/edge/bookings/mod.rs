//! `/v1/bookings`: create (anyone), and read / reschedule / cancel / invitation (the booking's
//! owner, by its `manage_token`).

mod create;
pub mod manage;

use super::http;
use crate::domain::api_error::ApiError;
use crate::domain::booking::{body_kind, BodyKind, MAX_BODY_BYTES};
use crate::domain::page;
use crate::edge::intl_zones::IntlZones;
use worker::{Env, Request, Response};

/// `POST /v1/bookings`: JSON for API clients; for a browser's plain form post (its `Accept`
/// prefers HTML), a confirmation or error page with the same status.
pub async fn post(req: Request, env: &Env) -> Result<Response, ApiError> {
    let accept = req.headers().get("accept").ok().flatten();
    let outcome = create::create(req, env).await;
    if !page::prefers_html(accept.as_deref()) {
        return outcome.map(|created| created.response());
    }
    Ok(match outcome {
        Ok(created) => http::html_response(
            created.answer.status,
            &page::confirmation_page(&created.answer.body, created.replayed, &IntlZones),
            false,
        ),
        Err(err) => http::html_response(err.status(), &page::error_page(&err), false),
    })
}

/// Reads a JSON or form body, refusing oversized ones before reading them.
async fn read_body(req: &mut Request) -> Result<(BodyKind, Vec<u8>), ApiError> {
    let content_type = req.headers().get("content-type").ok().flatten();
    let kind = body_kind(content_type.as_deref())?;
    let body = http::read_capped(req, MAX_BODY_BYTES).await?;
    Ok((kind, body))
}
