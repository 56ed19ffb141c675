//! `POST /v1/zoom/webhook`: verify, record through the coordinator, and only then acknowledge,
//! all within Zoom's 3-second budget (see `domain::webhook::acknowledgement`).

use super::coordinator::Coordinator;
use super::{clock, http, settings};
use crate::domain::api_error::ApiError;
use crate::domain::webhook::acknowledgement::{
    acknowledgement, must_record, Recording, RECORD_DEADLINE_MS,
};
use crate::domain::webhook::event::{self, Delivery, MeetingEvent, ParseError};
use crate::domain::webhook::signature::{url_validation_token, verify};
use crate::domain::webhook::MAX_WEBHOOK_BODY_BYTES;
use futures_util::future::{select, Either};
use serde_json::json;
use std::time::Duration;
use worker::{console_error, Context, Delay, Env, Request, Response};

/// `_ctx` is unused since nothing runs after the answer any more (kept so the router's call,
/// shared by every handler, stays as it is).
pub async fn receive(mut req: Request, env: &Env, _ctx: &Context) -> Result<Response, ApiError> {
    let config = settings::load_webhook(env)?;
    let body = http::read_capped(&mut req, MAX_WEBHOOK_BODY_BYTES).await?;
    // Authenticity first: nothing about an unverified delivery is looked at or acted on.
    let header = |name: &str| req.headers().get(name).ok().flatten();
    let secrets = config.accepted_secrets();
    verify(
        &secrets,
        header("x-zm-signature").as_deref(),
        header("x-zm-request-timestamp").as_deref(),
        &body,
        clock::now_ms().div_euclid(1000),
        config.tolerance_secs,
    )
    .map_err(ApiError::WebhookUnauthorized)?;

    match event::parse(&body) {
        Err(ParseError::NotJson) => Err(ApiError::Malformed("the body is not JSON".into())),
        Err(ParseError::MissingEvent) => Err(ApiError::Malformed(
            "the body has no 'event' (or no plainToken for url_validation)".into(),
        )),
        Ok(Delivery::UrlValidation { plain_token }) => {
            let encrypted = url_validation_token(config.current_secret(), &plain_token);
            Ok(http::json_response(
                200,
                &json!({ "plainToken": plain_token, "encryptedToken": encrypted }),
            ))
        }
        Ok(Delivery::Event(event)) => {
            if must_record(&event) {
                // Zoom never redelivers an acknowledged event, so the 200 waits for the record;
                // a 503 instead makes Zoom deliver it again.
                let recording = match Coordinator::of(env, &config.account_id) {
                    Ok(coordinator) => record(&coordinator, &event).await,
                    // `of` has logged why.
                    Err(_) => Recording::Failed,
                };
                acknowledgement(recording)?;
            }
            Ok(http::json_response(200, &json!({ "status": "accepted" })))
        }
    }
}

/// Asks the coordinator to record `event`, waiting at most `RECORD_DEADLINE_MS`. A call given up
/// on may still complete in the object; the redelivery it causes is then a counted duplicate.
async fn record(coordinator: &Coordinator, event: &MeetingEvent) -> Recording {
    let sent = Box::pin(coordinator.send(event));
    let deadline = Box::pin(Delay::from(Duration::from_millis(RECORD_DEADLINE_MS)));
    match select(sent, deadline).await {
        // `send` has logged why it failed.
        Either::Left((Ok(()), _)) => Recording::Recorded,
        Either::Left((Err(_), _)) => Recording::Failed,
        Either::Right(_) => {
            console_error!(
                "webhook {} not recorded within {RECORD_DEADLINE_MS} ms",
                event.dedupe_key()
            );
            Recording::Unanswered
        }
    }
}
