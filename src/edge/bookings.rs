//! `POST /v1/bookings`: validate, take a permit (which picks a host with allowance left),
//! create the Zoom meeting, commit the ledger record, answer.

use super::zoom_api::{CallError, ZoomApi, ZoomCall};
use super::{clock, coordinator_client, http, settings};
use crate::domain::api_error::ApiError;
use crate::domain::booking::{
    body_kind, booking_id_from_random, parse_booking, ValidBooking, MAX_BODY_BYTES,
};
use crate::domain::coordinator_protocol::PermitRequest;
use crate::domain::rate_limits::Category;
use crate::domain::zoom::meetings::{
    create_meeting_body, create_meeting_path, is_meeting_for, list_upcoming_path, ZoomMeeting,
};
use serde_json::Value;
use worker::{console_error, console_warn, Env, Method, Request, Response};

/// Pages of a host's meeting list searched for a create whose answer was lost.
const MAX_LOOKUP_PAGES: usize = 10;

pub async fn create(mut req: Request, env: &Env) -> Result<Response, ApiError> {
    let config = settings::load(env)?;
    let content_type = req.headers().get("content-type").ok().flatten();
    let kind = body_kind(content_type.as_deref())?;
    if http::declared_length(&req).is_some_and(|len| len > MAX_BODY_BYTES) {
        return Err(ApiError::PayloadTooLarge {
            limit: MAX_BODY_BYTES,
        });
    }
    let body = req
        .bytes()
        .await
        .map_err(|_| ApiError::Malformed("the body could not be read".into()))?;
    let booking = parse_booking(kind, &body, config.default_timezone, clock::now())?;
    // Everything above is free of side effects; from here on Zoom is involved.
    let booking_id = clock::random_128()
        .map(booking_id_from_random)
        .map_err(|_| ApiError::CoordinatorUnavailable { retry_after: 1 })?;

    let zoom = ZoomApi::new(env, &config);
    let grant = zoom
        .permit(PermitRequest {
            category: Category::Medium,
            daily: true,
            host: None,
            retry: false,
        })
        .await?;
    let host = grant.host.unwrap_or_else(|| config.host_users[0].clone());
    let meeting = create_meeting(&zoom, &host, &booking).await?;
    let record = meeting.into_record(booking_id, &host, &booking, clock::now());

    if let Err(err) = coordinator_client::record_booking(env, &config, &record).await {
        // A meeting without a ledger entry would be invisible to every later operation:
        // take it back so the failed booking leaves nothing behind.
        let delete = ZoomCall {
            method: Method::Delete,
            path: format!("/meetings/{}", record.meeting.id),
            body: None,
            category: Category::Light,
            daily_host: None,
        };
        if let Err(cleanup) = zoom.send(&delete).await {
            console_error!(
                "orphan meeting {} left at Zoom: {cleanup:?}",
                record.meeting.id
            );
        }
        return Err(err);
    }
    Ok(http::json_response_with(
        201,
        &record.public_view(),
        http::created_headers(&format!("/v1/bookings/{}", record.booking_id)),
    ))
}

/// Creates the meeting. A create is never blindly re-sent: if its answer was lost, the host's
/// meetings are searched first, since Zoom may have created it.
async fn create_meeting(
    zoom: &ZoomApi<'_>,
    host: &str,
    booking: &ValidBooking,
) -> Result<ZoomMeeting, ApiError> {
    let body = create_meeting_body(booking);
    let call = ZoomCall {
        method: Method::Post,
        path: create_meeting_path(host),
        body: Some(&body),
        category: Category::Medium,
        daily_host: Some(host),
    };
    match zoom.send_permitted(&call).await {
        Ok(reply) => ZoomMeeting::parse(&reply.body).ok_or(ApiError::ZoomError {
            status: reply.status,
        }),
        Err(CallError::OutcomeUnknown) => {
            console_warn!(
                "create on {host}: no answer; looking for the meeting before anything else"
            );
            match find_created_meeting(zoom, host, booking).await? {
                Some(meeting) => Ok(meeting),
                None => Err(CallError::OutcomeUnknown.into()),
            }
        }
        Err(CallError::Failed(err)) => Err(err),
    }
}

async fn find_created_meeting(
    zoom: &ZoomApi<'_>,
    host: &str,
    booking: &ValidBooking,
) -> Result<Option<ZoomMeeting>, ApiError> {
    let mut page_token = String::new();
    for _ in 0..MAX_LOOKUP_PAGES {
        let list = ZoomCall {
            method: Method::Get,
            path: list_upcoming_path(host, &page_token),
            body: None,
            category: Category::Medium,
            daily_host: None,
        };
        let page: Value = serde_json::from_str(&zoom.send(&list).await?.body).unwrap_or_default();
        let found = page["meetings"]
            .as_array()
            .and_then(|meetings| meetings.iter().find(|m| is_meeting_for(m, booking)))
            .and_then(|m| m["id"].as_u64());
        if let Some(id) = found {
            let get = ZoomCall {
                method: Method::Get,
                path: format!("/meetings/{id}"),
                body: None,
                category: Category::Light,
                daily_host: None,
            };
            let reply = zoom.send(&get).await?;
            return Ok(ZoomMeeting::parse(&reply.body));
        }
        page_token = page["next_page_token"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        if page_token.is_empty() {
            break;
        }
    }
    Ok(None)
}
