//! [`Problem`]: a setting that could not be used, and what is used instead.
//!
//! The environment reader and the install step collect them; install prints
//! each once, or, for a `strict` builder, returns the first as an error.

use crate::error::PipelineError;

/// A setting that could not be used, and what is used instead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Problem {
    pub(crate) error: PipelineError,
    /// Said after the error on stderr: "using {fallback}".
    pub(crate) fallback: String,
}

impl Problem {
    pub(crate) fn invalid(
        variable: &str,
        value: &str,
        reason: impl Into<String>,
        fallback: impl Into<String>,
    ) -> Problem {
        Problem {
            error: PipelineError::InvalidSetting {
                variable: variable.to_owned(),
                value: value.to_owned(),
                reason: reason.into(),
            },
            fallback: fallback.into(),
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}; using {}", self.error, self.fallback)
    }
}
