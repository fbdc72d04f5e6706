//! Two grid workers edit one household offline on real device stores and
//! sync through the real server, on both backends: what both did survives,
//! what collided is shown with both versions and settled everywhere by one
//! pick, and nobody outside the grid's workers and its own office receives
//! any of it.

use gridwalk_domain::household::{Household, HouseholdDraft, MemberDraft, MemberEdit};
use gridwalk_domain::ipc::archive::HouseholdQuery;
use gridwalk_domain::record::{Choice, ConflictKind};
use gridwalk_domain::sync_state::SyncStatus;
use gridwalk_domain::{DocKind, Role};

use crate::support::{Backend, at_door, world};

const NOW: i64 = 1_790_000_000_000;

fn member(name: &str, phone: &str) -> MemberDraft {
    MemberDraft {
        name: name.into(),
        relation: "child".into(),
        phone: phone.into(),
        ..Default::default()
    }
}

fn edit(name: &str, phone: Option<&str>, birth_year: &str) -> MemberEdit {
    MemberEdit {
        name: name.into(),
        relation: "child".into(),
        phone: phone.map(str::to_owned),
        id_number: None,
        birth_year: birth_year.into(),
        notes: String::new(),
    }
}

#[tokio::test]
async fn two_workers_editing_one_household_offline_lose_nothing_and_settle_collisions_once() {
    for backend in Backend::ALL {
        let w = world(backend).await;
        let mut a = w.handset("王芳", Role::GridWorker, &["g1"]).await;
        let mut b = w.handset("李明", Role::GridWorker, &["g1"]).await;
        let draft = at_door("3-2-501");
        let h = a.store.create_household(&draft, None, NOW).unwrap();
        let m1 = a
            .store
            .add_member(&h, &member("王小明", "13812345678"), NOW)
            .unwrap();
        let m2 = a.store.add_member(&h, &member("王小红", ""), NOW).unwrap();
        w.sync_handset(&mut a).await;
        w.sync_handset(&mut b).await;

        // Offline, apart.
        a.store
            .edit_household(
                &h,
                &HouseholdDraft {
                    door: "3-2-502".into(),
                    ..draft.clone()
                },
                NOW + 1_000,
            )
            .unwrap();
        b.store
            .edit_household(
                &h,
                &HouseholdDraft {
                    tags: vec!["subsistence".into()],
                    ..draft.clone()
                },
                NOW + 1_000,
            )
            .unwrap();
        a.store
            .edit_member(
                &h,
                &m1,
                &edit("王小明", Some("13900001111"), ""),
                NOW + 2_000,
            )
            .unwrap();
        b.store
            .edit_member(
                &h,
                &m1,
                &edit("王小明", Some("13700002222"), ""),
                NOW + 3_000,
            )
            .unwrap();
        a.store
            .add_member(&h, &member("张三", ""), NOW + 4_000)
            .unwrap();
        b.store
            .add_member(&h, &member("李四", ""), NOW + 4_000)
            .unwrap();
        a.store.remove_member(&h, &m2, NOW + 5_000).unwrap();
        b.store
            .edit_member(
                &h,
                &m2,
                &edit("王小红", Some("13600003333"), "1990"),
                NOW + 6_000,
            )
            .unwrap();

        w.sync_handset(&mut a).await;
        w.sync_handset(&mut b).await;
        w.sync_handset(&mut a).await;

        for (who, s) in [("A", &a.store), ("B", &b.store)] {
            let rec: Household = s.record(&h).unwrap().unwrap();
            assert_eq!(
                rec.address.room, "502",
                "{who}: A's address survives ({backend:?})"
            );
            assert_eq!(rec.tags.len(), 1, "{who}: B's tag survives");
            let names: Vec<&str> = rec.members.values().map(|m| m.name.as_str()).collect();
            assert_eq!(
                names.len(),
                4,
                "{who}: nothing duplicated, both new members there: {names:?}"
            );
            assert!(names.contains(&"张三") && names.contains(&"李四"));
            let removed = &rec.members[&m2];
            assert!(removed.removed, "{who}: A's removal holds");
            assert_eq!(
                removed.phone.as_ref().unwrap().reveal(),
                "13600003333",
                "{who}: B's edit is not lost"
            );
            let conflicts = s.conflicts(&h).unwrap();
            let kinds: Vec<ConflictKind> = conflicts.iter().map(|c| c.kind).collect();
            assert_eq!(kinds.len(), 2, "{who}: {conflicts:?}");
            assert!(
                kinds.contains(&ConflictKind::Versions)
                    && kinds.contains(&ConflictKind::EditedWhileRemoved)
            );
            let phone = conflicts
                .iter()
                .find(|c| c.kind == ConflictKind::Versions)
                .unwrap();
            let by: Vec<_> = phone
                .versions
                .iter()
                .map(|v| v.by.as_deref().unwrap())
                .collect();
            assert_eq!(by, ["王芳", "李明"], "{who}: who wrote each version");
            let shown: Vec<&str> = phone.versions.iter().map(|v| v.shown.as_str()).collect();
            assert_eq!(shown, ["139****1111", "137****2222"], "{who}: masked");
        }

        // B settles both; A receives the settlement.
        let conflicts = b.store.conflicts(&h).unwrap();
        let phone = conflicts
            .iter()
            .find(|c| c.kind == ConflictKind::Versions)
            .unwrap();
        let keep_a = Choice::Version {
            op: phone.versions[0].op.clone(),
        };
        b.store
            .resolve(&h, &phone.path, &keep_a, NOW + 7_000)
            .unwrap();
        let gone = conflicts
            .iter()
            .find(|c| c.kind == ConflictKind::EditedWhileRemoved)
            .unwrap();
        b.store
            .resolve(&h, &gone.path, &Choice::KeepEntry, NOW + 7_000)
            .unwrap();
        w.sync_handset(&mut b).await;
        w.sync_handset(&mut a).await;
        for (who, s) in [("A", &a.store), ("B", &b.store)] {
            assert!(
                s.conflicts(&h).unwrap().is_empty(),
                "{who}: settled everywhere ({backend:?})"
            );
            let rec: Household = s.record(&h).unwrap().unwrap();
            assert_eq!(
                rec.members[&m1].phone.as_ref().unwrap().reveal(),
                "13900001111"
            );
            assert!(!rec.members[&m2].removed, "{who}: kept after all");
        }
        assert_eq!(
            a.store.document_heads(&h).unwrap(),
            b.store.document_heads(&h).unwrap(),
            "both devices hold the same document"
        );

        // Who receives the household.
        let mut office = w.handset("社区办", Role::Office, &["c1"]).await;
        let mut rider = w.handset("骑手", Role::Reporter, &["c1"]).await;
        let mut dept = w.handset("城管科", Role::Department, &["c1"]).await;
        let mut other_office = w.handset("别的社区", Role::Office, &["c2"]).await;
        for d in [&mut office, &mut rider, &mut dept, &mut other_office] {
            w.sync_handset(d).await;
        }
        let listed = |s: &gridwalk_core::Store| {
            s.households(&HouseholdQuery::default(), &SyncStatus::default())
                .unwrap()
                .len()
        };
        assert_eq!(listed(&office.store), 1, "its own office sees it");
        for (who, d) in [
            ("rider", &rider),
            ("department", &dept),
            ("another community's office", &other_office),
        ] {
            assert_eq!(
                listed(&d.store),
                0,
                "{who} lists no household ({backend:?})"
            );
            assert_eq!(
                d.store.kind_of(&h).unwrap(),
                None::<DocKind>,
                "{who} never received its document"
            );
        }
        w.server.shutdown().await;
    }
}

