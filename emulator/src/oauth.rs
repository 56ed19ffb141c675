//! `POST /oauth/token?grant_type=account_credentials&account_id=…[&token_index=N]`.

use crate::http::{EmuRequest, Reply};
use crate::state::{State, TokenMode, TokenRecord};
use base64::{engine::general_purpose::STANDARD, Engine};
use serde_json::json;

const DEFAULT_SLOT: &str = "default";
/// Zoom lets support raise the number of token slots to at most 10.
const MAX_TOKEN_INDEX: u8 = 10;

fn oauth_error(status: u16, error: &str, reason: &str) -> Reply {
    Reply::json(status, json!({ "reason": reason, "error": error }))
}

fn credentials_ok(state: &State, req: &EmuRequest) -> bool {
    let Some(encoded) = req
        .get_header("authorization")
        .and_then(|h| h.strip_prefix("Basic "))
    else {
        return false;
    };
    let expected = format!(
        "{}:{}",
        state.settings.client_id, state.settings.client_secret
    );
    STANDARD
        .decode(encoded.trim())
        .is_ok_and(|decoded| decoded == expected.as_bytes())
}

pub fn issue_token(state: &mut State, req: &EmuRequest) -> Reply {
    state.counters.token_requests += 1;
    if req.method != "POST" {
        return oauth_error(405, "invalid_request", "Method not allowed");
    }
    if let Some(failure) = state.take_failure(&["oauth"]) {
        if let Some(status) = failure.status {
            return Reply::json(status, failure.body);
        }
    }
    if !credentials_ok(state, req) {
        return oauth_error(401, "invalid_client", "Invalid client_id or client_secret");
    }
    match req.query.get("grant_type").map(String::as_str) {
        Some("account_credentials") => {}
        Some(_) => return oauth_error(400, "unsupported_grant_type", "Unsupported grant type"),
        None => return oauth_error(400, "invalid_request", "Missing grant_type"),
    }
    match req.query.get("account_id") {
        Some(id) if *id == state.settings.account_id => {}
        Some(_) => return oauth_error(400, "invalid_request", "Invalid account_id"),
        None => return oauth_error(400, "invalid_request", "Missing account_id"),
    }
    let slot = match req.query.get("token_index") {
        None => DEFAULT_SLOT.to_owned(),
        Some(raw) => match raw.parse::<u8>() {
            Ok(index) if index <= MAX_TOKEN_INDEX => index.to_string(),
            _ => return oauth_error(400, "invalid_request", "Invalid token_index"),
        },
    };

    let token = format!("emu.{}", state.rng.alphanumeric(40));
    let now = state.now_ms();
    let ttl = state.settings.token_ttl_secs;
    if state.settings.token_mode == TokenMode::Legacy {
        if let Some(previous) = state.current_by_slot.insert(slot.clone(), token.clone()) {
            if let Some(record) = state.tokens.get_mut(&previous) {
                record.revoked = true;
            }
        }
    }
    state.tokens.insert(
        token.clone(),
        TokenRecord {
            slot: slot.clone(),
            expires_at_ms: now + (ttl as i64) * 1000,
            revoked: false,
        },
    );
    *state.counters.tokens_issued.entry(slot).or_default() += 1;
    Reply::json(
        200,
        json!({
            "access_token": token,
            "token_type": "bearer",
            "expires_in": ttl,
            "scope": "meeting:write:admin meeting:read:admin user:read:admin",
            "api_url": state.base_url,
        }),
    )
}

/// Whether a bearer token is valid now (known, not expired, not invalidated).
pub fn token_valid(state: &State, req: &EmuRequest) -> bool {
    let now = state.now_ms();
    req.get_header("authorization")
        .and_then(|h| h.strip_prefix("Bearer "))
        .and_then(|token| state.tokens.get(token.trim()))
        .is_some_and(|record| !record.revoked && record.expires_at_ms > now)
}

