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
