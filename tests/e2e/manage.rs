//! The owner's manage_token: read, reschedule, cancel, invitation; everyone else is refused
//! without learning whether a booking exists.

use crate::slots::slot;
use chrono::Duration;
use serde_json::{json, Value};
use testbed::{Stack, ADMIN_TOKEN};

/// Books a slot; returns the 201 body.
fn book(stack: &Stack, email: &str, start: chrono::DateTime<chrono::Utc>) -> Value {
    let answer = stack.book_json(&json!({"name": "Owner", "email": email,
        "start_time": start.to_rfc3339(), "duration": 30}));
    assert_eq!(answer.status, 201, "{}", answer.body);
    let body = answer.json();
    assert!(body["manage_token"].as_str().unwrap().starts_with("mt_"));
    body
}

fn id_and_token(body: &Value) -> (String, String) {
    (
        body["booking_id"].as_str().unwrap().to_owned(),
        body["manage_token"].as_str().unwrap().to_owned(),
    )
}

fn zoom_meeting(stack: &Stack, id: &Value) -> Option<Value> {
    stack.meetings().into_iter().find(|m| m["id"] == *id)
}

pub fn owner_reads_strangers_get_401_404(stack: &Stack) {
    let a = book(stack, "a@example.com", slot(20, 0));
    let b = book(stack, "b@example.com", slot(20, 1));
    let (a_id, a_token) = id_and_token(&a);
    let (b_id, _) = id_and_token(&b);

    let mine = stack.manage("GET", &a_id, "", Some(&a_token), None);
    assert_eq!(mine.status, 200, "{}", mine.body);
    assert_eq!(mine.json()["meeting"], a["meeting"]);
    assert_eq!(mine.json()["status"], "scheduled");
    assert!(mine.json().get("manage_token").is_none());
    assert!(!mine.body.contains("zak") && !mine.body.contains("start_url"));

    let mut tampered = a_token.clone();
    let last = tampered.pop().unwrap();
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    let unknown_id = "bk_AAAAAAAAAAAAAAAAAAAAAA";
    // A's token on B, a tampered token, a token for a booking that does not exist: all the same
    // 404, so a stranger cannot tell which bookings exist.
    for (id, token) in [
        (&b_id, &a_token),
        (&a_id, &tampered),
        (&unknown_id.to_owned(), &a_token),
    ] {
        for (method, suffix, body) in [
            ("GET", "", None),
            ("PATCH", "", Some(json!({"duration": 60}))),
            ("DELETE", "", None),
            ("GET", "/invitation", None),
        ] {
            let answer = stack.manage(method, id, suffix, Some(token), body.as_ref());
            assert_eq!(
                (answer.status, answer.error_code()),
                (404, "not_found".to_owned()),
                "{method} {id}{suffix}"
            );
        }
    }
    let anonymous = stack.manage("DELETE", &b_id, "", None, None);
    assert_eq!(anonymous.status, 401);
    assert_eq!(anonymous.header("www-authenticate"), Some("Bearer"));
    // The operator may read any booking, and change none.
    let operator = stack.manage("GET", &b_id, "", Some(ADMIN_TOKEN), None);
    assert_eq!(operator.status, 200);
    let operator_cancel = stack.manage("DELETE", &b_id, "", Some(ADMIN_TOKEN), None);
    assert_eq!(operator_cancel.status, 404);
    // Nothing above changed anything at Zoom.
    assert_eq!(stack.meetings().len(), 2);
    assert_eq!(stack.stats()["meetings_updated"], 0);
}

