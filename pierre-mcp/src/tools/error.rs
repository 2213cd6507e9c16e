//! [`ToolError`]: why a tool call failed, as the one sentence the model
//! (and the person) reads.

use pierre_shared::model::LocalDate;

use super::ProviderName;
use crate::daemon::LinkError;

/// Why a tool call failed, worded for the model (and the person) to act on.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ToolError {
    #[error("Invalid arguments for {tool}")]
    Arguments {
        tool: &'static str,
        #[source]
        source: serde_json::Error,
    },
    #[error("`{name}` must be from {min} to {max}; it was {value}.")]
    OutOfRange {
        name: &'static str,
        min: u32,
        max: u32,
        /// What the caller sent, as [`Count::shown`] words it.
        value: String,
    },
    #[error("`from` ({from}) is after `to` ({to}); swap them.")]
    ReversedRange { from: LocalDate, to: LocalDate },
    #[error("{from} to {to} spans {days} days; ask for at most {max} days per call.")]
    RangeTooLong { from: LocalDate, to: LocalDate, days: i64, max: i64 },
    #[error(transparent)]
    Link(#[from] LinkError),
    #[error(
        "No provider is connected for this Pierre user; run `pierre-authd login` to connect the synthetic demo provider (or `pierre-authd login --provider strava` for real data)."
    )]
    NothingConnected,
    #[error("There is no {provider} connection; run `pierre-authd connect {provider}` to connect it.")]
    NotConnected { provider: ProviderName },
    #[error("The {provider} connection needs renewing; run `pierre-authd connect {provider}`, then try again.")]
    NeedsReconnect { provider: ProviderName },
    #[error(
        "Reading {provider} data is not built into this pierre-mcp yet; pass provider=synthetic for the demo data."
    )]
    NoClient { provider: String },
    #[error("No {provider} activity has id `{id}`; call get_activities to find the id.")]
    UnknownActivity { provider: ProviderName, id: String },
    #[error("That cursor did not come from get_activities; call it again without a cursor to start from the newest.")]
    BadCursor,
    /// The provider's client failed; its message says what to do.
    #[error(transparent)]
    Provider(#[from] pierre_shared::providers::api::ApiError),
    /// Nothing to draw: an empty image would cost the model tokens and say
    /// less than this sentence.
    #[error(
        "The {provider} data has no {what} from {from} to {to}, so there is nothing to chart; try a longer or more recent range."
    )]
    NothingToChart { what: &'static str, provider: ProviderName, from: LocalDate, to: LocalDate },
    #[error("The call was cancelled.")]
    Cancelled,
    #[error("pierre-mcp failed while preparing the data; see its log file (mcp.log) and report the problem.")]
    Internal,
}

impl ToolError {
    /// The sentence, with the cause where one helps (serde's "unknown
    /// variant `hiking`, expected one of ...").
    ///
    /// # Security
    /// Never advises a destructive command: see [`without_destructive_advice`].
    pub fn sentence(&self) -> String {
        let text = match self {
            ToolError::Arguments { .. } => crate::logging::chain(self),
            // The daemon link's message is already the whole sentence.
            other => other.to_string(),
        };
        let text = without_destructive_advice(&text);
        if text.ends_with('.') { text } else { format!("{text}.") }
    }
}

/// Commands that delete a user's data for good. A person may choose one
/// after `pierre-authd doctor` has shown every option; a model that reads
/// one in an error might run it, so no tool error names them.
const DESTRUCTIVE: &[&str] = &["pierre-authd purge"];

/// What a tool error says to do instead of a destructive command.
const SAFE_ADVICE: &str = "run `pierre-authd doctor` to see what is wrong and how to fix it";

/// `text` with every clause that advises a [`DESTRUCTIVE`] command replaced
/// by [`SAFE_ADVICE`].
///
/// The daemon's own sentences, relayed here from its socket answers
/// (`LinkError::Rpc`, or `ApiError::Credentials` around a `tokens.get`
/// failure), are written for a person at a terminal and some end "…;
/// restore it from a backup, or run `pierre-authd purge` to start over".
/// A clause runs from the `; ` before the command to the next `;` or `)`;
/// what happened (the part before it) is kept.
pub fn without_destructive_advice(text: &str) -> String {
    let mut text = text.to_owned();
    while let Some(at) = DESTRUCTIVE.iter().filter_map(|c| text.find(c)).min() {
        let start = text[..at].rfind("; ").map_or(0, |i| i + 2);
        let end = text[at..].find([';', ')']).map_or(text.len(), |i| at + i);
        let advice = if start == 0 {
            // The sentence was nothing but the advice.
            let mut capital = SAFE_ADVICE.to_owned();
            capital[..1].make_ascii_uppercase();
            capital
        } else {
            SAFE_ADVICE.to_owned()
        };
        text.replace_range(start..end, &advice);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use pierre_shared::error::ErrorCode;
    use pierre_shared::protocol::RpcError;
    use pierre_shared::providers::api::ApiError;

    /// The daemon's key-store sentences (pierre-authd/src/vault/error.rs)
    /// advise `pierre-authd purge`; relayed to the model, that advice must
    /// become `pierre-authd doctor`, keeping what happened.
    #[test]
    fn relayed_daemon_errors_never_advise_purge() {
        let daemon = "the keyring has no entry `pierre-1` for this install; restore it, or run `pierre-authd purge` to start over";
        for error in [
            ToolError::Link(LinkError::Rpc(RpcError::new(ErrorCode::KeyStoreUnavailable, daemon))),
            ToolError::Provider(ApiError::Credentials { message: daemon.to_owned() }),
        ] {
            let text = error.sentence();
            assert_eq!(
                text,
                "the keyring has no entry `pierre-1` for this install; run `pierre-authd doctor` to see what is wrong and how to fix it."
            );
        }
        let nested = "pierre-authd could not be started (the key file /k is not valid base64; restore it from a backup, or run `pierre-authd purge` to start over); check /h/logs/authd.log";
        assert_eq!(
            without_destructive_advice(nested),
            "pierre-authd could not be started (the key file /k is not valid base64; run `pierre-authd doctor` to see what is wrong and how to fix it); check /h/logs/authd.log"
        );
        assert_eq!(
            without_destructive_advice("Run `pierre-authd purge` to remove everything"),
            "Run `pierre-authd doctor` to see what is wrong and how to fix it"
        );
        let twice = "a; run `pierre-authd purge`; b; or `pierre-authd purge`";
        assert!(!without_destructive_advice(twice).contains("purge"));
        let harmless = "There is no strava connection; run `pierre-authd connect strava` to connect it.";
        assert_eq!(without_destructive_advice(harmless), harmless);
    }
}
