//! The value changes a request has made and not yet written: all the handle buffers. A
//! login's identity and device and a touch are added when the write is built, so the state
//! every request allocates holds two empty maps and nothing else of a [`SessionChanges`].

use auth_core::SessionChanges;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Default)]
pub(crate) struct PendingValues {
    /// Values set (inserted or replaced).
    pub(crate) set: BTreeMap<String, serde_json::Value>,
    /// Values removed.
    pub(crate) removed: BTreeSet<String>,
}

impl PendingValues {
    pub(crate) fn is_empty(&self) -> bool {
        self.set.is_empty() && self.removed.is_empty()
    }

    /// `name` set to `value` (undoing an earlier removal in this request).
    pub(crate) fn insert(&mut self, name: String, value: serde_json::Value) {
        self.removed.remove(&name);
        self.set.insert(name, value);
    }

    /// `name` removed (undoing an earlier set in this request).
    pub(crate) fn remove(&mut self, name: String) {
        self.set.remove(&name);
        self.removed.insert(name);
    }

    /// The changes a save writes for these values.
    pub(crate) fn into_changes(self) -> SessionChanges {
        let mut changes = SessionChanges::default();
        changes.set = self.set;
        changes.removed = self.removed;
        changes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_later_operation_on_a_name_wins_and_carries_over() {
        let mut p = PendingValues::default();
        assert!(p.is_empty());
        p.insert("a".into(), json!(1));
        p.remove("a".into());
        p.insert("b".into(), json!(2));
        p.remove("c".into());
        p.insert("c".into(), json!(3));
        assert!(!p.is_empty());
        let c = p.into_changes();
        assert_eq!(c.removed.iter().collect::<Vec<_>>(), ["a"]);
        assert_eq!(c.set.keys().collect::<Vec<_>>(), ["b", "c"]);
        assert!(c.identity.is_none() && c.touch.is_none() && c.device.is_none());
    }
}
