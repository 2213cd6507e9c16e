//! MCP resources: context a user attaches to a conversation (`@` in Claude
//! Code, the attachment menu in Claude Desktop) without the model calling a
//! tool. Each is read fresh from the default provider, with the same code
//! and the same data as the tool that answers it: `pierre://athlete` is
//! get_athlete's answer, `pierre://week/current` is get_weekly_summary's for
//! this week. The text is compact JSON.

use rmcp::ErrorData;
use rmcp::model::{ReadResourceResult, Resource, ResourceContents};
use serde::Serialize;

use crate::server::PierreServer;
use crate::tools::ToolError;
use crate::tools::analysis::weekly_summary;
use crate::tools::athlete::AthleteOutput;

/// The athlete's profile and thresholds.
pub const ATHLETE: &str = "pierre://athlete";
/// This Monday–Sunday week so far.
pub const WEEK: &str = "pierre://week/current";

const JSON: &str = "application/json";

/// The resources, as `resources/list` shows them.
pub fn list() -> Vec<Resource> {
    vec![
        Resource::new(ATHLETE, "athlete")
            .with_title("Athlete profile")
            .with_description(
                "Who the athlete is and the thresholds answers use (max and resting heart rate, FTP, threshold pace).",
            )
            .with_mime_type(JSON),
        Resource::new(WEEK, "week-current")
            .with_title("This week's training")
            .with_description(
                "This Monday–Sunday week so far: count, distance, time, climb and load by sport, and form today.",
            )
            .with_mime_type(JSON),
    ]
}

impl PierreServer {
    /// Reads resource `uri` from the default provider.
    ///
    /// # Errors
    /// `resource_not_found` for another URI; otherwise the tool's own
    /// sentence (not connected, daemon unreachable, provider down).
    pub(crate) async fn read(&self, uri: &str) -> Result<ReadResourceResult, ErrorData> {
        let text = match uri {
            ATHLETE => {
                let source = self.sources().open(None).await.map_err(failed)?;
                let athlete = source.athlete().await.map_err(failed)?;
                json(&AthleteOutput { provider: source.provider, athlete })?
            }
            WEEK => {
                let source = self.sources().open(None).await.map_err(failed)?;
                json(&weekly_summary(&source, 1).await.map_err(failed)?)?
            }
            other => {
                return Err(ErrorData::resource_not_found(
                    format!("there is no resource `{other}`; the resources are {ATHLETE} and {WEEK}"),
                    None,
                ));
            }
        };
        Ok(ReadResourceResult::new(vec![ResourceContents::text(text, uri).with_mime_type(JSON)]))
    }
}

fn json<T: Serialize>(value: &T) -> Result<String, ErrorData> {
    serde_json::to_string(value).map_err(|e| {
        ErrorData::internal_error(format!("the resource could not be encoded: {e}; please report it"), None)
    })
}

/// A tool error as a resource read's error: the same one sentence.
fn failed(error: ToolError) -> ErrorData {
    ErrorData::internal_error(error.sentence(), None)
}
