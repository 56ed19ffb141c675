use super::*;

fn pool() -> Vec<HostUser> {
    vec!["ada@example.com".into(), "grace@example.com".into()]
}

fn problems(json: &str) -> Vec<String> {
    EventTypes::parse(json, VAR, &pool()).unwrap_err()
}

const TWO_TYPES: &str = r#"[
  {"slug": "intro", "title": "Intro call", "durations": [15, 30], "default_duration": 30,
   "hosts": ["grace@example.com"], "topic": "Intro call with {name}",
   "zoom_settings": {"auto_recording": "cloud", "mute_upon_entry": true, "jbh_time": 5},
   "passcode": "generate",
   "questions": [
     {"id": "company", "label": "Company", "kind": "text", "required": true},
     {"id": "plan", "label": "Plan", "kind": "choice", "options": ["Free", "Pro"]}
   ]},
  {"slug": "support", "title": "Support", "description": "Help with your account"}
]"#;

#[test]
fn without_a_file_or_var_the_implicit_type_keeps_todays_rules() {
    let types = EventTypes::resolve(None, "", &pool()).unwrap();
    assert_eq!(types, EventTypes::implicit());
    let meeting = types.default_type();
    assert_eq!(meeting.slug(), "meeting");
    assert_eq!(meeting.title(), "Meeting");
    assert_eq!(meeting.default_duration(), 30);
    assert_eq!(meeting.listed_durations(), None);
    assert!(meeting.allows_duration(5) && meeting.allows_duration(720));
    assert!(!meeting.allows_duration(4) && !meeting.allows_duration(721));
    assert!(pool().iter().all(|h| meeting.takes(h)));
    assert_eq!(meeting.topic_for("Ada", None), "Meeting with Ada");
    assert_eq!(meeting.topic_for("Ada", Some("Intro")), "Intro");
    assert_eq!(
        Value::Object(meeting.zoom_settings()),
        json!({"join_before_host": false, "waiting_room": true, "approval_type": 2})
    );
    assert!(!meeting.generates_passcode());
}

#[test]
fn the_var_replaces_the_file_and_a_blank_var_does_not() {
    let file = r#"[{"slug": "from-file", "title": "File"}]"#;
    let var = r#"[{"slug": "from-var", "title": "Var"}]"#;
    let slug = |var: Option<&str>| {
        EventTypes::resolve(var, file, &pool())
            .unwrap()
            .default_type()
            .slug()
            .to_owned()
    };
    assert_eq!(slug(Some(var)), "from-var");
    assert_eq!(slug(Some("  ")), "from-file");
    assert_eq!(slug(None), "from-file");
}

#[test]
fn two_types_read_with_their_hosts_settings_topic_and_questions() {
    let types = EventTypes::parse(TWO_TYPES, VAR, &pool()).unwrap();
    let intro = types.get("intro").unwrap();
    assert_eq!(types.default_type().slug(), "intro");
    assert_eq!(
        intro.hosts_from(&pool()),
        vec![HostUser::from("grace@example.com")]
    );
    assert!(!intro.takes(&"ada@example.com".into()));
    assert!(intro.allows_duration(15) && !intro.allows_duration(20));
    assert_eq!(intro.durations_in_words(), "15 or 30");
    assert_eq!(
        intro.topic_for("Ada", Some("ignored")),
        "Intro call with Ada"
    );
    assert_eq!(
        Value::Object(intro.zoom_settings()),
        json!({"join_before_host": false, "waiting_room": true, "approval_type": 2,
               "auto_recording": "cloud", "mute_upon_entry": true, "jbh_time": 5})
    );
    assert!(intro.generates_passcode());
    assert_eq!(intro.questions()[1].options, vec!["Free", "Pro"]);
    let support = types.get("support").unwrap();
    assert_eq!(support.hosts_from(&pool()), pool());
    assert_eq!(support.default_duration(), 30);
    assert_eq!(support.durations_in_words(), "5 to 720");
}