pub fn reschedule_moves_meeting_keeps_join_link(stack: &Stack) {
    let start = slot(21, 0);
    let booked = book(stack, "move@example.com", start);
    let (id, token) = id_and_token(&booked);
    let used_before = stack.admin_status()["hosts"][0]["create_update_used_today"].clone();

    let later = start + Duration::hours(3);
    let moved = stack.manage(
        "PATCH",
        &id,
        "",
        Some(&token),
        Some(&json!({"start_time": later.to_rfc3339(), "duration": 45, "timezone": "Asia/Tokyo"})),
    );
    assert_eq!(moved.status, 200, "{}", moved.body);
    let view = moved.json();
    let at = later.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    assert_eq!(view["meeting"]["start_time"], at.as_str());
    assert_eq!(view["meeting"]["duration"], 45);
    assert_eq!(view["meeting"]["join_url"], booked["meeting"]["join_url"]);
    let at_zoom = zoom_meeting(stack, &booked["meeting"]["id"]).unwrap();
    assert_eq!(at_zoom["start_time"], at.as_str());
    assert_eq!(at_zoom["duration"], 45);
    assert_eq!(at_zoom["timezone"], "Asia/Tokyo");
    assert_eq!(at_zoom["join_url"], booked["meeting"]["join_url"]);
    assert_eq!(stack.meetings().len(), 1);
    // The PATCH used a Create/Update from the host's daily allowance.
    let used_after = &stack.admin_status()["hosts"][0]["create_update_used_today"];
    assert_eq!(used_after.as_u64(), used_before.as_u64().map(|n| n + 1));
    // The old slot is free again; the new one is taken.
    assert_eq!(book(stack, "old@example.com", start)["status"], "scheduled");
    let clash = stack.book_json(&json!({"name": "X", "email": "x@example.com",
        "start_time": (later + Duration::minutes(40)).to_rfc3339(), "duration": 30}));
    assert_eq!(clash.error_code(), "slot_unavailable");

    // Moving onto someone else's meeting is refused and changes nothing.
    let onto_other = stack.manage(
        "PATCH",
        &id,
        "",
        Some(&token),
        Some(&json!({"start_time": start.to_rfc3339()})),
    );
    assert_eq!(onto_other.status, 409, "{}", onto_other.body);
    assert_eq!(onto_other.error_code(), "slot_unavailable");
    let unchanged = zoom_meeting(stack, &booked["meeting"]["id"]).unwrap();
    assert_eq!(unchanged["start_time"], at.as_str());
    // Invalid input is a field error.
    let past = stack.manage(
        "PATCH",
        &id,
        "",
        Some(&token),
        Some(&json!({"start_time": "2001-01-01T00:00:00Z"})),
    );
    assert_eq!(past.error_code(), "start_time_in_past");
}

pub fn cancel_deletes_and_is_idempotent(stack: &Stack) {
    let start = slot(22, 0);
    let booked = book(stack, "cancel@example.com", start);
    let (id, token) = id_and_token(&booked);
    let invitation = stack.manage("GET", &id, "/invitation", Some(&token), None);
    assert_eq!(invitation.status, 200, "{}", invitation.body);
    let text = invitation.json()["invitation"].as_str().unwrap().to_owned();
    assert!(text.contains(booked["meeting"]["join_url"].as_str().unwrap()));

    let cancelled = stack.manage("DELETE", &id, "", Some(&token), None);
    assert_eq!(cancelled.status, 200, "{}", cancelled.body);
    assert_eq!(cancelled.json()["status"], "cancelled");
    assert!(zoom_meeting(stack, &booked["meeting"]["id"]).is_none());
    let again = stack.manage("DELETE", &id, "", Some(&token), None);
    assert_eq!(again.status, 200);
    assert_eq!(again.json()["status"], "cancelled");
    assert_eq!(stack.stats()["meetings_deleted"], 1);
    // A cancelled booking cannot be moved, and its slot is free again: the same person
    // submitting it again books anew rather than getting the cancelled booking replayed.
    let moved = stack.manage(
        "PATCH",
        &id,
        "",
        Some(&token),
        Some(&json!({"duration": 60})),
    );
    assert_eq!(moved.error_code(), "booking_cancelled");
    let again = book(stack, "cancel@example.com", start);
    assert_ne!(again["booking_id"], booked["booking_id"]);
    assert_eq!(again["status"], "scheduled");

    // Deleted at Zoom already (by the host, in Zoom's app): cancelling still succeeds.
    let gone = book(stack, "gone@example.com", slot(22, 1));
    let (gone_id, gone_token) = id_and_token(&gone);
    stack.delete_meeting_elsewhere(gone["meeting"]["id"].as_u64().unwrap());
    let answer = stack.manage("DELETE", &gone_id, "", Some(&gone_token), None);
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.json()["status"], "cancelled");

    // Zoom's code 300 is its generic validation error, not "gone": the meeting may still exist,
    // so the cancel fails and the booking (and its slot) stays.
    let odd = book(stack, "odd@example.com", slot(22, 2));
    let (odd_id, odd_token) = id_and_token(&odd);
    stack.control(
        "/failures",
        json!({"target": "delete_meeting", "status": 400,
               "body": {"code": 300, "message": "Invalid meeting id."}}),
    );
    let answer = stack.manage("DELETE", &odd_id, "", Some(&odd_token), None);
    assert_eq!(answer.status, 502, "{}", answer.body);
    assert_eq!(answer.error_code(), "zoom_rejected");
    let meeting_id = odd["meeting"]["id"].as_u64().unwrap();
    assert!(
        stack
            .meetings()
            .iter()
            .any(|m| m["id"].as_u64() == Some(meeting_id)),
        "the meeting is still at Zoom"
    );
    let still = stack.manage("GET", &odd_id, "", Some(&odd_token), None);
    assert_eq!(still.json()["status"], "scheduled");
    // Its slot stays held too: the one host cannot be booked twice at that time.
    let taken = stack.book_json(&json!({"name": "Other", "email": "other@example.com",
        "start_time": slot(22, 2).to_rfc3339(), "duration": 30}));
    assert_eq!(taken.error_code(), "slot_unavailable", "{}", taken.body);
    // The injected refusal was one answer; the owner's next cancel goes through.
    let answer = stack.manage("DELETE", &odd_id, "", Some(&odd_token), None);
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.json()["status"], "cancelled");

    // Any other Zoom failure is an error, and the booking stays.
    let kept = book(stack, "kept@example.com", slot(22, 3));
    let (kept_id, kept_token) = id_and_token(&kept);
    stack.control(
        "/failures",
        json!({"target": "delete_meeting", "status": 404,
               "body": {"code": 1001, "message": "User does not exist."}}),
    );
    let refused = stack.manage("DELETE", &kept_id, "", Some(&kept_token), None);
    assert_eq!(refused.status, 502, "{}", refused.body);
    let still = stack.manage("GET", &kept_id, "", Some(&kept_token), None);
    assert_eq!(still.json()["status"], "scheduled");
}

