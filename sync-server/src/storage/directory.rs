//! The grid tree, users, provisioned devices and admin sessions.

use gridwalk_domain::CategoryCode;
use gridwalk_domain::boundary::Boundary;
use gridwalk_domain::directory::{DeviceInfo, GridNode, NodeKind, UserInfo};
use gridwalk_domain::work_order::ResponsePolicy;
use gridwalk_domain::{DeviceId, GridId, Role, UserId};

use super::{Row, Storage, StorageError, Tx};

/// A device token's row, with its user's role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceRow {
    pub id: i64,
    pub user: UserId,
    pub role: Role,
    /// The app installation the token was issued to: the only Automerge
    /// actor whose changes this token may push.
    pub device: DeviceId,
    pub revoked: bool,
    pub scope_key: String,
}

/// Everything a device request needs to know about its caller.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceIdentity {
    pub row: DeviceRow,
    pub user: UserInfo,
    pub tree: std::sync::Arc<Vec<GridNode>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InvitationOutcome {
    Redeemed { user: UserId, device_row: i64 },
    Unknown,
    AlreadyUsed,
    Expired,
}

fn corrupt(e: impl std::fmt::Display) -> StorageError {
    StorageError::Corrupt(e.to_string())
}

fn node_kind(s: &str) -> Result<NodeKind, StorageError> {
    NodeKind::parse(s).ok_or_else(|| corrupt(format!("unknown node kind {s:?}")))
}

fn user_nodes(tx: &mut dyn Tx, user: &str) -> Result<Vec<GridId>, StorageError> {
    tx.query(
        "SELECT node_id FROM user_nodes WHERE user_id = $1 ORDER BY node_id",
        &[user.into()],
    )?
    .iter()
    .map(|r| GridId::parse(&r.text(0)?).map_err(corrupt))
    .collect()
}

fn is_null(r: &Row, i: usize) -> bool {
    matches!(r.0.get(i), Some(super::Value::Null) | None)
}

fn read_nodes(tx: &mut dyn Tx) -> Result<Vec<GridNode>, StorageError> {
    tx.query(
        "SELECT n.id, n.parent, n.kind, n.name, b.geojson, p.policy FROM nodes n
         LEFT JOIN node_boundaries b ON b.node_id = n.id
         LEFT JOIN node_policies p ON p.node_id = n.id ORDER BY n.id",
        &[],
    )?
    .iter()
    .map(|r| {
        let parent = match is_null(r, 1) {
            true => None,
            false => Some(GridId::parse(&r.text(1)?).map_err(corrupt)?),
        };
        let json = |i: usize| (!is_null(r, i)).then(|| r.text(i)).transpose();
        let boundary = json(4)?
            .map(|j| serde_json::from_str::<Boundary>(&j))
            .transpose()
            .map_err(corrupt)?;
        let policy = json(5)?
            .map(|j| serde_json::from_str::<ResponsePolicy>(&j))
            .transpose()
            .map_err(corrupt)?;
        Ok(GridNode {
            id: GridId::parse(&r.text(0)?).map_err(corrupt)?,
            parent,
            kind: node_kind(&r.text(2)?)?,
            name: r.text(3)?,
            boundary,
            policy,
        })
    })
    .collect()
}

fn user_categories(tx: &mut dyn Tx, user: &str) -> Result<Vec<CategoryCode>, StorageError> {
    tx.query(
        "SELECT category FROM user_categories WHERE user_id = $1 ORDER BY category",
        &[user.into()],
    )?
    .iter()
    .map(|r| CategoryCode::parse(&r.text(0)?).map_err(corrupt))
    .collect()
}

/// What an office sets on a node of its tree, each kept as JSON in its own
/// table (so databases from before it need no migration).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NodeSetting {
    Boundary,
    Policy,
}

impl NodeSetting {
    fn sql(self) -> (&'static str, &'static str) {
        match self {
            NodeSetting::Boundary => ("node_boundaries", "geojson"),
            NodeSetting::Policy => ("node_policies", "policy"),
        }
    }
}

fn to_json<T: serde::Serialize>(value: Option<&T>) -> Result<Option<String>, StorageError> {
    value
        .map(serde_json::to_string)
        .transpose()
        .map_err(corrupt)
}

/// Replaces a node's setting (as JSON), or removes it with `None`.
fn write_setting(
    tx: &mut dyn Tx,
    setting: NodeSetting,
    node: &GridId,
    json: Option<&str>,
) -> Result<(), StorageError> {
    let (table, column) = setting.sql();
    tx.execute(
        &format!("DELETE FROM {table} WHERE node_id = $1"),
        &[node.as_str().into()],
    )?;
    if let Some(json) = json {
        tx.execute(
            &format!("INSERT INTO {table}(node_id, {column}) VALUES ($1, $2)"),
            &[node.as_str().into(), json.into()],
        )?;
    }
    bump_directory(tx)
}

