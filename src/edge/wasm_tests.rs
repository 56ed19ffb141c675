//! wasm-bindgen tests of the shell code that only exists on wasm32: the JS clock and random
//! source, response building and reading settings from a runtime `Env`. Run under node by
//! `scripts/test.sh` (wasm-bindgen-test-runner).

use super::{clock, http, settings};
use crate::domain::api_error::ApiError;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;
use worker::Env;

#[wasm_bindgen_test]
fn clock_reads_the_js_date() {
    let js_now = js_sys::Date::now() as i64;
    let now = clock::now_ms();
    assert!((now - js_now).abs() < 5_000, "{now} vs {js_now}");
    assert_eq!(clock::now().timestamp_millis() / 10_000, now / 10_000);
}

#[wasm_bindgen_test]
fn random_ids_come_from_crypto() {
    let a = clock::random_128().expect("crypto.getRandomValues");
    let b = clock::random_128().expect("crypto.getRandomValues");
    assert_ne!(a, b);
    assert_ne!(a, [0u8; 16]);
}

#[wasm_bindgen_test]
async fn error_response_carries_status_headers_and_json() {
    let mut unavailable = http::error_response(&ApiError::ZoomUnavailable { retry_after: 5 });
    assert_eq!(unavailable.status_code(), 503);
    let headers = unavailable.headers();
    assert_eq!(headers.get("retry-after").unwrap().as_deref(), Some("5"));
    assert_eq!(
        headers.get("content-type").unwrap().as_deref(),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(
        headers.get("cache-control").unwrap().as_deref(),
        Some("no-store")
    );
    let body: serde_json::Value = serde_json::from_str(&unavailable.text().await.unwrap()).unwrap();
    assert_eq!(body["error"]["code"], "zoom_unavailable");

    let not_allowed = http::error_response(&ApiError::MethodNotAllowed {
        allow: "POST".into(),
    });
    assert_eq!(not_allowed.status_code(), 405);
    assert_eq!(
        not_allowed.headers().get("allow").unwrap().as_deref(),
        Some("POST")
    );
    assert_eq!(not_allowed.headers().get("retry-after").unwrap(), None);
}

fn env_with(pairs: &[(&str, &str)]) -> Env {
    let object = js_sys::Object::new();
    for (key, value) in pairs {
        js_sys::Reflect::set(&object, &JsValue::from_str(key), &JsValue::from_str(value)).unwrap();
    }
    JsValue::from(object).unchecked_into::<Env>()
}

#[wasm_bindgen_test]
fn settings_come_from_runtime_bindings() {
    let env = env_with(&[
        ("ZOOM_ACCOUNT_ID", "acct"),
        ("ZOOM_CLIENT_ID", "cid"),
        ("ZOOM_CLIENT_SECRET", "secret"),
        (
            "BOOKING_SIGNING_KEY",
            "signing-key-0123456789abcdef-0123456789",
        ),
        ("ZOOM_HOST_USER", "host@example.com"),
        ("DEFAULT_TIMEZONE", "Asia/Tokyo"),
    ]);
    let config = settings::load(&env).expect("configured");
    assert_eq!(config.host_users, vec!["host@example.com"]);
    assert_eq!(config.api_base, "https://api.zoom.us/v2");
    assert_eq!(config.default_timezone.name(), "Asia/Tokyo");

    let missing = settings::load(&env_with(&[("ZOOM_ACCOUNT_ID", "acct")])).unwrap_err();
    assert_eq!(missing.code(), "not_configured");
    assert_eq!(missing.status(), 503);
    let message = missing.message();
    assert!(message.contains("ZOOM_CLIENT_ID") && message.contains("ZOOM_CLIENT_SECRET"));
}

/// The runtime's zone database gives the same answers as the IANA tables the native tests use
/// (`domain::time_zone`): names, offsets, DST gaps and repeats.
#[wasm_bindgen_test]
fn intl_zones_follow_the_iana_rules() {
    use crate::domain::time_zone::{local_to_utc, ZoneRules};
    use crate::edge::intl_zones::IntlZones;
    use chrono::{LocalResult, NaiveDate, TimeZone, Utc};

    let local = |y, m, d, h, min| {
        NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_opt(h, min, 0)
            .unwrap()
    };
    let utc = |m, d, h, min| Utc.with_ymd_and_hms(2030, m, d, h, min, 0).unwrap();
    let berlin = IntlZones.zone("europe/berlin").unwrap();
    assert_eq!(berlin.name(), "Europe/Berlin");
    assert_eq!(
        IntlZones.zone("Asia/Kolkata").unwrap().name(),
        "Asia/Kolkata"
    );
    assert!(IntlZones.zone("Mars/Olympus").is_none());
    // Intl takes UTC offsets as zones; the worker does not, as the compiled tables do not.
    for offset in ["+01:00", "-0530", "+01"] {
        assert!(IntlZones.zone(offset).is_none(), "{offset}");
    }
    assert_eq!(IntlZones.offset_seconds(&berlin, utc(1, 15, 12, 0)), 3600);
    assert_eq!(IntlZones.offset_seconds(&berlin, utc(7, 15, 12, 0)), 7200);
    assert_eq!(
        local_to_utc(&IntlZones, &berlin, local(2030, 3, 31, 2, 30)),
        LocalResult::None
    );
    assert_eq!(
        local_to_utc(&IntlZones, &berlin, local(2030, 10, 27, 2, 30)),
        LocalResult::Ambiguous(utc(10, 27, 0, 30), utc(10, 27, 1, 30))
    );
    let adelaide = IntlZones.zone("Australia/Adelaide").unwrap();
    assert_eq!(
        local_to_utc(&IntlZones, &adelaide, local(2030, 1, 10, 12, 0)),
        LocalResult::Single(utc(1, 10, 1, 30))
    );
}

/// A confirmation's time in words reads the same through the runtime's zones as through the
/// compiled tables the native tests use.
#[wasm_bindgen_test]
fn times_in_words_read_the_same_through_intl() {
    use crate::domain::page::meeting_time_in_words;
    use crate::edge::intl_zones::IntlZones;
    use chrono::{TimeZone, Utc};

    let start = Utc.with_ymd_and_hms(2026, 11, 26, 10, 0, 0).unwrap();
    assert_eq!(
        meeting_time_in_words(start, 30, "Europe/London", &IntlZones),
        "Thursday 26 November 2026, 10:00–10:30, London time"
    );
    let summer = Utc.with_ymd_and_hms(2026, 7, 1, 14, 0, 0).unwrap();
    assert_eq!(
        meeting_time_in_words(summer, 45, "America/New_York", &IntlZones),
        "Wednesday 1 July 2026, 10:00–10:45, New York time"
    );
}

/// The formatter cache is keyed by the zone as ICU knows it (letter case ignored) and bounded:
/// names from unauthenticated requests cannot grow it.
#[wasm_bindgen_test]
fn the_zone_cache_keeps_one_formatter_per_zone_and_stays_bounded() {
    use crate::domain::time_zone::ZoneRules;
    use crate::edge::intl_zones::{cached_formatters, IntlZones, MAX_FORMATTERS};
    use chrono::{TimeZone, Utc};

    let london = IntlZones.zone("Europe/London").unwrap();
    let before = cached_formatters();
    for variant in ["europe/LONDON", "EUROPE/london", "eUrOpE/LoNdOn"] {
        assert_eq!(IntlZones.zone(variant).unwrap(), london, "{variant}");
    }
    assert_eq!(cached_formatters(), before);

    // Every zone the runtime knows, far more than the bound.
    let intl = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("Intl")).unwrap();
    let supported: js_sys::Function =
        js_sys::Reflect::get(&intl, &JsValue::from_str("supportedValuesOf"))
            .unwrap()
            .unchecked_into();
    let names: js_sys::Array = supported
        .call1(&intl, &JsValue::from_str("timeZone"))
        .unwrap()
        .unchecked_into();
    assert!(names.length() as usize > 2 * MAX_FORMATTERS);
    for name in names.iter() {
        let name = name.as_string().unwrap();
        assert!(IntlZones.zone(&name).is_some(), "{name}");
        assert!(IntlZones.zone(&name.to_uppercase()).is_some(), "{name}");
    }
    assert_eq!(cached_formatters(), MAX_FORMATTERS);
    // A zone whose formatter was dropped is made again, with the same answers.
    let summer = Utc.with_ymd_and_hms(2030, 7, 1, 12, 0, 0).unwrap();
    assert_eq!(IntlZones.offset_seconds(&london, summer), 3600);
    assert_eq!(cached_formatters(), MAX_FORMATTERS);
}
