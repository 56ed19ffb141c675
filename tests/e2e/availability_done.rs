//! Issue 15's "done when", end to end: the built worker on the `availability` stack
//! (`availability.rs`: `office` Mon–Fri 09:00–12:00 London on three hosts, `solo` on one, 30-minute
//! slots, 10 minutes kept free after every meeting, 2 hours' notice, one closed date, one
//! meeting at a time per host), against the Zoom emulator, on the real clock.
//!
//! Dates: these scenarios book on the working days from 14 days ahead ([`workday`]), after the
//! closed date and the days the slot picker books (from tomorrow on), before the weeks
//! `availability_api` reads and books in (from 28 days ahead); each scenario has days of its own.

use crate::availability::{
    ask, closed_date, options, FAR_HORIZON_DAYS, HOSTS, LONG_NOTICE_MINUTES, SOLO_HOST,
};
use chrono::{
    DateTime, Datelike, Duration, NaiveDate, NaiveTime, Offset, TimeZone, Timelike, Utc, Weekday,
};
use chrono_tz::{America::New_York, Europe::London};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::sync::OnceLock;
use testbed::{Answer, Stack, StackOptions};

fn iso(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// The `n`th working day (Mon–Fri; 0 is the first) from 14 days ahead of the day the first
/// scenario asked (so a run across midnight keeps each scenario's days).
fn workday(n: usize) -> NaiveDate {
    static FIRST: OnceLock<NaiveDate> = OnceLock::new();
    let mut date = *FIRST.get_or_init(|| Utc::now().date_naive() + Duration::days(14));
    let mut left = n;
    loop {
        if !is_weekend(date) {
            if left == 0 {
                return date;
            }
            left -= 1;
        }
        date += Duration::days(1);
    }
}

/// The first date from `date` on that falls on `weekday`.
fn next(weekday: Weekday, mut date: NaiveDate) -> NaiveDate {
    while date.weekday() != weekday {
        date += Duration::days(1);
    }
    date
}

/// `hour:minute` on `date` in London, as an instant.
fn london(date: NaiveDate, hour: u32, minute: u32) -> DateTime<Utc> {
    let time = NaiveTime::from_hms_opt(hour, minute, 0).unwrap();
    London
        .from_local_datetime(&date.and_time(time))
        .single()
        .expect("an hour London has once")
        .with_timezone(&Utc)
}

/// `t` on London's clock, for messages.
fn clock(t: DateTime<Utc>) -> String {
    t.with_timezone(&London)
        .format("%a %d %b %H:%M")
        .to_string()
}

fn clocks(ts: &[DateTime<Utc>]) -> Vec<String> {
    ts.iter().map(|t| clock(*t)).collect()
}

/// The starts of the hours on `date`: 09:00 to 11:30 London, 30 minutes apart.
fn hours_of(date: NaiveDate) -> Vec<DateTime<Utc>> {
    (0..6)
        .map(|k| london(date, 9, 0) + Duration::minutes(30 * k))
        .collect()
}

/// Some of the hours' starts of `date`, by their London clock ("09:30").
fn at(date: NaiveDate, times: &[&str]) -> Vec<DateTime<Utc>> {
    times
        .iter()
        .map(|t| {
            let t = NaiveTime::parse_from_str(t, "%H:%M").unwrap();
            london(date, t.hour(), t.minute())
        })
        .collect()
}

/// The slots `slug` lists on `date` (asked in London), as instants.
fn listed(stack: &Stack, slug: &str, date: NaiveDate) -> Vec<DateTime<Utc>> {
    let day = iso(date);
    let answer = ask(
        stack,
        &format!("type={slug}&from={day}&to={day}&timezone=Europe/London"),
    );
    assert_eq!(answer.status, 200, "{}", answer.body);
    let body = answer.json();
    assert_eq!(body["days"][0]["date"], day.as_str(), "{body}");
    body["days"][0]["slots"]
        .as_array()
        .unwrap_or_else(|| panic!("no slots: {body}"))
        .iter()
        .map(|s| {
            DateTime::parse_from_rfc3339(s.as_str().unwrap())
                .unwrap()
                .with_timezone(&Utc)
        })
        .collect()
}

fn assert_listed(stack: &Stack, slug: &str, date: NaiveDate, expected: &[DateTime<Utc>]) {
    let got = listed(stack, slug, date);
    assert_eq!(clocks(&got), clocks(expected), "{slug} on {date}");
}

/// A JSON booking of `slug` at `start`, from an address no other booking used.
fn book(stack: &Stack, slug: &str, start: DateTime<Utc>) -> Answer {
    stack.book_json(&json!({
        "name": "Ada", "email": testbed::unique_email(slug),
        "start_time": start.to_rfc3339(), "type": slug,
    }))
}

/// A plain form booking of `slug` at `local` ("YYYY-MM-DDTHH:MM") read in London.
fn book_form(stack: &Stack, slug: &str, local: &str) -> Answer {
    let email = testbed::unique_email(slug).replace('@', "%40");
    let body = format!(
        "name=Ada&email={email}&start_time={}&timezone=Europe%2FLondon&type={slug}&duration=30",
        local.replace(':', "%3A")
    );
    stack.request(
        "POST",
        "/v1/bookings",
        Some("application/x-www-form-urlencoded"),
        body.as_bytes(),
    )
}

fn assert_outside(answer: &Answer, what: &str) {
    assert_eq!(answer.status, 422, "{what}: {}", answer.body);
    assert_eq!(answer.error_code(), "outside_availability", "{what}");
    assert_eq!(answer.json()["error"]["field"], "start_time", "{what}");
}

fn assert_taken(answer: &Answer, what: &str) {
    assert_eq!(answer.status, 409, "{what}: {}", answer.body);
    assert_eq!(answer.error_code(), "slot_unavailable", "{what}");
}

fn assert_booked(answer: &Answer, what: &str) -> Value {
    assert_eq!(answer.status, 201, "{what}: {}", answer.body);
    answer.json()
}

/// The hosts of the Create Meeting requests the emulator received since the reset.
fn create_users(stack: &Stack) -> Vec<String> {
    stack
        .create_requests()
        .iter()
        .map(|r| r["user"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// `office` (three hosts) answers its hours exactly: over the 14 days from the first of
/// [`workday`]'s days (no scenario has booked there yet; the closed date is before them), every date in order, each working day
/// 09:00 to 11:30 London 30 minutes apart (the last ending at 12:00) with London's offset of
/// that day as `±hh:mm`, each weekend day empty. Then the first slot of a day, booked once per
/// host: listed until the third host is taken; then it is gone with 09:30, whose meeting would
/// end inside the 10 minutes kept after 09:30; 10:00 is the first slot and both are `409`.
pub fn office_lists_the_london_hours_and_its_first_slot_goes_with_the_one_its_buffer_blocks(
    stack: &Stack,
) {
    let from = workday(0);
    let to = from + Duration::days(13);
    let answer = ask(
        stack,
        &format!(
            "type=office&from={}&to={}&timezone=Europe/London",
            iso(from),
            iso(to)
        ),
    );
    assert_eq!(answer.status, 200, "{}", answer.body);
    let body = answer.json();
    let days = body["days"].as_array().unwrap();
    assert_eq!(days.len(), 14, "{body}");
    for (i, day) in days.iter().enumerate() {
        let date = from + Duration::days(i as i64);
        assert_eq!(day["date"], iso(date), "{body}");
        // The wire form London's clock gives each start: `2026-12-14T09:00:00+00:00`, and
        // `+01:00` in summer; never `Z`.
        let expected: Vec<String> = if is_weekend(date) {
            Vec::new()
        } else {
            hours_of(date)
                .iter()
                .map(|t| {
                    t.with_timezone(&London)
                        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
                })
                .collect()
        };
        assert_eq!(day["slots"], json!(expected), "{date}");
    }

    let day = workday(6);
    let (nine, half_past) = (london(day, 9, 0), london(day, 9, 30));
    assert_listed(stack, "office", day, &hours_of(day));
    for n in 1..=3 {
        assert_booked(&book(stack, "office", nine), &format!("09:00, host {n}"));
        let left = if n < 3 {
            hours_of(day)
        } else {
            at(day, &["10:00", "10:30", "11:00", "11:30"])
        };
        assert_listed(stack, "office", day, &left);
    }
    let users: BTreeSet<String> = create_users(stack).into_iter().collect();
    assert_eq!(users.len(), 3, "one meeting on each host: {users:?}");
    assert_taken(&book(stack, "office", nine), "09:00, a fourth time");
    assert_taken(&book(stack, "office", half_past), "09:30, in the buffer");
    assert_eq!(create_users(stack).len(), 3);
}

/// A Saturday, a start off the 30-minute grid, starts before 09:00 or too late to end by
/// 12:00, one beyond the 60-day horizon and one inside a type's notice: each `422
/// outside_availability` at `start_time`, as JSON and as a plain form, and Zoom hears of none.
pub fn a_saturday_an_off_grid_start_and_a_late_start_are_422_outside_availability_and_reach_nothing(
    stack: &Stack,
) {
    let day = workday(0);
    let saturday = next(Weekday::Sat, Utc::now().date_naive() + Duration::days(14));
    let beyond = next(Weekday::Mon, Utc::now().date_naive() + Duration::days(61));
    let cases = [
        ("a Saturday", saturday, 10, 0),
        ("off the grid", day, 9, 15),
        ("before the hours", day, 8, 30),
        ("ending after 12:00", day, 11, 45),
        ("at 12:00", day, 12, 0),
        ("beyond the 60-day horizon", beyond, 10, 0),
    ];
    for (what, date, hour, minute) in cases {
        let start = london(date, hour, minute);
        for slug in ["office", "solo"] {
            assert_outside(&book(stack, slug, start), &format!("{slug}, {what} (JSON)"));
        }
        let local = format!("{}T{hour:02}:{minute:02}", iso(date));
        assert_outside(
            &book_form(stack, "office", &local),
            &format!("office, {what} (form)"),
        );
    }
    // The hours of `day` do take bookings: those refusals were the rules', not a closed day's.
    assert_listed(stack, "office", day, &hours_of(day));

    // `notice` wants four days' notice: every start of the next working day is inside it, so
    // that day lists nothing and refuses each of its hours' starts.
    let near = (1..)
        .map(|d| Utc::now().date_naive() + Duration::days(d))
        .find(|d| !is_weekend(*d))
        .unwrap();
    assert_listed(stack, "notice", near, &[]);
    for start in hours_of(near) {
        let answer = book(stack, "notice", start);
        assert_outside(&answer, &format!("notice at {}", clock(start)));
        let message = answer.json()["error"]["message"].to_string();
        assert!(
            message.contains(&LONG_NOTICE_MINUTES.to_string()),
            "{message}"
        );
    }
    // Its first listed start is the first of the hours past the notice.
    let from = Utc::now().date_naive();
    let answer = ask(
        stack,
        &format!(
            "type=notice&from={}&to={}&timezone=Europe/London",
            iso(from),
            iso(from + Duration::days(9))
        ),
    );
    assert_eq!(answer.status, 200, "{}", answer.body);
    let first = answer.json()["days"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| d["slots"].as_array().unwrap().clone())
        .next()
        .expect("a slot within ten days");
    let first = DateTime::parse_from_rfc3339(first.as_str().unwrap()).unwrap();
    let earliest = Utc::now() + Duration::minutes(LONG_NOTICE_MINUTES);
    assert!(first >= earliest, "{first} is inside the notice");
    assert!(
        first - Duration::days(3) < earliest,
        "{first}: nothing earlier?"
    );

    assert!(create_users(stack).is_empty(), "Zoom was asked to create");
    assert!(stack.meetings().is_empty());
}

/// The `dates` override closes [`closed_date`] for both types that carry it: nothing listed,
/// every booking `422 outside_availability`; the same weekday a week later and a type without
/// the override list the full hours.
pub fn the_closed_date_lists_no_slots_and_refuses_bookings(stack: &Stack) {
    let closed = closed_date();
    for slug in ["office", "solo"] {
        assert_listed(stack, slug, closed, &[]);
        assert_listed(
            stack,
            slug,
            closed + Duration::days(7),
            &hours_of(closed + Duration::days(7)),
        );
        for start in hours_of(closed) {
            assert_outside(
                &book(stack, slug, start),
                &format!("{slug} at {}", clock(start)),
            );
        }
    }
    assert_outside(
        &book_form(stack, "office", &format!("{}T09:00", iso(closed))),
        "office by form",
    );
    // `far` has the same weekly hours without the override.
    assert_listed(stack, "far", closed, &hours_of(closed));
    assert!(create_users(stack).is_empty(), "Zoom was asked to create");
}

/// The last Sunday of October of `year`: the night London leaves summer time.
fn end_of_london_summer(year: i32) -> NaiveDate {
    let mut date = NaiveDate::from_ymd_opt(year, 10, 31).unwrap();
    while date.weekday() != Weekday::Sun {
        date -= Duration::days(1);
    }
    date
}

/// `far` (the same London hours, a year ahead) asked in New York around the next end of
/// London's summer time: the week before it, 09:00 London is 04:00 in New York (both on summer
/// time); the week after it, before New York's own change a week later, it is 05:00.
pub fn london_mornings_asked_from_new_york_move_an_hour_when_london_leaves_summer_time(
    stack: &Stack,
) {
    let today = Utc::now().date_naive();
    // Days whose every slot is past now and inside the horizon, whatever the hour.
    let askable = |d: NaiveDate| {
        d >= today + Duration::days(2) && d <= today + Duration::days(FAR_HORIZON_DAYS - 2)
    };
    let offset = |zone: chrono_tz::Tz, d: NaiveDate| {
        zone.from_utc_datetime(&d.and_hms_opt(12, 0, 0).unwrap())
            .offset()
            .fix()
            .local_minus_utc()
    };
    let (mut before, mut after) = (0, 0);
    for year in [today.year(), today.year() + 1] {
        let sunday = end_of_london_summer(year);
        let (from, to) = (sunday - Duration::days(6), sunday + Duration::days(5));
        if !(askable(from) || askable(to) || askable(sunday)) {
            continue;
        }
        // What the test reads from the tables: London changes that night, New York a week on.
        assert_eq!(offset(London, sunday - Duration::days(1)), 3600);
        assert_eq!(offset(London, sunday + Duration::days(1)), 0);
        assert_eq!(offset(New_York, to), -4 * 3600);
        let answer = ask(
            stack,
            &format!(
                "type=far&from={}&to={}&timezone=America/New_York",
                iso(from),
                iso(to)
            ),
        );
        assert_eq!(answer.status, 200, "{}", answer.body);
        let body = answer.json();
        let days = body["days"].as_array().unwrap();
        assert_eq!(days.len(), 12, "{body}");
        for (i, day) in days.iter().enumerate() {
            let date = from + Duration::days(i as i64);
            assert_eq!(day["date"], iso(date));
            if is_weekend(date) || !askable(date) {
                continue;
            }
            let hour = if date < sunday {
                before += 1;
                "04"
            } else {
                after += 1;
                "05"
            };
            let slots: Vec<&str> = day["slots"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_str().unwrap())
                .collect();
            let d = iso(date);
            let first = format!("{d}T{hour}:00:00-04:00");
            let last = format!("{d}T{:02}:30:00-04:00", hour.parse::<u32>().unwrap() + 2);
            assert_eq!(slots.len(), 6, "{d}: {slots:?}");
            assert_eq!((slots[0], slots[5]), (first.as_str(), last.as_str()), "{d}");
        }
    }
    println!("checked {before} days before and {after} days after the change");
    // The week after is always within a year; the week before is not when today falls in it
    // (the native test pins 2026-10-19…30 with a fixed clock).
    assert!(after > 0, "no day after the change was checked");
    if before == 0 {
        println!("today leaves no working day of the week before the change to ask about");
    }
}

/// A meeting made directly at Zoom on `solo`'s host, once the Cron sync has read it, takes the
/// slots it overlaps with the 10 minutes kept after each meeting: 10:35–10:55 takes 10:00
/// (whose own 10 minutes reach 10:40), 10:30, and 11:00 (inside 10:55 + 10 minutes).
pub fn a_meeting_made_at_zoom_removes_its_slots_after_the_cron_sync(stack: &Stack) {
    let day = workday(1);
    assert_listed(stack, "solo", day, &hours_of(day));
    stack.meeting_made_elsewhere(SOLO_HOST, london(day, 10, 35), 20);
    // Not heard of yet: no webhook, no sync.
    assert_listed(stack, "solo", day, &hours_of(day));
    stack.run_scheduled();
    let free = at(day, &["09:00", "09:30", "11:30"]);
    assert_listed(stack, "solo", day, &free);
    // The other hosts are free: the pool's answer keeps every slot.
    assert_listed(stack, "office", day, &hours_of(day));
    // The booking path agrees with the answer.
    for start in at(day, &["10:00", "10:30", "11:00"]) {
        assert_taken(&book(stack, "solo", start), &clock(start));
    }
    assert_booked(&book(stack, "solo", free[2]), "11:30");
}

/// `solo` (one host of three) fills where `office` (all three) does not: one booking at 10:00
/// on `solo` takes it (and the slots its buffer touches) from `solo` only; two more on
/// `office` use the other hosts, and then `office` has none left there either.
pub fn a_type_on_one_host_fills_where_the_pool_does_not(stack: &Stack) {
    let day = workday(2);
    let ten = london(day, 10, 0);
    let untouched = at(day, &["09:00", "11:00", "11:30"]);
    assert_listed(stack, "solo", day, &hours_of(day));
    assert_booked(&book(stack, "solo", ten), "solo at 10:00");
    assert_eq!(create_users(stack), [SOLO_HOST]);
    assert_listed(stack, "solo", day, &untouched);
    assert_listed(stack, "office", day, &hours_of(day));
    assert_booked(&book(stack, "office", ten), "office at 10:00, second host");
    assert_listed(stack, "office", day, &hours_of(day));
    assert_booked(&book(stack, "office", ten), "office at 10:00, third host");
    let users: BTreeSet<String> = create_users(stack).into_iter().collect();
    let hosts: BTreeSet<String> = HOSTS.iter().map(|h| h.to_string()).collect();
    assert_eq!(users, hosts, "one meeting on each host");
    assert_listed(stack, "office", day, &untouched);
    assert_taken(&book(stack, "office", ten), "office at 10:00, no host left");
    assert_eq!(create_users(stack).len(), 3);
}

/// A reschedule gets the booking's availability check: off the grid, on a Saturday or past the
/// hours it is `422 outside_availability` and the meeting stays; to a listed slot it is `200`,
/// and the answer follows the move.
pub fn a_reschedule_outside_the_hours_is_422_and_to_a_listed_slot_is_200(stack: &Stack) {
    let day = workday(3);
    let nine = london(day, 9, 0);
    let booked = assert_booked(&book(stack, "solo", nine), "solo at 09:00");
    let id = booked["booking_id"].as_str().unwrap();
    let token = booked["manage_token"].as_str().unwrap();
    let meeting_id = booked["meeting"]["id"].clone();
    assert_listed(
        stack,
        "solo",
        day,
        &at(day, &["10:00", "10:30", "11:00", "11:30"]),
    );
    let zoom_start = || {
        let meeting = stack
            .meetings()
            .into_iter()
            .find(|m| m["id"] == meeting_id)
            .expect("the meeting at Zoom");
        DateTime::parse_from_rfc3339(meeting["start_time"].as_str().unwrap())
            .unwrap()
            .with_timezone(&Utc)
    };
    let saturday = next(Weekday::Sat, day);
    for (what, start) in [
        ("off the grid", london(day, 9, 45)),
        ("at 12:00", london(day, 12, 0)),
        ("on a Saturday", london(saturday, 10, 0)),
    ] {
        let answer = stack.manage(
            "PATCH",
            id,
            "",
            Some(token),
            Some(&json!({"start_time": start.to_rfc3339()})),
        );
        assert_outside(&answer, what);
        assert_eq!(zoom_start(), nine, "{what}: the meeting stays");
    }
    let eleven = london(day, 11, 0);
    let moved = stack.manage(
        "PATCH",
        id,
        "",
        Some(token),
        Some(&json!({"start_time": eleven.to_rfc3339()})),
    );
    assert_eq!(moved.status, 200, "{}", moved.body);
    assert_eq!(zoom_start(), eleven);
    // 09:00 is free again; 11:00 is taken, with 10:30 (its 10 minutes reach 11:00) and 11:30
    // (inside 11:30 + 10 minutes).
    assert_listed(stack, "solo", day, &at(day, &["09:00", "09:30", "10:00"]));
}

/// The seed of the property scenario when `AVAILABILITY_E2E_SEED` does not give one: a fixed
/// calendar, so a failure in CI repeats; another seed explores another.
const DEFAULT_SEED: u64 = 15;

/// The seed of the property scenario: `AVAILABILITY_E2E_SEED`, else [`DEFAULT_SEED`].
fn seed() -> u64 {
    match std::env::var("AVAILABILITY_E2E_SEED") {
        Err(_) => DEFAULT_SEED,
        Ok(text) => text
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("AVAILABILITY_E2E_SEED={text:?} is not a u64")),
    }
}

/// SplitMix64: enough randomness for a test, repeatable from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }
}

/// For a random calendar on `day` (meetings made at Zoom on `hosts`, read by the Cron sync,
/// and bookings on random listed slots), every grid point from 08:00 to 12:30 London, each
/// tried once more than there are hosts, in random order: listed just before ⇒ `201`; outside
/// the hours ⇒ `422 outside_availability`; otherwise `409 slot_unavailable`. In the end every
/// slot is taken and nothing is listed.
fn walk(stack: &Stack, rng: &mut Rng, slug: &str, day: NaiveDate, hosts: &[&str]) {
    let mut trace = Vec::new();
    // At most as many meetings as hosts (on hosts drawn at random), 10 to 40 minutes long:
    // each takes at most three of its host's six slots.
    let made = 1 + rng.below(hosts.len());
    for _ in 0..made {
        let host = hosts[rng.below(hosts.len())];
        let start = london(day, 8, 0) + Duration::minutes(5 * rng.below(49) as i64);
        let minutes = 10 + 5 * rng.below(7) as u32;
        stack.meeting_made_elsewhere(host, start, minutes);
        trace.push(format!(
            "made at Zoom: {host} {} for {minutes} min",
            clock(start)
        ));
    }
    stack.run_scheduled();
    let mut booked = 0;
    for _ in 0..rng.below(hosts.len() + 1) {
        let free = listed(stack, slug, day);
        let Some(start) = free.get(rng.below(free.len().max(1))).copied() else {
            break;
        };
        assert_booked(
            &book(stack, slug, start),
            &format!("{trace:#?}\nbooking {}", clock(start)),
        );
        trace.push(format!("booked {}", clock(start)));
        booked += 1;
    }
    let hours = hours_of(day);
    let mut attempts: Vec<DateTime<Utc>> = (0..10)
        .map(|k| london(day, 8, 0) + Duration::minutes(30 * k))
        .flat_map(|start| std::iter::repeat_n(start, hosts.len() + 1))
        .collect();
    rng.shuffle(&mut attempts);
    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
    for start in attempts {
        let offered = listed(stack, slug, day).contains(&start);
        let answer = book(stack, slug, start);
        let what = format!("{trace:#?}\n{slug} at {} (listed: {offered})", clock(start));
        if offered {
            assert_booked(&answer, &what);
        } else if hours.contains(&start) {
            assert_taken(&answer, &what);
        } else {
            assert_outside(&answer, &what);
        }
        trace.push(format!(
            "{} listed {offered}: {}",
            clock(start),
            answer.status
        ));
        *statuses.entry(answer.status).or_default() += 1;
    }
    println!("{slug} on {day}: {made} made at Zoom, {booked} booked first; attempts by status {statuses:?}");
    assert_listed(stack, slug, day, &[]);
    // No meeting made at Zoom (at most 40 minutes, and the 10 after) takes more than three
    // of a host's six slots, so something always books: a walk that booked nothing (an answer
    // listing nothing and a worker refusing everything) proved nothing.
    let created = booked + statuses.get(&201).copied().unwrap_or_default();
    assert!(created > 0, "{trace:#?}\nnothing booked on {day}");
}

/// The "never lies" property through the real worker: random calendars on `solo` and on
/// `office`, every grid point of the day tried against the answer read just before.
pub fn every_listed_slot_books_and_no_unlisted_grid_point_does(stack: &Stack) {
    let seed = seed();
    println!("seed {seed} (AVAILABILITY_E2E_SEED={seed} repeats this calendar)");
    let mut rng = Rng(seed);
    walk(stack, &mut rng, "solo", workday(4), &[SOLO_HOST]);
    walk(stack, &mut rng, "office", workday(5), &HOSTS);
}

/// The `availability-concurrent` stack: the `availability` stack with two meetings at once per
/// host.
pub fn two_at_once() -> StackOptions {
    options().var("ZOOM_HOST_MAX_CONCURRENT", "2")
}

/// With `ZOOM_HOST_MAX_CONCURRENT=2`, `solo`'s one host takes a second meeting at 10:00: the
/// slot (and those its buffer touches) stays listed after the first booking and goes after the
/// second.
pub fn with_two_meetings_at_once_a_slot_stays_listed_until_its_host_has_two(stack: &Stack) {
    let day = workday(2);
    let ten = london(day, 10, 0);
    assert_listed(stack, "solo", day, &hours_of(day));
    assert_booked(&book(stack, "solo", ten), "first at 10:00");
    assert_listed(stack, "solo", day, &hours_of(day));
    assert_booked(&book(stack, "solo", ten), "second at 10:00");
    let left = at(day, &["09:00", "11:00", "11:30"]);
    assert_listed(stack, "solo", day, &left);
    assert_taken(&book(stack, "solo", ten), "third at 10:00");
    assert_taken(&book(stack, "solo", london(day, 10, 30)), "10:30");
    // 11:00 overlaps neither 10:00 meeting nor its buffer: one of two, still listed after it.
    assert_booked(&book(stack, "solo", left[1]), "11:00");
    assert_listed(stack, "solo", day, &left);
    assert_eq!(create_users(stack), [SOLO_HOST; 3]);
}
