//! Creating nodes, users and invitations: shared by the admin API, the demo
//! seed and the tests, so each path checks the same things.

use gridwalk_domain::ErrorCode;
use gridwalk_domain::directory::{
    GridNode, Invitation, InvitationCode, NewNode, NewUser, UserInfo,
};
use gridwalk_domain::{GridId, UserId};
use qrcode::QrCode;
use qrcode::render::svg;
use std::time::Duration;

use crate::api::ApiError;
use crate::auth::{new_invitation_code, secret_hash};
use crate::storage::Storage;

const MAX_NAME_CHARS: usize = 64;

fn bad(code: ErrorCode, message: String) -> ApiError {
    ApiError::BadRequest(code, message)
}

fn checked_name(name: &str, what: &str) -> Result<String, ApiError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(bad(
            ErrorCode::AdminBadName,
            format!("a {what} name needs 1–{MAX_NAME_CHARS} characters"),
        ));
    }
    Ok(name.to_owned())
}

/// Adds a node under an existing parent of the right kind.
pub fn add_node(storage: &Storage, node: &NewNode) -> Result<GridNode, ApiError> {
    let tree = storage.nodes()?;
    match &node.parent {
        None if node.kind != gridwalk_domain::directory::NodeKind::Community => {
            return Err(bad(
                ErrorCode::AdminBadParent,
                "only a community (社区) can be a root of the tree".into(),
            ));
        }
        None => {}
        Some(p) => {
            let parent = tree.iter().find(|n| &n.id == p).ok_or_else(|| {
                bad(
                    ErrorCode::AdminBadParent,
                    format!("parent node {p} does not exist"),
                )
            })?;
            if !parent.kind.may_parent(node.kind) {
                return Err(bad(
                    ErrorCode::AdminBadParent,
                    format!(
                        "a {} cannot hang under a {}",
                        node.kind.as_str(),
                        parent.kind.as_str()
                    ),
                ));
            }
        }
    }
    let new = GridNode {
        id: node.id.clone(),
        parent: node.parent.clone(),
        kind: node.kind,
        name: checked_name(&node.name, "node")?,
        boundary: node.boundary.clone(),
        policy: None,
    };
    if !storage.add_node(&new)? {
        return Err(bad(
            ErrorCode::AdminNodeExists,
            format!("node {} already exists", node.id),
        ));
    }
    Ok(new)
}

/// Creates a user attached to existing nodes. `id` is chosen by the caller
/// (random for real users, fixed for the demo's).
pub fn add_user(
    storage: &Storage,
    id: UserId,
    new: &NewUser,
    now_ms: i64,
) -> Result<UserInfo, ApiError> {
    check_nodes(&storage.nodes()?, &new.nodes)?;
    let user = UserInfo {
        id,
        name: checked_name(&new.name, "user")?,
        role: new.role,
        nodes: new.nodes.clone(),
        categories: new.categories.clone(),
    };
    storage.add_user(&user, now_ms)?;
    Ok(user)
}

/// A user's nodes: at least one, all existing.
pub fn check_nodes(tree: &[GridNode], nodes: &[GridId]) -> Result<(), ApiError> {
    if nodes.is_empty() {
        return Err(bad(
            ErrorCode::AdminNoNodes,
            "attach the user to at least one community, area or grid".into(),
        ));
    }
    if let Some(missing) = nodes.iter().find(|n| !tree.iter().any(|t| &t.id == *n)) {
        return Err(bad(
            ErrorCode::AdminBadNode,
            format!("node {missing} does not exist"),
        ));
    }
    Ok(())
}

pub fn random_user_id() -> Result<UserId, ApiError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| ApiError::Internal(format!("no randomness: {e}")))?;
    Ok(UserId::from_random_bytes(bytes))
}

/// A one-time invitation for `user`; the code exists only in the answer.
pub fn invite(
    storage: &Storage,
    user: &UserId,
    by: &str,
    ttl: Duration,
    now_ms: i64,
) -> Result<Invitation, ApiError> {
    let code: InvitationCode = new_invitation_code()?;
    let expires_at_ms = now_ms.saturating_add(ttl.as_millis() as i64);
    storage.add_invitation(&secret_hash(code.as_str()), user, by, now_ms, expires_at_ms)?;
    let uri = code.uri();
    let qr_svg = QrCode::new(uri.as_bytes())
        .map_err(|e| ApiError::Internal(format!("cannot draw the QR code: {e}")))?
        .render::<svg::Color<'_>>()
        .min_dimensions(240, 240)
        .build();
    Ok(Invitation {
        user: *user,
        code: code.display(),
        uri,
        qr_svg,
        expires_at_ms,
    })
}

/// Whether every one of `nodes` lies at or under one of `roots`.
pub fn within(tree: &[GridNode], roots: &[GridId], nodes: &[GridId]) -> bool {
    let sub = crate::auth::subtree(tree, roots);
    nodes.iter().all(|n| sub.iter().any(|s| &s.id == n))
}
