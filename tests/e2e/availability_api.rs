//! `GET /v1/availability` as a client sees it: the answer's shape, every refusal of a bad
//! question with its field, the per-IP limit, and that no host is ever named.

use crate::availability::{ask, ask_from, in_london, HOSTS, LIMIT_PER_MINUTE};
use chrono::{Datelike, Duration, NaiveDate, Utc, Weekday};
use serde_json::Value;
use testbed::Stack;

/// The Monday at least four weeks ahead: inside every type's 60-day horizon, past its notice,
/// and clear of the closed date and of the bookings other scenarios make in the next weeks.
fn quiet_monday() -> NaiveDate {
    let mut date = Utc::now().date_naive() + Duration::days(28);
    while date.weekday() != Weekday::Mon {
        date += Duration::days(1);
    }
    date
}

fn iso(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

fn slots_of(day: &Value) -> Vec<String> {
    day["slots"]
        .as_array()
        .unwrap_or_else(|| panic!("no slots list: {day}"))
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect()
}

pub fn the_answer_lists_every_date_with_its_free_slots_in_the_zone_asked(stack: &Stack) {
    let monday = quiet_monday();
    let sunday = monday + Duration::days(6);
    let query = format!(
        "type=office&from={}&to={}&timezone=Europe/London",
        iso(monday),
        iso(sunday)
    );
    let answer = ask(stack, &query);
    assert_eq!(answer.status, 200, "{}", answer.body);
    // It changes with every booking: never kept by a cache.
    assert_eq!(answer.header("cache-control"), Some("no-store"));
    let body = answer.json();
    assert_eq!(body["type"], "office");
    assert_eq!(body["timezone"], "Europe/London");
    assert_eq!(body["duration"], 30);
    let days = body["days"].as_array().unwrap();
    assert_eq!(days.len(), 7, "{body}");
    for (i, day) in days.iter().enumerate() {
        let date = monday + Duration::days(i as i64);
        assert_eq!(day["date"], iso(date));
        let slots = slots_of(day);
        if i < 5 {
            // London's offset that day, never `Z`; 09:00 to 11:30, the last ending at 12:00.
            let expected: Vec<String> = ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"]
                .iter()
                .map(|t| in_london(date, t))
                .collect();
            assert_eq!(slots, expected, "{}", day["date"]);
        } else {
            assert!(slots.is_empty(), "the weekend is closed: {day}");
        }
    }
    // The same question in New York: the same instants, with New York's offset.
    let answer = ask(
        stack,
        &format!(
            "type=office&from={}&to={}&timezone=America/New_York",
            iso(monday),
            iso(monday)
        ),
    );
    assert_eq!(answer.status, 200, "{}", answer.body);
    let slots = slots_of(&answer.json()["days"][0]);
    assert_eq!(
        slots.first().unwrap(),
        &format!("{}T04:00:00-05:00", iso(monday))
    );
    assert_eq!(slots.len(), 6);
}

/// `type` defaults to the first type, `timezone` to the type's hours zone (or
/// `DEFAULT_TIMEZONE`), `duration` to the type's default; a type without hours lists every
/// grid point of its default length from 00:00 in the zone asked.
pub fn defaults_fill_type_zone_and_duration_and_a_type_without_hours_lists_the_whole_day(
    stack: &Stack,
) {
    let day = quiet_monday() + Duration::days(1);
    let answer = ask(stack, &format!("from={}&to={}", iso(day), iso(day)));
    assert_eq!(answer.status, 200, "{}", answer.body);
    let body = answer.json();
    assert_eq!(body["type"], "office");
    assert_eq!(body["timezone"], "Europe/London");
    assert_eq!(body["duration"], 30);
    assert_eq!(slots_of(&body["days"][0]).len(), 6);

    let answer = ask(
        stack,
        &format!(
            "type=anytime&from={}&to={}&timezone=UTC&duration=30",
            iso(day),
            iso(day)
        ),
    );
    assert_eq!(answer.status, 200, "{}", answer.body);
    let body = answer.json();
    assert_eq!(body["timezone"], "UTC");
    let slots = slots_of(&body["days"][0]);
    assert_eq!(slots.len(), 48, "{slots:?}");
    assert_eq!(slots[0], format!("{}T00:00:00+00:00", iso(day)));
    assert_eq!(slots[47], format!("{}T23:30:00+00:00", iso(day)));
}

/// Each bad question is a 422 naming its field, with the documented code.
pub fn every_bad_question_is_422_with_its_field_and_code(stack: &Stack) {
    let day = iso(quiet_monday());
    let far = iso(quiet_monday() + Duration::days(62));
    let fine = iso(quiet_monday() + Duration::days(61));
    let cases = [
        (
            format!("type=nope&from={day}&to={day}"),
            "unknown_type",
            "type",
        ),
        (
            format!("type=office&from={day}&to={day}&timezone=Mars/Base"),
            "unknown_timezone",
            "timezone",
        ),
        (
            format!("type=office&from={day}&to={day}&duration=45"),
            "invalid_duration",
            "duration",
        ),
        (
            format!("type=office&from={day}&to={day}&duration=thirty"),
            "invalid_duration",
            "duration",
        ),
        (
            format!("type=office&from=2026-13-01&to={day}"),
            "invalid_field",
            "from",
        ),
        (
            format!("type=office&from={day}&to=tomorrow"),
            "invalid_field",
            "to",
        ),
        (
            format!(
                "type=office&from={day}&to={}",
                iso(quiet_monday() - Duration::days(1))
            ),
            "invalid_field",
            "to",
        ),
        (
            format!("type=office&from={day}&to={far}"),
            "range_too_long",
            "to",
        ),
        (format!("type=office&to={day}"), "missing_field", "from"),
    ];
    for (query, code, field) in cases {
        let answer = ask(stack, &query);
        assert_eq!(answer.status, 422, "{query}: {}", answer.body);
        assert_eq!(answer.error_code(), code, "{query}: {}", answer.body);
        assert_eq!(answer.json()["error"]["field"], field, "{query}");
    }
    // 62 days, both included, is the most one question may cover.
    let answer = ask(stack, &format!("type=office&from={day}&to={fine}"));
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.json()["days"].as_array().unwrap().len(), 62);
}

