//! The calls only an office's (or admin's) device makes: its people and
//! their devices, and exports. The server checks the role and the part of
//! the tree on every call; these only carry the device's token.

use gridwalk_domain::directory::GridNode;
use gridwalk_domain::directory::{DeviceInfo, Invitation, NewUser, UserCreated, UserInfo};
use gridwalk_domain::export::{LEFT_OUT_HEADER, ROWS_HEADER};
use gridwalk_domain::ipc::ExportRequest;
use gridwalk_domain::work_order::ResponsePolicy;
use gridwalk_domain::{GridId, UserId};

use super::{HttpTransport, MAX_SMALL_ANSWER_BYTES, TransportError};

/// An export as the server sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exported {
    pub bytes: Vec<u8>,
    pub rows: u64,
    pub left_out: u64,
}

/// An export: a community's records for years, with room to spare.
const MAX_EXPORT_BYTES: usize = 64 * 1024 * 1024;
/// Lists of a community's people or devices.
const MAX_LIST_BYTES: usize = 8 * 1024 * 1024;

impl HttpTransport {
    /// An export of this device's community, and how many rows it holds
    /// and how many records the server could not read and left out. The
    /// server logs every export in its audit log.
    pub async fn export(&self, req: &ExportRequest) -> Result<Exported, TransportError> {
        let url = format!(
            "{}/v1/admin/export/{}.{}?full={}",
            self.base,
            req.what.file_stem(),
            req.format.extension(),
            req.full
        );
        let resp = self.send(self.device_call(self.client.get(&url))).await?;
        // A missing or garbled count is not trusted as zero.
        let count = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
        };
        let (left_out, rows) = (count(LEFT_OUT_HEADER), count(ROWS_HEADER));
        let bytes = self.read(resp, MAX_EXPORT_BYTES).await?;
        let (Some(left_out), Some(rows)) = (left_out, rows) else {
            return Err(TransportError::BadAnswer(
                "the export does not say how many rows it holds and left out".into(),
            ));
        };
        Ok(Exported {
            bytes,
            rows,
            left_out,
        })
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

    /// Chooses a community's response commitments on the server.
    pub async fn set_policy(
        &self,
        node: &GridId,
        policy: &ResponsePolicy,
    ) -> Result<GridNode, TransportError> {
        let url = format!("{}/v1/admin/nodes/{node}/policy", self.base);
        self.json(
            self.device_call(self.client.put(&url)).json(policy),
            MAX_SMALL_ANSWER_BYTES,
        )
        .await
    }
}
