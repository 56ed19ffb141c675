//! `/_emulator/*`: the test control surface. Not part of Zoom's API.
//!
//! - `GET  /_emulator/stats`              counters, token mode
//! - `GET  /_emulator/meetings`           every live meeting, as Zoom would return it
//! - `POST /_emulator/reset`              `{"token_mode":"legacy"|"multi"}` optional; forgets
//!   meetings, usage, counters, injections, webhook attempts and pending redeliveries (not
//!   tokens)
//! - `POST /_emulator/tokens/invalidate`  every issued token stops working now
//! - `POST /_emulator/latency`            `{"ms":N}` delay added to every Zoom answer
//! - `POST /_emulator/failures`           `{"target":T,"status":S,"count":N,"body":{…},"headers":{…}}`
//!   answers S instead; with `"delay_ms":D` (and no status) the call is carried out and its
//!   answer held back D ms; with a status and `"carry_out_after_ms":D`, S is answered at once
//!   and the call is still carried out D ms later (Zoom acted after its gateway gave up);
//!   with T one of oauth, create_meeting, list_meetings, get_meeting, update_meeting,
//!   delete_meeting, invitation, api (any /v2 call), siteverify (Turnstile)
//! - `POST /_emulator/clock`              `{"offset_ms":N}` shifts the emulator's clock
//! - `POST /_emulator/page_size`          `{"max":N}` largest meeting-list page (Zoom: 300)
//! - `POST /_emulator/users/settings`     `{"user":"host@example.com","use_pmi":true}` the
//!   user's meetings are scheduled on their personal meeting ID
//! - `POST /_emulator/users/locks`        `{"user":"host@example.com","settings":{"auto_recording":"none"}}`
//!   locks those meeting settings for the user (replacing earlier locks; `{}` unlocks all): they
//!   win over what a create or update sends, as settings locked in Zoom's account settings do
//! - `GET  /_emulator/create_requests`    `{"requests":[{"user","body"}]}`: every Create Meeting
//!   request the meeting API acted on since the reset (past the token, rate-limit and injected
//!   failure gates, including those it then refused), its body exactly as received, oldest first
//! - `POST /_emulator/webhooks/deliver`   signed webhook deliveries (see `webhooks`)
//! - `GET  /_emulator/webhooks/deliveries` every delivery attempt since the reset, first
//!   deliveries and Zoom's redeliveries, and how many redeliveries are still pending

use crate::http::{EmuRequest, Reply};
use crate::oauth::invalidate_all;
use crate::state::{InjectedFailure, State, TokenMode};
use serde_json::{json, Value};

fn bad_request(message: &str) -> Reply {
    Reply::json(400, json!({ "error": message }))
}

