//! What every server test needs: a real server on a random port over either
//! backend, a small tree with people in it, tokens got by redeeming real
//! invitations, and records to push.

use automerge::transaction::Transactable;
use automerge::{ActorId, AutoCommit, ROOT, ReadDoc};
use gridwalk_core::sync_wire;
use gridwalk_domain::directory::{
    GridNode, InvitationCode, NewUser, NodeKind, RedeemRequest, RedeemResponse,
};
use gridwalk_domain::sync::{
    PROTOCOL_VERSION, SYNC_MEDIA_TYPE, SyncRequest, SyncResponse, WireChange,
};
use gridwalk_domain::{DeviceId, DocId, GridId, Role, UserId};
use gridwalk_sync_server::auth::{self, DeviceAuth, secret_hash};
use gridwalk_sync_server::storage::{InvitationOutcome, Storage};
use gridwalk_sync_server::{RunningServer, ServerConfig, provisioning, spawn};
use reqwest::StatusCode;
use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

pub const ADMIN: &str = "root";
pub const ADMIN_PASSWORD: &str = "test-password-123";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub const ALL: [Backend; 2] = [Backend::Sqlite, Backend::Postgres];

    /// The database URL for a fresh, empty database of this backend.
    pub fn fresh_url(self) -> Option<String> {
        match self {
            Backend::Sqlite => None,
            Backend::Postgres => Some(fresh_postgres_database()),
        }
    }
}

/// Creates an empty database on the PostgreSQL named by
/// `GRIDWALK_TEST_PG_URL`, which `scripts/test.sh` starts. Without it the
/// test fails rather than silently testing one backend.
pub fn fresh_postgres_database() -> String {
    let admin = std::env::var("GRIDWALK_TEST_PG_URL").expect(
        "GRIDWALK_TEST_PG_URL is not set: run scripts/test.sh, which starts a local PostgreSQL, \
         or point it at a server where you may create databases",
    );
    let mut id = [0u8; 8];
    getrandom::fill(&mut id).unwrap();
    let name = format!("gw_test_{}", u64::from_le_bytes(id));
    let create = format!("CREATE DATABASE {name}");
    let admin_url = admin.clone();
    std::thread::spawn(move || {
        let mut c = postgres::Client::connect(&admin_url, postgres::NoTls)
            .expect("connect to the test PostgreSQL");
        c.batch_execute(&create).expect("create a test database");
    })
    .join()
    .unwrap();
    let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
    format!("{base}/{name}")
}

pub fn config(backend: Backend, dir: &std::path::Path) -> ServerConfig {
    let mut config = ServerConfig::new("127.0.0.1:0".parse().unwrap(), dir.to_owned());
    config.database_url = backend.fresh_url();
    config.admin = Some((ADMIN.into(), ADMIN_PASSWORD.into()));
    config
}

/// The test tree: two communities; c1 has area a1 with grids g1 and g2, c2
/// has grid g3 directly.
pub fn tree() -> Vec<GridNode> {
    let node = |id: &str, parent: Option<&str>, kind| GridNode {
        id: GridId::parse(id).unwrap(),
        parent: parent.map(|p| GridId::parse(p).unwrap()),
        kind,
        name: format!("节点 {id}"),
        boundary: None,
        policy: None,
    };
    vec![
        node("c1", None, NodeKind::Community),
        node("a1", Some("c1"), NodeKind::Area),
        node("g1", Some("a1"), NodeKind::Grid),
        node("g2", Some("a1"), NodeKind::Grid),
        node("c2", None, NodeKind::Community),
        node("g3", Some("c2"), NodeKind::Grid),
    ]
}

/// (name, role, attached nodes, the grids that gives them — a whole
/// community's own file among them).
pub const PEOPLE: [(&str, Role, &[&str], &[&str]); 10] = [
    ("office1", Role::Office, &["c1"], &["c1", "g1", "g2"]),
    ("worker1", Role::GridWorker, &["g1"], &["g1"]),
    ("worker2", Role::GridWorker, &["g2"], &["g2"]),
    ("rider1", Role::Reporter, &["c1"], &["c1", "g1", "g2"]),
    ("rider2", Role::Reporter, &["c1"], &["c1", "g1", "g2"]),
    ("dept1", Role::Department, &["c1"], &["c1", "g1", "g2"]),
    ("office2", Role::Office, &["c2"], &["c2", "g3"]),
    ("worker3", Role::GridWorker, &["g3"], &["g3"]),
    (
        "admin1",
        Role::Admin,
        &["c2"],
        &["c1", "c2", "g1", "g2", "g3"],
    ),
    ("volunteer1", Role::Volunteer, &["c1"], &["c1", "g1", "g2"]),
];

