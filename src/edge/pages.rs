//! Serves the booking pages: `/`, `/book/<slug>`, and a refused plain form post shown again.
//! Which page, and what it shows, is decided in `domain::page`.

use super::{clock, http, settings};
use crate::domain::api_error::ApiError;
use crate::domain::booking::{body_kind, BodyKind, MAX_BODY_BYTES};
use crate::domain::event_types::EventTypes;
use crate::domain::page::{self, Served};
use std::rc::Rc;
use worker::{Env, Request, Response};

/// `GET /`.
pub fn home(env: &Env) -> Result<Response, ApiError> {
    let types = types(env)?;
    let site_key = site_key(env);
    Ok(respond(page::home(
        &types,
        site_key.as_deref(),
        &form_key()?,
    )))
}

/// `GET /book/<slug>`.
pub fn type_page(env: &Env, slug: &str) -> Result<Response, ApiError> {
    let types = types(env)?;
    let site_key = site_key(env);
    Ok(respond(page::type_page(
        &types,
        slug,
        site_key.as_deref(),
        &form_key()?,
    )))
}

/// What a browser's plain form post refused with `err` gets: its form again, with what was
/// typed and the refusal at its field, read from `copy` (a copy of the request taken before
/// the booking path read it); else the error page.
pub async fn refused(copy: Option<Request>, err: &ApiError, env: &Env) -> Response {
    match form_again(copy, err, env).await {
        Some(served) => respond(served),
        None => http::html_response(err.status(), &page::error_page(err), false),
    }
}

async fn form_again(copy: Option<Request>, err: &ApiError, env: &Env) -> Option<Served> {
    // Only a refusal at a field is shown in the form: nothing else needs the body read again.
    err.body()["error"]["field"].as_str()?;
    let mut copy = copy?;
    let content_type = copy.headers().get("content-type").ok().flatten();
    if body_kind(content_type.as_deref()).ok()? != BodyKind::Form {
        return None;
    }
    let body = http::read_capped(&mut copy, MAX_BODY_BYTES).await.ok()?;
    let types = types(env).ok()?;
    let site_key = site_key(env);
    page::refused_form(&types, &body, err, site_key.as_deref(), &form_key().ok()?)
}

/// The event types in force; `503 not_configured` when they (or the settings they are checked
/// against) are broken.
fn types(env: &Env) -> Result<Rc<EventTypes>, ApiError> {
    let config = settings::load(env)?;
    settings::load_types(env, &config)
}

fn site_key(env: &Env) -> Option<String> {
    settings::load_turnstile(env).and_then(|t| t.site_key)
}

/// A fresh key for one render of a form.
fn form_key() -> Result<String, ApiError> {
    clock::random_128()
        .map(page::form_idempotency_key)
        .map_err(|_| ApiError::CoordinatorUnavailable { retry_after: 1 })
}

fn respond(served: Served) -> Response {
    http::html_response(served.status, &served.html, served.turnstile)
}