#[test]
fn the_public_listing_never_shows_hosts_or_zoom_settings() {
    let listing = EventTypes::parse(TWO_TYPES, VAR, &pool())
        .unwrap()
        .public_json();
    let text = listing.to_string();
    for secretish in ["grace@example.com", "auto_recording", "passcode", "hosts"] {
        assert!(!text.contains(secretish), "{secretish} leaked: {text}");
    }
    assert_eq!(listing["types"][0]["slug"], "intro");
    assert_eq!(listing["types"][0]["durations"], json!([15, 30]));
    assert_eq!(listing["types"][1]["durations"], Value::Null);
    assert_eq!(listing["types"][1]["min_duration"], 5);
    assert_eq!(
        listing["types"][0]["questions"][1]["options"],
        json!(["Free", "Pro"])
    );
}

#[test]
fn an_unknown_key_names_its_path() {
    assert_eq!(
        problems(r#"[{"slug": "a", "title": "A"}, {"slug": "b", "title": "B", "colour": "red"}]"#)
            [0],
        format!(
            "BOOKING_TYPES[1].colour: unknown key (expected one of {})",
            schema_type_keys()
        )
    );
    let question = r#"[{"slug": "a", "title": "A",
        "questions": [{"id": "q", "label": "Q", "kind": "text", "hint": "x"}]}]"#;
    assert!(problems(question)[0].starts_with("BOOKING_TYPES[0].questions[0].hint: unknown key"));
}

fn schema_type_keys() -> String {
    "slug, title, description, durations, min_duration, max_duration, default_duration, hosts, \
     topic, zoom_settings, passcode, questions, availability"
        .to_owned()
}

#[test]
fn an_unknown_zoom_setting_names_its_path() {
    let found =
        problems(r#"[{"slug": "a", "title": "A", "zoom_settings": {"waitingroom": true}}]"#);
    assert!(
        found[0].starts_with("BOOKING_TYPES[0].zoom_settings.waitingroom: unknown Zoom setting"),
        "{found:?}"
    );
}

#[test]
fn a_bad_enum_value_names_its_path_and_the_allowed_values() {
    let found = problems(
        r#"[{"slug": "a", "title": "A"},
            {"slug": "b", "title": "B", "zoom_settings": {"auto_recording": "always"}}]"#,
    );
    assert_eq!(
        found,
        vec!["BOOKING_TYPES[1].zoom_settings.auto_recording: expected one of local, cloud, none"]
    );
    let found = problems(
        r#"[{"slug": "a", "title": "A", "zoom_settings":
            {"approval_type": 3, "jbh_time": 7, "host_video": "yes", "audio": "both"}}]"#,
    );
    assert_eq!(
        found,
        vec![
            "BOOKING_TYPES[0].zoom_settings.approval_type: expected one of 0, 1, 2",
            "BOOKING_TYPES[0].zoom_settings.host_video: expected true or false",
            "BOOKING_TYPES[0].zoom_settings.jbh_time: expected one of 0, 5, 10, 15",
        ],
        "settings are reported in key order"
    );
}

