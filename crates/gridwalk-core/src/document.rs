//! Records as Automerge documents.
//!
//! Every record is one document whose root holds `kind`, `schema` and a `body`
//! map. The body is written from and read back into serde types through JSON,
//! field by field, so a later concurrent edit of one field merges per field
//! rather than overwriting the record. Reading goes through the domain types'
//! `Deserialize`, which re-validates whatever another device wrote.

use automerge::transaction::{CommitOptions, Transactable};
use automerge::{ActorId, AutoCommit, AutoSerde, Change, ObjId, ObjType, Prop, ROOT, ReadDoc};
use gridwalk_domain::DeviceId;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{CoreError, Result};

pub const SCHEMA: i64 = 1;

/// A new document holding `body`, made by `device` at `time_ms`; returns the
/// document and the one change that created it (for the outbox).
pub fn create<T: Serialize>(
    device: &DeviceId,
    kind: &str,
    body: &T,
    time_ms: i64,
) -> Result<(AutoCommit, Change)> {
    let body = serde_json::to_value(body).map_err(|e| CoreError::Invalid(e.to_string()))?;
    if !body.is_object() {
        // A record is a map of fields; anything else would be silently dropped.
        return Err(CoreError::Invalid(format!(
            "a {kind} document body must be a map of fields"
        )));
    }
    let mut doc = AutoCommit::new().with_actor(ActorId::from(&device.as_bytes()[..]));
    let am = |e: automerge::AutomergeError| CoreError::Invalid(e.to_string());
    doc.put(ROOT, "kind", kind).map_err(am)?;
    doc.put(ROOT, "schema", SCHEMA).map_err(am)?;
    let obj = doc.put_object(ROOT, "body", ObjType::Map).map_err(am)?;
    put_map_fields(&mut doc, &obj, &body).map_err(am)?;
    // Automerge change times are seconds.
    doc.commit_with(CommitOptions::default().with_time(time_ms.div_euclid(1000)));
    let change = doc
        .get_last_local_change()
        .ok_or_else(|| CoreError::Invalid("a new document produced no change".into()))?;
    Ok((doc, change))
}

fn put_map_fields(
    doc: &mut AutoCommit,
    obj: &ObjId,
    value: &Value,
) -> Result<(), automerge::AutomergeError> {
    if let Value::Object(map) = value {
        for (k, v) in map {
            put_value(doc, obj, Prop::Map(k.clone()), v)?;
        }
    }
    Ok(())
}

fn put_value(
    doc: &mut AutoCommit,
    obj: &ObjId,
    prop: Prop,
    v: &Value,
) -> Result<(), automerge::AutomergeError> {
    match v {
        Value::Object(_) => {
            let child = make_object(doc, obj, prop, ObjType::Map)?;
            put_map_fields(doc, &child, v)
        }
        Value::Array(items) => {
            let child = make_object(doc, obj, prop, ObjType::List)?;
            for (i, item) in items.iter().enumerate() {
                put_value(doc, &child, Prop::Seq(i), item)?;
            }
            Ok(())
        }
        scalar => match prop {
            Prop::Seq(i) => doc.insert(obj, i, scalar_of(scalar)),
            Prop::Map(key) => doc.put(obj, key, scalar_of(scalar)),
        },
    }
}

/// Lists are filled by inserting at an index, maps by putting a key.
fn make_object(
    doc: &mut AutoCommit,
    obj: &ObjId,
    prop: Prop,
    t: ObjType,
) -> Result<ObjId, automerge::AutomergeError> {
    match prop {
        Prop::Seq(i) => doc.insert_object(obj, i, t),
        Prop::Map(key) => doc.put_object(obj, key, t),
    }
}

fn scalar_of(v: &Value) -> automerge::ScalarValue {
    use automerge::ScalarValue as S;
    match v {
        Value::Null => S::Null,
        Value::Bool(b) => S::Boolean(*b),
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => S::Int(i),
            (None, Some(u), _) => S::Uint(u),
            (_, _, f) => S::F64(f.unwrap_or(0.0)),
        },
        Value::String(s) => S::Str(s.as_str().into()),
        Value::Array(_) | Value::Object(_) => S::Null,
    }
}

/// The record's kind (`report`, …), if the document has one.
pub fn kind(doc: &AutoCommit) -> Option<String> {
    let (v, _) = doc.get(ROOT, "kind").ok()??;
    v.as_str().map(str::to_owned)
}

/// Reads the body back into a domain type, re-validating it.
pub fn read_body<T: DeserializeOwned>(doc: &AutoCommit, doc_label: &str) -> Result<T> {
    let fail = |reason: String| CoreError::Document {
        doc: doc_label.to_owned(),
        reason,
    };
    let json = serde_json::to_value(AutoSerde::from(doc)).map_err(|e| fail(e.to_string()))?;
    let body = json
        .get("body")
        .cloned()
        .ok_or_else(|| fail("it has no body".into()))?;
    serde_json::from_value(body).map_err(|e| fail(e.to_string()))
}

/// Loads stored document bytes.
pub fn load(bytes: &[u8], doc_label: &str) -> Result<AutoCommit> {
    AutoCommit::load(bytes).map_err(|e| CoreError::Document {
        doc: doc_label.to_owned(),
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Sample {
        name: String,
        n: i64,
        x: f64,
        tags: Vec<String>,
        nested: Vec<Inner>,
        maybe: Option<String>,
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Inner {
        a: u32,
    }

    #[test]
    fn a_body_round_trips_through_a_document_and_its_change() {
        let device = DeviceId::from_random_bytes([5; 16]);
        let body = Sample {
            name: "井盖".into(),
            n: -3,
            x: 31.5,
            tags: vec!["a".into(), "b".into()],
            nested: vec![Inner { a: 1 }, Inner { a: 2 }],
            maybe: None,
        };
        let (mut doc, change) = create(&device, "sample", &body, 1_700_000_000_123).unwrap();
        assert_eq!(kind(&doc).as_deref(), Some("sample"));
        assert_eq!(read_body::<Sample>(&doc, "t").unwrap(), body);

        // A second replica built from the change alone reads the same body.
        let mut other = AutoCommit::new();
        other
            .apply_changes([Change::from_bytes(change.raw_bytes().to_vec()).unwrap()])
            .unwrap();
        assert_eq!(read_body::<Sample>(&other, "t").unwrap(), body);
        assert_eq!(other.get_heads(), doc.get_heads());
    }

    #[test]
    fn a_body_that_is_not_a_map_is_refused() {
        let device = DeviceId::from_random_bytes([5; 16]);
        assert!(
            create(&device, "k", &vec![1, 2], 0).is_err(),
            "a list body would be lost"
        );
        assert!(create(&device, "k", &"text", 0).is_err());
    }

    #[test]
    fn the_same_record_at_the_same_time_gives_the_same_change_hash() {
        // Demo seeding relies on this to be idempotent.
        let device = DeviceId::from_random_bytes([6; 16]);
        let a = create(&device, "k", &Inner { a: 1 }, 5_000).unwrap().1;
        let b = create(&device, "k", &Inner { a: 1 }, 5_000).unwrap().1;
        assert_eq!(a.hash(), b.hash());
    }
}
