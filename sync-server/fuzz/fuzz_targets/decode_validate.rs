//! Any bytes as a sync request body: the server's decode-and-validate path
//! must answer Ok or a RejectReason, never panic or hang. Every Automerge
//! change inside goes through the same parser the route uses.
//!
//! That parser still panics on some truncated columns; the server catches
//! those (`validate::decode_change` runs it inside `catch_unwind`) and
//! answers 400. libfuzzer-sys's panic hook aborts on every panic, caught or
//! not, so it is replaced by a quiet one: a panic that escapes the path
//! still reaches libfuzzer-sys's own `catch_unwind`, which aborts, and is
//! reported as the crash it is.
#![no_main]

use libfuzzer_sys::fuzz_target;

static QUIET: std::sync::Once = std::sync::Once::new();

fuzz_target!(|data: &[u8]| {
    QUIET.call_once(|| std::panic::set_hook(Box::new(|_| {})));
    let _ = gridwalk_sync_server::validate::check_request(data);
    // The raw bytes as one change, too: the parser sees them unwrapped.
    let _ = gridwalk_sync_server::validate::decode_change_hash(data);
});
