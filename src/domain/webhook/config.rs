//! Settings of the webhook endpoint, separate from the Zoom API settings so each route reports
//! exactly what it is missing.

use crate::domain::config::setting;
use crate::domain::secret::Secret;
use crate::domain::webhook::signature::DEFAULT_TOLERANCE_SECS;

const MAX_TOLERANCE_SECS: i64 = 3600;

#[derive(Debug, Clone)]
pub struct WebhookConfig {
    /// Routes events to the account's coordinator.
    pub account_id: String,
    /// Accepted secret tokens: the current one, then the previous one during a rotation.
    pub secrets: Vec<Secret>,
    pub tolerance_secs: i64,
}

impl WebhookConfig {
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, Vec<String>> {
        let mut problems = Vec::new();
        let account_id = setting(&lookup, "ZOOM_ACCOUNT_ID");
        let current = setting(&lookup, "ZOOM_WEBHOOK_SECRET_TOKEN");
        if account_id.is_none() {
            problems.push("ZOOM_ACCOUNT_ID is missing".to_owned());
        }
        if current.is_none() {
            problems.push("ZOOM_WEBHOOK_SECRET_TOKEN is missing".to_owned());
        }
        let tolerance_secs = match setting(&lookup, "WEBHOOK_TOLERANCE_SECS") {
            None => DEFAULT_TOLERANCE_SECS,
            Some(raw) => match raw.parse::<i64>() {
                Ok(secs) if (1..=MAX_TOLERANCE_SECS).contains(&secs) => secs,
                _ => {
                    problems.push(format!(
                        "WEBHOOK_TOLERANCE_SECS must be 1..={MAX_TOLERANCE_SECS} seconds"
                    ));
                    DEFAULT_TOLERANCE_SECS
                }
            },
        };
        if !problems.is_empty() {
            return Err(problems);
        }
        let secrets = current
            .into_iter()
            .chain(setting(&lookup, "ZOOM_WEBHOOK_SECRET_TOKEN_PREVIOUS"))
            .map(Secret::new)
            .collect();
        Ok(Self {
            account_id: account_id.unwrap_or_default(),
            secrets,
            tolerance_secs,
        })
    }

    pub fn current_secret(&self) -> &str {
        self.secrets[0].expose()
    }

    /// Every accepted secret, current first, for signature checks.
    pub fn accepted_secrets(&self) -> Vec<&str> {
        self.secrets.iter().map(Secret::expose).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn the_current_secret_signs_and_the_previous_one_is_still_accepted() {
        let cfg = WebhookConfig::from_lookup(lookup(&[
            ("ZOOM_ACCOUNT_ID", "a"),
            ("ZOOM_WEBHOOK_SECRET_TOKEN", "new"),
            ("ZOOM_WEBHOOK_SECRET_TOKEN_PREVIOUS", "old"),
        ]))
        .unwrap();
        assert_eq!(cfg.accepted_secrets(), vec!["new", "old"]);
        assert_eq!(cfg.current_secret(), "new");
        assert_eq!(cfg.tolerance_secs, 300);
        assert!(!format!("{cfg:?}").contains("new"));
    }

    #[test]
    fn problems_are_named() {
        assert_eq!(
            WebhookConfig::from_lookup(lookup(&[("WEBHOOK_TOLERANCE_SECS", "0")])).unwrap_err(),
            vec![
                "ZOOM_ACCOUNT_ID is missing",
                "ZOOM_WEBHOOK_SECRET_TOKEN is missing",
                "WEBHOOK_TOLERANCE_SECS must be 1..=3600 seconds",
            ]
        );
    }
}
