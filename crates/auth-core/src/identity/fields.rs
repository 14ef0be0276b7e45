use super::*;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct Identity {
    pub(super) subject: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) session: Option<SessionKey>,
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub(super) roles: BTreeSet<String>,
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub(super) scopes: BTreeSet<String>,
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub(super) claims: serde_json::Map<String, serde_json::Value>,
    #[serde(default)]
    pub(super) method: AuthMethod,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) authenticated_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) expires_at: Option<Timestamp>,
    /// Added later: absent in what older versions stored (read as `None`, our own).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "super::shared_str"
    )]
    pub(super) issuer: Option<Arc<str>>,
    /// Added later: absent in what older versions stored (read as a user).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub(super) client: bool,
}
