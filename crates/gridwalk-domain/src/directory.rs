//! Accounts and the grid tree: the contracts of provisioning and of the
//! admin API.
//!
//! The tree is 社区 community → 片区 area → 网格 grid, with 小区 estates and
//! 楼栋 buildings under a grid. A user is attached to nodes; their grids are
//! every grid at or under those nodes. Records are scoped to a grid.

use serde::{Deserialize, Serialize};

use crate::access::Role;
use crate::boundary::Boundary;
use crate::category::CategoryCode;
use crate::ids::{DeviceId, GridId, UserId};
use crate::work_order::ResponsePolicy;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeKind {
    Community,
    Area,
    Grid,
    Estate,
    Building,
}

impl NodeKind {
    pub const ALL: [NodeKind; 5] = [
        NodeKind::Community,
        NodeKind::Area,
        NodeKind::Grid,
        NodeKind::Estate,
        NodeKind::Building,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NodeKind::Community => "community",
            NodeKind::Area => "area",
            NodeKind::Grid => "grid",
            NodeKind::Estate => "estate",
            NodeKind::Building => "building",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether `child` may hang under this node; keeps the tree the shape
    /// the offices know.
    pub fn may_parent(self, child: NodeKind) -> bool {
        matches!(
            (self, child),
            (NodeKind::Community, NodeKind::Area | NodeKind::Grid)
                | (NodeKind::Area, NodeKind::Grid)
                | (NodeKind::Grid, NodeKind::Estate)
                | (NodeKind::Estate, NodeKind::Building)
        )
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GridNode {
    pub id: GridId,
    pub parent: Option<GridId>,
    pub kind: NodeKind,
    pub name: String,
    /// The grid's outline, when the office has drawn it: devices route a
    /// report to the grid whose outline holds its location.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boundary: Option<Boundary>,
    /// A community's response commitments (响应承诺), chosen by its office:
    /// every device makes the orders of its grids under them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<ResponsePolicy>,
}

/// What a device learns about its user: who they are and the part of the
/// tree they work in. Sent at provisioning and refreshed on every sync.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Me {
    pub user: UserId,
    pub name: String,
    pub role: Role,
    /// The user's nodes, their ancestors and their descendants.
    pub nodes: Vec<GridNode>,
    /// The grids this user may put records in, in tree order. A community
    /// the user works in is among them: it files what lies outside every
    /// grid (see `Me::grid_cells`).
    pub grids: Vec<GridId>,
    /// For an office: the grid workers and departments it may dispatch to,
    /// so dispatching works offline. Empty for everyone else.
    #[serde(default)]
    pub people: Vec<UserInfo>,
}

/// Why a person is offered first for a dispatch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Suggested {
    /// Works the order's grid.
    GridWorker,
    /// Handles the order's category.
    Department,
    No,
}

impl Me {
    fn node(&self, id: &GridId) -> Option<&GridNode> {
        self.nodes.iter().find(|n| &n.id == id)
    }

    /// The commitments a new order in `grid` is made under: the nearest
    /// policy on the way up the tree, if its office chose one.
    pub fn policy_for(&self, grid: &GridId) -> Option<&ResponsePolicy> {
        let mut at = self.node(grid);
        // The tree is a few levels deep; the bound keeps a looped tree
        // (which the server never sends) from spinning.
        for _ in 0..16 {
            let node = at?;
            if let Some(p) = &node.policy {
                return Some(p);
            }
            at = node.parent.as_ref().and_then(|p| self.node(p));
        }
        None
    }

    /// The user's grids proper (网格), without the community's own file:
    /// where households, needs and visits live.
    pub fn grid_cells(&self) -> Vec<GridId> {
        self.grids
            .iter()
            .filter(|g| !self.node(g).is_some_and(|n| n.kind == NodeKind::Community))
            .cloned()
            .collect()
    }

    /// The community file for what lies outside every grid, when the user
    /// works in the whole community.
    pub fn community_file(&self) -> Option<&GridId> {
        self.grids
            .iter()
            .find(|g| self.node(g).is_some_and(|n| n.kind == NodeKind::Community))
    }

    /// Whom an office would send an order of `category` in `grid` to, best
    /// first: the grid's own workers, then the departments that handle the
    /// category, then everyone else it may dispatch to.
    pub fn dispatch_choices(&self, grid: &GridId, category: &str) -> Vec<(UserInfo, Suggested)> {
        let why = |p: &UserInfo| match p.role {
            Role::GridWorker if p.nodes.contains(grid) => Suggested::GridWorker,
            Role::Department if p.categories.iter().any(|c| c.as_str() == category) => {
                Suggested::Department
            }
            _ => Suggested::No,
        };
        let mut out: Vec<_> = self.people.iter().map(|p| (p.clone(), why(p))).collect();
        // Stable: within a rank, the server's order (by name) stays.
        out.sort_by_key(|(_, w)| *w);
        out
    }

