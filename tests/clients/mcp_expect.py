"""What the pierre-mcp suites expect, in one place: the fixed synthetic clock and
seed the tests run with, and the tools `tools/list` must offer."""

NOW = "2025-11-23T18:00:00+01:00"
SEED = "42"
TOOLS = {
    "connect_provider",
    "disconnect_provider",
    "get_connection_status",
    "get_athlete",
    "get_activities",
    "get_activity",
    "get_stats",
    "get_sleep",
    "get_recovery",
    # Analysis (issue 17).
    "get_training_load",
    "get_weekly_summary",
    "compare_periods",
    "get_personal_records",
    "get_trends",
    # Charts (issue 18): an image and a summary, no structured content or output schema.
    "chart_training_load",
    "chart_weekly_volume",
    "chart_sleep_recovery",
    # Athlete settings and zones (issue 25).
    "get_athlete_settings",
    "set_athlete_settings",
    "get_zones",
}
CHART_TOOLS = {name for name in TOOLS if name.startswith("chart_")}