#[tokio::test]
async fn every_reveal_made_offline_reaches_the_audit_log_once() {
    use gridwalk_domain::household::SensitiveField;
    for backend in Backend::ALL {
        let w = world(backend).await;
        let mut a = w.handset("王芳", Role::GridWorker, &["g1"]).await;
        let draft = at_door("1-101");
        let h = a.store.create_household(&draft, None, NOW).unwrap();
        let m = a
            .store
            .add_member(&h, &member("钱七", "13812345678"), NOW)
            .unwrap();
        // Offline: two looks at the phone.
        assert_eq!(
            a.store
                .reveal(&h, &m, SensitiveField::Phone, NOW + 1)
                .unwrap()
                .as_deref(),
            Some("13812345678")
        );
        a.store
            .reveal(&h, &m, SensitiveField::Phone, NOW + 2)
            .unwrap();
        let pushed = a.store.sync_request().unwrap();
        w.sync_handset(&mut a).await;
        // The same changes pushed again (a lost answer) are acknowledged,
        // not logged again.
        let repeat = reqwest::Client::new()
            .post(format!("{}/v1/sync", w.url()))
            .bearer_auth(&a.token)
            .json(&pushed)
            .send()
            .await
            .unwrap();
        assert_eq!(repeat.status(), reqwest::StatusCode::OK);
        let reveals = w
            .server
            .storage()
            .audit_entries(0, 1000)
            .unwrap()
            .into_iter()
            .filter(|e| e.action == "pii.reveal")
            .collect::<Vec<_>>();
        assert_eq!(reveals.len(), 2, "two reveals, two entries ({backend:?})");
        assert!(reveals.iter().all(|e| e.target == format!("household:{h}")));
        assert!(reveals[0].detail.contains(&m.to_string()) && reveals[0].detail.contains("phone"));
        assert!(
            !reveals.iter().any(|e| e.detail.contains("13812345678")),
            "the audit log records the look, never the value"
        );
        // A grid worker does not receive other people's reveals; the office does.
        let mut b = w.handset("李明", Role::GridWorker, &["g1"]).await;
        let mut office = w.handset("社区办", Role::Office, &["c1"]).await;
        w.sync_handset(&mut b).await;
        w.sync_handset(&mut office).await;
        use gridwalk_core::ListQuery;
        let q = ListQuery::first(10);
        let none = SyncStatus::default();
        assert_eq!(
            b.store
                .list::<gridwalk_domain::Reveal>(&q, &none)
                .unwrap()
                .len(),
            0
        );
        assert_eq!(
            office
                .store
                .list::<gridwalk_domain::Reveal>(&q, &none)
                .unwrap()
                .len(),
            2
        );
        w.server.shutdown().await;
    }
}