fn directory_version(tx: &mut dyn Tx) -> Result<u64, StorageError> {
    let rows = tx.query("SELECT version FROM directory_version", &[])?;
    Ok(rows.first().map(|r| r.int(0)).transpose()?.unwrap_or(0) as u64)
}

/// Moves the directory version on, in the transaction that changed it.
fn bump_directory(tx: &mut dyn Tx) -> Result<(), StorageError> {
    tx.execute(
        "INSERT INTO directory_version(one, version) VALUES (1, 1)
         ON CONFLICT(one) DO UPDATE SET version = directory_version.version + 1",
        &[],
    )?;
    Ok(())
}

fn read_user(tx: &mut dyn Tx, id: &str) -> Result<Option<UserInfo>, StorageError> {
    let rows = tx.query(
        "SELECT id, name, role FROM users WHERE id = $1",
        &[id.into()],
    )?;
    rows.first().map(|r| user_from_row(tx, r)).transpose()
}

fn user_from_row(tx: &mut dyn Tx, row: &Row) -> Result<UserInfo, StorageError> {
    let id = row.text(0)?;
    Ok(UserInfo {
        id: UserId::parse(&id).map_err(corrupt)?,
        name: row.text(1)?,
        role: Role::parse(&row.text(2)?).map_err(corrupt)?,
        nodes: user_nodes(tx, &id)?,
        categories: user_categories(tx, &id)?,
    })
}

impl Storage {
    /// Adds a node; an existing id is left as it is (seeding is idempotent),
    /// except that an outline it lacks is added.
    pub fn add_node(&self, node: &GridNode) -> Result<bool, StorageError> {
        let outline = to_json(node.boundary.as_ref())?;
        self.write(|tx| {
            let added = tx.execute(
                "INSERT INTO nodes(id, parent, kind, name) VALUES ($1, $2, $3, $4)
                 ON CONFLICT(id) DO NOTHING",
                &[
                    node.id.as_str().into(),
                    node.parent
                        .as_ref()
                        .map_or(super::Value::Null, |p| p.as_str().into()),
                    node.kind.as_str().into(),
                    node.name.as_str().into(),
                ],
            )? == 1;
            let has_outline = !tx
                .query(
                    "SELECT 1 FROM node_boundaries WHERE node_id = $1",
                    &[node.id.as_str().into()],
                )?
                .is_empty();
            if added || !has_outline {
                write_setting(tx, NodeSetting::Boundary, &node.id, outline.as_deref())?;
            }
            if added {
                bump_directory(tx)?;
            }
            Ok(added)
        })
    }

    /// Replaces (or with `None` removes) a node's outline. False when the
    /// node does not exist.
    pub fn set_boundary(&self, node: &GridId, b: Option<&Boundary>) -> Result<bool, StorageError> {
        self.set_node(NodeSetting::Boundary, node, b)
    }

    /// Replaces (or removes) a community's response commitments.
    pub fn set_policy(
        &self,
        node: &GridId,
        p: Option<&ResponsePolicy>,
    ) -> Result<bool, StorageError> {
        self.set_node(NodeSetting::Policy, node, p)
    }

    fn set_node<T: serde::Serialize>(
        &self,
        setting: NodeSetting,
        node: &GridId,
        value: Option<&T>,
    ) -> Result<bool, StorageError> {
        let json = to_json(value)?;
        self.write(|tx| {
            let exists = !tx
                .query("SELECT 1 FROM nodes WHERE id = $1", &[node.as_str().into()])?
                .is_empty();
            if exists {
                write_setting(tx, setting, node, json.as_deref())?;
            }
            Ok(exists)
        })
    }

    /// The directory version devices compare with the one their account
    /// was read under (0 before any change).
    pub fn directory_version(&self) -> Result<u64, StorageError> {
        self.read(|tx| directory_version(tx))
    }

    /// The grid tree in `tx`'s snapshot. Every request's authentication
    /// needs it, and it changes only with the directory version, so it is
    /// read (outlines parsed and all) once per version.
    fn tree_as_of(&self, tx: &mut dyn Tx) -> Result<std::sync::Arc<Vec<GridNode>>, StorageError> {
        let version = directory_version(tx)?;
        let mut cache = self.tree_cache.lock().map_err(|_| StorageError::Poisoned)?;
        if let Some((v, tree)) = cache.as_ref()
            && *v == version
        {
            return Ok(tree.clone());
        }
        let tree = std::sync::Arc::new(read_nodes(tx)?);
        *cache = Some((version, tree.clone()));
        Ok(tree)
    }

