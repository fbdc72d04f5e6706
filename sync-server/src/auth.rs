//! Who is calling: device tokens, admin sessions, and the grids a user's
//! place in the tree gives them.
//!
//! Every secret the server hands out (invitation codes, device tokens,
//! admin session tokens) is random from the OS and kept only as its SHA-256:
//! they carry 60–256 random bits, so a slow hash adds nothing, while admin
//! passwords (chosen by people) are hashed with argon2id.

pub mod password;
pub mod rate_limit;

use axum::http::HeaderMap;
use base64::Engine;
use gridwalk_domain::ErrorCode;
use gridwalk_domain::directory::{GridNode, InvitationCode, Me, NodeKind, UserInfo};
use gridwalk_domain::{DeviceId, GridId, Role, UserId};
use gridwalk_photo::sha256_hash;
use std::collections::{BTreeSet, HashMap};

use crate::api::ApiError;
use crate::storage::Storage;

pub const DEVICE_TOKEN_PREFIX: &str = "gwd_";
pub const ADMIN_TOKEN_PREFIX: &str = "gwa_";

fn random_bytes<const N: usize>() -> Result<[u8; N], ApiError> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).map_err(|e| ApiError::Internal(format!("no randomness: {e}")))?;
    Ok(buf)
}

/// A fresh bearer token: a prefix saying what it is for, then 256 random bits.
pub fn new_token(prefix: &str) -> Result<String, ApiError> {
    let bytes = random_bytes::<32>()?;
    Ok(format!(
        "{prefix}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    ))
}

pub fn new_invitation_code() -> Result<InvitationCode, ApiError> {
    Ok(InvitationCode::from_random_bytes(random_bytes::<12>()?))
}

pub fn secret_hash(secret: &str) -> String {
    sha256_hash(secret.as_bytes()).to_string()
}

pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// A provisioned device, as its token says.
#[derive(Debug, Clone)]
pub struct DeviceAuth {
    pub device_row: i64,
    /// The device the token was issued to; its changes carry this actor.
    pub device: DeviceId,
    pub user: UserId,
    pub role: Role,
    /// The grids this user may read and write.
    pub grids: BTreeSet<GridId>,
    /// The nodes the user is attached to (for office subtree checks).
    pub nodes: Vec<GridId>,
    pub scope_key_served: String,
}

impl DeviceAuth {
    pub fn actor(&self) -> String {
        format!("user:{}", self.user)
    }

    /// Fingerprint of what this device may read; a change means it must
    /// pull again from the start to receive what it could not see before.
    pub fn scope_key(&self) -> String {
        let grids: Vec<&str> = self.grids.iter().map(GridId::as_str).collect();
        secret_hash(&format!("{}|{}", self.role, grids.join(",")))
    }
}

/// The caller of an admin route: an admin session, or an office's device.
#[derive(Debug, Clone)]
pub enum Manager {
    Admin(String),
    Office(DeviceAuth),
}

impl Manager {
    pub fn actor(&self) -> String {
        match self {
            Manager::Admin(name) => format!("admin:{name}"),
            Manager::Office(d) => d.actor(),
        }
    }
}

pub fn unauthorized(code: ErrorCode, message: &str) -> ApiError {
    ApiError::Unauthorized(code, message.into())
}

/// Resolves a device token, refusing unknown and revoked ones with 401s the
/// app tells apart.
pub fn device(storage: &Storage, token: Option<&str>) -> Result<DeviceAuth, ApiError> {
    let token = token
        .filter(|t| t.starts_with(DEVICE_TOKEN_PREFIX))
        .ok_or_else(|| {
            unauthorized(
                ErrorCode::AuthMissingToken,
                "this device is not provisioned: redeem an invitation code from your office",
            )
        })?;
    let identity = storage
        .device_by_token(&secret_hash(token))?
        .ok_or_else(|| {
            unauthorized(
                ErrorCode::AuthUnknownToken,
                "this device's token is not known here: redeem a new invitation code",
            )
        })?;
    let row = identity.row;
    if row.revoked {
        return Err(unauthorized(
            ErrorCode::AuthRevoked,
            "this device has been cut off by the office; unsent records stay on it — ask for a new invitation code",
        ));
    }
    Ok(DeviceAuth {
        device_row: row.id,
        device: row.device,
        user: row.user,
        role: row.role,
        grids: grids_of(&identity.tree, row.role, &identity.user.nodes),
        nodes: identity.user.nodes,
        scope_key_served: row.scope_key,
    })
}

pub fn manager(storage: &Storage, token: Option<&str>, now_ms: i64) -> Result<Manager, ApiError> {
    match token {
        Some(t) if t.starts_with(ADMIN_TOKEN_PREFIX) => storage
            .admin_session(&secret_hash(t), now_ms)?
            .map(Manager::Admin)
            .ok_or_else(|| {
                unauthorized(
                    ErrorCode::AuthSessionExpired,
                    "the admin session has expired or is unknown: log in again",
                )
            }),
        other => {
            let d = device(storage, other)?;
            if d.role.manages() {
                Ok(Manager::Office(d))
            } else {
                Err(ApiError::Forbidden(
                    ErrorCode::AuthNotAManager,
                    format!(
                        "a {} may not manage accounts or export records: ask your community office",
                        d.role
                    ),
                ))
            }
        }
    }
}

/// Children of each node, for walking the tree downwards.
fn children(tree: &[GridNode]) -> HashMap<&GridId, Vec<&GridNode>> {
    let mut map: HashMap<&GridId, Vec<&GridNode>> = HashMap::new();
    for n in tree {
        if let Some(p) = &n.parent {
            map.entry(p).or_default().push(n);
        }
    }
    map
}

/// The nodes at or under `roots`.
pub fn subtree<'t>(tree: &'t [GridNode], roots: &[GridId]) -> Vec<&'t GridNode> {
    let kids = children(tree);
    let mut out = Vec::new();
    let mut stack: Vec<&GridNode> = tree.iter().filter(|n| roots.contains(&n.id)).collect();
    let mut seen = BTreeSet::new();
    while let Some(n) = stack.pop() {
        if !seen.insert(&n.id) {
            continue;
        }
        out.push(n);
        if let Some(k) = kids.get(&n.id) {
            stack.extend(k.iter().copied());
        }
    }
    out
}

