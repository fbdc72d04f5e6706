//! The demo community on a fresh server: the tree of
//! `assets/demo/community.json` down to its estates and buildings, its
//! people, an admin, a new one-time invitation per demo user at every start
//! (written to `demo-invitations.txt` in the data folder for
//! `scripts/run-app.sh`), and its records (`demo/records.rs`): reports,
//! a few hundred households with members and care tags, visits over the
//! last weeks and open needs.

mod data;
mod records;

use gridwalk_domain::GridId;
use gridwalk_domain::directory::{GridNode, NewUser, NodeKind};
use std::path::Path;
use std::time::Duration;

use crate::ServerError;
use crate::api::{AppState, now_ms};
use crate::auth::password;
use crate::provisioning;

pub use data::Community;

pub const DEMO_ADMIN: &str = "admin";
pub const DEMO_ADMIN_PASSWORD: &str = "gridwalk-demo";
pub const INVITATIONS_FILE: &str = "demo-invitations.txt";

fn config_error(e: impl std::fmt::Display) -> ServerError {
    ServerError::Config(format!("demo community: {e}"))
}

pub fn seed(state: &AppState, data_dir: &Path) -> Result<(), ServerError> {
    let c = Community::shipped()?;
    let s = &state.storage;
    for n in tree(&c)? {
        s.add_node(&n)?;
    }
    let mut lines = String::from("# role\tname\tinvitation code (one use each)\n");
    for u in &c.users {
        if s.user(&u.id)?.is_none() {
            let new = NewUser {
                name: u.name.clone(),
                role: u.role,
                nodes: u.nodes.clone(),
                categories: u.categories.clone(),
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
    let stored = records::seed(state, &c, now_ms())?;
    tracing::info!(
        new = stored,
        invitations = %file.display(),
        "demo community seeded; admin login {DEMO_ADMIN} / {DEMO_ADMIN_PASSWORD}"
    );
    Ok(())
}

/// The community, its areas and grids, and each grid's estates (小区) and
/// buildings (楼栋), parents first.
fn tree(c: &Community) -> Result<Vec<GridNode>, ServerError> {
    let node =
        |id: &str, parent: Option<&GridId>, kind, name: &str| -> Result<GridNode, ServerError> {
            Ok(GridNode {
                id: GridId::parse(id).map_err(config_error)?,
                parent: parent.cloned(),
                kind,
                name: name.to_owned(),
                boundary: None,
                policy: None,
            })
        };
    let mut nodes = vec![node(
        c.community.code.as_str(),
        None,
        NodeKind::Community,
        &c.community.name,
    )?];
    for a in &c.areas {
        nodes.push(node(
            a.code.as_str(),
            Some(&c.community.code),
            NodeKind::Area,
            &a.name,
        )?);
    }
    for g in &c.grids {
        let parent = g.area.clone().unwrap_or_else(|| c.community.code.clone());
        nodes.push(GridNode {
            boundary: g.boundary.clone(),
            ..node(g.code.as_str(), Some(&parent), NodeKind::Grid, &g.name)?
        });
        for e in &g.estates {
            nodes.push(node(&e.code, Some(&g.code), NodeKind::Estate, &e.name)?);
            let estate = GridId::parse(&e.code).map_err(config_error)?;
            for b in 1..=e.buildings {
                let id = format!("{}-b{b}", e.code);
                nodes.push(node(
                    &id,
                    Some(&estate),
                    NodeKind::Building,
                    &format!("{b}号楼"),
                )?);
            }
        }
    }
    Ok(nodes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_community_has_grids_with_estates_and_buildings() {
        let c = Community::shipped().unwrap();
        let nodes = tree(&c).unwrap();
        let count = |k| nodes.iter().filter(|n| n.kind == k).count();
        assert!(count(NodeKind::Grid) >= 2);
        assert!(count(NodeKind::Estate) >= 2);
        assert!(count(NodeKind::Building) >= 10);
        for n in &nodes {
            if let Some(p) = &n.parent {
                let parent = nodes
                    .iter()
                    .find(|x| &x.id == p)
                    .expect("parents come first");
                assert!(parent.kind.may_parent(n.kind), "{} under {}", n.id, p);
            }
        }
    }
}
