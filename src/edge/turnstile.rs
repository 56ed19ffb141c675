//! The Turnstile check of a booking (see `domain::turnstile`), against `TURNSTILE_VERIFY_URL`.

use super::{outbound, settings};
use crate::domain::booking::request::side_field;
use crate::domain::booking::BodyKind;
use crate::domain::turnstile::{
    presented_token, read_verdict, unreachable, verify_request_body, CheckRefused, TOKEN_FIELD,
    VERIFY_TIMEOUT_MS,
};
use std::time::Duration;
use worker::{console_warn, Env, Headers, Method, Request};

/// What the check needs from the request, read before its body is consumed.
pub struct Presented {
    header_token: Option<String>,
    /// `CF-Connecting-IP`: set by Cloudflare's edge on every request; a client cannot choose it.
    pub client_ip: Option<String>,
}

impl Presented {
    pub fn of(req: &Request) -> Presented {
        let header = |name: &str| req.headers().get(name).ok().flatten();
        Presented {
            header_token: header(TOKEN_FIELD),
            client_ip: header("cf-connecting-ip"),
        }
    }
}

/// Passes when bot protection is off, or Cloudflare confirms the booking's token; a refusal
/// says whether Cloudflare called the token spent.
pub async fn check(
    env: &Env,
    presented: &Presented,
    kind: BodyKind,
    body: &[u8],
) -> Result<(), CheckRefused> {
    let Some(config) = settings::load_turnstile(env) else {
        return Ok(());
    };
    let from_body = side_field(kind, body, TOKEN_FIELD);
    let token = presented_token(presented.header_token.as_deref().or(from_body.as_deref()))?;
    let form = verify_request_body(
        config.secret.expose(),
        token,
        presented.client_ip.as_deref(),
    );
    let headers = Headers::new();
    let _ = headers.set("content-type", "application/x-www-form-urlencoded");
    let request = outbound::request(&config.verify_url, Method::Post, Some(&headers), Some(form))
        .map_err(|_| unreachable())?;
    let timeout = Duration::from_millis(VERIFY_TIMEOUT_MS);
    let mut response = outbound::send(request, timeout).await.map_err(|e| {
        console_warn!("turnstile siteverify failed: {e:?}; the booking is refused");
        unreachable()
    })?;
    let text = response.text().await.map_err(|_| unreachable())?;
    read_verdict(response.status_code(), &text)
}
