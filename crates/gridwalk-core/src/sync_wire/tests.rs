use super::*;
use gridwalk_domain::sync::{SyncRequest, SyncResponse, WireChange};
use gridwalk_domain::{DeviceId, DocId, GridId};

fn change(n: u8) -> WireChange {
    WireChange {
        doc: DocId::from_random_bytes([n; 16]),
        scope: GridId::parse("demo-grid-1").unwrap(),
        bytes: vec![0x85, 0x6f, 0x4a, 0x83, n, 0, 255],
    }
}

#[test]
fn requests_and_answers_round_trip_with_raw_change_bytes() {
    let req = SyncRequest {
        protocol: PROTOCOL_VERSION,
        device: DeviceId::from_random_bytes([9; 16]),
        cursor: 1 << 40,
        changes: (0..20).map(change).collect(),
    };
    let body = encode(&req);
    assert_eq!(decode::<SyncRequest>(&body).unwrap(), req);
    let resp = SyncResponse {
        acked: 20,
        changes: vec![change(1)],
        cursor: 7,
        more: true,
        server_time_ms: Some(1_790_000_000_000),
        directory: 3,
        epoch: 77,
    };
    assert_eq!(decode::<SyncResponse>(&encode(&resp)).unwrap(), resp);
    let json = serde_json::to_vec(&req).unwrap();
    assert!(
        body.len() * 3 < json.len(),
        "the binary body ({} bytes) is far smaller than JSON ({} bytes)",
        body.len(),
        json.len()
    );
}

#[test]
fn the_protocol_byte_is_read_before_anything_is_inflated() {
    let mut body = encode(&SyncResponse::default());
    assert_eq!(protocol_of(&body), Some(PROTOCOL_VERSION));
    body[3] = 1;
    let err = decode::<SyncResponse>(&body).unwrap_err();
    assert_eq!(err, WireError::Protocol(1));
    assert!(err.to_string().contains("update the app"), "{err}");
    assert_eq!(
        decode::<SyncResponse>(br#"{"protocol":2}"#).unwrap_err(),
        WireError::NotBinary
    );
}

#[test]
fn garbage_after_the_header_is_refused_not_misread() {
    let mut body = encode(&SyncResponse::default());
    body.truncate(HEADER_LEN);
    body.extend_from_slice(&[0xff; 40]);
    assert!(matches!(
        decode::<SyncResponse>(&body),
        Err(WireError::Malformed(_))
    ));
}

#[test]
fn a_body_that_inflates_to_a_gigabyte_is_refused_at_the_cap() {
    let body = inflation_bomb(1024);
    assert!(
        body.len() < 2 << 20,
        "the bomb is small: {} bytes",
        body.len()
    );
    assert_eq!(
        decode::<SyncRequest>(&body).unwrap_err(),
        WireError::TooLarge
    );
}
