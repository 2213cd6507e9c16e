//! `users.add|list|remove|rename`: the Pierre users sharing one daemon.

use serde::{Deserialize, Serialize};

/// A Pierre user as shown to clients.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserInfo {
    pub user_id: String,
    pub name: String,
    /// Seconds since the Unix epoch.
    pub created_at: i64,
    pub is_owner: bool,
}

/// `users.add` params.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UsersAddParams {
    pub name: String,
}

/// `users.remove` params: `target` is a name or a user id.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UsersRemoveParams {
    pub target: String,
}

/// `users.rename` params.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UsersRenameParams {
    pub target: String,
    pub new_name: String,
}

/// `users.list` result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsersListResult {
    pub users: Vec<UserInfo>,
}

/// `users.remove` result: the user that is gone, with its tokens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsersRemoveResult {
    /// The removed user's id.
    pub removed: String,
    pub name: String,
}
