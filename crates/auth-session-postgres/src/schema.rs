//! Names: the schema, its tables and the revocation channel are spelled here, and nowhere else.
//!
//! | name | what |
//! |---|---|
//! | `{schema}.sessions` | one row per session, keyed by the session key (SHA-256 of the id) |
//! | `{schema}.refresh_families` | one row per refresh-token family |
//! | `{schema}.revocations` | the revocation list's snapshot |
//! | `{schema}.login_throttle` | failed-login counts, keyed by the throttle key's digest |
//! | `{schema}._sqlx_migrations` | which migrations ran (sqlx's own table, in our schema) |
//! | channel `{schema}_revocations` | each revocation (JSON) as it happens, by `NOTIFY` |
//! | channel `{schema}_sessions` | each changed session's key (hex), by the table's trigger |
//! | channel `{schema}_hb_<random>` | one feed's or local cache's heartbeat, to itself |

use auth_core::Error;

/// The longest schema name: the channel names add up to 24 characters to it, and PostgreSQL
/// identifiers end at 63.
const MAX_LEN: usize = 40;

/// A checked schema name and the qualified names derived from it.
#[derive(Debug, Clone)]
pub(crate) struct Schema {
    name: String,
    pub(crate) sessions: String,
    pub(crate) families: String,
    pub(crate) revocations: String,
    pub(crate) throttle: String,
    pub(crate) channel: String,
    /// Where the `sessions` table's trigger announces changed keys (the local cache listens).
    pub(crate) session_channel: String,
}

impl Schema {
    /// The schema used when none is configured. Not `auth`: Supabase, for one, keeps its own
    /// `auth.sessions` there.
    pub(crate) const DEFAULT: &'static str = "auth_tower";

    /// Check `name`: lower-case ASCII letters, digits and `_`, not starting with a digit, at
    /// most 40 characters. Strict, so that it never needs quoting or escaping anywhere.
    pub(crate) fn new(name: &str) -> Result<Self, Error> {
        let valid = !name.is_empty()
            && name.len() <= MAX_LEN
            && !name.starts_with(|c: char| c.is_ascii_digit())
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !valid {
            return Err(Error::config(format!(
                "invalid PostgreSQL schema name {name:?}: use 1 to {MAX_LEN} lower-case letters, digits and '_', not starting with a digit"
            )));
        }
        let table = |t: &str| format!("\"{name}\".{t}");
        Ok(Self {
            sessions: table("sessions"),
            families: table("refresh_families"),
            revocations: table("revocations"),
            throttle: table("login_throttle"),
            channel: format!("{name}_revocations"),
            session_channel: format!("{name}_sessions"),
            name: name.to_owned(),
        })
    }

    /// The schema's name.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// A heartbeat channel for one feed (`tag`: 16 hex characters).
    pub(crate) fn heartbeat_channel(&self, tag: &str) -> String {
        format!("{}_hb_{tag}", self.name)
    }
}

/// `format!` for SQL text spelled from a checked [`Schema`]'s names and our own constants,
/// as the `SqlStr` sqlx takes for text that is not a literal. This is the one place that
/// asserts such text is safe (sqlx's `AssertSqlSafe`): schema names are strict identifiers
/// ([`Schema::new`]) and every value a caller gives goes in as a bind parameter. Shared, so
/// each query clones a pointer, not the text.
macro_rules! sql {
    ($($format:tt)*) => {
        sqlx::SqlSafeStr::into_sql_str(sqlx::AssertSqlSafe(std::sync::Arc::<str>::from(
            format!($($format)*),
        )))
    };
}
pub(crate) use sql;

/// The database's clock as integer milliseconds since the Unix epoch, for SQL text. Shared
/// state (revocations, throttle counts, expired rows) is pruned by it, never by a caller's.
pub(crate) const DB_NOW_MS: &str = "(extract(epoch FROM clock_timestamp()) * 1000)::bigint";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_strict_and_qualified() {
        let s = Schema::new("app_auth2").unwrap();
        assert_eq!(s.sessions, "\"app_auth2\".sessions");
        assert_eq!(s.channel, "app_auth2_revocations");
        assert_eq!(s.session_channel, "app_auth2_sessions");
        assert!(s.heartbeat_channel("0123456789abcdef").len() <= 63);
        for bad in ["", "Auth", "a-b", "1a", "a b", "a\"b", &"x".repeat(41)] {
            assert!(Schema::new(bad).is_err(), "{bad:?}");
        }
        assert!(Schema::new(&"x".repeat(40)).is_ok());
    }
}
