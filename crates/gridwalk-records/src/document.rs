//! Creating, loading and reading record documents.

use automerge::transaction::{CommitOptions, Transactable};
use automerge::{ActorId, AutoCommit, Change, ObjId, ObjType, Prop, ROOT, ReadDoc};
use gridwalk_domain::record::{ErasedProjection, KindSpec, Record, read_body};
use gridwalk_domain::{DeviceId, DocKind, UserId};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{RecordsError, Result};

/// The layout version of the root (`kind`, `schema`, `body`).
pub const DOC_SCHEMA: i64 = 1;

/// Who made a change, carried in its message so that a person choosing
/// between two versions sees who wrote each. The server refuses a change
/// whose author is not the pushing user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Author {
    pub user: UserId,
    pub name: String,
}

impl Author {
    pub(crate) fn commit_options(author: Option<&Author>, time_ms: i64) -> CommitOptions {
        // Automerge change times are whole seconds.
        let options = CommitOptions::default().with_time(time_ms.div_euclid(1000));
        match author.and_then(|a| serde_json::to_string(a).ok()) {
            Some(message) => options.with_message(message),
            None => options,
        }
    }
}

/// The author a change names, if it names one in the expected form.
pub fn author_of(change: &Change) -> Option<Author> {
    serde_json::from_str(change.message()?).ok()
}

/// A new document for `body`, made by `device` at `time_ms`; returns it and
/// the one change that created it (for the outbox).
pub fn create<K: Record>(
    device: &DeviceId,
    body: &K,
    author: Option<&Author>,
    time_ms: i64,
) -> Result<(AutoCommit, Change)> {
    let spec = KindSpec::of::<K>();
    let json = serde_json::to_value(body).map_err(|e| RecordsError::Write(e.to_string()))?;
    create_with(
        device,
        K::KIND.as_str(),
        &json,
        &|p| spec.is_text(p),
        author,
        time_ms,
    )
}

/// A document of any kind name with any body and no text fields: for
/// tools and tests that must produce records this version would refuse.
pub fn create_untyped(
    device: &DeviceId,
    kind_name: &str,
    body: &impl Serialize,
    time_ms: i64,
) -> Result<(AutoCommit, Change)> {
    let json = serde_json::to_value(body).map_err(|e| RecordsError::Write(e.to_string()))?;
    create_with(device, kind_name, &json, &|_| false, None, time_ms)
}

fn create_with(
    device: &DeviceId,
    kind_name: &str,
    body: &Value,
    is_text: &TextPaths<'_>,
    author: Option<&Author>,
    time_ms: i64,
) -> Result<(AutoCommit, Change)> {
    if !body.is_object() {
        // A record is a map of fields; anything else would be silently dropped.
        return Err(RecordsError::NotAMap);
    }
    let mut doc = AutoCommit::new().with_actor(actor_of(device));
    doc.put(ROOT, "kind", kind_name)?;
    doc.put(ROOT, "schema", DOC_SCHEMA)?;
    put_value(
        &mut doc,
        &ROOT,
        Prop::Map("body".into()),
        body,
        &mut Vec::new(),
        is_text,
    )?;
    doc.commit_with(Author::commit_options(author, time_ms));
    let change = doc
        .get_last_local_change()
        .ok_or_else(|| RecordsError::Write("a new document produced no change".into()))?;
    Ok((doc, change))
}

/// Which body paths hold text that merges character by character.
pub(crate) type TextPaths<'a> = dyn Fn(&[String]) -> bool + 'a;

pub(crate) fn actor_of(device: &DeviceId) -> ActorId {
    ActorId::from(&device.as_bytes()[..])
}

/// Writes `v` at `prop` of `obj`; strings at the kind's text paths become
/// text objects. A map or list is written as one batch (two splices of the
/// op set instead of one per field), which is what makes an import of
/// thousands of households fast; map keys go in sorted order, so the same
/// body makes the same change.
pub(crate) fn put_value(
    doc: &mut AutoCommit,
    obj: &ObjId,
    prop: Prop,
    v: &Value,
    path: &mut Vec<String>,
    is_text: &TextPaths<'_>,
) -> Result<()> {
    match v {
        Value::Object(_) | Value::Array(_) => {
            let tree = hydrate(v, path, is_text, doc.text_encoding());
            let insert = matches!(prop, Prop::Seq(_));
            doc.batch_create_object(obj, prop, &tree, insert)?;
        }
        Value::String(s) if is_text(path) => {
            let text = match prop {
                Prop::Seq(i) => doc.insert_object(obj, i, ObjType::Text)?,
                Prop::Map(key) => doc.put_object(obj, key, ObjType::Text)?,
            };
            doc.splice_text(&text, 0, 0, s)?;
        }
        scalar => match prop {
            Prop::Seq(i) => doc.insert(obj, i, scalar_of(scalar))?,
            Prop::Map(key) => doc.put(obj, key, scalar_of(scalar))?,
        },
    }
    Ok(())
}

