//! Provisioning and cutting off devices, admin login, the office's limited
//! powers, the audit log and rate limits — over real HTTP on both backends.

use gridwalk_domain::directory::{AuditEntry, DeviceInfo, LoginResponse, UserCreated};
use gridwalk_domain::sync::PROTOCOL_VERSION;
use gridwalk_sync_server::auth::rate_limit::RateLimit;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

use crate::support::{ADMIN, ADMIN_PASSWORD, Backend, Doc, add_person, redeem, world, world_with};

pub(crate) async fn call(
    method: reqwest::Method,
    url: String,
    token: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = reqwest::Client::new().request(method, url);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status();
    (status, resp.json().await.unwrap_or_default())
}

pub(crate) async fn login(url: &str, password: &str) -> (StatusCode, Value) {
    call(
        reqwest::Method::POST,
        format!("{url}/v1/admin/login"),
        None,
        Some(json!({"username": ADMIN, "password": password})),
    )
    .await
}

#[tokio::test]
async fn an_invitation_is_redeemed_once_and_bad_codes_say_why() {
    for backend in Backend::ALL {
        let w = world(backend).await;
        let (_, code) = add_person(
            w.server.storage(),
            "new rider",
            gridwalk_domain::Role::Reporter,
            &["c1"],
        );
        let typed = code.to_lowercase().replace('-', " ");
        let (status, body) = redeem(&w.url(), &typed, 50).await;
        assert_eq!(
            status,
            StatusCode::OK,
            "a code typed in lower case with spaces works: {body}"
        );
        assert!(body["token"].as_str().unwrap().starts_with("gwd_"));
        assert_eq!(
            body["me"]["grids"],
            json!(["c1", "g1", "g2"]),
            "a rider of c1 reports into its grids"
        );

        let (status, body) = redeem(&w.url(), &code, 51).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some("invite.used")),
            "{body}"
        );
        let (_, body) = redeem(&w.url(), "ABCD-EFGH-JKLM", 52).await;
        assert_eq!(body["code"], "invite.unknown");
        let (_, body) = redeem(&w.url(), "hello", 53).await;
        assert_eq!(body["code"], "invite.bad_code");
        assert!(
            body["message"].as_str().unwrap().contains("邀请码"),
            "the message is Chinese first: {body}"
        );

        let user = w.users["worker1"];
        let expired = gridwalk_sync_server::provisioning::invite(
            w.server.storage(),
            &user,
            "test",
            Duration::ZERO,
            0,
        )
        .unwrap();
        let (_, body) = redeem(&w.url(), &expired.code, 54).await;
        assert_eq!(body["code"], "invite.expired", "{backend:?}");
        w.server.shutdown().await;
    }
}