pub fn handle(state: &mut State, req: &EmuRequest, path: &str) -> Reply {
    let body = req.json().unwrap_or(Value::Null);
    match (req.method.as_str(), path) {
        ("GET", "/stats") => Reply::json(
            200,
            json!({
                "token_mode": state.settings.token_mode,
                "counters": state.counters,
                "live_meetings": state.meetings.len(),
                "armed_failures": state.failures.iter().map(|f| f.remaining).sum::<u32>(),
            }),
        ),
        ("GET", "/webhooks/deliveries") => Reply::json(200, state.webhook_log.listing()),
        ("GET", "/create_requests") => Reply::json(
            200,
            json!({ "requests": state.create_requests.iter().collect::<Vec<_>>() }),
        ),
        ("GET", "/meetings") => Reply::json(
            200,
            json!({ "meetings": state.meetings.values().collect::<Vec<_>>() }),
        ),
        ("POST", "/reset") => {
            let mode = match body.get("token_mode").and_then(Value::as_str) {
                None => None,
                Some(raw) => match raw.parse::<TokenMode>() {
                    Ok(mode) => Some(mode),
                    Err(e) => return bad_request(&e),
                },
            };
            state.reset(mode);
            Reply::json(200, json!({ "token_mode": state.settings.token_mode }))
        }
        ("POST", "/tokens/invalidate") => {
            let invalidated = invalidate_all(state);
            Reply::json(200, json!({ "invalidated": invalidated }))
        }
        ("POST", "/latency") => match body.get("ms").and_then(Value::as_u64) {
            Some(ms) => {
                state.latency_ms = ms;
                Reply::json(200, json!({ "ms": ms }))
            }
            None => bad_request("expected {\"ms\": N}"),
        },
        ("POST", "/failures") => {
            let Some(target) = body.get("target").and_then(Value::as_str) else {
                return bad_request(
                    "expected {\"target\": …, \"status\": …} or {\"target\": …, \"delay_ms\": …}",
                );
            };
            let status = body.get("status").and_then(Value::as_u64).map(|s| s as u16);
            let delay_ms = body.get("delay_ms").and_then(Value::as_u64).unwrap_or(0);
            if status.is_none() && delay_ms == 0 {
                return bad_request("a failure needs a status, a delay_ms, or both");
            }
            let headers = body
                .get("headers")
                .and_then(Value::as_object)
                .map(|h| {
                    h.iter()
                        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                        .collect()
                })
                .unwrap_or_default();
            state.failures.push(InjectedFailure {
                target: target.to_owned(),
                status,
                delay_ms,
                carry_out_after_ms: body.get("carry_out_after_ms").and_then(Value::as_u64),
                remaining: body.get("count").and_then(Value::as_u64).unwrap_or(1) as u32,
                body: body
                    .get("body")
                    .cloned()
                    .unwrap_or_else(|| json!({ "code": status, "message": "Injected failure." })),
                headers,
            });
            Reply::json(200, json!({ "armed": state.failures.len() }))
        }
        ("POST", "/clock") => match body.get("offset_ms").and_then(Value::as_i64) {
            Some(offset) => {
                state.clock_offset_ms = offset;
                Reply::json(200, json!({ "offset_ms": offset }))
            }
            None => bad_request("expected {\"offset_ms\": N}"),
        },
        ("POST", "/page_size") => match body.get("max").and_then(Value::as_u64) {
            Some(max) if max >= 1 => {
                state.max_page_size = max as usize;
                Reply::json(200, json!({ "max": max }))
            }
            _ => bad_request("expected {\"max\": N} with N >= 1"),
        },
        ("POST", "/users/settings") => {
            let user = body.get("user").and_then(Value::as_str);
            let use_pmi = body.get("use_pmi").and_then(Value::as_bool);
            match (user, use_pmi) {
                (Some(user), Some(use_pmi)) if state.settings.users.iter().any(|u| u == user) => {
                    if use_pmi {
                        state.pmi_users.insert(user.to_owned());
                    } else {
                        state.pmi_users.remove(user);
                    }
                    Reply::json(200, json!({ "user": user, "use_pmi": use_pmi }))
                }
                _ => bad_request("expected {\"user\": <known user email>, \"use_pmi\": bool}"),
            }
        }
        ("POST", "/users/locks") => {
            let user = body.get("user").and_then(Value::as_str).and_then(|user| {
                state
                    .settings
                    .users
                    .iter()
                    .find(|u| u.eq_ignore_ascii_case(user))
                    .cloned()
            });
            match (user, body.get("settings").and_then(Value::as_object)) {
                (Some(user), Some(locked)) => {
                    if locked.is_empty() {
                        state.locked_settings.remove(&user);
                    } else {
                        state.locked_settings.insert(user.clone(), locked.clone());
                    }
                    Reply::json(200, json!({ "user": user, "settings": locked }))
                }
                _ => bad_request(
                    "expected {\"user\": <known user email>, \"settings\": {<setting>: <value>}}",
                ),
            }
        }
        _ => Reply::json(404, json!({ "error": "unknown control route" })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn control(state: &mut State, method: &str, path: &str, body: Value) -> Reply {
        let req = EmuRequest::new(method, &format!("/_emulator{path}")).json_body(&body);
        handle(state, &req, path)
    }

    #[test]
    fn locks_are_set_per_known_user_replaced_and_cleared() {
        let mut state = State::new(crate::Settings::default(), "http://emu".into());
        let set = json!({"user": "HOST2@example.com", "settings": {"auto_recording": "none"}});
        assert_eq!(control(&mut state, "POST", "/users/locks", set).status, 200);
        assert_eq!(
            state.locked_settings["host2@example.com"]["auto_recording"],
            "none"
        );
        let unknown = json!({"user": "nobody@example.com", "settings": {}});
        assert_eq!(
            control(&mut state, "POST", "/users/locks", unknown).status,
            400
        );
        let clear = json!({"user": "host2@example.com", "settings": {}});
        control(&mut state, "POST", "/users/locks", clear);
        assert!(state.locked_settings.is_empty());
    }

    #[test]
    fn create_requests_are_listed_oldest_first() {
        let mut state = State::new(crate::Settings::default(), "http://emu".into());
        state.record_create("me", br#"{"topic":"A"}"#);
        state.record_create("me", b"not json");
        let listed = control(&mut state, "GET", "/create_requests", Value::Null)
            .body
            .unwrap();
        assert_eq!(
            listed["requests"],
            json!([{"user": "me", "body": {"topic": "A"}}, {"user": "me", "body": "not json"}])
        );
    }
}