    pub fn nodes(&self) -> Result<Vec<GridNode>, StorageError> {
        self.read(|tx| read_nodes(tx))
    }

    pub fn add_user(&self, user: &UserInfo, now_ms: i64) -> Result<(), StorageError> {
        let id = user.id.to_string();
        self.write(|tx| {
            tx.execute(
                "INSERT INTO users(id, name, role, created_at_ms) VALUES ($1, $2, $3, $4)",
                &[
                    id.as_str().into(),
                    user.name.as_str().into(),
                    user.role.as_str().into(),
                    now_ms.into(),
                ],
            )?;
            for node in &user.nodes {
                tx.execute(
                    "INSERT INTO user_nodes(user_id, node_id) VALUES ($1, $2)",
                    &[id.as_str().into(), node.as_str().into()],
                )?;
            }
            for category in &user.categories {
                tx.execute(
                    "INSERT INTO user_categories(user_id, category) VALUES ($1, $2)",
                    &[id.as_str().into(), category.as_str().into()],
                )?;
            }
            bump_directory(tx)
        })
    }

    /// Replaces the nodes a user is attached to.
    pub fn set_user_nodes(&self, id: &UserId, nodes: &[GridId]) -> Result<(), StorageError> {
        let id = id.to_string();
        self.write(|tx| {
            tx.execute(
                "DELETE FROM user_nodes WHERE user_id = $1",
                &[id.as_str().into()],
            )?;
            for node in nodes {
                tx.execute(
                    "INSERT INTO user_nodes(user_id, node_id) VALUES ($1, $2)",
                    &[id.as_str().into(), node.as_str().into()],
                )?;
            }
            bump_directory(tx)
        })
    }

    pub fn user(&self, id: &UserId) -> Result<Option<UserInfo>, StorageError> {
        let id = id.to_string();
        self.read(|tx| read_user(tx, &id))
    }

    pub fn users(&self) -> Result<Vec<UserInfo>, StorageError> {
        self.read(|tx| {
            let rows = tx.query("SELECT id, name, role FROM users ORDER BY name, id", &[])?;
            rows.iter().map(|r| user_from_row(tx, r)).collect()
        })
    }

    pub fn add_invitation(
        &self,
        code_hash: &str,
        user: &UserId,
        created_by: &str,
        now_ms: i64,
        expires_at_ms: i64,
    ) -> Result<(), StorageError> {
        let user = user.to_string();
        self.write(|tx| {
            tx.execute(
                "INSERT INTO invitations(code_hash, user_id, created_by, created_at_ms, expires_at_ms)
                 VALUES ($1, $2, $3, $4, $5)",
                &[
                    code_hash.into(),
                    user.as_str().into(),
                    created_by.into(),
                    now_ms.into(),
                    expires_at_ms.into(),
                ],
            )?;
            Ok(())
        })
    }

    /// Uses an invitation and provisions the device in one transaction, so
    /// a code can never be redeemed twice, even by two devices at once.
    pub fn redeem_invitation(
        &self,
        code_hash: &str,
        token_hash: &str,
        device: &DeviceId,
        device_name: &str,
        now_ms: i64,
    ) -> Result<InvitationOutcome, StorageError> {
        let device = device.to_string();
        self.write(|tx| {
            let rows = tx.query(
                "SELECT user_id, expires_at_ms, redeemed_at_ms FROM invitations WHERE code_hash = $1",
                &[code_hash.into()],
            )?;
            let Some(row) = rows.first() else {
                return Ok(InvitationOutcome::Unknown);
            };
            if row.opt_int(2)?.is_some() {
                return Ok(InvitationOutcome::AlreadyUsed);
            }
            if row.int(1)? <= now_ms {
                return Ok(InvitationOutcome::Expired);
            }
            let user = row.text(0)?;
            tx.execute(
                "UPDATE invitations SET redeemed_at_ms = $1 WHERE code_hash = $2",
                &[now_ms.into(), code_hash.into()],
            )?;
            let inserted = tx.query(
                "INSERT INTO devices(token_hash, user_id, device, name, created_at_ms, scope_key)
                 VALUES ($1, $2, $3, $4, $5, '') RETURNING id",
                &[
                    token_hash.into(),
                    user.as_str().into(),
                    device.as_str().into(),
                    device_name.into(),
                    now_ms.into(),
                ],
            )?;
            let device_row = inserted
                .first()
                .ok_or_else(|| corrupt("no device id returned"))?
                .int(0)?;
            Ok(InvitationOutcome::Redeemed {
                user: UserId::parse(&user).map_err(corrupt)?,
                device_row,
            })
        })
    }

