//! The Cron Trigger: reads every host's upcoming meetings from Zoom (all pages) and hands each
//! complete list to the coordinator, so meetings booked by hand or by other apps block their
//! slots. Webhooks keep the calendar current between runs.

use super::account::Account;
use super::zoom::api::ZoomApi;
use super::zoom::meetings::PagerError;
use crate::domain::api_error::ApiError;
use crate::domain::coordinator::HostSync;
use crate::domain::zoom::HostUser;
use std::fmt;
use worker::{console_error, console_log, event, Env, ScheduleContext, ScheduledEvent};

/// Upper bound on pages per host (300 meetings each).
const MAX_PAGES: usize = 100;

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
    for host in &account.config.host_users {
        // One host's failure does not stop the others; its old view stays until the next run.
        match sync_host(&zoom, &account, host).await {
            Ok(external) => console_log!("sync {host}: {external} meetings made elsewhere"),
            Err(err) => console_error!("sync {host} failed ({err}); its previous view stays"),
        }
    }
}

async fn sync_host(
    zoom: &ZoomApi<'_>,
    account: &Account,
    host: &HostUser,
) -> Result<usize, SyncError> {
    let mut sync = HostSync {
        host: host.to_owned(),
        host_id: None,
        meetings: Vec::new(),
    };
    let everything = zoom.search_upcoming(host, MAX_PAGES, |page| {
        sync.meetings
            .extend(page.meetings.into_iter().map(|m| (m.id, m.span)));
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
