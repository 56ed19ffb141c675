//! Serves the booking pages: `/`, `/book/<slug>`, and a refused plain form post shown again.
//! Which page, and what it shows, is decided in `domain::page`. A page route always answers a
//! page: when the settings or the event types are broken, an HTML `503 not_configured`.

use super::{clock, http, settings};
use crate::domain::api_error::ApiError;
use crate::domain::event_types::EventTypes;
use crate::domain::page::{self, Served};
use worker::{Env, Response};

/// `GET /`.
pub fn home(env: &Env) -> Response {
    serve(env, page::home)
}

/// `GET /book/<slug>`.
pub fn type_page(env: &Env, slug: &str) -> Response {
    serve(env, |types, site_key, key| {
        page::type_page(types, slug, site_key, key)
    })
}

fn serve(env: &Env, render: impl FnOnce(&EventTypes, Option<&str>, &str) -> Served) -> Response {
    // The types in force; `503 not_configured` when they (or the settings they are checked
    // against) are broken.
    let served = settings::event_types(env).and_then(|types| {
        let site_key = site_key(env);
        Ok(render(&types, site_key.as_deref(), &form_key()?))
    });
    match served {
        Ok(served) => respond(served),
        Err(err) => http::html_error_response(&err, &page::unavailable_page(&err)),
    }
}

/// What a browser's plain form post refused with `err` gets: its form again, with what was
/// typed (`form_body`, the form as the booking path read it; empty when it read none) and the
/// refusal at its field; else the error page.
pub fn refused(form_body: &[u8], err: &ApiError, env: &Env) -> Response {
    match form_again(form_body, err, env) {
        Some(served) => respond(served),
        None => http::html_error_response(err, &page::error_page(err)),
    }
}

fn form_again(form_body: &[u8], err: &ApiError, env: &Env) -> Option<Served> {
    if form_body.is_empty() {
        return None;
    }
    let types = settings::event_types(env).ok()?;
    let site_key = site_key(env);
    page::refused_form(
        &types,
        form_body,
        err,
        site_key.as_deref(),
        &form_key().ok()?,
    )
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
