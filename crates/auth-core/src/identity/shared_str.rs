use serde::{Deserialize, Deserializer, Serializer};
use std::sync::Arc;

#[allow(clippy::ref_option)] // the signature serde's `with` asks for
pub(super) fn serialize<S: Serializer>(
    value: &Option<Arc<str>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(s) => serializer.serialize_some(&**s),
        None => serializer.serialize_none(),
    }
}

pub(super) fn deserialize<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Arc<str>>, D::Error> {
    Ok(Option::<String>::deserialize(deserializer)?.map(Arc::from))
}