pub fn grids_of(name: &str) -> BTreeSet<GridId> {
    let p = PEOPLE.iter().find(|p| p.0 == name).unwrap();
    p.3.iter().map(|g| GridId::parse(g).unwrap()).collect()
}

pub fn role_of(name: &str) -> Role {
    PEOPLE.iter().find(|p| p.0 == name).unwrap().1
}

/// Adds a user and a fresh invitation, returning the invitation code.
pub fn add_person(storage: &Storage, name: &str, role: Role, nodes: &[&str]) -> (UserId, String) {
    let new = NewUser {
        name: name.into(),
        role,
        nodes: nodes.iter().map(|n| GridId::parse(n).unwrap()).collect(),
        categories: vec![],
    };
    let user =
        provisioning::add_user(storage, provisioning::random_user_id().unwrap(), &new, 0).unwrap();
    let inv = provisioning::invite(
        storage,
        &user.id,
        "test",
        Duration::from_secs(3600),
        now_ms(),
    )
    .unwrap();
    (user.id, inv.code)
}

/// A real, small JPEG as the photo pipeline makes them.
pub fn jpeg(rgb: [u8; 3]) -> Vec<u8> {
    let png = gridwalk_photo::sample_picture(rgb).unwrap();
    gridwalk_photo::process_photo(&png).unwrap().full
}

pub fn now_ms() -> i64 {
    gridwalk_sync_server::api::now_ms()
}

/// Provisions a person with the app installation `device` directly in
/// storage (for tests that call the server's logic without HTTP or start
/// the binary themselves); returns the device's identity and its token.
pub fn provision(
    storage: &Storage,
    name: &str,
    role: Role,
    nodes: &[&str],
    device: DeviceId,
) -> (DeviceAuth, String) {
    let (_, code) = add_person(storage, name, role, nodes);
    let token = format!(
        "{}{name}-{}",
        auth::DEVICE_TOKEN_PREFIX,
        u128::from_le_bytes(fresh_bytes())
    );
    let code = InvitationCode::parse(&code).unwrap();
    let outcome = storage
        .redeem_invitation(
            &secret_hash(code.as_str()),
            &secret_hash(&token),
            &device,
            name,
            now_ms(),
        )
        .unwrap();
    assert!(matches!(outcome, InvitationOutcome::Redeemed { .. }));
    (auth::device(storage, Some(&token)).unwrap(), token)
}

pub struct World {
    pub server: RunningServer,
    /// What the server was started with.
    pub config: ServerConfig,
    pub backend: Backend,
    pub users: HashMap<&'static str, UserId>,
    pub tokens: HashMap<&'static str, String>,
    /// Each person's one device: the actor of every change they push.
    pub devices: HashMap<&'static str, DeviceId>,
    _dir: tempfile::TempDir,
}

/// The device id `redeem` binds for `n`.
pub fn test_device(n: u8) -> DeviceId {
    DeviceId::from_random_bytes([n; 16])
}

pub async fn redeem(url: &str, code: &str, device: u8) -> (StatusCode, serde_json::Value) {
    let req = RedeemRequest {
        code: code.into(),
        device: test_device(device),
        device_name: format!("测试手机 {device}"),
    };
    let resp = reqwest::Client::new()
        .post(format!("{url}/v1/devices/redeem"))
        .json(&req)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    (status, resp.json().await.unwrap_or_default())
}

/// A server with the test tree and one redeemed device per person.
pub async fn world(backend: Backend) -> World {
    world_with(backend, |_| {}).await
}

pub async fn world_with(backend: Backend, tweak: impl FnOnce(&mut ServerConfig)) -> World {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(backend, dir.path());
    tweak(&mut config);
    let server = spawn(config.clone()).await.unwrap();
    for n in tree() {
        server.storage().add_node(&n).unwrap();
    }
    let mut users = HashMap::new();
    let mut tokens = HashMap::new();
    let mut devices = HashMap::new();
    for (i, (name, role, nodes, _)) in PEOPLE.iter().enumerate() {
        let (id, code) = add_person(server.storage(), name, *role, nodes);
        let (status, body) = redeem(&server.url(), &code, i as u8).await;
        assert_eq!(
            status,
            StatusCode::OK,
            "{name} redeems their invitation: {body}"
        );
        let resp: RedeemResponse = serde_json::from_value(body).unwrap();
        assert_eq!(resp.me.role, *role);
        users.insert(*name, id);
        tokens.insert(*name, resp.token);
        devices.insert(*name, test_device(i as u8));
    }
    World {
        server,
        config,
        backend,
        users,
        tokens,
        devices,
        _dir: dir,
    }
}

