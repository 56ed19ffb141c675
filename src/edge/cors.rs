//! CORS on the booking routes: preflight answers and the headers of actual answers, for the
//! origins in `ALLOWED_ORIGINS` only (`domain::cors`).

use crate::domain::cors::{
    CorsPolicy, ALLOWED_HEADERS, ALLOWED_METHODS, EXPOSED_HEADERS, PREFLIGHT_MAX_AGE,
};
use worker::{console_error, Env, Headers, Request, Response};

fn policy(env: &Env) -> CorsPolicy {
    let raw = env.var("ALLOWED_ORIGINS").ok().map(|v| v.to_string());
    CorsPolicy::from_setting(raw.as_deref()).unwrap_or_else(|problem| {
        // A broken list allows no one rather than everyone.
        console_error!("{problem}; cross-origin requests are refused");
        CorsPolicy::default()
    })
}

/// The request's `Origin`, if it is one the policy allows.
fn allowed(origin: Option<&str>, env: &Env) -> Option<String> {
    let origin = origin?;
    policy(env).allows(origin).then(|| origin.to_owned())
}

/// The request's `Origin` header.
pub fn origin_of(req: &Request) -> Option<String> {
    req.headers().get("origin").ok().flatten()
}

/// Answer to an `OPTIONS` preflight: permission for an allowed origin, nothing for others.
pub fn preflight(origin: Option<&str>, env: &Env) -> Response {
    let headers = Headers::new();
    let _ = headers.set("vary", "Origin");
    if let Some(origin) = allowed(origin, env) {
        let _ = headers.set("access-control-allow-origin", &origin);
        let _ = headers.set("access-control-allow-methods", ALLOWED_METHODS);
        let _ = headers.set("access-control-allow-headers", ALLOWED_HEADERS);
        let _ = headers.set("access-control-max-age", PREFLIGHT_MAX_AGE);
    }
    Response::builder()
        .with_status(204)
        .with_headers(headers)
        .empty()
}

/// Adds the CORS headers an actual answer needs (`Vary: Origin` always, since the answer
/// differs by origin).
pub fn decorate(origin: Option<&str>, env: &Env, response: &mut Response) {
    let headers = response.headers_mut();
    let _ = headers.append("vary", "Origin");
    if let Some(origin) = allowed(origin, env) {
        let _ = headers.set("access-control-allow-origin", &origin);
        let _ = headers.set("access-control-expose-headers", EXPOSED_HEADERS);
    }
}
