//! Who this device works for: the bearer token it got by redeeming an
//! invitation, the latest `Me` the server sent, and whether the server has
//! since refused the token (revoked by the office, or unknown to it).
//!
//! All of it lives in the `meta` table, written together so a crash never
//! leaves a token without its `Me`. The token is a secret: it is kept in a
//! type whose `Debug` hides it, and nothing here hands it to the UI.

use gridwalk_domain::ErrorCode;
use gridwalk_domain::GridId;
use gridwalk_domain::directory::Me;
use rusqlite::params;

use crate::error::{CoreError, Result};
use crate::store::{Store, set_meta};

const TOKEN: &str = "device_token";
const ME: &str = "me";
const REFUSED: &str = "token_refused";
const LAST_GRID: &str = "last_grid";

/// A device's bearer token. Only `expose` shows it, for the `Authorization`
/// header; `Debug` prints a placeholder so a stray `{:?}` in a log leaks nothing.
#[derive(Clone, PartialEq, Eq)]
pub struct DeviceToken(String);

impl DeviceToken {
    /// Tokens come from the server; anything empty or with control
    /// characters would make a broken header, so it is refused up front.
    pub fn parse(s: &str) -> Result<Self> {
        let s = s.trim();
        if s.is_empty() || s.len() > 512 || !s.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(CoreError::BadServerData(
                "the server sent an unusable device token".into(),
            ));
        }
        Ok(Self(s.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for DeviceToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DeviceToken(…)")
    }
}

/// What the device may do with the server right now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credentials {
    /// No invitation redeemed yet: nothing to send the server.
    Unbound,
    /// The server refused this token (its 401 code, e.g. `auth.revoked`);
    /// only a new invitation helps, so sync waits for one.
    Refused(ErrorCode),
    Bound(DeviceToken),
}

impl Store {
    pub fn credentials(&self) -> Result<Credentials> {
        let Some(token) = self.meta(TOKEN)? else {
            return Ok(Credentials::Unbound);
        };
        if let Some(code) = self.meta(REFUSED)? {
            return Ok(Credentials::Refused(ErrorCode::parse(&code)));
        }
        Ok(Credentials::Bound(DeviceToken::parse(&token)?))
    }

    /// Keeps a freshly redeemed token and its `Me`, and forgets any earlier
    /// refusal, in one transaction. The outbox is untouched: what was made
    /// under the old token goes up under the new one.
    pub fn bind(&mut self, token: &DeviceToken, me: &Me) -> Result<()> {
        let me_json = serde_json::to_string(me).map_err(|e| CoreError::Invalid(e.to_string()))?;
        let tx = self.conn.transaction()?;
        set_meta(&tx, TOKEN, token.expose())?;
        set_meta(&tx, ME, &me_json)?;
        tx.execute("DELETE FROM meta WHERE key = ?1", params![REFUSED])?;
        tx.commit()?;
        Ok(())
    }

    /// The latest `Me` from `/v1/me`, kept for offline use.
    pub fn set_me(&self, me: &Me) -> Result<()> {
        let json = serde_json::to_string(me).map_err(|e| CoreError::Invalid(e.to_string()))?;
        self.set_meta(ME, &json)
    }

    /// The user this device was last bound to, if ever; kept after a
    /// refusal so the person still sees whose device it was.
    pub fn me(&self) -> Result<Option<Me>> {
        match self.meta(ME)? {
            None => Ok(None),
            Some(json) => serde_json::from_str(&json)
                .map(Some)
                .map_err(|e| CoreError::Invalid(format!("the stored account is unreadable: {e}"))),
        }
    }

    /// Records the server's 401 code for `token` so the sync loop stops
    /// calling the server. The refusal of an older token — from a call that
    /// started before a new invitation was redeemed — leaves the new
    /// binding alone.
    pub fn set_token_refused(&self, token: &DeviceToken, code: ErrorCode) -> Result<()> {
        if self.meta(TOKEN)?.as_deref() == Some(token.expose()) {
            self.set_meta(REFUSED, code.as_str())?;
        }
        Ok(())
    }

    pub fn last_grid(&self) -> Result<Option<GridId>> {
        Ok(self.meta(LAST_GRID)?.and_then(|s| GridId::parse(&s).ok()))
    }

