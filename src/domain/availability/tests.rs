use super::query::{self, Question};
use super::*;
use crate::domain::event_types::EventTypes;
use crate::domain::time_zone::CompiledZones;
use chrono::{Duration, TimeZone};
use serde_json::{json, Value};

mod oracle;

fn types(availability: Value) -> EventTypes {
    let doc = json!([{
        "slug": "office", "title": "Office hours", "durations": [30, 60],
        "default_duration": 30, "availability": availability,
    }, {
        "slug": "anytime", "title": "Any time", "durations": [30, 45], "default_duration": 30,
    }]);
    EventTypes::parse(&doc.to_string(), "BOOKING_TYPES", &[]).unwrap()
}

fn london_mornings() -> Value {
    json!({
        "timezone": "Europe/London",
        "weekly": {"mon": ["09:00-12:00"], "tue": ["09:00-12:00"], "wed": ["09:00-12:00"],
                   "thu": ["09:00-12:00"], "fri": ["09:00-12:00"]},
        "horizon_days": 366,
    })
}

fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
}

fn ask<'t>(types: &'t EventTypes, query_string: &str) -> Question<'t> {
    query::parse(query_string, types, &CompiledZones, &Zone::utc()).unwrap()
}

/// The answer to `query_string` at `now` with every host free.
fn answer(types: &EventTypes, query_string: &str, now: DateTime<Utc>) -> Value {
    let q = ask(types, query_string);
    let offer = q.offer(&CompiledZones, now);
    let (from, to) = q.window(&CompiledZones);
    q.answer(
        &CompiledZones,
        (from, to),
        &offer.candidates(from, to, &q.timezone),
    )
}

fn first_slots(answer: &Value) -> Vec<(String, String)> {
    answer["days"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| {
            let first = d["slots"].get(0)?.as_str()?.to_owned();
            Some((d["date"].as_str().unwrap().to_owned(), first))
        })
        .collect()
}

#[test]
fn london_mornings_asked_from_new_york_follow_both_daylight_saving_changes() {
    // The issue's pin: Europe/London leaves summer time on 25 October 2026, New York a week
    // later, so the first slot moves an hour in New York's clock between the two.
    let types = types(london_mornings());
    let got = answer(
        &types,
        "type=office&from=2026-10-19&to=2026-10-30&timezone=America/New_York",
        utc(2026, 10, 1, 0, 0),
    );
    let expected: Vec<(String, String)> = [
        ("2026-10-19", "04"),
        ("2026-10-20", "04"),
        ("2026-10-21", "04"),
        ("2026-10-22", "04"),
        ("2026-10-23", "04"),
        ("2026-10-26", "05"),
        ("2026-10-27", "05"),
        ("2026-10-28", "05"),
        ("2026-10-29", "05"),
        ("2026-10-30", "05"),
    ]
    .iter()
    .map(|(d, h)| (d.to_string(), format!("{d}T{h}:00:00-04:00")))
    .collect();
    assert_eq!(first_slots(&got), expected);
    assert_eq!(
        got["days"].as_array().unwrap().len(),
        12,
        "every date is listed"
    );
    assert_eq!(got["days"][5]["slots"], json!([]), "Saturday is closed");
    assert_eq!(got["timezone"], "America/New_York");
    assert_eq!(got["duration"], 30);
}

#[test]
fn a_mornings_slots_are_the_grid_that_ends_within_its_hours() {
    let types = types(london_mornings());
    let monday = "type=office&from=2030-01-07&to=2030-01-07";
    let now = utc(2030, 1, 1, 0, 0);
    let halves = answer(&types, monday, now);
    assert_eq!(
        halves["timezone"], "Europe/London",
        "the type's zone by default"
    );
    assert_eq!(
        halves["days"][0]["slots"],
        json!([
            "2030-01-07T09:00:00+00:00",
            "2030-01-07T09:30:00+00:00",
            "2030-01-07T10:00:00+00:00",
            "2030-01-07T10:30:00+00:00",
            "2030-01-07T11:00:00+00:00",
            "2030-01-07T11:30:00+00:00"
        ])
    );
    let hours = answer(&types, &format!("{monday}&duration=60"), now);
    assert_eq!(hours["days"][0]["slots"].as_array().unwrap().len(), 5);
    assert_eq!(hours["days"][0]["slots"][4], "2030-01-07T11:00:00+00:00");
}

