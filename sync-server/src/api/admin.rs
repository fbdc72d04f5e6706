//! The admin API: login (argon2id), the grid tree, users, invitations,
//! devices, exports and the audit log.
//!
//! An admin session may do everything. An office's device may manage the
//! riders, grid workers and departments attached inside its own part of the
//! tree — enough to provision a new rider at the counter — but not other
//! offices, admins, the tree itself, or the audit log.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::HeaderMap;
use axum::routing::{get, post, put};
use gridwalk_domain::ErrorCode;
use gridwalk_domain::access::roles_managed_by;
use gridwalk_domain::boundary::Boundary;
use gridwalk_domain::directory::{
    AuditEntry, DeviceInfo, GridNode, Invitation, LoginRequest, LoginResponse, NewNode, NewUser,
    UserCreated, UserInfo,
};
use gridwalk_domain::work_order::ResponsePolicy;
use gridwalk_domain::{Role, UserId};
use std::net::SocketAddr;
use std::time::Duration;

use super::provision::parse_json;
use super::{ApiError, Shared, blocking, now_ms};
use crate::auth::{self, ADMIN_TOKEN_PREFIX, Manager, new_token, password, secret_hash};
use crate::provisioning;

const SESSION_TTL: Duration = Duration::from_secs(12 * 3600);
const MAX_AUDIT_PAGE: usize = 500;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/v1/admin/login", post(login))
        .route("/v1/admin/nodes", get(nodes).post(create_node))
        .route("/v1/admin/nodes/{id}/boundary", put(set_boundary))
        .route("/v1/admin/nodes/{id}/policy", put(set_policy))
        .route("/v1/admin/users", get(users).post(create_user))
        .route("/v1/admin/users/{id}/invitations", post(reinvite))
        .route("/v1/admin/users/{id}/nodes", post(move_user))
        .route("/v1/admin/devices", get(devices))
        .route("/v1/admin/devices/{id}/revoke", post(revoke))
        .route("/v1/admin/audit", get(audit))
}

pub(super) async fn manager(state: &Shared, headers: &HeaderMap) -> Result<Manager, ApiError> {
    let token = auth::bearer(headers).map(str::to_owned);
    let key = token.as_deref().map_or_else(String::new, secret_hash);
    state.spend(&state.per_token, &key)?;
    let state = state.clone();
    blocking(move || auth::manager(&state.storage, token.as_deref(), now_ms())).await
}

fn forbidden(message: &str) -> ApiError {
    ApiError::Forbidden(ErrorCode::AuthNotYoursToManage, message.into())
}

/// Whether `mgr` may manage `user`: admins everyone; an office the
/// non-office users attached inside its part of the tree.
fn may_manage(
    tree: &[GridNode],
    mgr: &Manager,
    role: Role,
    nodes: &[gridwalk_domain::GridId],
) -> bool {
    match mgr {
        Manager::Admin(_) => true,
        Manager::Office(office) => {
            roles_managed_by(office.role).contains(&role)
                && provisioning::within(tree, &office.nodes, nodes)
        }
    }
}

async fn login(
    State(state): State<Shared>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    body: Bytes,
) -> Result<axum::Json<LoginResponse>, ApiError> {
    state.spend(&state.per_address, &addr.ip().to_string())?;
    let req: LoginRequest = parse_json(&body)?;
    let resp = blocking(move || {
        let stored = state.storage.admin_password_hash(&req.username)?;
        let ok = stored.is_some_and(|h| password::verify(&req.password, &h));
        let actor = format!("admin:{}", req.username);
        if !ok {
            state.audit(&actor, "admin.login_failed", &addr.ip().to_string(), "");
            return Err(ApiError::Unauthorized(
                ErrorCode::AuthBadLogin,
                "wrong user name or password".into(),
            ));
        }
        let token = new_token(ADMIN_TOKEN_PREFIX)?;
        let expires_at_ms = now_ms() + SESSION_TTL.as_millis() as i64;
        state
            .storage
            .add_admin_session(&secret_hash(&token), &req.username, expires_at_ms)?;
        state.audit(&actor, "admin.login", &addr.ip().to_string(), "");
        Ok(LoginResponse {
            token,
            expires_at_ms,
        })
    })
    .await?;
    Ok(axum::Json(resp))
}

async fn nodes(
    State(state): State<Shared>,
    headers: HeaderMap,
) -> Result<axum::Json<Vec<GridNode>>, ApiError> {
    let mgr = manager(&state, &headers).await?;
    let tree = blocking(move || Ok(state.storage.nodes()?)).await?;
    Ok(axum::Json(match mgr {
        Manager::Admin(_) => tree,
        Manager::Office(o) => auth::subtree(&tree, &o.nodes)
            .into_iter()
            .cloned()
            .collect(),
    }))
}

