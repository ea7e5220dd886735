//! How numbers travel in JSON files: finite values as JSON numbers in shortest round-trip form,
//! NaN and infinities as the strings `"nan"`, `"inf"`, `"-inf"` (JSON has no literal for them).

use serde_json::Value;

/// Encodes `v` as a JSON number, or as `"nan"`, `"inf"`, `"-inf"`.
pub fn encode(v: f64) -> Value {
    if v.is_nan() {
        Value::from("nan")
    } else if v == f64::INFINITY {
        Value::from("inf")
    } else if v == f64::NEG_INFINITY {
        Value::from("-inf")
    } else {
        // serde_json writes f64 in shortest round-trip form (ryu); -0.0 stays "-0.0".
        Value::from(v)
    }
}

/// Decodes what [`encode`] writes; `None` for any other JSON value.
pub fn decode(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => match s.as_str() {
            "nan" => Some(f64::NAN),
            "inf" => Some(f64::INFINITY),
            "-inf" => Some(f64::NEG_INFINITY),
            _ => None,
        },
        _ => None,
    }
}

/// An f64 that serializes with [`encode`] and deserializes with [`decode`], for typed file formats.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct JsonF64(pub f64);

impl serde::Serialize for JsonF64 {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        encode(self.0).serialize(s)
    }
}

impl<'de> serde::Deserialize<'de> for JsonF64 {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        decode(&v).map(JsonF64).ok_or_else(|| {
            serde::de::Error::custom(format!("expected a number or \"nan\"/\"inf\"/\"-inf\", found {v}"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_specials_and_shortest_forms() {
        for v in [0.0, -0.0, 0.1, 1e-300, 5e-324, f64::MAX, f64::INFINITY, f64::NEG_INFINITY] {
            let back = decode(&encode(v)).unwrap();
            assert_eq!(back.to_bits(), v.to_bits(), "{v}");
        }
        assert!(decode(&encode(f64::NAN)).unwrap().is_nan());
        assert_eq!(serde_json::to_string(&encode(0.1)).unwrap(), "0.1");
        assert_eq!(decode(&Value::from("NaN")), None);
        assert_eq!(decode(&Value::Bool(true)), None);
    }
}