#[test]
fn the_booking_check_refuses_what_the_answer_does_not_list() {
    let types = types(json!({
        "timezone": "Europe/London", "weekly": {"mon": ["09:00-12:00"]},
        "min_notice_minutes": 120, "horizon_days": 10, "slot_step_minutes": 30,
    }));
    let office = types.get("office").unwrap();
    let now = utc(2030, 1, 7, 8, 0);
    let check = |start, duration| {
        check_start(
            office,
            duration,
            start,
            &CompiledZones,
            &Zone::utc(),
            now,
            false,
        )
        .map_err(|e| (e.kind.code(), e.field.to_string()))
    };
    assert_eq!(check(utc(2030, 1, 7, 10, 0), 30), Ok(()));
    let outside = Err(("outside_availability", "start_time".to_owned()));
    // Within the two hours' notice.
    assert_eq!(check(utc(2030, 1, 7, 9, 30), 30), outside);
    // Off the grid, ending after noon, on a closed day, and past the horizon.
    assert_eq!(check(utc(2030, 1, 7, 10, 10), 30), outside);
    assert_eq!(check(utc(2030, 1, 7, 11, 30), 60), outside);
    assert_eq!(check(utc(2030, 1, 8, 10, 0), 30), outside);
    assert_eq!(check(utc(2030, 1, 21, 10, 0), 30), outside);
    // A type without hours takes any start, as before.
    let anytime = types.get("anytime").unwrap();
    let any = check_start(
        anytime,
        30,
        utc(2030, 1, 8, 3, 7),
        &CompiledZones,
        &Zone::utc(),
        now,
        false,
    );
    assert_eq!(any.map_err(|e| e.kind), Ok(()));
}

#[test]
fn a_date_override_closes_a_day_or_replaces_its_hours() {
    let mut hours = london_mornings();
    hours["dates"] = json!({"2030-01-07": [], "2030-01-12": ["14:00-15:00"]});
    let types = types(hours);
    let week = answer(
        &types,
        "type=office&from=2030-01-07&to=2030-01-13",
        utc(2030, 1, 1, 0, 0),
    );
    let counts: Vec<usize> = week["days"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["slots"].as_array().unwrap().len())
        .collect();
    assert_eq!(counts, vec![0, 6, 6, 6, 6, 2, 0]);
}

#[test]
fn a_skipped_local_time_never_appears_and_a_repeated_one_appears_once_per_instant() {
    let types = types(london_mornings());
    let spring = answer(
        &types,
        "type=anytime&from=2030-03-31&to=2030-03-31&timezone=Europe/London",
        utc(2030, 1, 1, 0, 0),
    );
    let slots = spring["days"][0]["slots"].as_array().unwrap();
    assert_eq!(slots.len(), 46, "01:00 and 01:30 do not exist");
    assert_eq!(slots[2], "2030-03-31T02:00:00+01:00");
    let autumn = answer(
        &types,
        "type=anytime&from=2030-10-27&to=2030-10-27&timezone=Europe/London",
        utc(2030, 1, 1, 0, 0),
    );
    let slots = autumn["days"][0]["slots"].as_array().unwrap();
    assert_eq!(slots.len(), 50);
    assert_eq!(
        slots[2..6],
        [
            json!("2030-10-27T01:00:00+01:00"),
            json!("2030-10-27T01:30:00+01:00"),
            json!("2030-10-27T01:00:00+00:00"),
            json!("2030-10-27T01:30:00+00:00")
        ]
    );
}

#[test]
fn buffers_keep_room_on_both_sides_of_every_meeting() {
    let at = |h, m| utc(2030, 1, 7, h, m);
    let meeting = Span::of(at(10, 0), 30);
    let after_10 = Buffers::of_minutes(0, 10);
    // A meeting ending 10:00 would leave no room after itself before the one at 10:00.
    assert!(conflicts(Span::of(at(9, 30), 30), after_10, &meeting));
    // Starting at 10:30 leaves no room after the existing meeting.
    assert!(conflicts(Span::of(at(10, 30), 30), after_10, &meeting));
    assert!(!conflicts(Span::of(at(10, 40), 30), after_10, &meeting));
    assert!(!conflicts(Span::of(at(9, 20), 30), after_10, &meeting));
    assert!(!conflicts(
        Span::of(at(9, 30), 30),
        Buffers::default(),
        &meeting
    ));
    let hosts = [
        HostCalendar {
            used_today: 0,
            meetings: vec![meeting],
        },
        HostCalendar {
            used_today: 100,
            meetings: vec![],
        },
    ];
    // The second host is free but has no allowance left today.
    assert!(!free_with(
        &hosts,
        after_10,
        100,
        1,
        Span::of(at(10, 30), 30)
    ));
    assert!(free_with(
        &hosts,
        after_10,
        100,
        1,
        Span::of(at(10, 40), 30)
    ));
    assert!(free_with(
        &hosts,
        after_10,
        100,
        2,
        Span::of(at(10, 30), 30)
    ));
}

