//! Records the benches push: each a real Automerge document made as the
//! app makes them, with an id no other bench record has.

use automerge::AutoCommit;
use gridwalk_domain::sync::WireChange;
use gridwalk_domain::{DeviceId, DocId, GridId};

/// The device id of simulated device `device`.
pub fn device_id(device: u64) -> DeviceId {
    DeviceId::from_random_bytes((u128::from(device) + 1).to_le_bytes())
}

/// The id of the `n`th record simulated device `device` makes.
pub fn doc_id(device: u64, n: u64) -> DocId {
    let mut id = [0u8; 16];
    id[..8].copy_from_slice(&device.to_le_bytes());
    // Byte 8 carries the UUID variant bits, so `n` goes after it: ids never collide.
    id[9..].copy_from_slice(&n.to_le_bytes()[..7]);
    DocId::from_random_bytes(id)
}

/// Device `device`'s `n`th record, of `kind` in `grid`, with `fields` in
/// its body: the document and its first change as it goes on the wire.
pub fn create(
    device: u64,
    n: u64,
    kind: &str,
    grid: &str,
    fields: serde_json::Value,
) -> (AutoCommit, WireChange) {
    let doc = doc_id(device, n);
    let mut body = serde_json::json!({"id": doc.to_string(), "scope": grid});
    if let (Some(body), serde_json::Value::Object(fields)) = (body.as_object_mut(), fields) {
        body.extend(fields);
    }
    // A record's first change names its own id and grid (the server checks).
    let (am, change) =
        gridwalk_records::create_untyped(&device_id(device), kind, &body, 0).unwrap();
    let wire = WireChange {
        doc,
        scope: GridId::parse(grid).unwrap(),
        bytes: change.raw_bytes().to_vec(),
    };
    (am, wire)
}