    /// The grid a new report goes into: the one asked for if it is one of
    /// the user's grids, else the last one used, else the first.
    ///
    /// A device that was bound once keeps working offline — even after a
    /// revocation — with its last known grids: a rider who just took a photo
    /// expects it saved, and the server checks the grid again on upload. A
    /// device never bound has no grid at all and must be bound first.
    pub fn report_grid(&self, requested: Option<&GridId>) -> Result<GridId> {
        self.pick_grid(requested, |me| me.grids.clone())
    }

    /// Like `report_grid`, among the grids proper: households live in a
    /// grid, never in the community's file of what lies outside them.
    pub fn archive_grid(&self, requested: Option<&GridId>) -> Result<GridId> {
        self.pick_grid(requested, Me::grid_cells)
    }

    fn pick_grid(
        &self,
        requested: Option<&GridId>,
        allowed: impl Fn(&Me) -> Vec<GridId>,
    ) -> Result<GridId> {
        let me = self.me()?.ok_or(CoreError::NotBound)?;
        let grids = allowed(&me);
        if let Some(g) = requested {
            return if grids.contains(g) {
                Ok(g.clone())
            } else {
                Err(CoreError::GridNotYours(g.to_string()))
            };
        }
        let last = self.last_grid()?.filter(|g| grids.contains(g));
        last.or_else(|| grids.first().cloned())
            .ok_or(CoreError::NoGrids)
    }

    pub(crate) fn remember_grid(tx: &rusqlite::Transaction<'_>, grid: &GridId) -> Result<()> {
        set_meta(tx, LAST_GRID, grid.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::bound_store;

    #[test]
    fn the_token_never_shows_in_debug_output() {
        let t = DeviceToken::parse("gwd_secret-value").unwrap();
        assert!(!format!("{t:?}").contains("secret"), "{t:?}");
        assert!(!format!("{:?}", Credentials::Bound(t)).contains("secret"));
        assert!(
            DeviceToken::parse("gwd_a b").is_err(),
            "no spaces in a header value"
        );
    }

    #[test]
    fn binding_refusal_and_rebinding_move_through_the_states() {
        let (mut s, me) = bound_store(&["g1", "g2"]);
        let token = match s.credentials().unwrap() {
            Credentials::Bound(t) => t,
            other => panic!("bound store reads as {other:?}"),
        };
        s.set_token_refused(&token, ErrorCode::AuthRevoked).unwrap();
        assert_eq!(
            s.credentials().unwrap(),
            Credentials::Refused(ErrorCode::AuthRevoked)
        );
        assert_eq!(
            s.me().unwrap(),
            Some(me.clone()),
            "whose device it was stays"
        );
        let fresh = DeviceToken::parse("gwd_fresh").unwrap();
        s.bind(&fresh, &me).unwrap();
        assert!(
            matches!(s.credentials().unwrap(), Credentials::Bound(_)),
            "a new invitation clears the refusal"
        );
        // A call made with the old token answers 401 after the new binding.
        s.set_token_refused(&token, ErrorCode::AuthRevoked).unwrap();
        assert_eq!(
            s.credentials().unwrap(),
            Credentials::Bound(fresh),
            "the old token's refusal does not switch off the new binding"
        );
        assert_eq!(
            Store::open_in_memory().unwrap().credentials().unwrap(),
            Credentials::Unbound
        );
    }

    #[test]
    fn reports_go_into_one_of_the_users_grids() {
        let unbound = Store::open_in_memory().unwrap();
        assert_eq!(
            unbound.report_grid(None).unwrap_err().code(),
            gridwalk_domain::ErrorCode::AccountNotBound
        );
        let (s, _) = bound_store(&["g1", "g2"]);
        let g2 = GridId::parse("g2").unwrap();
        assert_eq!(
            s.report_grid(None).unwrap().as_str(),
            "g1",
            "first by default"
        );
        assert_eq!(s.report_grid(Some(&g2)).unwrap(), g2);
        let other = GridId::parse("elsewhere").unwrap();
        assert_eq!(
            s.report_grid(Some(&other)).unwrap_err().code(),
            gridwalk_domain::ErrorCode::AccountGridNotYours
        );
        s.set_meta(LAST_GRID, "g2").unwrap();
        assert_eq!(s.report_grid(None).unwrap(), g2, "the last used wins");
        s.set_meta(LAST_GRID, "gone").unwrap();
        assert_eq!(
            s.report_grid(None).unwrap().as_str(),
            "g1",
            "a last grid the user lost is skipped"
        );
    }
}
