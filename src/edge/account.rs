//! What most handlers work with: the deployment's settings and the Zoom account's coordinator.

use super::coordinator::Coordinator;
use super::settings;
use crate::domain::api_error::ApiError;
use crate::domain::config::Config;
use worker::Env;

pub struct Account {
    pub config: Config,
    pub coordinator: Coordinator,
}

impl Account {
    /// Reads the settings (`503 not_configured` naming what is wrong) and binds the coordinator.
    pub fn load(env: &Env) -> Result<Self, ApiError> {
        let config = settings::load(env)?;
        let coordinator = Coordinator::of(env, &config.credentials.account_id)?;
        Ok(Self {
            config,
            coordinator,
        })
    }
}
