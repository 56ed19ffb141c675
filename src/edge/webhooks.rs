//! `POST /v1/zoom/webhook`: verify, answer within Zoom's 3-second budget, apply once.

use super::coordinator::Coordinator;
use super::{clock, http, settings};
use crate::domain::api_error::ApiError;
use crate::domain::webhook::event::{self, Delivery, Effect, ParseError};
use crate::domain::webhook::signature::{url_validation_token, verify};
use crate::domain::webhook::MAX_WEBHOOK_BODY_BYTES;
use serde_json::json;
use worker::{console_error, Context, Env, Request, Response};

pub async fn receive(mut req: Request, env: &Env, ctx: &Context) -> Result<Response, ApiError> {
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
            if event.meeting_id.is_some() && event.effect != Effect::Ignored {
                // The acknowledgement never waits on storage: Zoom counts a slow answer as a
                // failure and redelivers, which is what the coordinator's dedupe absorbs.
                let env = env.clone();
                let account = config.account_id.clone();
                ctx.wait_until(async move {
                    let applied = match Coordinator::of(&env, &account) {
                        Ok(coordinator) => coordinator.send(&event).await,
                        Err(err) => Err(err),
                    };
                    if let Err(err) = applied {
                        console_error!("webhook {} not applied: {err:?}", event.dedupe_key());
                    }
                });
            }
            Ok(http::json_response(200, &json!({ "status": "accepted" })))
        }
    }
}
