//! Oura v2 client: not written yet (being written now).