/// A user's grids: every grid at or under their nodes; an admin's are all.
/// A community counts as one too: what lies outside every grid's outline
/// is filed under the community, for its office.
pub fn grids_of(tree: &[GridNode], role: Role, nodes: &[GridId]) -> BTreeSet<GridId> {
    let all = role == Role::Admin;
    let pick = |n: &&GridNode| matches!(n.kind, NodeKind::Grid | NodeKind::Community);
    if all {
        tree.iter().filter(pick).map(|n| n.id.clone()).collect()
    } else {
        subtree(tree, nodes)
            .into_iter()
            .filter(pick)
            .map(|n| n.id.clone())
            .collect()
    }
}

/// What the device learns about its user: its part of the tree (its nodes,
/// their ancestors so names make sense, and everything below).
pub fn me(storage: &Storage, who: &DeviceAuth) -> Result<Me, ApiError> {
    let user = storage
        .user(&who.user)?
        .ok_or_else(|| ApiError::Internal("user vanished".into()))?;
    let tree = storage.nodes()?;
    let by_id: HashMap<&GridId, &GridNode> = tree.iter().map(|n| (&n.id, n)).collect();
    let mut visible: BTreeSet<&GridId> = BTreeSet::new();
    let roots: Vec<GridId> = if who.role == Role::Admin {
        tree.iter()
            .filter(|n| n.parent.is_none())
            .map(|n| n.id.clone())
            .collect()
    } else {
        user.nodes.clone()
    };
    for n in subtree(&tree, &roots) {
        visible.insert(&n.id);
        let mut up = n.parent.as_ref();
        while let Some(p) = up {
            if !visible.insert(p) {
                break;
            }
            up = by_id.get(p).and_then(|n| n.parent.as_ref());
        }
    }
    Ok(Me {
        user: user.id,
        name: user.name,
        role: user.role,
        nodes: tree
            .iter()
            .filter(|n| visible.contains(&n.id))
            .cloned()
            .collect(),
        grids: who.grids.iter().cloned().collect(),
        people: if who.role.manages() {
            dispatchable(storage, &tree, &roots)?
        } else {
            Vec::new()
        },
    })
}

/// The grid workers and departments attached inside `roots`: whom an
/// office sends work orders to.
fn dispatchable(
    storage: &Storage,
    tree: &[GridNode],
    roots: &[GridId],
) -> Result<Vec<UserInfo>, ApiError> {
    let mut people: Vec<UserInfo> = storage
        .users()?
        .into_iter()
        .filter(|u| matches!(u.role, Role::GridWorker | Role::Department))
        .filter(|u| !u.nodes.is_empty() && crate::provisioning::within(tree, roots, &u.nodes))
        .collect();
    people.sort_by(|a, b| {
        (a.role != Role::GridWorker, &a.name).cmp(&(b.role != Role::GridWorker, &b.name))
    });
    Ok(people)
}
