//! The workers-rs shell: runtime entry points and I/O. Every rule it applies lives in `domain`.

mod account;
mod availability;
mod bookings;
mod calendar_sync;
mod clock;
mod coordinator;
mod cors;
mod http;
mod intl_zones;
mod operator;
mod outbound;
mod pages;
mod settings;
mod tokens;
mod turnstile;
mod webhooks;
mod zoom;

use crate::domain::api_error::ApiError;
use crate::domain::booking::BookingId;
use crate::domain::page;
use crate::domain::routes::{self, Handler, Method, Resolved};
use serde_json::json;
use worker::{event, Context, Env, Request, Response, Result};

#[event(start)]
fn start() {
    console_error_panic_hook::set_once();
}

#[event(fetch)]
async fn fetch(req: Request, env: Env, ctx: Context) -> Result<Response> {
    // The method as sent: workers-rs reads a method it does not know (`QUERY`) as GET.
    let method = Method::parse(&req.inner().method());
    let path = req.path();
    let cross_origin = routes::is_cors_path(&path).then(|| cors::origin_of(&req));
    let mut response = match routes::resolve(method, &path) {
        // The preflight carries its own CORS headers.
        Resolved::Preflight => return Ok(cors::preflight(cross_origin.flatten().as_deref(), &env)),
        Resolved::Refused(err) => http::error_response(&err),
        Resolved::Handle {
            handler,
            booking_id,
            slug,
        } => handle(handler, booking_id, slug, req, &env, &ctx)
            .await
            .unwrap_or_else(|err| http::error_response(&err)),
    };
    if let Some(origin) = &cross_origin {
        cors::decorate(origin.as_deref(), &env, &mut response);
    }
    Ok(response)
}

async fn handle(
    handler: Handler,
    booking_id: Option<BookingId>,
    slug: Option<String>,
    req: Request,
    env: &Env,
    ctx: &Context,
) -> std::result::Result<Response, ApiError> {
    let booking_id = || booking_id.as_ref().ok_or(ApiError::NotFound);
    match handler {
        Handler::BookingPage => Ok(pages::home(env)),
        Handler::TypePage => Ok(pages::type_page(env, slug.as_deref().unwrap_or_default())),
        Handler::ManagePage => Ok(http::html_response(200, &page::manage_page(), false)),
        Handler::OpenApi => Ok(http::json_text_response(crate::domain::openapi::DOCUMENT)),
        Handler::Health => Ok(http::json_response(
            200,
            &json!({ "status": "ok", "version": crate::BUILD_VERSION }),
        )),
        Handler::CreateBooking => bookings::post(req, env).await,
        Handler::ShowBooking => bookings::manage::show(&req, env, booking_id()?).await,
        Handler::RescheduleBooking => bookings::manage::reschedule(req, env, booking_id()?).await,
        Handler::CancelBooking => bookings::manage::cancel(&req, env, booking_id()?).await,
        Handler::BookingInvitation => bookings::manage::invitation(&req, env, booking_id()?).await,
        Handler::ListTypes => Ok(http::public_json_response(
            &settings::event_types(env)?.public_json(),
        )),
        Handler::Availability => availability::answer(&req, env).await,
        Handler::OperatorStatus => operator::status(&req, env).await,
        Handler::ZoomWebhook => webhooks::receive(req, env, ctx).await,
    }
}

#[cfg(test)]
mod wasm_tests;