    /// The user's grids that have an outline, with it.
    pub fn outlined_grids(&self) -> impl Iterator<Item = (&GridNode, &Boundary)> {
        self.nodes.iter().filter_map(|n| {
            let b = n.boundary.as_ref()?;
            (n.kind == NodeKind::Grid && self.grids.contains(&n.id)).then_some((n, b))
        })
    }
}

/// A one-time invitation code: 12 characters from an alphabet without look-alikes,
/// shown as `XXXX-XXXX-XXXX`. People type it, so case, spaces and dashes are
/// forgiven; it is also the `code` of the QR payload.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct InvitationCode(String);

pub const INVITATION_ALPHABET: &[u8; 32] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
const INVITATION_LEN: usize = 12;
/// The QR payload's prefix; the app accepts the payload or the bare code.
pub const INVITATION_URI_PREFIX: &str = "gridwalk://invite?code=";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "邀请码应为 12 位字母数字（如 ABCD-EFGH-JKLM），请核对后重新输入 / an invitation code is 12 letters and digits like ABCD-EFGH-JKLM"
)]
pub struct BadInvitationCode;

impl InvitationCode {
    pub fn parse(input: &str) -> Result<Self, BadInvitationCode> {
        let input = input.trim();
        let raw = input
            .strip_prefix(INVITATION_URI_PREFIX)
            .map_or(input, |rest| rest.split('&').next().unwrap_or(rest));
        let code: String = raw
            .chars()
            .filter(|c| !matches!(c, '-' | ' '))
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let ok =
            code.len() == INVITATION_LEN && code.bytes().all(|b| INVITATION_ALPHABET.contains(&b));
        if ok {
            Ok(Self(code))
        } else {
            Err(BadInvitationCode)
        }
    }

    /// Builds a code from 12 random bytes chosen by the caller.
    pub fn from_random_bytes(bytes: [u8; INVITATION_LEN]) -> Self {
        let alphabet = INVITATION_ALPHABET;
        Self(
            bytes
                .iter()
                .map(|b| char::from(alphabet[usize::from(b % 32)]))
                .collect(),
        )
    }

