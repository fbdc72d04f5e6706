//! Accounts for the benches, written straight into the server's storage:
//! a node tree, people, and a redeemed device token for each.

use gridwalk_domain::directory::{GridNode, InvitationCode, NewUser, NodeKind};
use gridwalk_domain::{DeviceId, GridId, Role, UserId};
use gridwalk_sync_server::storage::Storage;
use gridwalk_sync_server::{api, auth, provisioning};
use std::time::Duration;

/// Adds a community `community` with one grid `grid` under it.
pub fn community(storage: &Storage, community: &str, grid: &str) {
    node_tree(storage, community, &[grid.to_owned()]);
}

/// Adds a community `community` with `grids` under it.
pub fn node_tree(storage: &Storage, community: &str, grids: &[String]) {
    let node = |id: &str, parent: Option<&str>, kind| GridNode {
        id: GridId::parse(id).unwrap(),
        parent: parent.map(|p| GridId::parse(p).unwrap()),
        kind,
        name: id.into(),
        boundary: None,
        policy: None,
    };
    storage
        .add_node(&node(community, None, NodeKind::Community))
        .unwrap();
    for grid in grids {
        storage
            .add_node(&node(grid, Some(community), NodeKind::Grid))
            .unwrap();
    }
}

/// A person in `role` at `node` and an invitation for them; returns their
/// id and its code.
pub fn invitation(storage: &Storage, name: &str, role: Role, node: &str) -> (UserId, String) {
    let user = provisioning::add_user(
        storage,
        provisioning::random_user_id().unwrap(),
        &NewUser {
            name: name.into(),
            role,
            nodes: vec![GridId::parse(node).unwrap()],
            categories: vec![],
        },
        0,
    )
    .unwrap();
    let inv = provisioning::invite(
        storage,
        &user.id,
        "bench",
        Duration::from_secs(3600),
        api::now_ms(),
    )
    .unwrap();
    (user.id, inv.code)
}

/// A person in `role` at `node` with the device `device` redeemed; returns
/// their id and the device's token.
pub fn person(
    storage: &Storage,
    name: &str,
    role: Role,
    node: &str,
    device: DeviceId,
) -> (UserId, String) {
    let (user, code) = invitation(storage, name, role, node);
    let code = InvitationCode::parse(&code).unwrap();
    let token = auth::new_token(auth::DEVICE_TOKEN_PREFIX).unwrap();
    storage
        .redeem_invitation(
            &auth::secret_hash(code.as_str()),
            &auth::secret_hash(&token),
            &device,
            "bench",
            api::now_ms(),
        )
        .unwrap();
    (user, token)
}