/// Control: every issued token stops working at once.
pub fn invalidate_all(state: &mut State) -> usize {
    state.current_by_slot.clear();
    let mut count = 0;
    for record in state.tokens.values_mut().filter(|r| !r.revoked) {
        record.revoked = true;
        count += 1;
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::Settings;

    fn state(mode: TokenMode) -> State {
        State::new(
            Settings {
                token_mode: mode,
                ..Settings::default()
            },
            "http://emu".into(),
        )
    }

    fn token_request(query: &str) -> EmuRequest {
        EmuRequest::new("POST", &format!("/oauth/token?{query}")).header(
            "authorization",
            &format!(
                "Basic {}",
                STANDARD.encode("emulated-client:emulated-secret")
            ),
        )
    }

    const GOOD: &str = "grant_type=account_credentials&account_id=emulated-account";

    fn issue(state: &mut State, query: &str) -> String {
        let reply = issue_token(state, &token_request(query));
        assert_eq!(reply.status, 200, "{reply:?}");
        reply.body.unwrap()["access_token"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    fn bearer(token: &str) -> EmuRequest {
        EmuRequest::new("GET", "/v2/x").header("authorization", &format!("Bearer {token}"))
    }

    #[test]
    fn wrong_credentials_and_parameters_use_zoom_shapes() {
        let mut s = state(TokenMode::Multi);
        let bad_secret = EmuRequest::new("POST", &format!("/oauth/token?{GOOD}")).header(
            "authorization",
            &format!("Basic {}", STANDARD.encode("emulated-client:nope")),
        );
        let reply = issue_token(&mut s, &bad_secret);
        assert_eq!(reply.status, 401);
        assert_eq!(reply.body.unwrap()["error"], "invalid_client");
        assert_eq!(
            issue_token(
                &mut s,
                &token_request("grant_type=client_credentials&account_id=emulated-account")
            )
            .status,
            400
        );
        assert_eq!(
            issue_token(
                &mut s,
                &token_request("grant_type=account_credentials&account_id=other")
            )
            .status,
            400
        );
        assert_eq!(
            issue_token(&mut s, &token_request(&format!("{GOOD}&token_index=11"))).status,
            400
        );
        assert_eq!(s.counters.token_requests, 4);
        assert!(s.counters.tokens_issued.is_empty());
    }

    #[test]
    fn multi_mode_keeps_earlier_tokens() {
        let mut s = state(TokenMode::Multi);
        let first = issue(&mut s, GOOD);
        let second = issue(&mut s, GOOD);
        assert!(token_valid(&s, &bearer(&first)));
        assert!(token_valid(&s, &bearer(&second)));
    }

    #[test]
    fn legacy_mode_revokes_previous_token_of_the_same_index_only() {
        let mut s = state(TokenMode::Legacy);
        let a = issue(&mut s, GOOD);
        let b1 = issue(&mut s, &format!("{GOOD}&token_index=1"));
        assert!(token_valid(&s, &bearer(&a)) && token_valid(&s, &bearer(&b1)));
        let a2 = issue(&mut s, GOOD);
        assert!(!token_valid(&s, &bearer(&a)));
        assert!(token_valid(&s, &bearer(&a2)) && token_valid(&s, &bearer(&b1)));
        assert_eq!(s.counters.tokens_issued["default"], 2);
        assert_eq!(s.counters.tokens_issued["1"], 1);
    }

    #[test]
    fn tokens_expire_and_can_be_invalidated() {
        let mut s = state(TokenMode::Multi);
        let t = issue(&mut s, GOOD);
        s.clock_offset_ms = 3_600_000;
        assert!(!token_valid(&s, &bearer(&t)));
        s.clock_offset_ms = 0;
        assert!(token_valid(&s, &bearer(&t)));
        assert_eq!(invalidate_all(&mut s), 1);
        assert!(!token_valid(&s, &bearer(&t)));
        assert!(!token_valid(&s, &bearer("unknown")));
    }
}
