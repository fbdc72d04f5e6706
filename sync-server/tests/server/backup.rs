//! Backup and restore on both backends, the way an operator does it: back
//! up a running server, lose it, restore into an empty one, and let the
//! devices sync. Everything in the backup is back, and what was synced
//! after it comes back from the phone that made it.

use gridwalk_domain::Role;
use gridwalk_domain::ipc::archive::HouseholdQuery;
use gridwalk_domain::sync_state::SyncStatus;
use gridwalk_photo::sha256_hash;
use gridwalk_sync_server::backup::{backup, restore};
use reqwest::StatusCode;

use crate::support::{Backend, at_door, config, jpeg, now_ms, world};

#[tokio::test]
async fn a_restored_server_has_the_backup_and_devices_push_what_came_after() {
    for backend in Backend::ALL {
        let mut w = world(backend).await;
        let mut worker = w.handset("王芳", Role::GridWorker, &["g1"]).await;
        let mut office = w.handset("社区办", Role::Office, &["c1"]).await;
        let t = now_ms();
        worker
            .store
            .create_household(&at_door("3-2-501"), None, t)
            .unwrap();
        w.sync_handset(&mut worker).await;
        let photo = jpeg([200, 40, 40]);
        let hash = sha256_hash(&photo);
        let put = reqwest::Client::new()
            .put(format!("{}/v1/blobs/{hash}", w.url()))
            .bearer_auth(&worker.token)
            .body(photo.clone())
            .send()
            .await
            .unwrap();
        assert!(put.status().is_success());

        let saved = tempfile::tempdir().unwrap();
        let folder = saved.path().join("backup");
        let done = backup(&w.config, &folder).unwrap();
        assert_eq!(done.photos, Some(1), "{backend:?}");
        let err = backup(&w.config, &folder).unwrap_err().to_string();
        assert!(
            err.contains("not empty"),
            "a backup never overwrites: {err}"
        );

        // Synced after the backup: the server acknowledged it, so the
        // phone's outbox no longer holds it.
        worker
            .store
            .create_household(&at_door("3-2-502"), None, t + 1)
            .unwrap();
        w.sync_handset(&mut worker).await;
        assert_eq!(worker.store.pending_counts().unwrap().0, 0);

        // The server is lost; a new one starts from the backup.
        let new_dir = tempfile::tempdir().unwrap();
        let fresh = config(backend, new_dir.path());
        restore(&fresh, &folder).unwrap();
        let err = restore(&fresh, &folder).unwrap_err().to_string();
        assert!(
            err.contains("move it") || err.contains("not empty"),
            "a restore never overwrites a database: {err}"
        );
        w.replace_server(fresh).await;
        assert_eq!(
            w.server.storage().change_count().unwrap(),
            1,
            "{backend:?}: the backup holds the first household only"
        );

        w.sync_handset(&mut worker).await;
        w.sync_handset(&mut office).await;
        let listed = office
            .store
            .households(&HouseholdQuery::default(), &SyncStatus::default())
            .unwrap();
        assert_eq!(
            listed.len(),
            2,
            "{backend:?}: the office has both, the second pushed again by the phone"
        );
        assert_eq!(w.server.storage().change_count().unwrap(), 2);
        let got = reqwest::Client::new()
            .get(format!("{}/v1/blobs/{hash}", w.url()))
            .bearer_auth(&office.token)
            .send()
            .await
            .unwrap();
        assert_eq!(
            got.status(),
            StatusCode::OK,
            "{backend:?}: the photo is back"
        );
        assert_eq!(got.bytes().await.unwrap().as_ref(), photo.as_slice());
        w.server.shutdown().await;
        drop(new_dir);
    }
}
