//! The `/v2` meeting API: create, list, get, update, delete, invitation. Requests pass the same
//! gates as at Zoom, in the same order: token, per-second limit, then the operation (creates and
//! updates then count against the host's daily allowance).
//!
//! - `route`: which API a request names, its rate-limit category and failure-injection target;
//! - `gates`: the per-second and daily rate limits;
//! - `fields`: reading and validating a create or update body;
//! - `users`: `me` and the account's users;
//! - `crud`, `list`: the operations on the emulator's meetings.

mod crud;
mod fields;
mod gates;
mod list;
mod route;
mod users;

use crate::http::{EmuRequest, Reply};
use crate::oauth::token_valid;
use crate::state::{Deferred, InjectedFailure, State};
use route::Route;

pub fn handle(state: &mut State, req: &EmuRequest, path: &str) -> Reply {
    state.counters.api_requests += 1;
    let Some(route) = Route::parse(&req.method, path) else {
        return Reply::zoom_error(404, 300, "The requested API does not exist.");
    };
    if !token_valid(state, req) {
        state.counters.invalid_token_requests += 1;
        return Reply::zoom_error(401, 124, "Invalid access token.");
    }
    if let Some(limited) = gates::per_second_limit(state, route.category()) {
        return limited;
    }
    let failure = state.take_failure(&[route.target(), "api"]);
    if let Some(InjectedFailure {
        status: Some(status),
        body,
        headers,
        carry_out_after_ms,
        ..
    }) = &failure
    {
        if let Some(after) = carry_out_after_ms {
            state.deferred.push(Deferred {
                due_ms: state.now_ms() + *after as i64,
                request: req.clone(),
                path: path.to_owned(),
            });
        }
        let mut reply = Reply::json(*status, body.clone());
        reply.headers = headers.clone();
        return reply;
    }
    let mut reply = carry_out(state, req, route);
    reply.delay_ms = failure.map_or(0, |f| f.delay_ms);
    reply
}

/// Carries out the deferred calls whose time has come (run before every request the emulator
/// answers, so a test sees them as soon as they are due).
pub fn run_deferred(state: &mut State) {
    let now = state.now_ms();
    let (due, later): (Vec<Deferred>, Vec<Deferred>) =
        state.deferred.drain(..).partition(|d| d.due_ms <= now);
    state.deferred = later;
    for call in due {
        if let Some(route) = Route::parse(&call.request.method, &call.path) {
            carry_out(state, &call.request, route);
        }
    }
}

fn carry_out(state: &mut State, req: &EmuRequest, route: Route) -> Reply {
    match route {
        Route::Create(user) => crud::create(state, req, &user),
        Route::List(user) => list::list(state, req, &user),
        Route::Get(id) => crud::get(state, id),
        Route::Update(id) => crud::update(state, req, id),
        Route::Delete(id) => crud::delete(state, id),
        Route::Invitation(id) => crud::invitation(state, id),
        Route::UnknownMeeting(raw) => {
            Reply::zoom_error(404, 3001, format!("Meeting does not exist: {raw}."))
        }
    }
}

#[cfg(test)]
mod tests;