#[test]
fn questions_are_checked_field_by_field() {
    let types = types(london_mornings());
    let refused = |q: &str| match query::parse(q, &types, &CompiledZones, &Zone::utc()) {
        Err(crate::domain::api_error::ApiError::InvalidField(e)) => {
            (e.field.to_string(), e.kind.code())
        }
        other => panic!("{q}: {other:?}"),
    };
    let ok = "from=2030-01-07&to=2030-01-08";
    assert_eq!(
        refused(&format!("{ok}&type=nope")),
        ("type".into(), "unknown_type")
    );
    assert_eq!(
        refused(&format!("{ok}&timezone=Mars/Base")),
        ("timezone".into(), "unknown_timezone")
    );
    assert_eq!(
        refused(&format!("{ok}&duration=45")),
        ("duration".into(), "invalid_duration")
    );
    assert_eq!(
        refused("from=2030-02-30&to=2030-03-01"),
        ("from".into(), "invalid_field")
    );
    assert_eq!(
        refused("from=2030-01-08&to=2030-01-07"),
        ("to".into(), "invalid_field")
    );
    assert_eq!(refused("to=2030-01-07"), ("from".into(), "missing_field"));
    assert_eq!(
        refused("from=2030-01-01&to=2030-03-04"),
        ("to".into(), "range_too_long")
    );
    let longest = ask(&types, "from=2030-01-01&to=2030-03-03");
    assert_eq!((longest.to - longest.from).num_days(), 61);
    assert_eq!(
        longest.event_type.slug(),
        "office",
        "the first type by default"
    );
}

#[test]
fn starts_travel_as_runs_and_come_back_whole() {
    let base = utc(2030, 1, 7, 9, 0);
    let starts: Vec<DateTime<Utc>> = [0, 30, 60, 90, 200, 260, 1000]
        .iter()
        .map(|m| base + Duration::minutes(*m))
        .collect();
    let runs = Starts::of(&starts);
    let expanded = runs.expand().unwrap();
    assert_eq!(
        expanded,
        starts
            .iter()
            .map(|s| s.timestamp_millis())
            .collect::<Vec<_>>()
    );
    let mask = FreeMask::of([true, false, true, true, false, false, true]);
    assert_eq!(mask.free(&starts).len(), 4);
    let flood: Starts = serde_json::from_value(json!([[0, 1, u32::MAX]])).unwrap();
    assert_eq!(
        flood.expand(),
        None,
        "no coordinator expands unbounded work"
    );
}

#[test]
fn hours_are_read_with_path_named_problems() {
    let doc = json!([{
        "slug": "a", "title": "A", "availability": {
            "timezone": "+01:00",
            "weekly": {"mon": ["09:00-08:00", "25:00-26:00"], "tue": ["09:00-12:00", "11:00-13:00"],
                       "funday": []},
            "dates": {"2030-02-30": []},
            "horizon_days": 400, "buffer_after_minutes": -5, "slot_step_minutes": 2,
        }
    }]);
    let problems = EventTypes::parse(&doc.to_string(), "BOOKING_TYPES", &[]).unwrap_err();
    let paths: Vec<&str> = problems
        .iter()
        .map(|p| p.split(':').next().unwrap())
        .collect();
    assert_eq!(
        paths,
        vec![
            "BOOKING_TYPES[0].availability.timezone",
            "BOOKING_TYPES[0].availability.weekly.funday",
            "BOOKING_TYPES[0].availability.weekly.mon[0]",
            "BOOKING_TYPES[0].availability.weekly.mon[1]",
            "BOOKING_TYPES[0].availability.weekly.tue",
            "BOOKING_TYPES[0].availability.dates.2030-02-30",
            "BOOKING_TYPES[0].availability.horizon_days",
            "BOOKING_TYPES[0].availability.buffer_after_minutes",
            "BOOKING_TYPES[0].availability.slot_step_minutes",
        ],
        "{problems:#?}"
    );
    let mut unknown_zone = EventTypes::parse(
        r#"[{"slug": "a", "title": "A", "availability": {"timezone": "Mars/Base"}}]"#,
        "BOOKING_TYPES",
        &[],
    )
    .unwrap();
    assert_eq!(unknown_zone.check_zones(&CompiledZones).len(), 1);
}

