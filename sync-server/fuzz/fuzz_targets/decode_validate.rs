//! Any bytes as a sync request body: the server's decode-and-validate path
//! must answer Ok or a RejectReason, never panic or hang. Every Automerge
//! change inside goes through the same parser the route uses.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = gridwalk_sync_server::validate::check_request(data);
    // The raw bytes as one change, too: the parser sees them unwrapped.
    let _ = gridwalk_sync_server::validate::decode_change_hash(data);
});
