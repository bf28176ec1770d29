//! Large values inside worker messages, packed as one byte string of
//! their JSON (`#[serde(with = "crate::packed")]`).
//!
//! The workers' codec turns every struct field into a JavaScript object
//! property one by one; a random forest of 100 trees on the adult data
//! (800,000 nodes) took the page's thread 12 s to send to a worker and 2–3 s
//! to receive from each, while the page stood still. As one byte string it
//! crosses as a `Uint8Array` copy, and JSON is the model file's own format,
//! which every value packed here already round-trips (a model file is
//! written and read the same way).

use serde::de::{DeserializeOwned, Error as _};
use serde::ser::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub fn serialize<T: Serialize, S: Serializer>(value: &T, serializer: S) -> Result<S::Ok, S::Error> {
    let bytes = serde_json::to_vec(value).map_err(S::Error::custom)?;
    serializer.serialize_bytes(&bytes)
}

pub fn deserialize<'de, T: DeserializeOwned, D: Deserializer<'de>>(deserializer: D) -> Result<T, D::Error> {
    let bytes = serde_bytes::ByteBuf::deserialize(deserializer)?;
    serde_json::from_slice(&bytes).map_err(D::Error::custom)
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
