//! MCP prompts: three reviews a user picks from the client's prompt menu
//! (a slash command in Claude Code, an attachment in Claude Desktop). Each
//! prompt is one user message that names the tools to call, with which
//! arguments, and what to look at, so the model follows one tested path
//! instead of guessing. Prompts read no data themselves: the tools do, in
//! the session's output mode.

use pierre_shared::model::LocalDate;
use rmcp::ErrorData;
use rmcp::model::{GetPromptResult, JsonObject, Prompt, PromptArgument, PromptMessage, Role};

/// The prompts, as `prompts/list` shows them.
pub fn list() -> Vec<Prompt> {
    vec![
        Prompt::new(
            "weekly_review",
            Some("Review the last training week against the ones before: volume, load, form, sleep and recovery."),
            None,
        )
        .with_title("Weekly review"),
        Prompt::new(
            "race_week_check",
            Some("Check readiness for a race: taper, form, recovery and sleep in the days before it."),
            Some(vec![
                PromptArgument::new("race_date")
                    .with_title("Race date")
                    .with_description("The race day, YYYY-MM-DD")
                    .with_required(true),
                PromptArgument::new("race")
                    .with_title("Race")
                    .with_description("What the race is, e.g. \"half marathon\" or \"olympic triathlon\"")
                    .with_required(false),
            ]),
        )
        .with_title("Race week check"),
        Prompt::new(
            "training_since",
            Some("Summarise all training since a date: totals, the biggest sessions, records and the trend."),
            Some(vec![
                PromptArgument::new("date")
                    .with_title("Since")
                    .with_description("The first day to include, YYYY-MM-DD")
                    .with_required(true),
            ]),
        )
        .with_title("Training since a date"),
    ]
}

/// The message of prompt `name` with `arguments`.
///
/// # Errors
/// `invalid_params` naming the unknown prompt, or the missing or malformed
/// argument and the form it takes.
pub fn get(name: &str, arguments: Option<&JsonObject>) -> Result<GetPromptResult, ErrorData> {
    let (description, text) = match name {
        "weekly_review" => ("Weekly review", weekly_review()),
        "race_week_check" => {
            let race_date = date_argument(arguments, "race_date")?;
            let race = text_argument(arguments, "race");
            ("Race week check", race_week_check(race_date, race.as_deref()))
        }
        "training_since" => ("Training since a date", training_since(date_argument(arguments, "date")?)),
        other => {
            return Err(ErrorData::invalid_params(
                format!(
                    "there is no prompt `{other}`; the prompts are weekly_review, race_week_check and training_since"
                ),
                None,
            ));
        }
    };
    Ok(GetPromptResult::new(vec![PromptMessage::new_text(Role::User, text)]).with_description(description))
}

fn weekly_review() -> String {
    "Review my last training week.\n\
     1. Call get_weekly_summary with weeks=5: compare this week (the last one) with the four before it. \
     Look at time, distance and load by sport, and at the ramp: a week more than about 10 % above the \
     average of the ones before it is a jump worth naming.\n\
     2. Call get_training_load for the last 42 days: say where form (fitness minus fatigue) stands and \
     whether fatigue is building faster than fitness.\n\
     3. Call get_sleep and get_recovery for the last 7 days: name nights or days that stand out \
     (short sleep, low HRV, high resting heart rate) and whether they follow hard days.\n\
     Relay each tool's `sufficiency` sentence when the history is too short, and any `assumed` \
     thresholds. End with what went well, what to watch, and one or two concrete suggestions for \
     next week."
        .to_owned()
}