    /// A device token's row, its user and the whole tree, read in one
    /// snapshot: this runs on every device request.
    pub fn device_by_token(
        &self,
        token_hash: &str,
    ) -> Result<Option<DeviceIdentity>, StorageError> {
        self.read(|tx| {
            let rows = tx.query(
                "SELECT d.id, d.user_id, u.role, d.revoked_at_ms, d.scope_key, d.device
                 FROM devices d JOIN users u ON u.id = d.user_id WHERE d.token_hash = $1",
                &[token_hash.into()],
            )?;
            let Some(r) = rows.first() else {
                return Ok(None);
            };
            let row = DeviceRow {
                id: r.int(0)?,
                user: UserId::parse(&r.text(1)?).map_err(corrupt)?,
                role: Role::parse(&r.text(2)?).map_err(corrupt)?,
                device: DeviceId::parse(&r.text(5)?).map_err(corrupt)?,
                revoked: r.opt_int(3)?.is_some(),
                scope_key: r.text(4)?,
            };
            let user = read_user(tx, &row.user.to_string())?
                .ok_or_else(|| corrupt(format!("device {} has no user", row.id)))?;
            Ok(Some(DeviceIdentity {
                row,
                user,
                tree: self.tree_as_of(tx)?,
            }))
        })
    }

    pub fn set_scope_key(&self, device_row: i64, key: &str) -> Result<(), StorageError> {
        self.write(|tx| {
            tx.execute(
                "UPDATE devices SET scope_key = $1 WHERE id = $2",
                &[key.into(), device_row.into()],
            )?;
            Ok(())
        })
    }

    /// Revokes one device's token; `false` when there is no such device or
    /// it was already revoked.
    pub fn revoke_device(&self, device_row: i64, now_ms: i64) -> Result<bool, StorageError> {
        self.write(|tx| {
            Ok(tx.execute(
                "UPDATE devices SET revoked_at_ms = $1 WHERE id = $2 AND revoked_at_ms IS NULL",
                &[now_ms.into(), device_row.into()],
            )? == 1)
        })
    }

    pub fn devices(&self) -> Result<Vec<DeviceInfo>, StorageError> {
        self.read(|tx| {
            tx.query(
                "SELECT id, user_id, device, name, created_at_ms, revoked_at_ms FROM devices ORDER BY id",
                &[],
            )?
            .iter()
            .map(|r| {
                Ok(DeviceInfo {
                    id: r.int(0)?,
                    user: UserId::parse(&r.text(1)?).map_err(corrupt)?,
                    device: DeviceId::parse(&r.text(2)?).map_err(corrupt)?,
                    name: r.text(3)?,
                    created_at_ms: r.int(4)?,
                    revoked_at_ms: r.opt_int(5)?,
                })
            })
            .collect()
        })
    }

    /// Creates or replaces an admin's password hash.
    pub fn set_admin(&self, username: &str, password_hash: &str) -> Result<(), StorageError> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO admins(username, password_hash) VALUES ($1, $2)
                 ON CONFLICT(username) DO UPDATE SET password_hash = excluded.password_hash",
                &[username.into(), password_hash.into()],
            )?;
            Ok(())
        })
    }

    pub fn admin_password_hash(&self, username: &str) -> Result<Option<String>, StorageError> {
        self.read(|tx| {
            let rows = tx.query(
                "SELECT password_hash FROM admins WHERE username = $1",
                &[username.into()],
            )?;
            rows.first().map(|r| r.text(0)).transpose()
        })
    }

    pub fn add_admin_session(
        &self,
        token_hash: &str,
        username: &str,
        expires_at_ms: i64,
    ) -> Result<(), StorageError> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO admin_sessions(token_hash, username, expires_at_ms) VALUES ($1, $2, $3)",
                &[token_hash.into(), username.into(), expires_at_ms.into()],
            )?;
            Ok(())
        })
    }

    /// The admin a session token belongs to, if it has not expired.
    pub fn admin_session(
        &self,
        token_hash: &str,
        now_ms: i64,
    ) -> Result<Option<String>, StorageError> {
        self.read(|tx| {
            let rows = tx.query(
                "SELECT username FROM admin_sessions WHERE token_hash = $1 AND expires_at_ms > $2",
                &[token_hash.into(), now_ms.into()],
            )?;
            rows.first().map(|r| r.text(0)).transpose()
        })
    }
}