/// A zone database that counts its lookups (in the worker, each is a call into `Intl`).
struct Counting(std::cell::Cell<u32>);

impl ZoneRules for Counting {
    fn zone(&self, name: &str) -> Option<Zone> {
        CompiledZones.zone(name)
    }

    fn offset_seconds(&self, zone: &Zone, instant: DateTime<Utc>) -> i32 {
        self.0.set(self.0.get() + 1);
        CompiledZones.offset_seconds(zone, instant)
    }
}

/// A question about the past or beyond the horizon is answered without walking its grid: it
/// never reaches the coordinator, so it is never counted toward the reader's limit, and must
/// cost next to nothing. Dates at the ends of the calendar are no trouble.
#[test]
fn a_question_no_start_of_which_can_be_admitted_walks_nothing() {
    let types = types(london_mornings());
    let now = utc(2030, 1, 1, 0, 0);
    for query_string in [
        "type=anytime&from=2029-10-01&to=2029-12-01&timezone=Europe/London",
        "type=anytime&from=9999-11-01&to=9999-12-31&timezone=Pacific/Kiritimati",
        "type=anytime&from=0000-01-01&to=0000-03-01&timezone=America/New_York",
        "type=office&from=2031-02-01&to=2031-03-01&timezone=Pacific/Pago_Pago",
        "type=office&from=1969-12-01&to=1970-01-31",
    ] {
        let q = ask(&types, query_string);
        let counting = Counting(std::cell::Cell::new(0));
        let offer = q.offer(&counting, now);
        let (from, to) = q.window(&CompiledZones);
        assert!(
            offer.candidates(from, to, &q.timezone).is_empty(),
            "{query_string}"
        );
        assert_eq!(counting.0.get(), 0, "{query_string}");
        let written = q.answer(&CompiledZones, (from, to), &[]);
        assert_eq!(
            written["days"].as_array().unwrap().len() as i64,
            (q.to - q.from).num_days() + 1
        );
    }
    // The horizon's own edge: a type without hours takes a start a year ahead to the minute.
    let q = ask(
        &types,
        "type=anytime&from=2031-01-01&to=2031-01-03&timezone=UTC",
    );
    let offer = q.offer(&CompiledZones, now);
    let (from, to) = q.window(&CompiledZones);
    let last = *offer.candidates(from, to, &q.timezone).last().unwrap();
    assert_eq!(last, now + Duration::days(366));
    assert_eq!(offer.admits(last), Ok(()));
}

/// The costliest question: 62 days of 5-minute starts of a type without hours in a zone that
/// changes its clocks, every start free. Measured natively in release mode, 62 days cost
/// some 10 ms to list and 20 to write; this bounds them loosely (debug builds, shared
/// machines) and pins the count the coordinator accepts.
#[test]
fn the_costliest_question_stays_within_the_coordinators_bound() {
    let doc = json!([{
        "slug": "quick", "title": "Quick", "durations": [5], "default_duration": 5,
    }]);
    let types = EventTypes::parse(&doc.to_string(), "BOOKING_TYPES", &[]).unwrap();
    for zone in ["Europe/London", "Australia/Lord_Howe", "America/Santiago"] {
        for (from, to) in [("2030-03-01", "2030-05-01"), ("2030-09-01", "2030-11-01")] {
            let q = ask(
                &types,
                &format!("type=quick&from={from}&to={to}&timezone={zone}"),
            );
            let counting = Counting(std::cell::Cell::new(0));
            let offer = q.offer(&counting, utc(2030, 1, 1, 0, 0));
            let (first, last) = q.window(&CompiledZones);
            let started = std::time::Instant::now();
            let candidates = offer.candidates(first, last, &q.timezone);
            let starts = Starts::of(&candidates);
            let expanded = starts.expand().expect("within MAX_STARTS");
            assert_eq!(expanded.len(), candidates.len());
            let day = 24 * 12;
            assert!(
                (61 * day..=62 * day + 12).contains(&candidates.len()),
                "{zone} {from}: {}",
                candidates.len()
            );
            let written = q.answer(&CompiledZones, (first, last), &candidates);
            assert!(started.elapsed() < std::time::Duration::from_secs(2));
            // A few hundred lookups in the zone database, not several per start.
            assert!(counting.0.get() < 1000, "{zone}: {}", counting.0.get());
            let slots: usize = written["days"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d["slots"].as_array().unwrap().len())
                .sum();
            assert_eq!(slots, candidates.len(), "every start written once");
        }
    }
}
