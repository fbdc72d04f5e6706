//! What a person is told about a record's sync: 待同步 / 同步中 / 已同步 / 失败.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum SyncState {
    /// Saved on the device, waiting for the next sync.
    Pending,
    /// A sync carrying it is under way.
    Syncing,
    /// The server has stored it and its photos.
    Synced,
    /// The last attempt failed; it stays on the device and will be retried.
    Failed { reason: crate::ErrorCode },
}

/// Whether the device may talk to the server at all.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum DeviceAccess {
    /// No invitation redeemed yet: sync does not call the server.
    #[default]
    Unbound,
    Bound,
    /// The server refused the token (`auth.revoked`: the office cut the
    /// device off; `auth.unknown_token`: the server does not know it). Sync
    /// stops until a new invitation is redeemed; local records stay.
    Refused {
        code: crate::ErrorCode,
    },
}

/// The device-wide sync picture shown in the header.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SyncStatus {
    pub running: bool,
    /// Unix ms of the last sync that finished without error.
    pub last_success_ms: Option<i64>,
    /// Why the last attempt failed, if it did.
    pub last_error: Option<crate::ErrorCode>,
    /// Changes and photos still waiting to be sent.
    pub pending_changes: u64,
    pub pending_photos: u64,
    /// Seconds until the next automatic attempt, when one is scheduled.
    pub next_attempt_in_s: Option<u64>,
    pub server_url: String,
    pub access: DeviceAccess,
}

/// Derives one record's state from the device's sync picture: a pure function
/// so the list and the tests agree on what each badge means.
pub fn record_state(record_has_unsent: bool, status: &SyncStatus) -> SyncState {
    match (record_has_unsent, status.running, &status.last_error) {
        (false, _, _) => SyncState::Synced,
        (true, true, _) => SyncState::Syncing,
        (true, false, Some(reason)) => SyncState::Failed { reason: *reason },
        (true, false, None) => SyncState::Pending,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsent_records_show_why_they_wait() {
        let mut s = SyncStatus::default();
        assert_eq!(record_state(true, &s), SyncState::Pending);
        s.running = true;
        assert_eq!(record_state(true, &s), SyncState::Syncing);
        s.running = false;
        s.last_error = Some(crate::ErrorCode::SyncUnreachable);
        assert_eq!(
            record_state(true, &s),
            SyncState::Failed {
                reason: crate::ErrorCode::SyncUnreachable
            }
        );
        assert_eq!(
            record_state(false, &s),
            SyncState::Synced,
            "sent records are synced whatever fails later"
        );
    }
}
