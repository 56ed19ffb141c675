//! Cloudflare Turnstile's server-side check (`POST /turnstile/v0/siteverify`), honouring
//! Cloudflare's documented test secret keys, so the worker's bot protection can be tested
//! end to end:
//!
//! - `1x0000000000000000000000000000000AA`: every token passes;
//! - `2x0000000000000000000000000000000AA`: every token fails (`invalid-input-response`);
//! - `3x0000000000000000000000000000000AA`: every token was spent already
//!   (`timeout-or-duplicate`).
//!
//! Any other secret is `invalid-input-secret`. Injected failures (target `siteverify`) stand in
//! for a verifier that is down or slow.

use crate::http::{EmuRequest, Reply};
use crate::state::{InjectedFailure, State};
use serde_json::json;

pub const ALWAYS_PASSES: &str = "1x0000000000000000000000000000000AA";
pub const ALWAYS_FAILS: &str = "2x0000000000000000000000000000000AA";
pub const ALREADY_SPENT: &str = "3x0000000000000000000000000000000AA";

fn verdict(errors: &[&str]) -> Reply {
    Reply::json(
        200,
        json!({
            "success": errors.is_empty(),
            "error-codes": errors,
            "challenge_ts": "2026-01-01T00:00:00.000Z",
            "hostname": "localhost",
        }),
    )
}

pub fn siteverify(state: &mut State, req: &EmuRequest) -> Reply {
    state.counters.siteverify_requests += 1;
    let failure = state.take_failure(&["siteverify"]);
    if let Some(InjectedFailure {
        status: Some(status),
        body,
        ..
    }) = &failure
    {
        return Reply::json(*status, body.clone());
    }
    let delay_ms = failure.map_or(0, |f| f.delay_ms);
    let field = |name: &str| {
        form_urlencoded::parse(&req.body)
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.into_owned())
            .unwrap_or_default()
    };
    let mut reply = if req.method != "POST" {
        Reply::json(
            405,
            json!({"success": false, "error-codes": ["bad-request"]}),
        )
    } else if field("response").is_empty() {
        verdict(&["missing-input-response"])
    } else {
        match field("secret").as_str() {
            ALWAYS_PASSES => verdict(&[]),
            ALWAYS_FAILS => verdict(&["invalid-input-response"]),
            ALREADY_SPENT => verdict(&["timeout-or-duplicate"]),
            "" => verdict(&["missing-input-secret"]),
            _ => verdict(&["invalid-input-secret"]),
        }
    };
    reply.delay_ms = delay_ms;
    reply
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::Settings;

    fn check(state: &mut State, body: &str) -> serde_json::Value {
        let mut req = EmuRequest::new("POST", "/turnstile/v0/siteverify");
        req.body = body.as_bytes().to_vec();
        siteverify(state, &req).body.unwrap()
    }

    #[test]
    fn test_secrets_behave_as_cloudflare_documents() {
        let mut state = State::new(Settings::default(), "http://emu".into());
        let pass = check(&mut state, &format!("secret={ALWAYS_PASSES}&response=t"));
        assert_eq!(pass["success"], true);
        let fail = check(&mut state, &format!("secret={ALWAYS_FAILS}&response=t"));
        assert_eq!(
            (fail["success"].clone(), fail["error-codes"][0].clone()),
            (json!(false), json!("invalid-input-response"))
        );
        let spent = check(&mut state, &format!("secret={ALREADY_SPENT}&response=t"));
        assert_eq!(spent["error-codes"][0], "timeout-or-duplicate");
        let missing = check(&mut state, &format!("secret={ALWAYS_PASSES}"));
        assert_eq!(missing["error-codes"][0], "missing-input-response");
        assert_eq!(state.counters.siteverify_requests, 4);
    }
}