impl World {
    /// A second server on the same database (for PostgreSQL: as behind a
    /// load balancer), with a data folder of its own.
    pub async fn another_instance(&self) -> (RunningServer, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let mut config = self.config.clone();
        config.data_dir = dir.path().to_owned();
        (spawn(config).await.unwrap(), dir)
    }

    /// Stops this server and starts one on `config` in its place; devices
    /// keep their tokens, and sync with the new one from now on.
    pub async fn replace_server(&mut self, config: ServerConfig) {
        let new = spawn(config.clone()).await.unwrap();
        let old = std::mem::replace(&mut self.server, new);
        old.shutdown().await;
        self.config = config;
    }

    /// The device `who` pushes from: their changes must carry its actor.
    pub fn device(&self, who: &str) -> DeviceId {
        self.devices[who]
    }

    pub fn url(&self) -> String {
        self.server.url()
    }

    pub async fn post(
        &self,
        who: &str,
        cursor: u64,
        changes: Vec<WireChange>,
    ) -> (StatusCode, serde_json::Value) {
        let req = SyncRequest {
            protocol: PROTOCOL_VERSION,
            device: self.device(who),
            cursor,
            changes,
        };
        post_raw(
            &self.url(),
            Some(&self.tokens[who]),
            serde_json::to_vec(&req).unwrap(),
        )
        .await
    }

    /// A sync that must succeed.
    pub async fn sync(&self, who: &str, cursor: u64, changes: Vec<WireChange>) -> SyncResponse {
        let (status, body) = self.post(who, cursor, changes).await;
        assert_eq!(
            status,
            StatusCode::OK,
            "{who} on {:?}: {body}",
            self.backend
        );
        serde_json::from_value(body).unwrap()
    }

    /// Everything `who` receives pulling from the start.
    pub async fn pull_all(&self, who: &str) -> Vec<WireChange> {
        let mut cursor = 0;
        let mut all = Vec::new();
        loop {
            let resp = self.sync(who, cursor, vec![]).await;
            all.extend(resp.changes);
            cursor = resp.cursor;
            if !resp.more {
                return all;
            }
        }
    }
}

pub async fn post_raw(
    url: &str,
    token: Option<&str>,
    body: Vec<u8>,
) -> (StatusCode, serde_json::Value) {
    let mut req = reqwest::Client::new()
        .post(format!("{url}/v1/sync"))
        .body(body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status();
    let text = resp.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)),
    )
}

/// One record being edited by people on different devices.
#[derive(Clone)]
pub struct Doc {
    pub id: DocId,
    pub scope: GridId,
    pub am: AutoCommit,
}

static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

fn fresh_bytes() -> [u8; 16] {
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut b = [0u8; 16];
    b[..8].copy_from_slice(&n.to_le_bytes());
    b[8..].copy_from_slice(&(std::process::id() as u64).to_le_bytes());
    b
}

impl Doc {
    /// A new record of `kind` in `grid` made on device `by`; returns it and
    /// its creating change.
    pub fn create(
        by: DeviceId,
        kind: &str,
        grid: &str,
        body: serde_json::Value,
    ) -> (Doc, WireChange) {
        let id = DocId::from_random_bytes(fresh_bytes());
        // Like every real record, the body names its own id and grid, so
        // two records never start with the same change.
        let mut body = body;
        if let Some(map) = body.as_object_mut() {
            map.insert("id".into(), id.to_string().into());
            map.insert("scope".into(), grid.into());
        }
        let (am, change) = gridwalk_records::create_untyped(&by, kind, &body, now_ms()).unwrap();
        let doc = Doc {
            id,
            scope: GridId::parse(grid).unwrap(),
            am,
        };
        let wire = doc.wire(change.raw_bytes().to_vec());
        (doc, wire)
    }

    pub fn wire(&self, bytes: Vec<u8>) -> WireChange {
        WireChange {
            doc: self.id,
            scope: self.scope.clone(),
            bytes,
        }
    }

    fn committed(&mut self) -> WireChange {
        let hash = self.am.commit().expect("the edit changed something");
        let change = self.am.get_change_by_hash(&hash).unwrap();
        self.wire(change.raw_bytes().to_vec())
    }