/// One address gets `AVAILABILITY_LIMIT_PER_IP` reads a minute, then `429 too_many_requests`
/// with `Retry-After`; another address is not affected, and neither are its bookings.
pub fn reads_beyond_the_per_ip_limit_are_429_with_retry_after(stack: &Stack) {
    let day = iso(quiet_monday());
    let query = format!("type=office&from={day}&to={day}");
    let ip = "198.51.100.15";
    for n in 0..LIMIT_PER_MINUTE {
        let answer = ask_from(stack, &query, ip);
        assert_eq!(answer.status, 200, "read {n}: {}", answer.body);
    }
    let refused = ask_from(stack, &query, ip);
    assert_eq!(refused.status, 429, "{}", refused.body);
    assert_eq!(refused.error_code(), "too_many_requests");
    let wait: u32 = refused
        .header("retry-after")
        .and_then(|s| s.parse().ok())
        .expect("Retry-After");
    assert!((1..=60).contains(&wait), "Retry-After {wait}");
    // A refused read is not counted: it is refused for as long as the window says, no longer.
    assert_eq!(ask_from(stack, &query, ip).status, 429);
    // Another address still reads.
    assert_eq!(ask_from(stack, &query, "198.51.100.16").status, 200);
}

/// Neither the answer nor a refusal names a host, whichever type is asked about.
pub fn no_answer_reveals_a_host(stack: &Stack) {
    let monday = quiet_monday();
    for slug in ["office", "solo", "anytime"] {
        let answer = ask(
            stack,
            &format!(
                "type={slug}&from={}&to={}",
                iso(monday),
                iso(monday + Duration::days(13))
            ),
        );
        assert_eq!(answer.status, 200, "{slug}: {}", answer.body);
        for host in HOSTS {
            assert!(!answer.body.contains(host), "{slug} names {host}");
            let user = host.split('@').next().unwrap();
            assert!(!answer.body.contains(user), "{slug} names {user}");
        }
    }
}

/// A hold keeps the type's buffer free as the answer does: on `solo` (one host), 09:00 booked
/// takes 09:30 too (10 minutes are kept after every meeting), so a booking there is `409
/// slot_unavailable`, both are gone from the answer, and 10:00 is still listed and books.
pub fn a_booking_keeps_its_buffer_free_for_bookings_as_for_the_answer(stack: &Stack) {
    // A Tuesday five weeks ahead: no other scenario books there.
    let day = quiet_monday() + Duration::days(8);
    let at = |time: &str| in_london(day, time);
    let book = |time: &str| {
        stack.book_json(&serde_json::json!({
            "name": "Ada", "email": testbed::unique_email("buffer"),
            "start_time": at(time), "type": "solo",
        }))
    };
    let listed = || {
        let answer = ask(
            stack,
            &format!("type=solo&from={}&to={}", iso(day), iso(day)),
        );
        assert_eq!(answer.status, 200, "{}", answer.body);
        slots_of(&answer.json()["days"][0])
    };
    assert_eq!(listed().len(), 6);
    let first = book("09:00");
    assert_eq!(first.status, 201, "{}", first.body);
    let blocked = book("09:30");
    assert_eq!(blocked.status, 409, "{}", blocked.body);
    assert_eq!(blocked.error_code(), "slot_unavailable");
    let now = listed();
    assert!(
        !now.contains(&at("09:00")) && !now.contains(&at("09:30")),
        "{now:?}"
    );
    assert_eq!(now.first(), Some(&at("10:00")), "{now:?}");
    let next = book("10:00");
    assert_eq!(next.status, 201, "{}", next.body);
}

/// A read without `CF-Connecting-IP` (one that did not come through Cloudflare's edge) is not
/// free: all such reads share one allowance, so an unnamed caller cannot keep the account's
/// single writer answering. Last in the group: it spends that shared allowance for a minute.
pub fn reads_without_a_client_address_share_one_allowance(stack: &Stack) {
    let day = iso(quiet_monday());
    let url = format!(
        "{}/v1/availability?type=office&from={day}&to={day}",
        stack.worker
    );
    let anonymous = || testbed::send_with(&stack.agent, "GET", &url, &[], b"");
    // The slot picker's scenario may have read without an address already this minute.
    let mut answered = 0;
    let refused = loop {
        let answer = anonymous();
        if answer.status != 200 {
            break answer;
        }
        answered += 1;
        assert!(
            answered <= LIMIT_PER_MINUTE,
            "reads without an address are not limited"
        );
    };
    assert_eq!(refused.status, 429, "{}", refused.body);
    assert_eq!(refused.error_code(), "too_many_requests");
    assert!(refused.header("retry-after").is_some());
    // An address of its own still reads.
    assert_eq!(
        ask(stack, &format!("type=office&from={day}&to={day}")).status,
        200
    );
}