#[tokio::test]
async fn a_revoked_device_gets_401_at_once_and_the_users_other_devices_go_on() {
    for backend in Backend::ALL {
        let w = world(backend).await;
        let (_, admin) = login(&w.url(), ADMIN_PASSWORD).await;
        let admin: LoginResponse = serde_json::from_value(admin).unwrap();
        // worker1 gets a second phone.
        let (status, inv) = call(
            reqwest::Method::POST,
            format!(
                "{}/v1/admin/users/{}/invitations",
                w.url(),
                w.users["worker1"]
            ),
            Some(&admin.token),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{inv}");
        assert!(
            inv["qr_svg"].as_str().unwrap().contains("<svg"),
            "the invitation carries a QR image"
        );
        let (_, second) = redeem(&w.url(), inv["code"].as_str().unwrap(), 60).await;
        let second_token = second["token"].as_str().unwrap().to_owned();

        let (_, devices) = call(
            reqwest::Method::GET,
            format!("{}/v1/admin/devices", w.url()),
            Some(&admin.token),
            None,
        )
        .await;
        let devices: Vec<DeviceInfo> = serde_json::from_value(devices).unwrap();
        let first = devices
            .iter()
            .find(|d| d.user == w.users["worker1"])
            .unwrap();
        let (status, revoked) = call(
            reqwest::Method::POST,
            format!("{}/v1/admin/devices/{}/revoke", w.url(), first.id),
            Some(&admin.token),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{revoked}");
        assert!(revoked["revoked_at_ms"].is_i64());

        let (status, body) = w
            .post(
                "worker1",
                0,
                vec![Doc::create(w.device("worker1"), "report", "g1", json!({})).1],
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        assert_eq!(body["code"], "auth.revoked");
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .contains("unsent records stay"),
            "{body}"
        );
        assert_eq!(
            w.server.storage().change_count().unwrap(),
            0,
            "nothing from a revoked device is stored"
        );
        let (status, _) = call(
            reqwest::Method::GET,
            format!("{}/v1/me", w.url()),
            Some(&w.tokens["worker1"]),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);

        let req = json!({"protocol": PROTOCOL_VERSION, "device": "01010101-0101-4101-8101-010101010101", "cursor": 0, "changes": []});
        let (status, body) = crate::support::post_raw(
            &w.url(),
            Some(&second_token),
            serde_json::to_vec(&req).unwrap(),
        )
        .await;
        assert_eq!(
            status,
            StatusCode::OK,
            "the same user's other phone still syncs: {body}"
        );
        w.server.shutdown().await;
    }
}

#[tokio::test]
async fn admins_log_in_with_their_password_and_offices_manage_only_their_own() {
    for backend in Backend::ALL {
        let w = world(backend).await;
        let (status, body) = login(&w.url(), "wrong password!").await;
        assert_eq!(
            (status, body["code"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("auth.bad_login"))
        );
        let (status, body) = login(&w.url(), ADMIN_PASSWORD).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let admin = body["token"].as_str().unwrap().to_owned();

        let users = format!("{}/v1/admin/users", w.url());
        let rider = json!({"name": "骑手 赵", "role": "reporter", "nodes": ["g1"]});
        let (status, body) = call(
            reqwest::Method::POST,
            users.clone(),
            Some(&w.tokens["office1"]),
            Some(rider),
        )
        .await;
        assert_eq!(
            status,
            StatusCode::OK,
            "an office adds a rider in its community: {body}"
        );
        let created: UserCreated = serde_json::from_value(body).unwrap();
        let (status, _) = redeem(&w.url(), &created.invitation.code, 70).await;
        assert_eq!(status, StatusCode::OK);

        for (who, body, why) in [
            (
                "office1",
                json!({"name": "x", "role": "office", "nodes": ["c1"]}),
                "an office may not create offices",
            ),
            (
                "office1",
                json!({"name": "x", "role": "reporter", "nodes": ["g3"]}),
                "an office may not add people in another community",
            ),
            (
                "worker1",
                json!({"name": "x", "role": "reporter", "nodes": ["g1"]}),
                "a grid worker may not add people",
            ),
            (
                "rider1",
                json!({"name": "x", "role": "reporter", "nodes": ["g1"]}),
                "a rider may not add people",
            ),
        ] {
            let (status, resp) = call(
                reqwest::Method::POST,
                users.clone(),
                Some(&w.tokens[who]),
                Some(body),
            )
            .await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{why}: {resp}");
        }
        let (status, body) = call(
            reqwest::Method::POST,
            users.clone(),
            Some(&admin),
            Some(json!({"name": "x", "role": "reporter", "nodes": ["nowhere"]})),
        )
        .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some("admin.bad_node"))
        );

        let (_, listed) = call(
            reqwest::Method::GET,
            users.clone(),
            Some(&w.tokens["office2"]),
            None,
        )
        .await;
        let names: Vec<&str> = listed
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            ["worker3"],
            "office2 sees only the people of its own community"
        );

        let (_, devices) = call(
            reqwest::Method::GET,
            format!("{}/v1/admin/devices", w.url()),
            Some(&admin),
            None,
        )
        .await;
        let devices: Vec<DeviceInfo> = serde_json::from_value(devices).unwrap();
        let office1_phone = devices
            .iter()
            .find(|d| d.user == w.users["office1"])
            .unwrap();
        let (status, _) = call(
            reqwest::Method::POST,
            format!("{}/v1/admin/devices/{}/revoke", w.url(), office1_phone.id),
            Some(&w.tokens["office2"]),
            None,
        )
        .await;
        assert_eq!(
            status,
            StatusCode::NOT_FOUND,
            "an office cannot cut off another office's phone"
        );

        let audit = format!("{}/v1/admin/audit", w.url());
        let (status, _) = call(
            reqwest::Method::GET,
            audit.clone(),
            Some(&w.tokens["office1"]),
            None,
        )
        .await;
        assert_eq!(
            status,
            StatusCode::FORBIDDEN,
            "only admins read the audit log"
        );
        let (status, entries) = call(reqwest::Method::GET, audit, Some(&admin), None).await;
        assert_eq!(status, StatusCode::OK);
        let entries: Vec<AuditEntry> = serde_json::from_value(entries).unwrap();
        let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
        for expected in [
            "admin.login_failed",
            "admin.login",
            "user.create",
            "invitation.create",
            "invitation.redeem",
        ] {
            assert!(
                actions.contains(&expected),
                "the audit log records {expected}: {actions:?}"
            );
        }
        let made = entries.iter().find(|e| e.action == "user.create").unwrap();
        assert_eq!(
            made.actor,
            format!("user:{}", w.users["office1"]),
            "and who did it"
        );
        w.server.shutdown().await;
    }
}

