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
/// prefers HTML), a confirmation page, or its form again with the refusal at its field, or an
/// error page, with the same status.
pub async fn post(req: Request, env: &Env) -> Result<Response, ApiError> {
    let accept = req.headers().get("accept").ok().flatten();
    if !page::prefers_html(accept.as_deref()) {
        return create::create(req, env, None)
            .await
            .map(|created| created.response());
    }
    // The form shown again keeps what was typed: the form body as the booking path read it
    // (at most `MAX_BODY_BYTES`; empty when it was not read, or not a form).
    let mut form_body = Vec::new();
    let outcome = create::create(req, env, Some(&mut form_body)).await;
    Ok(match outcome {
        Ok(created) => http::html_response(
            created.answer.status,
            &page::confirmation_page(&created.answer.body, created.replayed, &IntlZones),
            false,
        ),
        Err(err) => super::pages::refused(&form_body, &err, env),
    })
}

/// Reads a JSON or form body, refusing oversized ones before reading them.
async fn read_body(req: &mut Request) -> Result<(BodyKind, Vec<u8>), ApiError> {
    let content_type = req.headers().get("content-type").ok().flatten();
    let kind = body_kind(content_type.as_deref())?;
    let body = http::read_capped(req, MAX_BODY_BYTES).await?;
    Ok((kind, body))
}