    /// The canonical form, which is what gets hashed.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn display(&self) -> String {
        format!("{}-{}-{}", &self.0[..4], &self.0[4..8], &self.0[8..])
    }

    pub fn uri(&self) -> String {
        format!("{INVITATION_URI_PREFIX}{}", self.display())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RedeemRequest {
    pub code: String,
    pub device: DeviceId,
    /// Shown to admins in the device list, e.g. "王芳的手机".
    pub device_name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RedeemResponse {
    /// The device's bearer token. Shown once; the server keeps only its hash.
    pub token: String,
    pub me: Me,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginResponse {
    pub token: String,
    pub expires_at_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewNode {
    pub id: GridId,
    pub parent: Option<GridId>,
    pub kind: NodeKind,
    pub name: String,
    /// A grid's outline (GeoJSON Polygon), checked on arrival.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boundary: Option<Boundary>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewUser {
    pub name: String,
    pub role: Role,
    pub nodes: Vec<GridId>,
    /// For a department: the report categories it handles (城管科: manhole
    /// covers, garbage…), so a dispatch can suggest it. Empty for others.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<CategoryCode>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserInfo {
    pub id: UserId,
    pub name: String,
    pub role: Role,
    pub nodes: Vec<GridId>,
    /// What a department handles (see `NewUser::categories`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<CategoryCode>,
}

/// A fresh invitation. The code exists only in this answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invitation {
    pub user: UserId,
    pub code: String,
    pub uri: String,
    /// The URI as a QR code, an SVG image to print or show on screen.
    pub qr_svg: String,
    pub expires_at_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserCreated {
    pub user: UserInfo,
    pub invitation: Invitation,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceInfo {
    /// The server's id for this device's token.
    pub id: i64,
    pub user: UserId,
    pub device: DeviceId,
    pub name: String,
    pub created_at_ms: i64,
    pub revoked_at_ms: Option<i64>,
}

/// A person as their office sees them: the account and its devices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub user: UserInfo,
    /// Newest first.
    pub devices: Vec<DeviceInfo>,
}

impl Person {
    /// Joins the admin API's user and device lists, people by name.
    pub fn join(users: Vec<UserInfo>, devices: &[DeviceInfo]) -> Vec<Person> {
        let mut people: Vec<Person> = users
            .into_iter()
            .map(|user| {
                let mut mine: Vec<DeviceInfo> = devices
                    .iter()
                    .filter(|d| d.user == user.id)
                    .cloned()
                    .collect();
                mine.sort_by_key(|d| std::cmp::Reverse(d.created_at_ms));
                Person {
                    user,
                    devices: mine,
                }
            })
            .collect();
        people.sort_by(|a, b| a.user.name.cmp(&b.user.name));
        people
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at_ms: i64,
    /// `user:<id>`, `admin:<name>`, or `anonymous`.
    pub actor: String,
    /// e.g. `admin.login`, `invitation.create`, `device.revoke`, `write.rejected`.
    pub action: String,
    pub target: String,
    pub detail: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invitation_codes_forgive_typing_and_refuse_garbage() {
        let code = InvitationCode::from_random_bytes([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 31]);
        assert_eq!(code.display(), "ABCD-EFGH-JKL9");
        for typed in [
            "abcd efgh jkl9",
            "ABCD-EFGH-JKL9",
            " abcdefghjkl9 ",
            &code.uri(),
        ] {
            assert_eq!(InvitationCode::parse(typed), Ok(code.clone()), "{typed:?}");
        }
        for bad in [
            "",
            "ABCD-EFGH-JKL",
            "ABCD-EFGH-JKL0",
            "ABCD-EFGH-JKLI",
            "网格ABCDEFGHJK",
        ] {
            assert!(
                InvitationCode::parse(bad).is_err(),
                "{bad:?} must be refused"
            );
        }
    }

    #[test]
    fn a_dispatch_offers_the_grids_worker_then_the_categorys_department_first() {
        let grid = |s: &str| GridId::parse(s).unwrap();
        let person = |n: u8, role, node: &str, categories: &[&str]| UserInfo {
            id: UserId::from_random_bytes([n; 16]),
            name: format!("p{n}"),
            role,
            nodes: vec![grid(node)],
            categories: categories
                .iter()
                .map(|c| CategoryCode::parse(c).unwrap())
                .collect(),
        };
        let me = Me {
            user: UserId::from_random_bytes([9; 16]),
            name: "办公室".into(),
            role: Role::Office,
            nodes: vec![],
            grids: vec![grid("c"), grid("g1"), grid("g2")],
            people: vec![
                person(1, Role::Department, "c", &["road_damage"]),
                person(2, Role::GridWorker, "g2", &[]),
                person(3, Role::Department, "c", &["manhole_cover", "garbage"]),
                person(4, Role::GridWorker, "g1", &[]),
            ],
        };
        let order: Vec<(String, Suggested)> = me
            .dispatch_choices(&grid("g1"), "manhole_cover")
            .into_iter()
            .map(|(p, why)| (p.name, why))
            .collect();
        assert_eq!(
            order,
            [
                ("p4".to_owned(), Suggested::GridWorker),
                ("p3".to_owned(), Suggested::Department),
                ("p1".to_owned(), Suggested::No),
                ("p2".to_owned(), Suggested::No),
            ]
        );
    }

    #[test]
    fn people_are_listed_by_name_with_their_own_devices_newest_first() {
        let user = |n: u8, name: &str| UserInfo {
            id: UserId::from_random_bytes([n; 16]),
            name: name.into(),
            role: Role::Reporter,
            nodes: vec![],
            categories: vec![],
        };
        let device = |id: i64, user: u8, at: i64| DeviceInfo {
            id,
            user: UserId::from_random_bytes([user; 16]),
            device: DeviceId::from_random_bytes([id as u8; 16]),
            name: format!("设备{id}"),
            created_at_ms: at,
            revoked_at_ms: None,
        };
        let people = Person::join(
            vec![user(1, "王"), user(2, "李"), user(3, "张")],
            &[device(10, 1, 5), device(11, 2, 1), device(12, 1, 9)],
        );
        let names: Vec<&str> = people.iter().map(|p| p.user.name.as_str()).collect();
        assert_eq!(
            names,
            ["张", "李", "王"],
            "sorted by name (code point order)"
        );
        let wang: Vec<i64> = people[2].devices.iter().map(|d| d.id).collect();
        assert_eq!(wang, [12, 10], "only 王's devices, newest first");
        assert!(people[0].devices.is_empty(), "张 has no device yet");
    }

    #[test]
    fn the_tree_keeps_its_shape() {
        assert!(NodeKind::Community.may_parent(NodeKind::Area));
        assert!(NodeKind::Area.may_parent(NodeKind::Grid));
        assert!(!NodeKind::Grid.may_parent(NodeKind::Community));
        assert!(!NodeKind::Building.may_parent(NodeKind::Estate));
    }
}
