//! `POST /v1/bookings`: validate, create the Zoom meeting, commit the ledger record, answer.

use super::zoom_api::ZoomApi;
use super::{clock, coordinator_client, http, settings};
use crate::domain::api_error::ApiError;
use crate::domain::booking::{body_kind, booking_id_from_random, parse_booking, MAX_BODY_BYTES};
use crate::domain::zoom::meetings::{create_meeting_body, create_meeting_path, ZoomMeeting};
use worker::{console_error, Env, Method, Request, Response};

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
    let created = zoom
        .send(
            Method::Post,
            &create_meeting_path(&config.host_user),
            Some(&create_meeting_body(&booking)),
        )
        .await?;
    let meeting = ZoomMeeting::parse(&created.body).ok_or(ApiError::ZoomError {
        status: created.status,
    })?;
    let record = meeting.into_record(booking_id, &config.host_user, &booking, clock::now());

    if let Err(err) = coordinator_client::record_booking(env, &config, &record).await {
        // A meeting without a ledger entry would be invisible to every later operation:
        // take it back so the failed booking leaves nothing behind.
        let path = format!("/meetings/{}", record.meeting.id);
        if let Err(cleanup) = zoom.send(Method::Delete, &path, None).await {
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
