//! The real app window, driven through WebDriver (tauri-driver →
//! WebKitWebDriver) on a virtual display: device A (a rider) fills in a
//! report, is told to bind first, binds by typing an invitation code, and
//! the report syncs; device B (the office) binds in Settings and shows it
//! in the office inbox and exports it as CSV, adds a rider whose on-screen
//! code binds a phone and switches A's phone off; then B is switched off by the office, still saves a
//! report offline, shows the banner, and a new code pushes what it kept.
//! Screenshots land in `target/e2e-artifacts/` to be looked at.

use std::path::Path;
use std::time::Duration;

use crate::driver::{
    absent, add_photo, css, image_shown, open_app, resize, shot, start_xvfb, tap, text_until,
    type_code, type_into,
};
use crate::support::{COMMUNITY, grid_tree, invitation, photo, reinvite, server_at};
use gridwalk_domain::Role;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_made_in_one_window_appears_in_the_other_after_sync() {
    let tmp = tempfile::tempdir().unwrap();
    let server = server_at(&tmp.path().join("server"), "127.0.0.1:0").await;
    grid_tree(&server);
    let (rider, rider_code) = invitation(&server, "骑手 李师傅", Role::Reporter, &[COMMUNITY]);
    let (office, office_code) = invitation(&server, "社区办公室", Role::Office, &[COMMUNITY]);
    let (_xvfb, display) = start_xvfb();

    // Device A, never bound: the bind card comes first, on a phone screen.
    let (a, driver_a) = open_app(&display, &tmp.path().join("device-a"), &server.url()).await;
    resize(&a, 360, 800).await;
    let intro = text_until(&a, "#bind-panel", |t| t.contains("邀请码")).await;
    assert!(
        intro.contains("绑定设备"),
        "the bind card explains itself: {intro}"
    );
    text_until(&a, "#sync-badge", |t| t.contains("未绑定")).await;
    shot(&a, "a-0-bind-phone-360x800").await;
    resize(&a, 1024, 768).await;

    // A rider fills the form; a broken photo is refused in Chinese and
    // what was typed stays.
    type_into(&a, "#description", "3号楼东侧井盖松动").await;
    tap(&a, "#cat-manhole_cover").await;
    type_into(&a, "#reporter", "骑手 李师傅").await;
    let broken = photo("broken/corrupted.jpg");
    type_into(&a, "#photo-input", broken.to_str().unwrap()).await;
    let err = text_until(&a, "#photo-error", |t| !t.is_empty()).await;
    assert!(
        err.contains("照片"),
        "the broken-photo message is in Chinese: {err}"
    );
    let kept = css(&a, "#description")
        .await
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default();
    assert_eq!(
        kept, "3号楼东侧井盖松动",
        "a broken photo must not clear the form"
    );
    shot(&a, "a-1-broken-photo").await;

    add_photo(&a, "gps/DSCN0010.jpg").await;
    let gps = text_until(&a, "#gps-from-photo", |t| t.contains(',')).await;
    assert!(
        gps.contains("照片定位"),
        "location is prefilled from the photo's GPS: {gps}"
    );
    shot(&a, "a-2-form-filled").await;

    // Not bound yet: saving explains what to do and keeps everything.
    tap(&a, "#submit").await;
    let why = text_until(&a, "#form-message", |t| !t.is_empty()).await;
    assert!(
        why.contains("绑定"),
        "submitting unbound says to bind: {why}"
    );
    assert_eq!(
        css(&a, "#description")
            .await
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("3号楼东侧井盖松动"),
        "the refused save keeps the form"
    );

    // Binding by typing the code (sloppily: lower case, no dashes).
    let typed = rider_code.to_lowercase().replace('-', "");
    type_code(&a, "bind", &typed).await;
    // The card lists who the device now works for and their grids.
    text_until(&a, "#account", |t| {
        t.contains("骑手 李师傅") && t.contains("第1网格") && t.contains("第2网格")
    })
    .await;
    // Two grids: the form offers a picker; the report goes into the second.
    tap(&a, "#grid-select option[value='c1-grid-2']").await;
    resize(&a, 360, 800).await;
    a.execute("window.scrollTo(0, 0);", vec![]).await.unwrap();
    shot(&a, "a-3-bound-phone-360x800").await;
    resize(&a, 1024, 768).await;
    tap(&a, "#submit").await;

    // Saved locally and listed under 我的上报; background sync sends it
    // without anyone pressing 立即同步.
    css(&a, "#my-list .report-card").await;
    text_until(&a, "#my-list .report-card .sync-state", |t| {
        t.contains("已同步")
    })
    .await;
    shot(&a, "a-4-my-reports-synced").await;
    // A rider has no inbox tab and no export anywhere: only the office may
    // take the community's data away.
    assert!(
        absent(&a, "#tab-office").await && absent(&a, "[id^=export-]").await,
        "no inbox and no export button for a rider"
    );
    a.close().await.unwrap();
    drop(driver_a);

    // Device B: the office desktop binds in 设置, syncs and sees the report
    // with its photo.
    let (b, _driver_b) = open_app(&display, &tmp.path().join("device-b"), &server.url()).await;
    tap(&b, "#tab-settings").await;
    type_code(&b, "bind", &office_code).await;
    let account = text_until(&b, "#account", |t| t.contains("社区办公室")).await;
    assert!(account.contains("身份"), "role is shown: {account}");
    text_until(&b, "#bind-message", |t| t.contains("绑定成功")).await;
    shot(&b, "b-0-settings-bound").await;
    tap(&b, "#sync-now").await;
    tap(&b, "#tab-office").await;
    let card = text_until(&b, "#office-list .report-card", |t| t.contains("井盖松动")).await;
    assert!(
        card.contains("井盖破损"),
        "the category shows in Chinese: {card}"
    );
    // The photo arrives in the same pass; the card shows its thumbnail.
    let thumb = image_shown(&b, "#office-list .report-card img.thumb").await;
    assert!(
        thumb <= 320,
        "the list shows the thumbnail, not the full photo ({thumb} px)"
    );
    shot(&b, "b-1-office-inbox").await;

    // The office exports its community's reports; the message says where.
    tap(&b, "#export-reports-csv").await;
    let done = text_until(&b, "#export-message", |t| t.contains("保存在")).await;
    assert!(done.contains("已导出 1 行"), "one report exported: {done}");
    let path = done
        .rsplit_once('：')
        .map(|(_, p)| p.trim().to_owned())
        .unwrap_or_default();
    let csv = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("the export named in {done:?} is readable: {e}"));
    assert!(csv.contains("3号楼东侧井盖松动"), "{csv}");
    assert!(
        Path::new(&path).starts_with(tmp.path().join("device-b").join("downloads")),
        "the export is in the desktop's Downloads folder: {path}"
    );
    shot(&b, "b-1b-exported").await;

    // 人员: the office adds a rider at the counter; the code on screen binds
    // a new phone.
    tap(&b, "#tab-people").await;
    text_until(&b, "#people-list", |t| {
        t.contains("骑手 李师傅") && t.contains("使用中")
    })
    .await;
    type_into(&b, "#person-name", "骑手 张师傅").await;
    tap(&b, "#person-node option[value='c1-grid-1']").await;
    tap(&b, "#person-add").await;
    let code = text_until(&b, "#invite-code", |t| t.trim().len() == 14).await;
    assert!(image_shown(&b, "#invite-qr").await > 0, "the QR is drawn");
    shot(&b, "b-1c-people-invitation").await;
    tap(&b, "#invite-close").await;
    text_until(&b, "#people-list", |t| t.contains("骑手 张师傅")).await;
    let phone_c = crate::support::device(&tmp.path().join("device-c"), &server);
    let me = phone_c
        .sync
        .redeem(&phone_c.store, code.trim(), "张师傅的手机")
        .await
        .expect("the code shown on the office screen binds a phone");
    assert_eq!(me.name, "骑手 张师傅");

    // 李师傅's phone is lost: two taps switch it off, and the server agrees.
    let phone_a = server
        .storage()
        .devices()
        .unwrap()
        .into_iter()
        .find(|d| d.user == rider)
        .expect("A's device row")
        .id;
    let revoke = format!("[data-device='{phone_a}'] .revoke");
    resize(&b, 360, 800).await;
    tap(&b, &revoke).await;
    text_until(&b, &revoke, |t| t.contains("确认停用")).await;
    shot(&b, "b-1d-people-confirm-phone").await;
    tap(&b, &revoke).await;
    text_until(
        &b,
        &format!("[data-device='{phone_a}'] .device-state"),
        |t| t.contains("已停用"),
    )
    .await;
    let switched_off = server
        .storage()
        .devices()
        .unwrap()
        .into_iter()
        .any(|d| d.id == phone_a && d.revoked_at_ms.is_some());
    assert!(switched_off, "the server switched A's phone off");
    resize(&b, 1024, 768).await;
    tap(&b, "#tab-office").await;
    tap(&b, "#office-list .report-card").await;
    let full = image_shown(&b, "#report-detail img.full").await;
    assert!(
        full > thumb,
        "the detail shows the full photo ({full} px), not the thumbnail"
    );
    // A decoded photo paints a moment later; the screenshot is for people to look at.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    shot(&b, "b-2-report-detail").await;

    // The same screen on a phone-sized window, then in English.
    resize(&b, 360, 800).await;
    tap(&b, "#report-detail .close").await;
    shot(&b, "b-3-phone-360x800").await;
    tap(&b, "#lang-switch").await;
    text_until(&b, "#tab-office", |t| t.contains("Inbox")).await;
    shot(&b, "b-4-phone-english").await;
    tap(&b, "#lang-switch").await;

    // The office switches B off. B still saves a report (offline, in its
    // last known grid), and the banner says the record is kept.
    let device_b = server
        .storage()
        .devices()
        .unwrap()
        .into_iter()
        .find(|d| d.user == office && d.revoked_at_ms.is_none())
        .expect("B's device row");
    server
        .storage()
        .revoke_device(device_b.id, gridwalk_app_lib::sync_loop::now_ms())
        .unwrap();
    tap(&b, "#sync-now").await;
    text_until(&b, "#refused-banner", |t| t.contains("已被社区停用")).await;
    // Desktop size for the form: on a phone the fixed tab bar can cover
    // the submit button, and WebDriver refuses a covered click.
    resize(&b, 1024, 768).await;
    tap(&b, "#tab-office").await;
    tap(&b, "#office-new-report").await;
    add_photo(&b, "phone/jolla.jpg").await;
    tap(&b, "#cat-garbage").await;
    type_into(&b, "#address", "安康小区北门").await;
    tap(&b, "#submit").await;
    css(&b, "#my-list .report-card").await;
    let banner = text_until(&b, "#refused-banner", |t| t.contains("1 条记录")).await;
    assert!(
        banner.contains("不会丢失") && banner.contains("新的邀请码"),
        "the banner says nothing is lost and what to do: {banner}"
    );
    shot(&b, "b-5-revoked-banner-desktop").await;
    resize(&b, 360, 800).await;
    b.execute("window.scrollTo(0, 0);", vec![]).await.unwrap();
    shot(&b, "b-6-revoked-banner-phone").await;

    // A new code from the office: the banner goes and the kept report goes up.
    type_code(&b, "refused", &reinvite(&server, &office)).await;
    text_until(&b, "#my-list .report-card .sync-state", |t| {
        t.contains("已同步")
    })
    .await;
    assert!(
        absent(&b, "#refused-banner").await,
        "the banner is gone once bound again"
    );
    shot(&b, "b-7-rebound-synced-phone").await;
    b.close().await.unwrap();
    server.shutdown().await;
}
