//! Building responses. The single place where an `ApiError` becomes HTTP.

use crate::domain::api_error::ApiError;
use serde_json::Value;
use worker::{Headers, Request, Response};

fn api_headers() -> Headers {
    let headers = Headers::new();
    // Header names and values here are constants: setting them cannot fail.
    let _ = headers.set("content-type", "application/json; charset=utf-8");
    let _ = headers.set("cache-control", "no-store");
    let _ = headers.set("x-content-type-options", "nosniff");
    headers
}

pub fn json_response(status: u16, body: &Value) -> Response {
    json_response_with(status, body, api_headers())
}

pub fn json_response_with(status: u16, body: &Value, headers: Headers) -> Response {
    Response::builder()
        .with_status(status)
        .with_headers(headers)
        .fixed(body.to_string().into_bytes())
}

/// Public JSON that changes only with a deployment (`GET /v1/types`): browsers and caches may
/// keep it a minute, so a busy booking page does not ask for it on every view.
pub fn public_json_response(body: &Value) -> Response {
    let headers = api_headers();
    let _ = headers.set("cache-control", "public, max-age=60");
    json_response_with(200, body, headers)
}

/// A JSON document that is already text (e.g. the OpenAPI document).
pub fn json_text_response(text: &'static str) -> Response {
    Response::builder()
        .with_status(200)
        .with_headers(api_headers())
        .fixed(text.as_bytes().to_vec())
}

pub fn error_response(err: &ApiError) -> Response {
    let headers = api_headers();
    if let Some(seconds) = err.retry_after() {
        let _ = headers.set("retry-after", &seconds.to_string());
    }
    if let Some(allow) = err.allow() {
        let _ = headers.set("allow", allow);
    }
    if let Some(challenge) = err.www_authenticate() {
        let _ = headers.set("www-authenticate", challenge);
    }
    json_response_with(err.status(), &err.body(), headers)
}

/// An HTML page, under the Content-Security-Policy that allows its own scripts (and Turnstile's
/// when `turnstile` is on; see `domain::page::content_security_policy`).
pub fn html_response(status: u16, page: &str, turnstile: bool) -> Response {
    html_response_with(status, page, html_headers(page, turnstile))
}

/// The HTML page a browser gets for `err` (a page route, or a plain form post), with the
/// error's status and its `Retry-After` when it has one.
pub fn html_error_response(err: &ApiError, page: &str) -> Response {
    let headers = html_headers(page, false);
    if let Some(seconds) = err.retry_after() {
        let _ = headers.set("retry-after", &seconds.to_string());
    }
    html_response_with(err.status(), page, headers)
}

fn html_headers(page: &str, turnstile: bool) -> Headers {
    let content_security_policy = crate::domain::page::content_security_policy(page, turnstile);
    let headers = Headers::new();
    let _ = headers.set("content-type", "text/html; charset=utf-8");
    let _ = headers.set("cache-control", "no-store");
    let _ = headers.set("x-content-type-options", "nosniff");
    let _ = headers.set("content-security-policy", &content_security_policy);
    headers
}

fn html_response_with(status: u16, page: &str, headers: Headers) -> Response {
    Response::builder()
        .with_status(status)
        .with_headers(headers)
        .fixed(page.as_bytes().to_vec())
}

/// Headers for a 201 that points at the created resource.
pub fn created_headers(location: &str) -> Headers {
    let headers = api_headers();
    let _ = headers.set("location", location);
    headers
}

/// Reads a body of at most `limit` bytes: a declared `Content-Length` over it is refused before
/// anything is read; a body that turns out longer (chunked, or a header that lied) is refused
/// once read, so nothing past the limit is ever parsed.
pub async fn read_capped(req: &mut Request, limit: usize) -> Result<Vec<u8>, ApiError> {
    let too_large = ApiError::PayloadTooLarge { limit };
    let declared = req.headers().get("content-length").ok().flatten();
    if declared
        .and_then(|len| len.trim().parse::<usize>().ok())
        .is_some_and(|len| len > limit)
    {
        return Err(too_large);
    }
    let body = req
        .bytes()
        .await
        .map_err(|_| ApiError::Malformed("the body could not be read".into()))?;
    if body.len() > limit {
        return Err(too_large);
    }
    Ok(body)
}
