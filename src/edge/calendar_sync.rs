//! The Cron Trigger: reads every host's upcoming meetings from Zoom (all pages) and hands each
//! complete list to the coordinator, so meetings booked by hand or by other apps block their
//! slots, and bookings follow meetings moved at Zoom. A booking whose meeting the list lacks is
//! cancelled only once Zoom says the meeting does not exist (404 code 3001). A meeting carrying
//! the marker of an attempt released as "Zoom made nothing" is an orphan, and is deleted.
//! Webhooks keep the calendar current between runs.

use super::account::Account;
use super::clock;
use super::zoom::api::{CallError, ZoomApi};
use super::zoom::meetings::PagerError;
use crate::domain::api_error::ApiError;
use crate::domain::coordinator::{CancelBooking, HostSync, OrphanDeleted, Suspect, SyncOutcome};
use crate::domain::zoom::api::means_already_deleted;
use crate::domain::zoom::meetings::ListKind;
use crate::domain::zoom::HostUser;
use std::fmt;
use worker::{
    console_error, console_log, console_warn, event, Env, ScheduleContext, ScheduledEvent,
};

/// Upper bound on pages per host (300 meetings each).
const MAX_PAGES: usize = 100;
/// Suspect bookings asked about per run, over all hosts: each costs a permit, a Zoom call (and
/// its resends) and a cancel, so together with the hosts' list pages a run stays near the
/// Worker's subrequest limit (50 on the Free plan); the rest wait for the next run.
const MAX_SUSPECTS_PER_RUN: usize = 5;

/// Why a host's list was not synced. Its previous view stays: a partial list would free the
/// slots of meetings on pages never read.
enum SyncError {
    Zoom(ApiError),
    UnreadablePage,
    TooManyPages,
    Coordinator(ApiError),
}

impl fmt::Display for SyncError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SyncError::Zoom(err) => write!(f, "Zoom: {}", err.code()),
            SyncError::UnreadablePage => f.write_str("a list page Zoom sent could not be read"),
            SyncError::TooManyPages => write!(f, "more than {MAX_PAGES} pages"),
            SyncError::Coordinator(err) => write!(f, "coordinator: {}", err.code()),
        }
    }
}

impl From<PagerError> for SyncError {
    fn from(err: PagerError) -> Self {
        match err {
            PagerError::Zoom(err) => SyncError::Zoom(ApiError::from(err)),
            PagerError::UnreadablePage => SyncError::UnreadablePage,
            PagerError::TooManyPages => SyncError::TooManyPages,
        }
    }
}

#[event(scheduled)]
async fn scheduled(_event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    let account = match Account::load(&env) {
        Ok(account) => account,
        Err(err) => return console_error!("sync skipped: {}", err.message()),
    };
    let zoom = ZoomApi::new(&env, &account.config, &account.coordinator);
    // Every host is synced first; the suspects they leave share one budget afterwards, so a
    // host with many cannot starve the later hosts' syncs.
    let mut suspects = Vec::new();
    let mut orphans = Vec::new();
    for host in &account.config.host_users {
        // One host's failure does not stop the others; its old view stays until the next run.
        match sync_host(&zoom, &account, host).await {
            Ok(outcome) => {
                console_log!(
                    "sync {host}: {} meetings made elsewhere, {} bookings moved, {} suspects",
                    outcome.made_elsewhere,
                    outcome.moved,
                    outcome.suspects.len()
                );
                suspects.extend(outcome.suspects);
                orphans.extend(outcome.orphans);
            }
            Err(err) => console_error!("sync {host} failed ({err}); its previous view stays"),
        }
    }
    let cancelled = confirm_suspects(&zoom, &account, &suspects).await;
    console_log!("reconciliation: {cancelled} bookings cancelled (meeting gone at Zoom)");
    // Orphans share the run's budget of Zoom calls with the suspects.
    let budget = MAX_SUSPECTS_PER_RUN.saturating_sub(suspects.len().min(MAX_SUSPECTS_PER_RUN));
    let deleted = delete_orphans(&zoom, &account, &orphans[..orphans.len().min(budget)]).await;
    console_log!("reconciliation: {deleted} orphan meetings deleted");
}

/// Deletes meetings Zoom made for attempts the coordinator had released (no booking refers to
/// them); one that is gone already counts as deleted.
async fn delete_orphans(zoom: &ZoomApi<'_>, account: &Account, orphans: &[u64]) -> usize {
    let mut deleted = 0;
    for &meeting_id in orphans {
        let gone = match zoom.delete_meeting(meeting_id).await {
            Ok(_) => true,
            Err(CallError::Failed(err)) => means_already_deleted(&err),
            Err(CallError::OutcomeUnknown | CallError::NotSent(_)) => false,
        };
        if !gone {
            console_warn!("orphan meeting {meeting_id} not deleted; tried again next run");
            continue;
        }
        deleted += 1;
        account
            .coordinator
            .send_or_log(
                &OrphanDeleted { meeting_id },
                "orphan deleted but not counted",
            )
            .await;
    }
    deleted
}

async fn sync_host(
    zoom: &ZoomApi<'_>,
    account: &Account,
    host: &HostUser,
) -> Result<SyncOutcome, SyncError> {
    let mut sync = HostSync {
        host: host.to_owned(),
        host_id: None,
        meetings: Vec::new(),
        markers: Vec::new(),
        listed_at_ms: clock::now_ms(),
    };
    let everything = zoom.search(host, ListKind::Upcoming, MAX_PAGES, |page| {
        for meeting in page.meetings {
            if let Some(marker) = &meeting.marker {
                sync.markers.push((meeting.id, marker.as_str().to_owned()));
            }
            sync.meetings.push((meeting.id, meeting.span));
        }
        sync.host_id = sync.host_id.take().or(page.host_id);
        None::<()>
    });
    everything.await?;
    account
        .coordinator
        .send(&sync)
        .await
        .map_err(SyncError::Coordinator)
}

/// Asks Zoom about each booking whose meeting the list lacked; one Zoom reports gone (404 code
/// 3001) is cancelled. Anything else (the meeting exists, an error) leaves the booking as it is
/// until the next run. Returns how many were cancelled.
async fn confirm_suspects(zoom: &ZoomApi<'_>, account: &Account, suspects: &[Suspect]) -> usize {
    let mut cancelled = 0;
    for suspect in suspects.iter().take(MAX_SUSPECTS_PER_RUN) {
        match zoom.get_meeting(suspect.meeting_id).await {
            Err(CallError::Failed(err)) if means_already_deleted(&err) => {
                let cancel = CancelBooking {
                    booking_id: suspect.booking_id.clone(),
                    reconciled: true,
                };
                match account.coordinator.send(&cancel).await {
                    Ok(_) => cancelled += 1,
                    Err(err) => {
                        console_error!("{}: not cancelled ({})", suspect.booking_id, err.code())
                    }
                }
            }
            Ok(_) => {}
            Err(err) => console_warn!(
                "{}: meeting {} not confirmed ({:?}); asked again next run",
                suspect.booking_id,
                suspect.meeting_id,
                err
            ),
        }
    }
    cancelled
}