#[tokio::test]
async fn a_token_that_hammers_is_slowed_down_and_others_are_not() {
    let w = world_with(Backend::Sqlite, |c| {
        c.rate_limit = RateLimit {
            per_second: 0.5,
            burst: 3.0,
        };
    })
    .await;
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(w.post("worker1", 0, vec![]).await.0);
    }
    assert_eq!(&statuses[..3], &[StatusCode::OK; 3], "the burst is allowed");
    assert_eq!(
        statuses[4],
        StatusCode::TOO_MANY_REQUESTS,
        "then the caller waits"
    );
    let resp = reqwest::Client::new()
        .post(format!("{}/v1/sync", w.url()))
        .bearer_auth(&w.tokens["worker1"])
        .body("{}")
        .send()
        .await
        .unwrap();
    assert!(
        resp.headers().contains_key("retry-after"),
        "and is told how long"
    );
    assert_eq!(
        w.post("worker2", 0, vec![]).await.0,
        StatusCode::OK,
        "another device is untouched"
    );
    w.server.shutdown().await;
}

#[tokio::test]
async fn a_grid_worker_moved_to_another_grid_receives_its_records_and_no_longer_the_old_ones() {
    for backend in Backend::ALL {
        let w = world(backend).await;
        let g1_record = Doc::create(
            w.device("worker1"),
            "household",
            "g1",
            json!({"name": "一号楼住户"}),
        )
        .1;
        let g2_record = Doc::create(
            w.device("worker2"),
            "household",
            "g2",
            json!({"name": "二号楼住户"}),
        )
        .1;
        w.sync("worker1", 0, vec![g1_record.clone()]).await;
        w.sync("worker2", 0, vec![g2_record.clone()]).await;
        let before = w.sync("worker1", 0, vec![]).await;
        assert_eq!(
            before.changes,
            vec![g1_record.clone()],
            "worker1 sees only g1"
        );

        let (status, body) = call(
            reqwest::Method::POST,
            format!("{}/v1/admin/users/{}/nodes", w.url(), w.users["worker1"]),
            Some(&w.tokens["office1"]),
            Some(json!({"nodes": ["g2"]})),
        )
        .await;
        assert_eq!(
            status,
            StatusCode::OK,
            "the office moves its grid worker: {body}"
        );
        let (status, _) = call(
            reqwest::Method::POST,
            format!("{}/v1/admin/users/{}/nodes", w.url(), w.users["worker1"]),
            Some(&w.tokens["office1"]),
            Some(json!({"nodes": ["g3"]})),
        )
        .await;
        assert_eq!(
            status,
            StatusCode::FORBIDDEN,
            "but not into another community"
        );

        let after = w.sync("worker1", before.cursor, vec![]).await;
        assert_eq!(
            after.changes,
            vec![g2_record],
            "from its old cursor the device still receives g2's earlier record, and nothing of g1 ({backend:?})"
        );
        let (status, body) = w
            .post(
                "worker1",
                0,
                vec![Doc::create(w.device("worker1"), "visit", "g1", json!({})).1],
            )
            .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("auth.out_of_scope"))
        );
        w.server.shutdown().await;
    }
}
