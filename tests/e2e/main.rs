//! End-to-end tests: the built worker under `wrangler dev`, driven over HTTP, against the Zoom
//! emulator. Scenarios share a stack per token mode and run in a fixed order (the cold-start
//! case must see a cold worker), so this binary has its own small runner (`harness = false`).
//!
//! Run through `scripts/test.sh`, which builds the worker first.

mod bookings;
mod bot_protection;
mod limits;
mod manage;
mod openapi;
mod page;
mod slots;
mod tokens;
mod webhooks;

use std::panic::{catch_unwind, AssertUnwindSafe};
use testbed::{Stack, StackOptions};
use zoom_emulator::TokenMode;

/// Tokens that live seconds, so a test sees several refreshes by the coordinator's alarm.
const SHORT_TOKEN_TTL_SECS: u64 = 6;

type Scenario = (&'static str, fn(&Stack));

struct Group {
    name: &'static str,
    options: fn() -> StackOptions,
    scenarios: Vec<Scenario>,
}

fn groups() -> Vec<Group> {
    vec![
        Group {
            name: "multi",
            options: || StackOptions::new(TokenMode::Multi),
            scenarios: vec![
                (
                    "cold_start_50_concurrent_bookings_one_token_request",
                    tokens::cold_start_single_flight,
                ),
                (
                    "json_booking_creates_the_meeting_in_utc",
                    bookings::json_booking,
                ),
                (
                    "form_booking_reads_local_time_in_timezone",
                    bookings::form_booking,
                ),
                (
                    "bad_requests_get_documented_errors_and_create_nothing",
                    bookings::bad_requests,
                ),
                (
                    "routes_health_not_found_method_not_allowed",
                    bookings::routes,
                ),
                (
                    "zoom_5xx_is_502_and_not_retried",
                    bookings::zoom_server_error,
                ),
                (
                    "zoom_429_is_503_with_retry_after",
                    bookings::zoom_rate_limited,
                ),
                (
                    "zoom_unknown_host_is_502_zoom_rejected",
                    bookings::zoom_rejects_host,
                ),
                (
                    "token_endpoint_failures_are_clean_and_recover",
                    tokens::token_endpoint_failures,
                ),
                (
                    "tokens_invalidated_mid_run_cause_no_failed_booking",
                    tokens::invalidation_mid_run,
                ),
            ],
        },
        Group {
            name: "legacy",
            options: || StackOptions::new(TokenMode::Legacy),
            scenarios: vec![
                (
                    "cold_start_50_concurrent_bookings_one_token_request",
                    tokens::cold_start_single_flight,
                ),
                (
                    "json_booking_creates_the_meeting_in_utc",
                    bookings::json_booking,
                ),
                (
                    "token_endpoint_failures_are_clean_and_recover",
                    tokens::token_endpoint_failures,
                ),
                (
                    "tokens_invalidated_mid_run_cause_no_failed_booking",
                    tokens::invalidation_mid_run,
                ),
                (
                    "reissued_token_elsewhere_is_survived",
                    tokens::reissue_elsewhere,
                ),
            ],
        },
        Group {
            name: "multi-short-tokens",
            options: || StackOptions::new(TokenMode::Multi).token_ttl(SHORT_TOKEN_TTL_SECS),
            scenarios: vec![(
                "proactive_refresh_overlaps_tokens_no_401",
                tokens::proactive_refresh_multi,
            )],
        },
        Group {
            name: "legacy-short-tokens",
            options: || StackOptions::new(TokenMode::Legacy).token_ttl(SHORT_TOKEN_TTL_SECS),
            scenarios: vec![(
                "proactive_refresh_never_fails_a_booking",
                tokens::proactive_refresh_legacy,
            )],
        },
        Group {
            name: "webhooks",
            options: || StackOptions::new(TokenMode::Multi),
            scenarios: vec![
                ("url_validation_challenge", webhooks::url_validation),
                (
                    "started_then_ended_moves_status",
                    webhooks::started_then_ended_moves_status,
                ),
                (
                    "redelivery_has_no_second_effect",
                    webhooks::redelivery_has_no_second_effect,
                ),
                (
                    "forged_stale_malformed_refused_without_effect",
                    webhooks::forged_stale_and_malformed_deliveries_are_refused,
                ),
                (
                    "tolerance_window_and_secret_rotation",
                    webhooks::tolerance_window_and_rotation,
                ),
                (
                    "out_of_order_attendance_recording",
                    webhooks::out_of_order_and_rich_events,
                ),
                (
                    "unknown_meetings_acknowledged",
                    webhooks::unknown_meetings_are_acknowledged_and_ignored,
                ),
                (
                    "booking_view_requires_a_token",
                    webhooks::booking_view_requires_a_token,
                ),
            ],
        },
        Group {
            name: "quota",
            options: limits::enforced_limits,
            scenarios: vec![(
                "300_bookings_64_concurrent_3_hosts_no_zoom_429",
                limits::quota_300_bookings_at_64_concurrency,
            )],
        },
        Group {
            name: "zoom-429",
            options: limits::enforced_limits,
            scenarios: vec![
                (
                    "lost_create_answer_makes_no_duplicate",
                    limits::lost_create_answer_makes_no_duplicate,
                ),
                (
                    "zoom_429_forms_block_until_they_pass",
                    limits::zoom_429_forms_block_until_they_pass,
                ),
            ],
        },
        Group {
            name: "slots",
            options: slots::one_host,
            scenarios: vec![
                (
                    "same_key_twice_one_meeting_other_body_422",
                    slots::same_key_twice_makes_one_meeting,
                ),
                (
                    "second_request_in_flight_is_409",
                    slots::second_request_while_first_in_flight_is_409,
                ),
                (
                    "bad_keys_400_invalid_bodies_store_nothing",
                    slots::bad_keys_and_invalid_bodies_store_nothing,
                ),
                (
                    "keyless_double_submit_returns_first_booking",
                    slots::keyless_double_submit_returns_the_first_booking,
                ),
                (
                    "20_concurrent_one_slot_one_host_1_meeting_19_409",
                    slots::twenty_concurrent_one_host_one_meeting,
                ),
                (
                    "sync_follows_3_pages_and_blocks_meetings_made_elsewhere",
                    slots::meetings_made_elsewhere_block_after_sync_across_pages,
                ),
                (
                    "webhooks_keep_meetings_made_elsewhere_current",
                    slots::webhooks_keep_meetings_made_elsewhere_current,
                ),
                (
                    "pmi_host_shows_pmi_keeps_meeting_id",
                    slots::pmi_hosts_show_the_pmi_and_keep_the_meeting_id,
                ),
                (
                    "owner_reads_strangers_get_401_404",
                    manage::owner_reads_and_strangers_learn_nothing,
                ),
                (
                    "reschedule_moves_meeting_keeps_join_link",
                    manage::reschedule_moves_the_meeting_and_keeps_the_join_link,
                ),
                (
                    "cancel_deletes_and_is_idempotent",
                    manage::cancel_deletes_and_is_idempotent,
                ),
            ],
        },
        Group {
            name: "host-pool",
            options: slots::three_hosts,
            scenarios: vec![(
                "20_concurrent_one_slot_3_hosts_3_meetings",
                slots::twenty_concurrent_three_hosts_three_meetings,
            )],
        },
        Group {
            name: "page",
            options: page::options,
            scenarios: vec![
                ("booking_page_is_served", page::page_is_served),
                (
                    "browser_books_with_and_without_javascript",
                    page::browser_books_through_the_page,
                ),
                ("plain_form_posts_get_html", page::plain_form_posts_get_html),
                (
                    "cors_for_allowed_origins_only",
                    page::cors_for_allowed_origins_only,
                ),
            ],
        },
        Group {
            name: "turnstile-pass",
            options: bot_protection::passing,
            scenarios: vec![
                (
                    "pass_creates_the_meeting",
                    bot_protection::pass_creates_the_meeting,
                ),
                (
                    "no_token_refused_without_asking",
                    bot_protection::no_token_is_refused_without_asking,
                ),
                (
                    "verifier_down_or_slow_fails_closed",
                    bot_protection::verifier_down_or_slow_fails_closed,
                ),
            ],
        },
        Group {
            name: "turnstile-fail",
            options: bot_protection::failing,
            scenarios: vec![(
                "failed_check_refused",
                bot_protection::failed_check_is_refused,
            )],
        },
        Group {
            name: "turnstile-spent",
            options: bot_protection::spent,
            scenarios: vec![(
                "spent_token_refused",
                bot_protection::spent_token_is_refused,
            )],
        },
        Group {
            name: "client-limits",
            options: bot_protection::client_limits,
            scenarios: vec![(
                "one_client_cannot_take_every_slot",
                bot_protection::one_client_cannot_take_every_slot,
            )],
        },
        Group {
            name: "openapi",
            options: openapi::options,
            scenarios: vec![(
                "every_documented_status_happens",
                openapi::every_documented_status_happens,
            )],
        },
        Group {
            name: "unconfigured",
            options: || StackOptions::new(TokenMode::Multi).without("ZOOM_CLIENT_SECRET"),
            scenarios: vec![(
                "missing_secret_is_503_not_configured",
                bookings::not_configured,
            )],
        },
    ]
}

fn main() {
    let filter: Option<String> = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let (mut passed, mut failed) = (0, Vec::new());
    for group in groups() {
        let selected: Vec<&Scenario> = group
            .scenarios
            .iter()
            .filter(|(name, _)| {
                filter
                    .as_deref()
                    .is_none_or(|f| format!("{}::{name}", group.name).contains(f))
            })
            .collect();
        if selected.is_empty() {
            continue;
        }
        println!("starting stack '{}' (emulator + wrangler dev)", group.name);
        let stack = Stack::start(group.name, (group.options)());
        for (name, scenario) in selected {
            let full = format!("{}::{name}", group.name);
            stack.reset();
            match catch_unwind(AssertUnwindSafe(|| scenario(&stack))) {
                Ok(()) => {
                    passed += 1;
                    println!("test {full} ... ok");
                }
                Err(_) => {
                    println!(
                        "test {full} ... FAILED\n--- wrangler log tail ---\n{}",
                        stack.log_tail()
                    );
                    failed.push(full);
                }
            }
        }
    }
    println!();
    for name in &failed {
        println!("failed: {name}");
    }
    println!("e2e: {passed} passed, {} failed", failed.len());
    if !failed.is_empty() || passed == 0 {
        std::process::exit(1);
    }
}
