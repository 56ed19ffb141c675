//! The workers-rs shell: runtime entry points and I/O. Every rule it applies lives in `domain`.

mod account;
mod bookings;
mod calendar_sync;
mod clock;
mod coordinator;
mod cors;
mod http;
mod intl_zones;
mod operator;
mod outbound;
mod settings;
mod tokens;
mod turnstile;
mod webhooks;
mod zoom;

use crate::domain::api_error::ApiError;
use crate::domain::page;
use serde_json::json;
use worker::{event, Context, Env, Method, Request, Response, Result};

#[event(start)]
fn start() {
    console_error_panic_hook::set_once();
}

#[event(fetch)]
async fn fetch(req: Request, env: Env, ctx: Context) -> Result<Response> {
    let cross_origin = cors::applies_to(&req.path()).then(|| cors::origin_of(&req));
    if let Some(origin) = &cross_origin {
        if req.method() == Method::Options {
            return Ok(cors::preflight(origin.as_deref(), &env));
        }
    }
    let mut response = route(req, &env, &ctx)
        .await
        .unwrap_or_else(|err| http::error_response(&err));
    if let Some(origin) = &cross_origin {
        cors::decorate(origin.as_deref(), &env, &mut response);
    }
    Ok(response)
}

async fn route(req: Request, env: &Env, ctx: &Context) -> std::result::Result<Response, ApiError> {
    let method = req.method();
    let path = req.path();
    if let Some(rest) = path.strip_prefix("/v1/bookings/") {
        let rest = rest.to_owned();
        return bookings::route_one(req, env, &rest).await;
    }
    match path.as_str() {
        "/" => match method {
            Method::Get | Method::Head => {
                let site_key = settings::load_turnstile(env).and_then(|t| t.site_key);
                let csp = page::content_security_policy(site_key.is_some());
                let html = page::booking_page(site_key.as_deref());
                Ok(http::html_response(200, &html, &csp))
            }
            _ => Err(ApiError::MethodNotAllowed { allow: "GET, HEAD" }),
        },
        "/openapi.json" => match method {
            Method::Get | Method::Head => {
                Ok(http::json_text_response(crate::domain::openapi::DOCUMENT))
            }
            _ => Err(ApiError::MethodNotAllowed { allow: "GET, HEAD" }),
        },
        "/healthz" => match method {
            Method::Get | Method::Head => Ok(http::json_response(
                200,
                &json!({ "status": "ok", "version": crate::BUILD_VERSION }),
            )),
            _ => Err(ApiError::MethodNotAllowed { allow: "GET, HEAD" }),
        },
        "/v1/bookings" => match method {
            Method::Post => bookings::post(req, env).await,
            _ => Err(ApiError::MethodNotAllowed { allow: "POST" }),
        },
        "/v1/admin/status" => match method {
            Method::Get => operator::status(&req, env).await,
            _ => Err(ApiError::MethodNotAllowed { allow: "GET" }),
        },
        "/v1/zoom/webhook" => match method {
            Method::Post => webhooks::receive(req, env, ctx).await,
            _ => Err(ApiError::MethodNotAllowed { allow: "POST" }),
        },
        _ => Err(ApiError::NotFound),
    }
}

#[cfg(test)]
mod wasm_tests;
