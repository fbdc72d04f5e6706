//! The demo community on a fresh server: the tree and people of
//! `assets/demo/community.json`, its reports and photos, an admin, and a
//! new one-time invitation per demo user at every start, written to
//! `demo-invitations.txt` in the data folder for `scripts/run-app.sh`.

use gridwalk_domain::directory::{GridNode, NewUser, NodeKind};
use gridwalk_domain::{DocKind, GridId, Role, UserId};
use serde::Deserialize;
use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use crate::ServerError;
use crate::api::{AppState, now_ms};
use crate::auth::password;
use crate::provisioning;
use crate::storage::{CheckedChange, DocFacts};

const COMMUNITY_JSON: &str = include_str!("../../assets/demo/community.json");
pub const DEMO_ADMIN: &str = "admin";
pub const DEMO_ADMIN_PASSWORD: &str = "gridwalk-demo";
pub const INVITATIONS_FILE: &str = "demo-invitations.txt";

#[derive(Deserialize)]
struct Community {
    community: Node,
    areas: Vec<Node>,
    grids: Vec<Node>,
    users: Vec<User>,
    reports_owner: UserId,
}

#[derive(Deserialize)]
struct Node {
    code: GridId,
    #[serde(default)]
    area: Option<GridId>,
    name: String,
}

#[derive(Deserialize)]
struct User {
    id: UserId,
    name: String,
    role: Role,
    nodes: Vec<GridId>,
}

fn config_error(e: impl std::fmt::Display) -> ServerError {
    ServerError::Config(format!("demo community: {e}"))
}

pub fn seed(state: &AppState, data_dir: &Path) -> Result<(), ServerError> {
    let c: Community = serde_json::from_str(COMMUNITY_JSON).map_err(config_error)?;
    let s = &state.storage;
    let mut nodes = vec![GridNode {
        id: c.community.code.clone(),
        parent: None,
        kind: NodeKind::Community,
        name: c.community.name.clone(),
    }];
    for a in &c.areas {
        nodes.push(GridNode {
            id: a.code.clone(),
            parent: Some(c.community.code.clone()),
            kind: NodeKind::Area,
            name: a.name.clone(),
        });
    }
    for g in &c.grids {
        nodes.push(GridNode {
            id: g.code.clone(),
            parent: Some(g.area.clone().unwrap_or_else(|| c.community.code.clone())),
            kind: NodeKind::Grid,
            name: g.name.clone(),
        });
    }
    for n in &nodes {
        s.add_node(n)?;
    }
    let mut lines = String::from("# role\tname\tinvitation code (one use each)\n");
    for u in &c.users {
        if s.user(&u.id)?.is_none() {
            let new = NewUser {
                name: u.name.clone(),
                role: u.role,
                nodes: u.nodes.clone(),
            };
            provisioning::add_user(s, u.id, &new, now_ms()).map_err(config_error)?;
        }
        let inv =
            provisioning::invite(s, &u.id, "demo", Duration::from_secs(30 * 86_400), now_ms())
                .map_err(config_error)?;
        lines += &format!("{}\t{}\t{}\n", u.role, u.name, inv.code);
    }
    let file = data_dir.join(INVITATIONS_FILE);
    std::fs::write(&file, lines).map_err(|source| ServerError::Blobs {
        path: file.display().to_string(),
        source,
    })?;
    if s.admin_password_hash(DEMO_ADMIN)?.is_none() {
        let hash = password::hash(DEMO_ADMIN_PASSWORD).map_err(config_error)?;
        s.set_admin(DEMO_ADMIN, &hash)?;
    }

    let seed = gridwalk_core::demo::demo_seed().map_err(config_error)?;
    let mut checked = Vec::new();
    let mut facts = HashMap::new();
    for wire in seed.changes {
        let hash = crate::validate::decode_change_hash(&wire.bytes).map_err(config_error)?;
        facts.insert(
            wire.doc,
            DocFacts {
                scope: wire.scope.clone(),
                kind: DocKind::Report,
                owner: c.reports_owner.to_string(),
            },
        );
        checked.push(CheckedChange { hash, wire });
    }
    let outcome = s.append("demo", &checked, &facts, now_ms())?;
    for (hash, bytes) in &seed.blobs {
        state
            .blobs
            .put(hash, bytes)
            .map_err(|source| ServerError::Blobs {
                path: hash.to_string(),
                source,
            })?;
    }
    tracing::info!(
        new = outcome.inserted,
        invitations = %file.display(),
        "demo community seeded; admin login {DEMO_ADMIN} / {DEMO_ADMIN_PASSWORD}"
    );
    Ok(())
}
