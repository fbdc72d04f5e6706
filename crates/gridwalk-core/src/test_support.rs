//! Builders shared by the crate's unit tests.

/// A small PNG of one colour, made in memory: a valid photo input that
/// needs no file.
pub fn png(width: u32, height: u32, rgb: [u8; 3]) -> Vec<u8> {
    let img = image::RgbImage::from_pixel(width, height, image::Rgb(rgb));
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, image::ImageFormat::Png)
        .unwrap();
    out.into_inner()
}

/// An account with the given grids, as the server would send it.
pub fn me(grids: &[&str]) -> gridwalk_domain::directory::Me {
    use gridwalk_domain::{GridId, Role, UserId};
    gridwalk_domain::directory::Me {
        user: UserId::from_random_bytes([7; 16]),
        name: "测试网格员".into(),
        role: Role::GridWorker,
        nodes: Vec::new(),
        grids: grids.iter().map(|g| GridId::parse(g).unwrap()).collect(),
        people: Vec::new(),
    }
}

/// Binds `store` to an account with `grids`, as redeeming an invitation does.
pub fn bind(store: &mut crate::Store, grids: &[&str]) -> gridwalk_domain::directory::Me {
    let me = me(grids);
    let token = crate::account::DeviceToken::parse("gwd_test-token").unwrap();
    store.bind(&token, &me).unwrap();
    me
}

/// A fresh in-memory store bound to an account with `grids`.
pub fn bound_store(grids: &[&str]) -> (crate::Store, gridwalk_domain::directory::Me) {
    let mut s = crate::Store::open_in_memory().unwrap();
    let me = bind(&mut s, grids);
    (s, me)
}

/// A sync server played by hand: one feed of changes in arrival order,
/// each stored once per document, served after each device's cursor.
#[derive(Debug, Default)]
pub struct Feed(Vec<gridwalk_domain::sync::WireChange>);

impl Feed {
    /// One device's full sync: pushes its outbox, pulls everything new.
    pub fn sync(&mut self, store: &mut crate::Store) {
        use gridwalk_domain::sync::SyncResponse;
        loop {
            let req = store.sync_request().unwrap();
            for c in &req.changes {
                if !self.0.iter().any(|f| f.doc == c.doc && f.bytes == c.bytes) {
                    self.0.push(c.clone());
                }
            }
            let acked = req.changes.len() as u32;
            let resp = SyncResponse {
                acked,
                changes: self.0.iter().skip(req.cursor as usize).cloned().collect(),
                cursor: self.0.len() as u64,
                more: false,
                server_time_ms: None,
                directory: 0,
                epoch: 0,
            };
            store.apply_sync_response(&req, &resp).unwrap();
            if req.changes.is_empty() {
                return;
            }
        }
    }

    /// Puts a change on the feed as though a device had got it past the
    /// server.
    pub fn inject(&mut self, change: gridwalk_domain::sync::WireChange) {
        self.0.push(change);
    }
}

/// Two devices of grid workers in `demo-grid-1`, as two people's phones.
pub fn two_workers() -> (crate::Store, crate::Store) {
    let mut a = crate::Store::open_in_memory().unwrap();
    let mut b = crate::Store::open_in_memory().unwrap();
    bind_as(&mut a, 1, "王芳");
    bind_as(&mut b, 2, "李明");
    (a, b)
}

/// Binds `store` as the grid worker `name` (user `n`) of `demo-grid-1`.
pub fn bind_as(store: &mut crate::Store, n: u8, name: &str) {
    bind_person(
        store,
        &person(n, name, gridwalk_domain::Role::GridWorker),
        &[],
    );
}

/// User `n` called `name` in `role`, attached to `demo-grid-1`.
pub fn person(
    n: u8,
    name: &str,
    role: gridwalk_domain::Role,
) -> gridwalk_domain::directory::UserInfo {
    gridwalk_domain::directory::UserInfo {
        id: gridwalk_domain::UserId::from_random_bytes([n; 16]),
        name: name.into(),
        role,
        nodes: vec![gridwalk_domain::GridId::parse("demo-grid-1").unwrap()],
        categories: vec![],
    }
}

/// Binds `store` as `who` in `demo-grid-1`, dispatching to `people` if an
/// office.
pub fn bind_person(
    store: &mut crate::Store,
    who: &gridwalk_domain::directory::UserInfo,
    people: &[gridwalk_domain::directory::UserInfo],
) {
    let mut me = me(&["demo-grid-1"]);
    me.user = who.id;
    me.name = who.name.clone();
    me.role = who.role;
    me.people = people.to_vec();
    let token = crate::account::DeviceToken::parse("gwd_test-token").unwrap();
    store.bind(&token, &me).unwrap();
}

/// The office on `office` dispatches `order` to `who` at `at_ms`.
pub fn dispatch(
    office: &mut crate::Store,
    order: gridwalk_domain::DocId,
    who: &gridwalk_domain::directory::UserInfo,
    at_ms: i64,
) {
    let to = gridwalk_domain::work_order::Assignee {
        user: who.id,
        name: who.name.clone(),
        role: who.role,
    };
    let step = gridwalk_domain::work_order::Step::Dispatched { to };
    let input = gridwalk_domain::ipc::orders::OrderStep { order, step };
    office.order_step(&input, at_ms).unwrap();
}
