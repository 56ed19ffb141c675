//! End-to-end tests: the built worker under `wrangler dev`, driven over HTTP, against the Zoom
//! emulator. Scenarios share a stack per token mode and run in a fixed order (the cold-start
//! case must see a cold worker), so this binary has its own small runner (`harness = false`).
//!
//! Run through `scripts/test.sh`, which builds the worker first.

mod availability;
mod availability_api;
mod availability_done;
mod bookings;
mod bot_protection;
mod event_types;
mod event_types_booking;
mod event_types_ops;
mod event_types_page;
mod limits;
mod manage;
mod openapi;
mod outcomes;
mod page;
mod replays;
mod slot_picker;
mod slots;
mod tokens;
mod webhooks;

use std::panic::{catch_unwind, AssertUnwindSafe};
use testbed::{Stack, StackOptions};
use zoom_emulator::TokenMode;

/// Tokens that live seconds, so a test sees several refreshes by the coordinator's alarm.
const SHORT_TOKEN_TTL_SECS: u64 = 6;

/// One scenario. Its name in reports is its function's name, so the two cannot drift apart.
struct Scenario {
    name: &'static str,
    run: fn(&Stack),
}

/// `scenario!(module::function)`: the scenario that runs `module::function`, named after it.
macro_rules! scenario {
    ($module:ident :: $function:ident) => {
        Scenario {
            name: stringify!($function),
            run: $module::$function,
        }
    };
}

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
                scenario!(tokens::cold_start_50_concurrent_bookings_one_token_request),
                scenario!(bookings::json_booking_creates_the_meeting_in_utc),
                scenario!(bookings::form_booking_reads_local_time_in_timezone),
                scenario!(bookings::bad_requests_get_documented_errors_and_create_nothing),
                scenario!(bookings::routes_health_not_found_method_not_allowed),
                scenario!(bookings::zoom_5xx_on_create_is_confirmed_before_the_booking_is_retried),
                scenario!(bookings::zoom_429_is_503_with_retry_after),
                scenario!(bookings::zoom_unknown_host_is_502_zoom_rejected),
                scenario!(tokens::token_endpoint_failures_are_clean_and_recover),
                scenario!(tokens::tokens_invalidated_mid_run_cause_no_failed_booking),
            ],
        },
        Group {
            name: "legacy",
            options: || StackOptions::new(TokenMode::Legacy),
            scenarios: vec![
                scenario!(tokens::cold_start_50_concurrent_bookings_one_token_request),
                scenario!(bookings::json_booking_creates_the_meeting_in_utc),
                scenario!(tokens::token_endpoint_failures_are_clean_and_recover),
                scenario!(tokens::tokens_invalidated_mid_run_cause_no_failed_booking),
                scenario!(tokens::reissued_token_elsewhere_is_survived),
            ],
        },
        Group {
            name: "multi-short-tokens",
            options: || StackOptions::new(TokenMode::Multi).token_ttl(SHORT_TOKEN_TTL_SECS),
            scenarios: vec![
                scenario!(tokens::proactive_refresh_overlaps_tokens_no_401),
                scenario!(tokens::token_refresh_keeps_its_time_while_an_attempt_waits_to_be_resolved),
            ],
        },
        Group {
            name: "legacy-short-tokens",
            options: || StackOptions::new(TokenMode::Legacy).token_ttl(SHORT_TOKEN_TTL_SECS),
            scenarios: vec![scenario!(tokens::proactive_refresh_never_fails_a_booking)],
        },
        Group {
            name: "webhooks",
            options: || StackOptions::new(TokenMode::Multi),
            scenarios: vec![
                scenario!(webhooks::url_validation_challenge),
                scenario!(webhooks::started_then_ended_moves_status),
                scenario!(webhooks::redelivery_has_no_second_effect),
                scenario!(webhooks::forged_stale_malformed_refused_without_effect),
                scenario!(webhooks::tolerance_window_and_secret_rotation),
                scenario!(webhooks::out_of_order_attendance_recording),
                scenario!(webhooks::the_owner_view_shows_no_other_attendee_and_no_recording_passcode),
                scenario!(webhooks::a_meeting_larger_than_the_attendance_bound_keeps_taking_events),
                scenario!(webhooks::unknown_meetings_acknowledged),
                scenario!(webhooks::booking_view_requires_a_token),
            ],
        },
        Group {
            name: "webhooks-coordinator-down",
            options: webhooks::coordinator_in_its_own_session,
            scenarios: vec![
                scenario!(webhooks::an_event_refused_while_the_coordinator_is_down_is_redelivered_and_applied_once),
                scenario!(webhooks::an_acknowledged_event_is_never_redelivered),
                scenario!(webhooks::a_hung_coordinator_is_refused_within_zooms_budget_and_applied_once),
            ],
        },
        Group {
            name: "quota",
            options: limits::enforced_limits,
            scenarios: vec![scenario!(
                limits::three_hundred_bookings_64_concurrent_3_hosts_no_zoom_429
            )],
        },
        Group {
            name: "zoom-429",
            options: limits::four_hosts_enforced_limits,
            scenarios: vec![
                scenario!(limits::lost_create_answer_makes_no_duplicate),
                scenario!(limits::zoom_429_forms_block_until_they_pass),
            ],
        },
        Group {
            name: "daily-limit-every-host",
            options: limits::two_hosts_enforced_limits,
            scenarios: vec![scenario!(
                limits::a_daily_limit_on_every_host_is_429_daily_quota_exhausted
            )],
        },
        Group {
            name: "slots",
            options: slots::one_host,
            scenarios: vec![
                scenario!(slots::same_key_twice_one_meeting_other_body_422),
                scenario!(slots::second_request_in_flight_is_409),
                scenario!(slots::bad_keys_400_invalid_bodies_store_nothing),
                scenario!(replays::another_name_with_the_same_email_and_time_never_gets_the_manage_token),
                scenario!(replays::an_identical_keyless_resubmission_is_replayed_without_the_manage_token),
                scenario!(replays::a_keyed_replay_by_header_or_form_field_returns_the_manage_token),
                scenario!(replays::cancels_and_moves_by_webhook_or_owner_end_keyless_replays),
                scenario!(slots::twenty_concurrent_one_slot_one_host_1_meeting_19_409),
                scenario!(slots::sync_follows_3_pages_and_blocks_meetings_made_elsewhere),
                scenario!(slots::webhooks_keep_meetings_made_elsewhere_current),
                scenario!(slots::pmi_host_shows_pmi_keeps_meeting_id),
                scenario!(manage::owner_reads_strangers_get_401_404),
                scenario!(manage::reschedule_moves_meeting_keeps_join_link),
                scenario!(manage::cancel_deletes_and_is_idempotent),
                scenario!(manage::thirty_reschedules_reach_zoom_five_times_and_a_stranger_still_books),
                scenario!(manage::owner_invitation_reads_beyond_twenty_an_hour_are_429_too_many_changes),
            ],
        },
        Group {
            name: "reconciliation",
            options: slots::one_host,
            scenarios: vec![
                scenario!(slots::bookings_follow_meetings_deleted_or_moved_at_zoom_without_a_webhook),
                scenario!(replays::cron_reconciliation_ends_keyless_replays),
            ],
        },
        Group {
            name: "outcome-unknown",
            options: outcomes::three_hosts,
            scenarios: vec![
                scenario!(outcomes::a_lost_answer_with_a_failing_lookup_is_adopted_under_its_key),
                scenario!(outcomes::a_keyless_lost_answer_is_deleted_and_the_form_books_anew),
                scenario!(outcomes::a_create_whose_handler_dies_is_finished_by_the_alarm),
                scenario!(outcomes::a_meeting_zoom_makes_after_the_attempt_was_released_is_deleted_by_the_sync),
                scenario!(outcomes::a_reschedule_whose_answers_are_lost_follows_what_zoom_has),
            ],
        },
        Group {
            name: "outcome-unknown-one-host",
            options: outcomes::one_host,
            scenarios: vec![
                scenario!(outcomes::a_lost_answer_with_a_failing_lookup_is_adopted_under_its_key),
                scenario!(outcomes::a_keyless_lost_answer_is_deleted_and_the_form_books_anew),
            ],
        },
        Group {
            name: "host-pool",
            options: slots::three_hosts,
            scenarios: vec![scenario!(
                slots::twenty_concurrent_one_slot_3_hosts_3_meetings
            )],
        },
        Group {
            name: "types",
            options: event_types::options,
            // Issue 14: booking each of two configured event types.
            scenarios: vec![
                scenario!(event_types_booking::each_type_reaches_zoom_with_its_settings_topic_passcode_hosts_and_answers),
                scenario!(event_types_booking::refused_types_lengths_and_answers_are_422_and_reach_nothing),
                scenario!(event_types_booking::a_reschedule_to_a_length_the_type_does_not_allow_is_422),
                scenario!(event_types_booking::the_owner_and_the_operator_see_the_type_and_the_answers),
                scenario!(event_types_ops::the_types_are_listed_publicly_in_order_without_hosts_or_zoom_settings),
                scenario!(event_types_ops::a_setting_zoom_locks_otherwise_is_reported_as_a_settings_mismatch),
                scenario!(event_types_page::the_home_page_lists_both_types_and_links_to_their_forms),
                scenario!(event_types_page::the_intro_page_offers_its_lengths_and_asks_its_questions),
                scenario!(event_types_page::an_unknown_type_page_is_a_404_page),
                scenario!(event_types_page::a_refused_plain_form_post_comes_back_filled_in_with_the_refusal_at_its_field),
                scenario!(event_types_page::a_plain_form_post_missing_a_required_answer_comes_back_with_the_refusal_at_it),
                scenario!(event_types_page::a_browser_books_the_intro_type_through_its_page),
                // Last: it spends two hosts for the day.
                scenario!(event_types_booking::a_daily_limit_moves_a_booking_only_among_its_types_hosts),
            ],
        },
        Group {
            name: "availability",
            options: availability::options,
            // Issue 15: the availability API and the scenarios of its "done when".
            scenarios: vec![
                scenario!(availability_api::the_answer_lists_every_date_with_its_free_slots_in_the_zone_asked),
                scenario!(availability_api::defaults_fill_type_zone_and_duration_and_a_type_without_hours_lists_the_whole_day),
                scenario!(availability_api::every_bad_question_is_422_with_its_field_and_code),
                scenario!(availability_api::no_answer_reveals_a_host),
                scenario!(availability_api::a_booking_keeps_its_buffer_free_for_bookings_as_for_the_answer),
                scenario!(availability_api::reads_beyond_the_per_ip_limit_are_429_with_retry_after),
                scenario!(slot_picker::a_visitor_books_the_first_offered_time_and_sees_it_gone),
                // First of these: it reads days no scenario has booked yet.
                scenario!(availability_done::office_lists_the_london_hours_and_its_first_slot_goes_with_the_one_its_buffer_blocks),
                scenario!(availability_done::a_saturday_an_off_grid_start_and_a_late_start_are_422_outside_availability_and_reach_nothing),
                scenario!(availability_done::the_closed_date_lists_no_slots_and_refuses_bookings),
                // Before the scenarios that fill every host of a day: `far` asks about days
                // that may be among theirs.
                scenario!(availability_done::london_mornings_asked_from_new_york_move_an_hour_when_london_leaves_summer_time),
                scenario!(availability_done::a_meeting_made_at_zoom_removes_its_slots_after_the_cron_sync),
                scenario!(availability_done::a_type_on_one_host_fills_where_the_pool_does_not),
                scenario!(availability_done::a_reschedule_outside_the_hours_is_422_and_to_a_listed_slot_is_200),
                scenario!(availability_done::every_listed_slot_books_and_no_unlisted_grid_point_does),
                // Last: it spends the allowance every read without an address shares.
                scenario!(availability_api::reads_without_a_client_address_share_one_allowance),
            ],
        },
        Group {
            name: "availability-concurrent",
            options: availability_done::two_at_once,
            scenarios: vec![scenario!(
                availability_done::with_two_meetings_at_once_a_slot_stays_listed_until_its_host_has_two
            )],
        },
        Group {
            name: "types-broken",
            options: event_types_ops::broken_types,
            scenarios: vec![scenario!(
                event_types_ops::every_configuration_problem_refuses_the_booking_routes_and_the_status_lists_them
            )],
        },
        Group {
            name: "page",
            options: page::options,
            scenarios: vec![
                scenario!(page::booking_page_is_served),
                scenario!(page::browser_books_with_and_without_javascript),
                scenario!(page::plain_form_posts_get_html),
                scenario!(page::cors_for_allowed_origins_only),
            ],
        },
        Group {
            name: "turnstile-pass",
            options: bot_protection::passing,
            scenarios: vec![
                scenario!(bot_protection::pass_creates_the_meeting),
                scenario!(bot_protection::no_token_refused_without_asking),
                scenario!(bot_protection::verifier_down_or_slow_fails_closed),
                scenario!(replays::a_keyed_retry_with_a_spent_token_gets_its_booking),
            ],
        },
        Group {
            name: "turnstile-fail",
            options: bot_protection::failing,
            scenarios: vec![scenario!(bot_protection::failed_check_refused)],
        },
        Group {
            name: "turnstile-spent",
            options: bot_protection::spent,
            scenarios: vec![scenario!(bot_protection::spent_token_refused)],
        },
        Group {
            name: "client-limits",
            options: bot_protection::client_limits,
            scenarios: vec![
                // First: it needs a worker that never had a token.
                scenario!(limits::an_oauth_outage_before_any_create_gives_back_every_allowance_it_took),
                scenario!(bot_protection::one_client_cannot_take_every_slot),
                scenario!(limits::ipv6_neighbours_in_one_64_and_plus_tagged_emails_share_a_limit),
                scenario!(limits::slot_refusals_count_toward_the_per_ip_limit),
                scenario!(limits::key_reuse_refusals_past_the_limit_add_no_counts),
            ],
        },
        Group {
            name: "openapi",
            options: openapi::options,
            scenarios: vec![scenario!(openapi::every_documented_status_happens)],
        },
        Group {
            name: "openapi-derived",
            options: openapi::many_bookings,
            scenarios: vec![
                scenario!(openapi::documented_constraints_accept_just_valid_and_refuse_just_invalid_values),
                scenario!(openapi::every_link_of_a_new_booking_leads_to_an_operation_that_succeeds),
                scenario!(openapi::every_undocumented_method_is_405_with_the_documented_allow_list),
            ],
        },
        Group {
            name: "unconfigured",
            options: || StackOptions::new(TokenMode::Multi).without("ZOOM_CLIENT_SECRET"),
            scenarios: vec![scenario!(bookings::missing_secret_is_503_not_configured)],
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
            .filter(|scenario| {
                filter
                    .as_deref()
                    .is_none_or(|f| format!("{}::{}", group.name, scenario.name).contains(f))
            })
            .collect();
        if selected.is_empty() {
            continue;
        }
        println!("starting stack '{}' (emulator + wrangler dev)", group.name);
        let stack = Stack::start(group.name, (group.options)());
        for scenario in selected {
            let full = format!("{}::{}", group.name, scenario.name);
            stack.reset();
            match catch_unwind(AssertUnwindSafe(|| (scenario.run)(&stack))) {
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
