//! What the worker does after each send of a Zoom call: the whole retry policy, as a pure
//! function the edge's send loop executes (`edge::zoom::api`).
//!
//! - A rejected token (401 code 124) means Zoom did not act: ask the coordinator to replace that
//!   token and send exactly once more.
//! - A 5xx or no answer at all (timeout, dropped connection) is retried, with backoff, only for
//!   idempotent calls (GET, PATCH, DELETE). A create is never re-sent blindly: Zoom may have made
//!   the meeting (see `domain::booking::saga`).
//! - Everything else is final.

use crate::domain::api_error::ApiError;
use crate::domain::zoom::api::retry_backoff_ms;

/// Retries of an idempotent call after a 5xx, a timeout or a connection failure.
pub const IDEMPOTENT_RETRIES: u32 = 2;
/// Seconds a client is asked to wait when Zoom could not be reached.
pub const UNREACHABLE_RETRY_AFTER_SECS: u32 = 5;

/// Why a call did not succeed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallError {
    /// The request may have reached Zoom but no answer came (timeout, dropped connection):
    /// for a create, the meeting may exist.
    OutcomeUnknown,
    Failed(ApiError),
    /// The call never left the worker (no token, no permit, its deadline passed): Zoom did not
    /// receive it, so nothing it would count was spent (`booking::give_back`).
    NotSent(ApiError),
}

impl CallError {
    /// Why a call stopped before a send: `NotSent` if nothing was sent before either, else
    /// `Failed` (an earlier send reached Zoom, whatever it answered).
    pub fn before_send(err: ApiError, sent_before: bool) -> CallError {
        if sent_before {
            CallError::Failed(err)
        } else {
            CallError::NotSent(err)
        }
    }
}

impl From<ApiError> for CallError {
    fn from(err: ApiError) -> Self {
        CallError::Failed(err)
    }
}

impl From<CallError> for ApiError {
    fn from(err: CallError) -> Self {
        match err {
            CallError::OutcomeUnknown => ApiError::ZoomUnavailable {
                retry_after: UNREACHABLE_RETRY_AFTER_SECS,
            },
            CallError::Failed(err) | CallError::NotSent(err) => err,
        }
    }
}

/// What one send came to, as the policy sees it. (A 429 arrives here as `Failed` with the
/// error the shell made of Zoom's rate-limit headers.)
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sent {
    Succeeded,
    TokenRejected,
    NoAnswer,
    Failed(ApiError),
}

/// The next thing to do for a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Done,
    /// Ask the coordinator to replace the rejected token, then send again in a new slot.
    ReplaceTokenAndResend,
    /// Wait, then send again in a new slot with the current token.
    BackOffAndResend {
        wait_ms: u64,
    },
    GiveUp(CallError),
}

/// Where a call stands: resends so far, and whether this round already replaced its token.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Retries {
    pub backed_off: u32,
    pub token_replaced: bool,
}

impl Retries {
    /// The next step after `sent`; `random` (asked for only when backing off) jitters the
    /// backoff so isolates do not retry in step.
    pub fn next_step(&self, idempotent: bool, sent: Sent, random: impl FnOnce() -> u8) -> Step {
        let transient = matches!(
            sent,
            Sent::NoAnswer | Sent::Failed(ApiError::ZoomError { .. })
        );
        match sent {
            Sent::Succeeded => Step::Done,
            Sent::TokenRejected if !self.token_replaced => Step::ReplaceTokenAndResend,
            // A second 124 with a token the coordinator just issued: Zoom's auth is unwell.
            Sent::TokenRejected => Step::GiveUp(CallError::Failed(ApiError::ZoomAuthUnavailable {
                retry_after: UNREACHABLE_RETRY_AFTER_SECS,
            })),
            _ if transient && idempotent && self.backed_off < IDEMPOTENT_RETRIES => {
                Step::BackOffAndResend {
                    wait_ms: retry_backoff_ms(self.backed_off, random()),
                }
            }
            Sent::NoAnswer => Step::GiveUp(CallError::OutcomeUnknown),
            Sent::Failed(err) => Step::GiveUp(CallError::Failed(err)),
        }
    }

    /// The state after taking `step`: each backoff starts a fresh round, which may replace its
    /// token once again.
    pub fn after(self, step: &Step) -> Retries {
        match step {
            Step::ReplaceTokenAndResend => Retries {
                token_replaced: true,
                ..self
            },
            Step::BackOffAndResend { .. } => Retries {
                backed_off: self.backed_off + 1,
                token_replaced: false,
            },
            Step::Done | Step::GiveUp(_) => self,
        }
    }

