//! `GET /v1/availability`: the question read by `domain::availability::query`, the type's
//! candidate starts from its rules, and one coordinator message for which of them a host could
//! take now (the booking path's own rule, `availability::loads_at`). Public and read-only.

use crate::domain::api_error::ApiError;
use crate::domain::availability::{query, Starts};
use crate::domain::booking::host_pool::allowed_hosts;
use crate::domain::coordinator::AvailabilityRequest;
use crate::edge::account::Account;
use crate::edge::intl_zones::IntlZones;
use crate::edge::{clock, http, settings, turnstile};
use worker::{Env, Request, Response};

pub async fn answer(req: &Request, env: &Env) -> Result<Response, ApiError> {
    let account = Account::load(env)?;
    let config = &account.config;
    let types = settings::load_types(env, config)?;
    // The raw URL, not `Request::url()`: parsing it would bring the `url` crate and its IDNA
    // tables (some 90 KiB of the deployable) for a query string.
    let raw_url = req.inner().url();
    let query_string = raw_url
        .split_once('?')
        .map_or("", |(_, q)| q.split('#').next().unwrap_or(""));
    let question = query::parse(query_string, &types, &IntlZones, &config.default_timezone)?;
    let offer = question.offer(&IntlZones, clock::now());
    let (from, to) = question.window(&IntlZones);
    let candidates = offer.candidates(from, to, &question.timezone);
    // Nothing the rules admit (a closed week, past dates): nothing to ask, nothing to count.
    let free = if candidates.is_empty() {
        Vec::new()
    } else {
        let ask = AvailabilityRequest {
            hosts: allowed_hosts(question.event_type, &config.host_users),
            starts: Starts::of(&candidates),
            duration_minutes: question.duration_minutes,
            buffers: offer.buffers(),
            // The address the booking path counts (`CF-Connecting-IP`).
            ip: turnstile::Presented::of(req).client_ip,
        };
        let mask = account.coordinator.send(&ask).await??;
        mask.free(&candidates)
    };
    Ok(http::json_response(
        200,
        &question.answer(&IntlZones, (from, to), &free),
    ))
}
