//! Merging a host's meetings as Zoom lists them (the scheduled sync) into the calendar, so
//! meetings booked by hand block their slots too.

use super::Handle;
use super::ZoomCoordinator;
use crate::domain::coordinator::HostSync;
use crate::edge::clock;
use worker::Result;

impl Handle<HostSync> for ZoomCoordinator {
    async fn handle(&self, sync: HostSync) -> Result<usize> {
        if let Some(host_id) = &sync.host_id {
            self.learn_host_id(host_id, &sync.host)?;
        }
        self.replace_external(&sync.host, &sync.meetings, clock::now_ms())
    }
}