/// `v` as automerge's value tree, text paths as text.
fn hydrate(
    v: &Value,
    path: &mut Vec<String>,
    is_text: &TextPaths<'_>,
    encoding: automerge::TextEncoding,
) -> automerge::hydrate::Value {
    use automerge::hydrate;
    match v {
        Value::Object(map) => {
            let mut fields = std::collections::HashMap::new();
            for (k, item) in map {
                path.push(k.clone());
                fields.insert(k.clone(), hydrate(item, path, is_text, encoding));
                path.pop();
            }
            hydrate::Value::Map(fields.into())
        }
        Value::Array(items) => {
            let mut list = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                path.push(i.to_string());
                list.push(hydrate(item, path, is_text, encoding));
                path.pop();
            }
            list.into()
        }
        Value::String(s) if is_text(path) => hydrate::Value::text(encoding, s),
        scalar => hydrate::Value::scalar(scalar_of(scalar)),
    }
}

pub(crate) fn scalar_of(v: &Value) -> automerge::ScalarValue {
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

/// The record's kind, if its root names one this version knows.
pub fn kind(doc: &AutoCommit) -> Option<DocKind> {
    let (v, _) = doc.get(ROOT, "kind").ok()??;
    DocKind::parse(v.as_str()?).ok()
}

/// The device that created the record: the actor of the change that set
/// its kind (which never changes afterwards).
pub fn maker(doc: &AutoCommit) -> Option<DeviceId> {
    // The operation's id names its actor: no change needs rebuilding.
    match doc.get(ROOT, "kind").ok()?? {
        (_, automerge::ObjId::Id(_, actor, _)) => device_of(&actor),
        _ => None,
    }
}

/// The device an Automerge actor stands for (devices use their id).
pub fn device_of(actor: &ActorId) -> Option<DeviceId> {
    let bytes: [u8; 16] = actor.to_bytes().try_into().ok()?;
    Some(DeviceId::from_random_bytes(bytes))
}

/// Loads stored document bytes.
pub fn load(bytes: &[u8], doc_label: &str) -> Result<AutoCommit> {
    AutoCommit::load(bytes).map_err(|e| RecordsError::Unreadable {
        doc: doc_label.to_owned(),
        reason: e.to_string(),
    })
}

/// The body as JSON, each field's current (winning) value.
pub fn body_json(doc: &AutoCommit, doc_label: &str) -> Result<Value> {
    match doc.get(ROOT, "body") {
        Ok(Some((automerge::Value::Object(_), body))) => Ok(object_json(doc, &body)),
        _ => Err(RecordsError::Unreadable {
            doc: doc_label.to_owned(),
            reason: "it has no body".into(),
        }),
    }
}

/// Reads the body back into its kind, re-validating it.
pub fn read<K: Record>(doc: &AutoCommit, doc_label: &str) -> Result<K> {
    Ok(read_body::<K>(body_json(doc, doc_label)?)?)
}

/// Reads and projects the body through a kind known only at run time.
pub fn read_spec(doc: &AutoCommit, spec: &KindSpec, doc_label: &str) -> Result<ErasedProjection> {
    Ok((spec.project)(body_json(doc, doc_label)?)?)
}

/// How deep a body may nest. Every kind is a few levels deep; a document
/// from another device may nest as deep as it likes, and reading it by
/// recursion would overflow the stack. Deeper objects read as null, which
/// no kind accepts.
pub const MAX_BODY_DEPTH: usize = 16;

/// The object `obj` as JSON.
pub(crate) fn object_json(doc: &AutoCommit, obj: &ObjId) -> Value {
    object_json_at(doc, obj, 0)
}

fn object_json_at(doc: &AutoCommit, obj: &ObjId, depth: usize) -> Value {
    if depth > MAX_BODY_DEPTH {
        return Value::Null;
    }
    let value = |v: &automerge::Value<'_>, id: &ObjId| match v {
        automerge::Value::Object(_) => object_json_at(doc, id, depth + 1),
        automerge::Value::Scalar(_) => value_json(doc, v, id),
    };
    match doc.object_type(obj) {
        // One pass over the object's visible values: looking each key or
        // index up again was most of the cost of reading a record.
        Ok(ObjType::Map | ObjType::Table) => Value::Object(
            doc.map_range(obj, ..)
                .map(|item| {
                    let id = item.id();
                    let v = value(&item.value.into_value(), &id);
                    (item.key.into_owned(), v)
                })
                .collect::<Map<_, _>>(),
        ),
        Ok(ObjType::List) => Value::Array(
            doc.list_range(obj, ..)
                .map(|item| {
                    let id = item.id();
                    value(&item.value.into_value(), &id)
                })
                .collect(),
        ),
        Ok(ObjType::Text) => Value::String(doc.text(obj).unwrap_or_default()),
        Err(_) => Value::Null,
    }
}

pub(crate) fn value_json(doc: &AutoCommit, v: &automerge::Value<'_>, id: &ObjId) -> Value {
    use automerge::ScalarValue as S;
    match v {
        automerge::Value::Object(_) => object_json(doc, id),
        automerge::Value::Scalar(s) => match s.as_ref() {
            S::Str(t) => Value::String(t.to_string()),
            S::Int(i) | S::Timestamp(i) => Value::from(*i),
            S::Uint(u) => Value::from(*u),
            S::F64(f) => serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
            S::Counter(c) => Value::from(i64::from(c)),
            S::Boolean(b) => Value::Bool(*b),
            S::Null | S::Bytes(_) | S::Unknown { .. } => Value::Null,
        },
    }
}
