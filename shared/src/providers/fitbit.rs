//! Fitbit Web API client: not written yet (being written now).
