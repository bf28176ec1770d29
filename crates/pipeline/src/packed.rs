//! Large values inside worker messages, packed as one byte string of
//! their JSON (`#[serde(with = "crate::packed")]`), with any tree in it
//! written as its bytes in base64 ([`crate::trees::packing`]).
//!
//! The workers' codec turns every struct field into a JavaScript object
//! property one by one; a random forest of 100 trees on the adult data
//! (800,000 nodes) took the page's thread 12 s to send to a worker and 2–3 s
//! to receive from each, while the page stood still. As one byte string it
//! crosses as a `Uint8Array` copy, and JSON is the model file's own format,
//! which every value packed here already round-trips (a model file is
//! written and read the same way). A forest's nodes as JSON were the
//! exception to that economy: 10 million of them made a 1.5 GB string.

use serde::de::{DeserializeOwned, Error as _};
use serde::ser::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub fn serialize<T: Serialize, S: Serializer>(value: &T, serializer: S) -> Result<S::Ok, S::Error> {
    // Written twice, counted then kept: a buffer that grows by doubling
    // would hold up to twice a forest's hundreds of megabytes.
    let bytes = crate::trees::packing(|| {
        let len = glassbox_serve::model_file::written_len(|w| Ok(serde_json::to_writer(w, value)?))?;
        let mut bytes = Vec::with_capacity(len as usize);
        serde_json::to_writer(&mut bytes, value).map(|()| bytes).map_err(std::io::Error::from)
    })
    .map_err(S::Error::custom)?;
    serializer.serialize_bytes(&bytes)
}

pub fn deserialize<'de, T: DeserializeOwned, D: Deserializer<'de>>(deserializer: D) -> Result<T, D::Error> {
    let bytes = serde_bytes::ByteBuf::deserialize(deserializer)?;
    serde_json::from_slice(&bytes).map_err(D::Error::custom)
}

/// A forest's trees as their bytes ([`Tree::forest_to_bytes`]), for
/// `#[serde(with = "crate::packed::forest")]`: what a worker sends back,
/// without JSON or base64 around it.
pub mod forest {
    use super::*;
    use crate::trees::Tree;

    pub fn serialize<S: Serializer>(trees: &[Tree], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(&Tree::forest_to_bytes(trees))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<Tree>, D::Error> {
        let bytes = serde_bytes::ByteBuf::deserialize(deserializer)?;
        Tree::forest_from_bytes(&bytes).map_err(D::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Message {
        #[serde(with = "super")]
        trees: Vec<Vec<f64>>,
        name: String,
    }

    #[test]
    fn a_packed_field_round_trips_as_one_byte_string() {
        let m = Message { trees: vec![vec![0.5, 1e-300], vec![]], name: "forest".into() };
        let json = serde_json::to_value(&m).unwrap();
        assert!(json["trees"].is_array() && json["trees"][0].is_number(), "bytes, not a tree of values: {json}");
        assert_eq!(serde_json::from_value::<Message>(json).unwrap(), m);
    }
}