#[test]
fn a_duplicate_slug_names_the_second() {
    assert_eq!(
        problems(r#"[{"slug": "a", "title": "A"}, {"slug": "a", "title": "Again"}]"#),
        vec!["BOOKING_TYPES[1].slug: duplicate slug 'a' (slugs must be unique)"]
    );
}

#[test]
fn a_host_outside_the_pool_names_its_path() {
    assert_eq!(
        problems(
            r#"[{"slug": "a", "title": "A", "hosts": ["grace@example.com", "eve@example.com"]}]"#
        ),
        vec!["BOOKING_TYPES[0].hosts[1]: not one of the hosts in ZOOM_HOST_USER"]
    );
}

#[test]
fn the_file_is_named_as_the_file() {
    let found =
        EventTypes::resolve(None, r#"[{"slug": "A b", "title": "A"}]"#, &pool()).unwrap_err();
    assert!(
        found[0].starts_with("booking-types.json[0].slug: expected lower-case"),
        "{found:?}"
    );
}

#[test]
fn durations_and_defaults_are_checked_against_each_other() {
    let cases = [
        (r#"{"durations": [15, 15]}"#, "BOOKING_TYPES[0].durations[1]: 15 is listed twice"),
        (r#"{"durations": [4]}"#, "BOOKING_TYPES[0].durations[0]: expected a whole number of minutes from 5 to 720"),
        (r#"{"durations": []}"#, "BOOKING_TYPES[0].durations: expected from 1 to 12 lengths in minutes"),
        (r#"{"durations": [15], "default_duration": 30}"#, "BOOKING_TYPES[0].default_duration: 30 is not one of the type's durations"),
        (r#"{"durations": [15], "min_duration": 10}"#, "BOOKING_TYPES[0].min_duration: only allowed when durations is null (a listed choice has no range)"),
        (r#"{"min_duration": 60, "max_duration": 30}"#, "BOOKING_TYPES[0].min_duration: must not be greater than max_duration"),
    ];
    for (extra, expected) in cases {
        let mut t: serde_json::Map<String, Value> = serde_json::from_str(extra).unwrap();
        t.insert("slug".into(), json!("a"));
        t.insert("title".into(), json!("A"));
        assert_eq!(problems(&json!([t]).to_string()), vec![expected], "{extra}");
    }
    let ranged = EventTypes::parse(
        r#"[{"slug": "a", "title": "A", "min_duration": 45}]"#,
        VAR,
        &pool(),
    )
    .unwrap();
    assert_eq!(
        ranged.default_type().default_duration(),
        45,
        "30 is clamped into 45..=720"
    );
}

#[test]
fn questions_are_checked_by_kind() {
    let cases = [
        (r#"{"id": "q", "label": "Q", "kind": "date"}"#, "BOOKING_TYPES[0].questions[0].kind: expected one of text, long_text, email, phone, choice"),
        (r#"{"id": "q", "label": "Q", "kind": "choice"}"#, "BOOKING_TYPES[0].questions[0].options: a choice needs its options"),
        (r#"{"id": "q", "label": "Q", "kind": "text", "options": ["a"]}"#, "BOOKING_TYPES[0].questions[0].options: only a choice has options"),
        (r#"{"id": "Q!", "label": "Q", "kind": "text"}"#, "BOOKING_TYPES[0].questions[0].id: expected lower-case letters, digits and '_'"),
        (r#"{"id": "q", "label": "Q", "kind": "text", "max_length": 5000}"#, "BOOKING_TYPES[0].questions[0].max_length: expected a whole number from 1 to 2000"),
    ];
    for (question, expected) in cases {
        let doc = format!(r#"[{{"slug": "a", "title": "A", "questions": [{question}]}}]"#);
        assert_eq!(problems(&doc), vec![expected], "{question}");
    }
    let twice = r#"[{"slug": "a", "title": "A", "questions": [
        {"id": "q", "label": "Q", "kind": "text"}, {"id": "q", "label": "Again", "kind": "email"}]}]"#;
    assert_eq!(
        problems(twice),
        vec!["BOOKING_TYPES[0].questions[1].id: duplicate question id 'q'"]
    );
}

#[test]
fn topic_templates_know_only_name_and_title() {
    assert_eq!(
        problems(r#"[{"slug": "a", "title": "A", "topic": "Call with {email}"}]"#),
        vec!["BOOKING_TYPES[0].topic: unknown placeholder {email} (expected {name} or {title})"]
    );
    let types = EventTypes::parse(
        r#"[{"slug": "a", "title": "Demo", "topic": "{title}: {name}"}]"#,
        VAR,
        &pool(),
    )
    .unwrap();
    assert_eq!(
        types.default_type().topic_for("{title} Ada", None),
        "Demo: {title} Ada",
        "a placeholder typed into the name is not filled in"
    );
    let long = "x".repeat(300);
    assert_eq!(
        types.default_type().topic_for(&long, None).chars().count(),
        200
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let found = problems(
        r#"[{"slug": "a", "title": "A", "colour": 1, "zoom_settings": {"audio": "loud"}},
            {"slug": "a"}]"#,
    );
    assert_eq!(found.len(), 3, "{found:?}");
    assert!(found[2].starts_with("BOOKING_TYPES[1].title: is required"));
}

#[test]
fn a_host_outside_the_pool_is_named_beside_every_other_problem() {
    let found = problems(
        r#"[{"slug": "a", "title": "A", "colour": 1},
            {"slug": "b", "title": "B", "hosts": ["eve@example.com"]}]"#,
    );
    assert_eq!(
        found,
        vec![
            format!(
                "BOOKING_TYPES[0].colour: unknown key (expected one of {})",
                schema_type_keys()
            ),
            "BOOKING_TYPES[1].hosts[0]: not one of the hosts in ZOOM_HOST_USER".to_owned(),
        ]
    );
}

#[test]
fn documents_that_are_not_arrays_of_types_are_refused() {
    assert!(problems("{")[0].starts_with("BOOKING_TYPES: not valid JSON"));
    assert_eq!(
        problems("{}"),
        vec!["BOOKING_TYPES: expected a JSON array of event types"]
    );
    assert_eq!(
        problems("[]"),
        vec!["BOOKING_TYPES: expected at least one event type"]
    );
    assert_eq!(
        problems("[3]"),
        vec!["BOOKING_TYPES[0]: expected an object"]
    );
}

#[test]
fn a_generated_passcode_is_six_digits() {
    assert_eq!(generate_passcode([0; 8]), "000000");
    assert_eq!(generate_passcode(1_234_567u64.to_le_bytes()), "234567");
    let code = generate_passcode([0xff; 8]);
    assert_eq!(code.len(), 6);
    assert!(code.bytes().all(|b| b.is_ascii_digit()));
}

#[test]
fn the_shipped_file_is_the_implicit_type() {
    // The project ships `booking-types.json` with exactly today's behaviour, so a deployment
    // that never edits it books as before (and cargo has a file to watch).
    let shipped = EventTypes::resolve(None, include_str!("../../../booking-types.json"), &pool());
    assert_eq!(shipped.unwrap(), EventTypes::implicit());
}

#[test]
fn a_huge_document_gives_a_bounded_list_of_short_problems_quickly() {
    // About 1 MB of types, each with an unknown key, an outside host and a long unknown key.
    let long_key = "k".repeat(5000);
    let one = format!(
        r#"{{"slug": "s", "title": "T", "{long_key}": 1, "hosts": ["{}@example.com"]}}"#,
        "x".repeat(3000)
    );
    let doc = format!("[{}]", vec![one; 120].join(","));
    let empties = format!("[{}]", vec!["{}"; 300_000].join(","));
    for doc in [doc, empties] {
        let started = std::time::Instant::now();
        let found = problems(&doc);
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
        assert!(found.len() <= schema::MAX_PROBLEMS + 1, "{}", found.len());
        assert!(
            found.iter().all(|p| p.chars().count() <= 400),
            "{:?}",
            found.iter().map(String::len).max()
        );
        assert!(found.last().unwrap().contains("more problem"), "{found:?}");
    }
}

#[test]
fn deep_nesting_and_unicode_slugs_are_refused_with_a_message() {
    let deep = format!("[{}{}]", "[".repeat(100_000), "]".repeat(100_000));
    let found = problems(&deep);
    assert!(
        found[0].starts_with("BOOKING_TYPES: not valid JSON"),
        "{found:?}"
    );
    let found = problems(r#"[{"slug": "café", "title": "T"}, {"slug": "ｓ", "title": "T"}]"#);
    assert!(found[0].starts_with("BOOKING_TYPES[0].slug: "), "{found:?}");
    assert!(found[1].starts_with("BOOKING_TYPES[1].slug: "), "{found:?}");
}
