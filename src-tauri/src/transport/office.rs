//! The calls only an office's (or admin's) device makes: its people and
//! their devices, and exports. The server checks the role and the part of
//! the tree on every call; these only carry the device's token.

use gridwalk_domain::UserId;
use gridwalk_domain::directory::{DeviceInfo, Invitation, NewUser, UserCreated, UserInfo};
use gridwalk_domain::export::LEFT_OUT_HEADER;

use super::{HttpTransport, MAX_SMALL_ANSWER_BYTES, TransportError};

/// A CSV export: a community's reports for years, with room to spare.
const MAX_EXPORT_BYTES: usize = 64 * 1024 * 1024;
/// Lists of a community's people or devices.
const MAX_LIST_BYTES: usize = 8 * 1024 * 1024;

impl HttpTransport {
    /// The reports of this device's community as CSV, and how many records
    /// the server could not read and left out. The server logs every export
    /// in its audit log.
    pub async fn export_reports(&self) -> Result<(String, u64), TransportError> {
        let url = format!("{}/v1/admin/export/reports.csv", self.base);
        let resp = self.send(self.device_call(self.client.get(&url))).await?;
        // A missing or garbled count is not trusted as zero.
        let left_out = resp
            .headers()
            .get(LEFT_OUT_HEADER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        let body = self.read(resp, MAX_EXPORT_BYTES).await?;
        let left_out = left_out.ok_or_else(|| {
            TransportError::BadAnswer("the export does not say how many records it left out".into())
        })?;
        let csv = String::from_utf8(body)
            .map_err(|_| TransportError::BadAnswer("the export is not UTF-8 text".into()))?;
        Ok((csv, left_out))
    }

    /// The people this device's user may manage.
    pub async fn users(&self) -> Result<Vec<UserInfo>, TransportError> {
        let url = format!("{}/v1/admin/users", self.base);
        self.json(self.device_call(self.client.get(&url)), MAX_LIST_BYTES)
            .await
    }

    /// Their devices, switched off ones included.
    pub async fn devices(&self) -> Result<Vec<DeviceInfo>, TransportError> {
        let url = format!("{}/v1/admin/devices", self.base);
        self.json(self.device_call(self.client.get(&url)), MAX_LIST_BYTES)
            .await
    }

    /// Adds a person; the answer carries their first invitation.
    pub async fn add_user(&self, new: &NewUser) -> Result<UserCreated, TransportError> {
        let url = format!("{}/v1/admin/users", self.base);
        self.json(
            self.device_call(self.client.post(&url)).json(new),
            MAX_SMALL_ANSWER_BYTES,
        )
        .await
    }

    /// A new one-time invitation for an existing person (a new phone).
    pub async fn invite(&self, user: &UserId) -> Result<Invitation, TransportError> {
        let url = format!("{}/v1/admin/users/{user}/invitations", self.base);
        self.json(
            self.device_call(self.client.post(&url)),
            MAX_SMALL_ANSWER_BYTES,
        )
        .await
    }

    /// Switches one device off; its next request gets 401.
    pub async fn revoke(&self, device: i64) -> Result<DeviceInfo, TransportError> {
        let url = format!("{}/v1/admin/devices/{device}/revoke", self.base);
        self.json(
            self.device_call(self.client.post(&url)),
            MAX_SMALL_ANSWER_BYTES,
        )
        .await
    }
}