    /// A copy to make a change that will be refused: the refused change
    /// must not become a dependency of later ones.
    pub fn fork(&mut self) -> Doc {
        Doc {
            id: self.id,
            scope: self.scope.clone(),
            am: AutoCommit::load(&self.am.save()).unwrap(),
        }
    }

    /// Sets `body.<field>` (or a root field when `field` starts with '/')
    /// on device `by`; returns the change.
    pub fn edit(&mut self, by: DeviceId, field: &str, value: &str) -> WireChange {
        self.am.set_actor(ActorId::from(by.as_bytes().as_slice()));
        let obj = match field.strip_prefix('/') {
            Some(_) => ROOT,
            None => self.am.get(ROOT, "body").unwrap().unwrap().1,
        };
        self.am
            .put(&obj, field.trim_start_matches('/'), value)
            .unwrap();
        self.committed()
    }

    /// Appends `value` to the list `body.<field>` on device `by`, creating
    /// the list if needed.
    pub fn push_to_list(&mut self, by: DeviceId, field: &str, value: &str) -> WireChange {
        use automerge::ObjType;
        self.am.set_actor(ActorId::from(by.as_bytes().as_slice()));
        let body = self.am.get(ROOT, "body").unwrap().unwrap().1;
        let list = match self.am.get(&body, field).unwrap() {
            Some((_, id)) => id,
            None => self.am.put_object(&body, field, ObjType::List).unwrap(),
        };
        let len = self.am.length(&list);
        self.am.insert(&list, len, value).unwrap();
        self.committed()
    }
}

/// A real device store, bound to a person through a real invitation, that
/// syncs with the server over HTTP like the app does.
pub struct Handset {
    pub store: gridwalk_core::Store,
    pub token: String,
}

impl World {
    /// A new person with a fresh phone, bound through the redeem route.
    pub async fn handset(&self, name: &str, role: Role, nodes: &[&str]) -> Handset {
        let store = gridwalk_core::Store::open_in_memory().unwrap();
        let (_, code) = add_person(self.server.storage(), name, role, nodes);
        let req = RedeemRequest {
            code,
            device: store.device(),
            device_name: format!("{name}的手机"),
        };
        let resp: RedeemResponse = reqwest::Client::new()
            .post(format!("{}/v1/devices/redeem", self.url()))
            .json(&req)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let mut store = store;
        let token = gridwalk_core::account::DeviceToken::parse(&resp.token).unwrap();
        store.bind(&token, &resp.me).unwrap();
        Handset {
            store,
            token: resp.token,
        }
    }

    /// Pushes the handset's outbox and pulls until nothing is left either way.
    pub async fn sync_handset(&self, h: &mut Handset) {
        let client = reqwest::Client::new();
        for _ in 0..100 {
            let req = h.store.sync_request().unwrap();
            let sent_ms = now_ms();
            // The app's binary body, as the real transport sends it.
            let resp = client
                .post(format!("{}/v1/sync", self.url()))
                .bearer_auth(&h.token)
                .header(reqwest::header::CONTENT_TYPE, SYNC_MEDIA_TYPE)
                .body(sync_wire::encode(&req))
                .send()
                .await
                .unwrap();
            let status = resp.status();
            let body = resp.bytes().await.unwrap();
            assert_eq!(
                status,
                StatusCode::OK,
                "sync refused on {:?}: {}",
                self.backend,
                String::from_utf8_lossy(&body)
            );
            let resp: SyncResponse = sync_wire::decode(&body).unwrap();
            h.store
                .note_server_clock(sent_ms, now_ms(), resp.server_time_ms)
                .unwrap();
            let outcome = h.store.apply_sync_response(&req, &resp).unwrap();
            // After a restore the device queued its changes again: go on.
            if req.changes.is_empty() && !resp.more && !outcome.server_restored {
                return;
            }
        }
        panic!("sync did not settle in 100 rounds");
    }

    /// Fetches the handset's account again, as the app does on each sync:
    /// an office learns of people added since it was set up.
    pub async fn refresh_me(&self, h: &mut Handset) {
        let me: gridwalk_domain::directory::Me = reqwest::Client::new()
            .get(format!("{}/v1/me", self.url()))
            .bearer_auth(&h.token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        h.store.set_me(&me).unwrap();
    }
}

/// A household at `door` of 幸福小区, no tags, no notes.
pub fn at_door(door: &str) -> gridwalk_domain::household::HouseholdDraft {
    gridwalk_domain::household::HouseholdDraft {
        estate: "幸福小区".into(),
        door: door.into(),
        tags: vec![],
        notes: String::new(),
    }
}