    /// Whether the next send repeats an earlier one (counted in the operator status).
    pub fn is_resend(&self) -> bool {
        self.backed_off > 0 || self.token_replaced
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIRST: Retries = Retries {
        backed_off: 0,
        token_replaced: false,
    };
    const IDEMPOTENT: bool = true;
    const CREATE: bool = false;

    /// Runs the policy over a sequence of send results and returns the steps it took.
    fn steps(idempotent: bool, sends: &[Sent]) -> Vec<Step> {
        let mut retries = FIRST;
        sends
            .iter()
            .map(|sent| {
                let step = retries.next_step(idempotent, sent.clone(), || 0);
                retries = retries.after(&step);
                step
            })
            .collect()
    }

    #[test]
    fn a_success_is_done_at_once() {
        assert_eq!(steps(CREATE, &[Sent::Succeeded]), vec![Step::Done]);
    }

    #[test]
    fn a_rejected_token_is_replaced_and_the_call_sent_exactly_once_more() {
        assert_eq!(
            steps(CREATE, &[Sent::TokenRejected, Sent::Succeeded]),
            vec![Step::ReplaceTokenAndResend, Step::Done]
        );
        let twice = steps(CREATE, &[Sent::TokenRejected, Sent::TokenRejected]);
        assert_eq!(
            twice[1],
            Step::GiveUp(CallError::Failed(ApiError::ZoomAuthUnavailable {
                retry_after: 5
            }))
        );
    }

    #[test]
    fn a_create_without_an_answer_is_never_resent() {
        assert_eq!(
            steps(CREATE, &[Sent::NoAnswer]),
            vec![Step::GiveUp(CallError::OutcomeUnknown)]
        );
        let server_error = ApiError::ZoomError { status: 502 };
        assert_eq!(
            steps(CREATE, &[Sent::Failed(server_error.clone())]),
            vec![Step::GiveUp(CallError::Failed(server_error))]
        );
    }

    #[test]
    fn idempotent_calls_back_off_twice_after_5xx_or_silence_then_give_up() {
        let server_error = Sent::Failed(ApiError::ZoomError { status: 503 });
        let taken = steps(
            IDEMPOTENT,
            &[server_error.clone(), Sent::NoAnswer, server_error.clone()],
        );
        assert_eq!(taken[0], Step::BackOffAndResend { wait_ms: 200 });
        assert_eq!(taken[1], Step::BackOffAndResend { wait_ms: 400 });
        assert_eq!(
            taken[2],
            Step::GiveUp(CallError::Failed(ApiError::ZoomError { status: 503 }))
        );
    }

    #[test]
    fn each_backoff_round_may_replace_its_token_again() {
        let taken = steps(
            IDEMPOTENT,
            &[
                Sent::TokenRejected,
                Sent::NoAnswer,
                Sent::TokenRejected,
                Sent::Succeeded,
            ],
        );
        assert_eq!(
            taken,
            vec![
                Step::ReplaceTokenAndResend,
                Step::BackOffAndResend { wait_ms: 200 },
                Step::ReplaceTokenAndResend,
                Step::Done,
            ]
        );
    }

    #[test]
    fn refusals_that_are_not_transient_are_final_even_for_idempotent_calls() {
        for err in [
            ApiError::ZoomRejected {
                status: 404,
                zoom_code: Some(3001),
            },
            ApiError::ZoomRateLimited { retry_after: 1 },
            ApiError::ZoomAuthRejected,
        ] {
            assert_eq!(
                steps(IDEMPOTENT, &[Sent::Failed(err.clone())]),
                vec![Step::GiveUp(CallError::Failed(err))]
            );
        }
    }

    #[test]
    fn a_call_that_stops_before_its_first_send_was_never_sent() {
        let no_token = ApiError::ZoomAuthUnavailable { retry_after: 5 };
        assert_eq!(
            CallError::before_send(no_token.clone(), false),
            CallError::NotSent(no_token.clone())
        );
        // A token replaced after a 124: the first send reached Zoom.
        assert_eq!(
            CallError::before_send(no_token.clone(), true),
            CallError::Failed(no_token.clone())
        );
        assert_eq!(
            ApiError::from(CallError::NotSent(no_token.clone())),
            no_token
        );
    }

    #[test]
    fn only_the_first_send_is_not_a_resend() {
        assert!(!FIRST.is_resend());
        assert!(FIRST.after(&Step::ReplaceTokenAndResend).is_resend());
        assert!(FIRST
            .after(&Step::BackOffAndResend { wait_ms: 1 })
            .is_resend());
    }
}
