//! `GET /users/{user}/meetings`: a host's meetings in start order, a page at a time, with Zoom's
//! `next_page_token` paging.

use super::users;
use crate::clock::rfc3339;
use crate::http::{EmuRequest, Reply};
use crate::state::{Meeting, State};
use serde_json::{json, Value};

const DEFAULT_PAGE_SIZE: usize = 30;

pub(super) fn list(state: &mut State, req: &EmuRequest, user: &str) -> Reply {
    state.counters.list_requests += 1;
    let (_, email) = match users::resolve(state, user) {
        Ok(found) => found,
        Err(reply) => return reply,
    };
    let page_size = req
        .query
        .get("page_size")
        .and_then(|s| s.parse::<usize>().ok())
        .unwrap_or(DEFAULT_PAGE_SIZE)
        .clamp(1, state.max_page_size.max(1));
    let offset = match req.query.get("next_page_token").filter(|t| !t.is_empty()) {
        None => 0,
        Some(token) => match token
            .strip_prefix("npt")
            .and_then(|n| n.parse::<usize>().ok())
        {
            Some(offset) => offset,
            None => return Reply::zoom_error(400, 300, "Invalid next_page_token."),
        },
    };
    let now = rfc3339(state.now_utc());
    let upcoming_only = matches!(
        req.query.get("type").map(String::as_str),
        Some("upcoming") | Some("upcoming_meetings")
    );
    let mut mine: Vec<&Meeting> = state
        .meetings
        .values()
        .filter(|m| m.host_email == email)
        // RFC 3339 UTC strings of one format order like the instants they name.
        .filter(|m| !upcoming_only || m.start_time >= now)
        .collect();
    mine.sort_by(|a, b| (&a.start_time, a.id).cmp(&(&b.start_time, b.id)));
    let total = mine.len();
    let page: Vec<Value> = mine
        .iter()
        .skip(offset)
        .take(page_size)
        .map(|m| {
            json!({
                "uuid": m.uuid, "id": m.id, "host_id": m.host_id, "topic": m.topic,
                "type": m.meeting_type, "start_time": m.start_time, "duration": m.duration,
                "timezone": m.timezone, "agenda": m.agenda, "created_at": m.created_at,
                "join_url": m.join_url,
            })
        })
        .collect();
    let next = offset + page.len();
    let next_page_token = if next < total {
        format!("npt{next}")
    } else {
        String::new()
    };
    Reply::json(
        200,
        json!({
            "page_size": page_size,
            "total_records": total,
            "next_page_token": next_page_token,
            "meetings": page,
        }),
    )
}