async fn create_node(
    State(state): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<axum::Json<GridNode>, ApiError> {
    let mgr = manager(&state, &headers).await?;
    let Manager::Admin(_) = &mgr else {
        return Err(forbidden("only an admin may change the grid tree"));
    };
    let node: NewNode = parse_json(&body)?;
    let created = blocking(move || {
        let created = provisioning::add_node(&state.storage, &node)?;
        state.audit(
            &mgr.actor(),
            "node.create",
            created.id.as_str(),
            &created.name,
        );
        Ok(created)
    })
    .await?;
    Ok(axum::Json(created))
}

/// Draws (a GeoJSON Polygon) or clears (`null`) a node's outline. An admin
/// anywhere; an office inside its own part of the tree. Devices get it with
/// their next sync's `Me` and route reports by it from then on.
async fn set_boundary(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<axum::Json<GridNode>, ApiError> {
    let outline: Option<Boundary> = parse_json(&body)?;
    let detail = outline.as_ref().map_or_else(
        || "cleared".to_owned(),
        |b| format!("{} positions", b.outer().len()),
    );
    edit_node(
        state,
        &headers,
        &id,
        "node.boundary",
        detail,
        move |s, id| Ok(s.set_boundary(id, outline.as_ref())?),
    )
    .await
}

/// Chooses (or with `null` clears) the response commitments (响应承诺) of a
/// community: every device makes the orders of its grids under them from
/// its next sync. Checked like the app's editor checks them.
async fn set_policy(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<axum::Json<GridNode>, ApiError> {
    let policy: Option<ResponsePolicy> = parse_json(&body)?;
    if let Some(p) = &policy {
        p.check()
            .map_err(|e| ApiError::BadRequest(ErrorCode::OrderPolicy, e.to_string()))?;
    }
    let detail = policy
        .as_ref()
        .map_or_else(|| "cleared".to_owned(), |p| p.name.clone());
    edit_node(state, &headers, &id, "node.policy", detail, move |s, id| {
        Ok(s.set_policy(id, policy.as_ref())?)
    })
    .await
}

/// One node's setting changed by `set`, which says whether the node
/// exists: an admin anywhere, an office inside its own part of the tree;
/// audited as `action` with `detail`. Answers the node as it now is.
async fn edit_node(
    state: Shared,
    headers: &HeaderMap,
    id: &str,
    action: &'static str,
    detail: String,
    set: impl FnOnce(&crate::storage::Storage, &gridwalk_domain::GridId) -> Result<bool, ApiError>
    + Send
    + 'static,
) -> Result<axum::Json<GridNode>, ApiError> {
    let mgr = manager(&state, headers).await?;
    let id = gridwalk_domain::GridId::parse(id)
        .map_err(|e| ApiError::BadRequest(ErrorCode::AdminBadNode, e.to_string()))?;
    blocking(move || {
        let tree = state.storage.nodes()?;
        let yours = match &mgr {
            Manager::Admin(_) => true,
            Manager::Office(o) => auth::subtree(&tree, &o.nodes).iter().any(|n| n.id == id),
        };
        if !yours {
            return Err(forbidden("this node is not in your part of the grid tree"));
        }
        if !set(&state.storage, &id)? {
            return Err(ApiError::NotFound(
                ErrorCode::AdminBadNode,
                format!("node {id} does not exist"),
            ));
        }
        state.audit(&mgr.actor(), action, id.as_str(), &detail);
        state
            .storage
            .nodes()?
            .into_iter()
            .find(|n| n.id == id)
            .ok_or_else(|| ApiError::Internal("node vanished".into()))
    })
    .await
    .map(axum::Json)
}

async fn users(
    State(state): State<Shared>,
    headers: HeaderMap,
) -> Result<axum::Json<Vec<UserInfo>>, ApiError> {
    let mgr = manager(&state, &headers).await?;
    let list = blocking(move || {
        let tree = state.storage.nodes()?;
        Ok(state
            .storage
            .users()?
            .into_iter()
            .filter(|u| may_manage(&tree, &mgr, u.role, &u.nodes))
            .collect())
    })
    .await?;
    Ok(axum::Json(list))
}

async fn create_user(
    State(state): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<axum::Json<UserCreated>, ApiError> {
    let mgr = manager(&state, &headers).await?;
    let new: NewUser = parse_json(&body)?;
    let created = blocking(move || {
        let tree = state.storage.nodes()?;
        if !may_manage(&tree, &mgr, new.role, &new.nodes) {
            return Err(forbidden(
                "an office may add riders, grid workers and departments inside its own community only",
            ));
        }
        let user = provisioning::add_user(&state.storage, provisioning::random_user_id()?, &new, now_ms())?;
        let invitation = provisioning::invite(&state.storage, &user.id, &mgr.actor(), state.invitation_ttl, now_ms())?;
        state.audit(&mgr.actor(), "user.create", &format!("user:{}", user.id), &format!("{} ({})", user.name, user.role));
        state.audit(&mgr.actor(), "invitation.create", &format!("user:{}", user.id), "");
        Ok(UserCreated { user, invitation })
    })
    .await?;
    Ok(axum::Json(created))
}

async fn reinvite(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<axum::Json<Invitation>, ApiError> {
    let mgr = manager(&state, &headers).await?;
    let id = UserId::parse(&id)
        .map_err(|e| ApiError::BadRequest(ErrorCode::AdminBadUser, e.to_string()))?;
    let inv = blocking(move || {
        let tree = state.storage.nodes()?;
        let user = state
            .storage
            .user(&id)?
            .ok_or_else(|| ApiError::NotFound(ErrorCode::AdminNoUser, format!("no user {id}")))?;
        if !may_manage(&tree, &mgr, user.role, &user.nodes) {
            return Err(forbidden("this user is not yours to invite"));
        }
        let inv = provisioning::invite(
            &state.storage,
            &id,
            &mgr.actor(),
            state.invitation_ttl,
            now_ms(),
        )?;
        state.audit(&mgr.actor(), "invitation.create", &format!("user:{id}"), "");
        Ok(inv)
    })
    .await?;
    Ok(axum::Json(inv))
}

#[derive(Debug, serde::Deserialize)]
struct NewNodes {
    nodes: Vec<gridwalk_domain::GridId>,
}

/// Moves a user to other nodes (a grid worker changes grid). Their devices
/// pull from the start on their next sync, receiving what they may now see.
async fn move_user(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<axum::Json<UserInfo>, ApiError> {
    let mgr = manager(&state, &headers).await?;
    let id = UserId::parse(&id)
        .map_err(|e| ApiError::BadRequest(ErrorCode::AdminBadUser, e.to_string()))?;
    let NewNodes { nodes } = parse_json(&body)?;
    let moved = blocking(move || {
        let tree = state.storage.nodes()?;
        let user = state
            .storage
            .user(&id)?
            .ok_or_else(|| ApiError::NotFound(ErrorCode::AdminNoUser, format!("no user {id}")))?;
        if !may_manage(&tree, &mgr, user.role, &user.nodes)
            || !may_manage(&tree, &mgr, user.role, &nodes)
        {
            return Err(forbidden(
                "this user, or the place you move them to, is not yours to manage",
            ));
        }
        provisioning::check_nodes(&tree, &nodes)?;
        state.storage.set_user_nodes(&id, &nodes)?;
        let names: Vec<&str> = nodes.iter().map(|n| n.as_str()).collect();
        state.audit(
            &mgr.actor(),
            "user.move",
            &format!("user:{id}"),
            &names.join(","),
        );
        state
            .storage
            .user(&id)?
            .ok_or_else(|| ApiError::Internal("moved user vanished".into()))
    })
    .await?;
    Ok(axum::Json(moved))
}

/// The devices of the users `mgr` may manage.
fn managed_devices(state: &Shared, mgr: &Manager) -> Result<Vec<DeviceInfo>, ApiError> {
    let tree = state.storage.nodes()?;
    let users = state.storage.users()?;
    Ok(state
        .storage
        .devices()?
        .into_iter()
        .filter(|d| {
            users
                .iter()
                .find(|u| u.id == d.user)
                .is_some_and(|u| may_manage(&tree, mgr, u.role, &u.nodes))
        })
        .collect())
}

async fn devices(
    State(state): State<Shared>,
    headers: HeaderMap,
) -> Result<axum::Json<Vec<DeviceInfo>>, ApiError> {
    let mgr = manager(&state, &headers).await?;
    Ok(axum::Json(
        blocking(move || managed_devices(&state, &mgr)).await?,
    ))
}

async fn revoke(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<axum::Json<DeviceInfo>, ApiError> {
    let mgr = manager(&state, &headers).await?;
    let info = blocking(move || {
        let device = managed_devices(&state, &mgr)?
            .into_iter()
            .find(|d| d.id == id)
            .ok_or_else(|| {
                ApiError::NotFound(
                    ErrorCode::AdminNoDevice,
                    format!("no device {id} that you manage"),
                )
            })?;
        if state.storage.revoke_device(id, now_ms())? {
            state.audit(
                &mgr.actor(),
                "device.revoke",
                &format!("device:{id}"),
                &format!("{} of user:{}", device.name, device.user),
            );
        }
        managed_devices(&state, &mgr)?
            .into_iter()
            .find(|d| d.id == id)
            .ok_or_else(|| ApiError::Internal("revoked device vanished".into()))
    })
    .await?;
    Ok(axum::Json(info))
}

#[derive(Debug, serde::Deserialize)]
struct AuditQuery {
    #[serde(default)]
    after: i64,
    limit: Option<usize>,
}

async fn audit(
    State(state): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<AuditQuery>,
) -> Result<axum::Json<Vec<AuditEntry>>, ApiError> {
    let mgr = manager(&state, &headers).await?;
    let Manager::Admin(_) = &mgr else {
        return Err(forbidden("only an admin may read the audit log"));
    };
    let limit = q.limit.unwrap_or(MAX_AUDIT_PAGE).min(MAX_AUDIT_PAGE);
    Ok(axum::Json(
        blocking(move || Ok(state.storage.audit_entries(q.after, limit)?)).await?,
    ))
}