fn race_week_check(race_date: LocalDate, race: Option<&str>) -> String {
    let race = race.map_or_else(|| "my race".to_owned(), |r| format!("my {r}"));
    format!(
        "Check whether I am ready for {race} on {race_date}.\n\
         1. Call get_training_load from 42 days before the race (or today, if the race is past) to the \
         race date or today: is load tapering in the last 7–14 days, and is form rising towards \
         positive on race day?\n\
         2. Call get_activities for the last 14 days: name the last hard sessions (high load or \
         intensity) and say whether any falls within the 3 days before the race.\n\
         3. Call get_recovery and get_sleep for the last 7 days: any sign of lingering fatigue or \
         illness (HRV well below its usual, resting heart rate up, short nights)?\n\
         4. Call get_personal_records for the race's sport: what recent best efforts suggest about a \
         realistic target.\n\
         Say plainly what is on track and what is not, and what to do in the days left; relay any \
         `sufficiency` or `assumed` notes the tools give."
    )
}

fn training_since(date: LocalDate) -> String {
    format!(
        "Summarise my training since {date}.\n\
         1. Call get_stats with period=month and the count of months back to {date} (period=week and \
         the count of weeks if the span is under two months): totals and the split by sport.\n\
         2. Call compare_periods with from={date} and to=today: how this span compares with the same \
         length just before it.\n\
         3. Call get_activities from {date} (page with cursor while has_more is true, or stop at the \
         20 most recent and say so): the longest and the hardest sessions.\n\
         4. Call get_personal_records from {date} and get_trends for the main sport: records set and \
         whether the athlete is improving.\n\
         Keep it short: the headline numbers, three highlights, and one thing to change; relay any \
         `sufficiency` or `assumed` notes the tools give."
    )
}

fn text_argument(arguments: Option<&JsonObject>, name: &str) -> Option<String> {
    let value = arguments?.get(name)?.as_str()?.trim();
    (!value.is_empty()).then(|| value.to_owned())
}

fn date_argument(arguments: Option<&JsonObject>, name: &str) -> Result<LocalDate, ErrorData> {
    let Some(text) = text_argument(arguments, name) else {
        return Err(ErrorData::invalid_params(format!("the prompt needs `{name}`: a date as YYYY-MM-DD"), None));
    };
    serde_json::from_value(serde_json::Value::String(text.clone())).map_err(|_| {
        ErrorData::invalid_params(
            format!("`{name}` must be a date as YYYY-MM-DD, such as 2026-05-17; got `{text}`"),
            None,
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rmcp::model::ContentBlock;

    fn args(pairs: &[(&str, &str)]) -> JsonObject {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), serde_json::json!(v))).collect()
    }

    fn text(result: &GetPromptResult) -> String {
        match &result.messages[0].content {
            ContentBlock::Text(t) => t.text.clone(),
            other => panic!("a prompt is text: {other:?}"),
        }
    }

    #[test]
    fn each_listed_prompt_answers_and_names_only_real_tools() {
        let tools: Vec<String> =
            crate::server::PierreServer::router().list_all().iter().map(|t| t.name.to_string()).collect();
        let full = args(&[("race_date", "2026-05-17"), ("race", "half marathon"), ("date", "2026-01-01")]);
        for prompt in list() {
            let result = get(&prompt.name, Some(&full)).unwrap();
            let message = text(&result);
            let named: Vec<&str> = message
                .split(|c: char| !(c.is_ascii_lowercase() || c == '_'))
                .filter(|w| w.starts_with("get_") || w.starts_with("compare_"))
                .collect();
            assert!(!named.is_empty(), "{}", prompt.name);
            for tool in named {
                assert!(tools.iter().any(|t| t == tool), "{} names `{tool}`, which is not a tool", prompt.name);
            }
        }
        assert!(text(&get("race_week_check", Some(&full)).unwrap()).contains("my half marathon on 2026-05-17"));
    }

    #[test]
    fn missing_or_malformed_arguments_and_unknown_prompts_say_what_to_send() {
        let missing = get("training_since", None).unwrap_err();
        assert!(missing.message.contains("needs `date`"), "{}", missing.message);
        let bad = get("race_week_check", Some(&args(&[("race_date", "next sunday")]))).unwrap_err();
        assert!(bad.message.contains("YYYY-MM-DD") && bad.message.contains("next sunday"), "{}", bad.message);
        let unknown = get("weekly", None).unwrap_err();
        assert!(unknown.message.contains("weekly_review"), "{}", unknown.message);
    }
}
