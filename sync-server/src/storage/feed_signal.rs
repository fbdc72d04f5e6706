//! Tells held pulls (`/v1/sync?wait=`) that the feed moved, and in which
//! grids, so that each one reads again only when a change it may read could
//! be among the new ones.
//!
//! One instance on SQLite sends the signal itself after a push is durable.
//! Instances on one PostgreSQL send it with `NOTIFY` inside the push's
//! transaction (PostgreSQL delivers it on commit, never for a rollback), and
//! each instance listens on a connection of its own and passes it on, so a
//! device held by one instance wakes for a push stored through another.

use gridwalk_domain::GridId;
use std::collections::BTreeSet;
use std::sync::Arc;
use tokio::sync::broadcast;

/// The PostgreSQL channel the instances notify on.
pub const CHANNEL: &str = "gridwalk_feed";
/// Sends a notice on `CHANNEL` (`$1`: its payload); PostgreSQL delivers it
/// to every listening instance when the transaction commits.
pub const NOTICE_SQL: &str = "SELECT pg_notify('gridwalk_feed', $1)";
/// `NOTIFY` payloads must stay under 8,000 bytes; beyond this the notice
/// says "anywhere" instead of naming the grids.
const MAX_PAYLOAD: usize = 7_000;
/// Notices a slow held pull may fall behind by; one that falls further
/// behind reads again, which is always safe.
const BACKLOG: usize = 256;

/// Where a commit stored changes: a set of grids, or anywhere (a listener
/// that reconnected may have missed notices).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedMoved(Option<Arc<BTreeSet<String>>>);

impl FeedMoved {
    pub fn anywhere() -> Self {
        Self(None)
    }

    pub fn in_grids<'a>(grids: impl IntoIterator<Item = &'a GridId>) -> Self {
        Self(Some(Arc::new(
            grids.into_iter().map(|g| g.as_str().to_owned()).collect(),
        )))
    }

    /// Whether a reader of `grids` (`None`: every grid) could see a change
    /// of this commit.
    pub fn concerns<'a>(&self, grids: Option<impl IntoIterator<Item = &'a GridId>>) -> bool {
        match (&self.0, grids) {
            (None, _) | (_, None) => true,
            (Some(moved), Some(grids)) => grids.into_iter().any(|g| moved.contains(g.as_str())),
        }
    }

    /// The `NOTIFY` payload: the grids, comma separated, or `*`.
    pub fn payload(&self) -> String {
        match &self.0 {
            Some(grids) => {
                let joined = grids.iter().cloned().collect::<Vec<_>>().join(",");
                if joined.len() <= MAX_PAYLOAD {
                    joined
                } else {
                    "*".into()
                }
            }
            None => "*".into(),
        }
    }

    /// Reads a payload another instance sent; anything odd means anywhere.
    pub fn from_payload(payload: &str) -> Self {
        if payload == "*" || payload.is_empty() {
            return Self::anywhere();
        }
        let grids: Option<BTreeSet<String>> = payload
            .split(',')
            .map(|g| GridId::parse(g).ok().map(|g| g.as_str().to_owned()))
            .collect();
        Self(grids.map(Arc::new))
    }
}

/// The sending end, shared by the storage and the PostgreSQL listener.
#[derive(Debug, Clone)]
pub struct FeedSignal(broadcast::Sender<FeedMoved>);

impl Default for FeedSignal {
    fn default() -> Self {
        Self(broadcast::channel(BACKLOG).0)
    }
}

impl FeedSignal {
    pub fn send(&self, moved: FeedMoved) {
        // No receiver means no pull is held: nobody to tell.
        let _ = self.0.send(moved);
    }

    /// A receiver of every notice sent from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<FeedMoved> {
        self.0.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(s: &str) -> GridId {
        GridId::parse(s).unwrap()
    }

    #[test]
    fn a_notice_concerns_readers_of_its_grids_and_readers_of_everything() {
        let moved = FeedMoved::in_grids(&[grid("g-1"), grid("g-2")]);
        assert!(moved.concerns(Some(&[grid("g-2"), grid("g-9")])));
        assert!(!moved.concerns(Some(&[grid("g-9")])));
        assert!(moved.concerns(None::<&[GridId]>));
        assert!(FeedMoved::anywhere().concerns(Some(&[grid("g-9")])));
    }

    #[test]
    fn notices_go_out_on_the_channel_the_instances_listen_on() {
        assert!(NOTICE_SQL.contains(&format!("'{CHANNEL}'")));
    }

    #[test]
    fn payloads_round_trip_and_odd_ones_mean_anywhere() {
        let moved = FeedMoved::in_grids(&[grid("g-1"), grid("g-2")]);
        assert_eq!(moved.payload(), "g-1,g-2");
        assert_eq!(FeedMoved::from_payload(&moved.payload()), moved);
        assert_eq!(FeedMoved::from_payload("g-1,,"), FeedMoved::anywhere());
        assert_eq!(FeedMoved::from_payload(""), FeedMoved::anywhere());
        let many: Vec<GridId> = (0..2_000).map(|i| grid(&format!("grid-{i}"))).collect();
        assert_eq!(FeedMoved::in_grids(&many).payload(), "*");
    }
}