/// One owner cannot spend the host's day: of 30 reschedules of one booking, 5 (a day's
/// `RESCHEDULE_LIMIT_PER_BOOKING`) reach Zoom and the rest are `429 too_many_changes` with
/// `Retry-After`, refused before anything is sent; a stranger still books on the same host.
pub fn thirty_reschedules_reach_zoom_five_times_and_a_stranger_still_books(stack: &Stack) {
    let booked = book(stack, "restless@example.com", slot(25, 0));
    let (id, token) = id_and_token(&booked);
    let used_before = stack.admin_status()["hosts"][0]["create_update_used_today"]
        .as_u64()
        .unwrap();
    let mut moved = 0;
    for n in 1..=30 {
        // Every PATCH asks for a time the booking does not have.
        let change = json!({"start_time": slot(25, n).to_rfc3339()});
        let answer = stack.manage("PATCH", &id, "", Some(&token), Some(&change));
        if answer.status == 200 {
            moved += 1;
            continue;
        }
        assert_eq!(
            (answer.status, answer.error_code().as_str()),
            (429, "too_many_changes"),
            "PATCH {n}: {}",
            answer.body
        );
        let wait: u32 = answer.header("retry-after").unwrap().parse().unwrap();
        assert!((1..=86_400).contains(&wait), "Retry-After {wait}");
    }
    assert_eq!(moved, 5);
    assert_eq!(stack.stats()["meetings_updated"], 5);
    let used_after = stack.admin_status()["hosts"][0]["create_update_used_today"]
        .as_u64()
        .unwrap();
    assert_eq!(used_after, used_before + 5);
    // The booking stayed where its fifth move put it.
    let view = stack.manage("GET", &id, "", Some(&token), None).json();
    let fifth = slot(25, 5).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    assert_eq!(view["meeting"]["start_time"], fifth.as_str());
    // Another guest books on the same (only) host.
    assert_eq!(
        book(stack, "stranger@example.com", slot(25, 0))["status"],
        "scheduled"
    );
}

/// The owner's invitation reads are Zoom calls: 20 an hour (`OWNER_READ_LIMIT_PER_BOOKING`),
/// then `429 too_many_changes` with `Retry-After`. The operator's reads are not counted.
pub fn owner_invitation_reads_beyond_twenty_an_hour_are_429_too_many_changes(stack: &Stack) {
    let booked = book(stack, "reader@example.com", slot(26, 0));
    let (id, token) = id_and_token(&booked);
    for n in 1..=20 {
        let read = stack.manage("GET", &id, "/invitation", Some(&token), None);
        assert_eq!(read.status, 200, "read {n}: {}", read.body);
    }
    let over = stack.manage("GET", &id, "/invitation", Some(&token), None);
    assert_eq!(
        (over.status, over.error_code().as_str()),
        (429, "too_many_changes"),
        "{}",
        over.body
    );
    let wait: u32 = over.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=3600).contains(&wait), "Retry-After {wait}");
    let operator = stack.manage("GET", &id, "/invitation", Some(ADMIN_TOKEN), None);
    assert_eq!(operator.status, 200, "{}", operator.body);
    // Another booking's owner reads on.
    let other = book(stack, "reader2@example.com", slot(26, 1));
    let (other_id, other_token) = id_and_token(&other);
    let read = stack.manage("GET", &other_id, "/invitation", Some(&other_token), None);
    assert_eq!(read.status, 200, "{}", read.body);
}
