//! Runs sync: one pass pushes photos, then changes (pulling as it goes),
//! then fetches photos it lacks. A background loop repeats it — soon after
//! a success, with exponential backoff after a failure — and a person can
//! start a pass by hand. Passes never overlap.
//!
//! Between passes an office's device holds a pull open (`held_pull`): the
//! server answers it as soon as a change the office may read is stored, and
//! the next pass starts from that answer instead of asking again.
//!
//! Nothing goes to the server before the device is bound to an account.
//! When the server refuses the token (401: revoked, or unknown), the loop
//! stops calling it until a new invitation is redeemed: retrying cannot
//! help, and the outbox and every local record stay as they are.

use gridwalk_core::account::{Credentials, DeviceToken};
use gridwalk_core::{CoreError, Store};
use gridwalk_domain::ErrorCode;
use gridwalk_domain::directory::{InvitationCode, Me};
use gridwalk_domain::sync_state::{DeviceAccess, SyncStatus};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

use crate::notify::{Notifier, ShellEvent};
use crate::transport::{HttpTransport, TransportError};

pub const IDLE_INTERVAL: Duration = Duration::from_secs(15);
pub const FIRST_RETRY: Duration = Duration::from_secs(2);
pub const MAX_RETRY: Duration = Duration::from_secs(60);
/// Pages pulled in one pass before yielding to the next (keeps a pass bounded).
const MAX_ROUNDS: usize = 200;

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Transport(#[from] TransportError),
    #[error(transparent)]
    Core(#[from] CoreError),
    #[error("the local store is unavailable (a previous operation crashed); restart the app")]
    Poisoned,
    #[error("this device is not bound yet: enter the invitation code from your community office")]
    NotBound,
    #[error("the server no longer accepts this device ({0}): enter a new invitation code")]
    Refused(ErrorCode),
    #[error(transparent)]
    BadCode(#[from] gridwalk_domain::directory::BadInvitationCode),
}

impl SyncError {
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Transport(e) => e.code(),
            Self::Core(e) => e.code(),
            Self::Poisoned => ErrorCode::StorePoisoned,
            Self::NotBound => ErrorCode::AccountNotBound,
            Self::Refused(code) => *code,
            Self::BadCode(_) => ErrorCode::InviteBadCode,
        }
    }

    /// When the next automatic pass should run; `None` means only a new
    /// invitation (or a new report, which costs no network) wakes the loop.
    fn retry_after(&self, failures: u32) -> Option<Duration> {
        match self {
            Self::NotBound | Self::Refused(_) => None,
            Self::Transport(TransportError::Unauthorized { .. }) => None,
            Self::Transport(TransportError::RateLimited(wait)) => {
                Some((*wait).max(backoff(failures)))
            }
            _ => Some(backoff(failures)),
        }
    }
}

/// The doubling retry delay after `failures` failures in a row.
pub fn backoff(failures: u32) -> Duration {
    let secs = FIRST_RETRY.as_secs().saturating_mul(1 << failures.min(6));
    Duration::from_secs(secs).min(MAX_RETRY)
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

#[derive(Debug)]
pub struct SyncService {
    status: Mutex<SyncStatus>,
    transport: Mutex<HttpTransport>,
    pass: tokio::sync::Mutex<()>,
    wake: Notify,
    notifier: Notifier,
}

/// A held pull's answer that brought something, with the request it
/// answered: the next pass applies it first.
pub type HeldAnswer = (
    gridwalk_domain::sync::SyncRequest,
    gridwalk_domain::sync::SyncResponse,
);

/// What one pass moved, for logs and tests.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PassReport {
    pub pushed: usize,
    pub pulled: usize,
    pub photos_up: usize,
    pub photos_down: usize,
    /// Kinds of records the pass brought changes to.
    pub changed: std::collections::BTreeSet<gridwalk_domain::DocKind>,
}

impl SyncService {
    pub fn new(server_url: &str, notifier: Notifier) -> Self {
        Self {
            status: Mutex::new(SyncStatus {
                server_url: server_url.to_owned(),
                ..Default::default()
            }),
            transport: Mutex::new(HttpTransport::new(server_url)),
            pass: tokio::sync::Mutex::new(()),
            wake: Notify::new(),
            notifier,
        }
    }

    /// Tells the UI the sync picture as it is now.
    pub fn announce(&self, store: &Mutex<Store>) {
        self.notifier
            .send(ShellEvent::SyncStatus(self.status(store)));
    }

    pub fn status(&self, store: &Mutex<Store>) -> SyncStatus {
        let mut s = self.status.lock().map(|s| s.clone()).unwrap_or_default();
        let Ok(st) = store.lock() else {
            return s;
        };
        if let Ok((changes, photos)) = st.pending_counts() {
            s.pending_changes = changes;
            s.pending_photos = photos;
        }
        // Read from the store, not remembered here: a refusal survives a restart.
        s.access = match st.credentials() {
            Ok(Credentials::Bound(_)) => DeviceAccess::Bound,
            Ok(Credentials::Refused(code)) => DeviceAccess::Refused { code },
            Ok(Credentials::Unbound) | Err(_) => DeviceAccess::Unbound,
        };
        s
    }

    pub fn server_url(&self) -> String {
        self.status
            .lock()
            .map(|s| s.server_url.clone())
            .unwrap_or_default()
    }

    pub fn set_server(&self, url: &str) {
        if let Ok(mut t) = self.transport.lock() {
            *t = HttpTransport::new(url);
        }
        self.edit(|s| s.server_url = url.to_owned());
        self.wake.notify_one();
    }

    /// Asks the background loop for a pass now (e.g. after a new report).
    pub fn nudge(&self) {
        self.wake.notify_one();
    }

    fn edit(&self, f: impl FnOnce(&mut SyncStatus)) {
        if let Ok(mut s) = self.status.lock() {
            f(&mut s);
        }
    }

    fn transport(&self) -> Option<HttpTransport> {
        self.transport.lock().ok().map(|t| t.clone())
    }

    /// One full pass; records the outcome in the status either way. An
    /// unbound or refused device makes no network call at all.
    pub async fn run_pass(&self, store: &Mutex<Store>) -> Result<PassReport, SyncError> {
        self.run_pass_from(store, None).await
    }

    /// A pass that starts by applying `first`, unless another pass moved
    /// the cursor since it was asked for (then it asks afresh).
    async fn run_pass_from(
        &self,
        store: &Mutex<Store>,
        first: Option<HeldAnswer>,
    ) -> Result<PassReport, SyncError> {
        let _only_one = self.pass.lock().await;
        let cursor = lock(store)?.cursor()?;
        let first = first.filter(|(req, _)| req.cursor == cursor);
        let result = match self.authorized(store) {
            // Not a failure: records simply wait, shown as 待同步.
            Err(SyncError::NotBound) => {
                self.edit(|s| s.last_error = None);
                return Err(SyncError::NotBound);
            }
            Err(e) => Err(e),
            Ok(t) => {
                self.edit(|s| s.running = true);
                self.announce(store);
                let result = pass_from(store, &t, first).await;
                remember_refusal(store, &t, &result)?;
                result
            }
        };
        self.edit(|s| {
            s.running = false;
            match &result {
                Ok(_) => {
                    s.last_success_ms = Some(now_ms());
                    s.last_error = None;
                }
                Err(e) => s.last_error = Some(e.code()),
            }
        });
        match &result {
            Err(SyncError::Refused(_)) => {}
            Err(e) => tracing::warn!("sync failed: {e}"),
            Ok(report) if !report.changed.is_empty() => self.notifier.send(
                ShellEvent::RecordsChanged(report.changed.iter().copied().collect()),
            ),
            Ok(_) => {}
        }
        if result.is_ok() {
            self.tell_the_assignee(store);
        }
        self.announce(store);
        result
    }

    /// After a sync: a new order, a commitment running out or a reopened
    /// order becomes a notification (each once; see `orders::notices`).
    fn tell_the_assignee(&self, store: &Mutex<Store>) {
        let notices = match store.lock() {
            Ok(s) if s.me().ok().flatten().is_some() => s.take_notices(now_ms()),
            _ => return,
        };
        match notices {
            Ok(list) => list
                .into_iter()
                .for_each(|n| self.notifier.send(ShellEvent::Notice(n))),
            Err(e) => tracing::warn!("could not work out notifications: {e}"),
        }
    }

    /// The transport with this device's token, or why there is none. An
    /// unbound or refused device gets no transport: it makes no call at all.
    fn authorized(&self, store: &Mutex<Store>) -> Result<HttpTransport, SyncError> {
        // Its own statement: the store guard must not outlive it.
        let credentials = lock(store)?.credentials()?;
        match credentials {
            Credentials::Unbound => Err(SyncError::NotBound),
            Credentials::Refused(code) => Err(SyncError::Refused(code)),
            Credentials::Bound(token) => Ok(self
                .transport()
                .ok_or(SyncError::Poisoned)?
                .with_token(token)),
        }
    }

    /// Runs an office call (people, devices, exports) with this device's
    /// token. The server decides whether the device may; a 401 is kept as
    /// for sync, so the banner and the paused loop follow.
    pub async fn as_device<T, Fut>(
        &self,
        store: &Mutex<Store>,
        call: impl FnOnce(HttpTransport) -> Fut,
    ) -> Result<T, SyncError>
    where
        Fut: std::future::Future<Output = Result<T, TransportError>>,
    {
        let t = self.authorized(store)?;
        let result = call(t.clone()).await.map_err(SyncError::from);
        remember_refusal(store, &t, &result)?;
        result
    }

    /// Redeems an invitation and binds the device to its account; the next
    /// pass (started at once) pushes whatever the outbox kept. Holds the
    /// pass lock so a pass under the old token cannot mark the new one refused.
    pub async fn redeem(
        &self,
        store: &Mutex<Store>,
        typed: &str,
        device_name: &str,
    ) -> Result<Me, SyncError> {
        let code = InvitationCode::parse(typed)?;
        let _only_one = self.pass.lock().await;
        let device = lock(store)?.device();
        let t = self.transport().ok_or(SyncError::Poisoned)?;
        let resp = t.redeem(&code.display(), device, device_name).await?;
        let token = DeviceToken::parse(&resp.token)?;
        lock(store)?.bind(&token, &resp.me)?;
        self.edit(|s| s.last_error = None);
        tracing::info!(user = %resp.me.user, "device bound");
        self.wake.notify_one();
        Ok(resp.me)
    }

    /// Waits out `idle` after a good pass; an office's device holds a pull
    /// meanwhile and returns early with its answer when it brought news.
    async fn idle(&self, store: &Mutex<Store>, idle: Duration) -> Option<HeldAnswer> {
        let until = tokio::time::Instant::now() + idle;
        let holds = lock(store)
            .ok()
            .and_then(|s| s.me().ok().flatten())
            .is_some_and(|me| me.role.holds_pulls());
        if holds && let Ok(t) = self.authorized(store) {
            match held_pull(store, &t, idle).await {
                Ok(Some(answer)) => return Some(answer),
                Ok(None) => {}
                // The pass that follows meets the same trouble and reports it.
                Err(e) => tracing::debug!("held pull ended: {e}"),
            }
        }
        // An older server answers a hold at once: never call it in a loop.
        tokio::time::sleep_until(until).await;
        None
    }

    /// The background loop; runs until the app exits.
    pub async fn run_forever(self: Arc<Self>, store: Arc<Mutex<Store>>) {
        let mut failures = 0;
        let mut first = None;
        loop {
            let delay = match self.run_pass_from(&store, first.take()).await {
                Ok(_) => {
                    failures = 0;
                    Some(IDLE_INTERVAL)
                }
                Err(e) => {
                    failures += 1;
                    let d = e.retry_after(failures - 1);
                    if d.is_none() {
                        failures = 0;
                    }
                    d
                }
            };
            self.edit(|s| s.next_attempt_in_s = delay.map(|d| d.as_secs()));
            match delay {
                Some(delay) if failures == 0 => tokio::select! {
                    answer = self.idle(&store, delay) => first = answer,
                    _ = self.wake.notified() => {}
                },
                Some(delay) => tokio::select! {
                    _ = tokio::time::sleep(delay) => {}
                    _ = self.wake.notified() => {}
                },
                None => self.wake.notified().await,
            }
        }
    }
}

/// A 401 means the office cut this device off (or the server forgot it):
/// kept in the store, so sync stops asking until a new invitation. Only the
/// token the call carried is marked, so a call that raced a new invitation
/// cannot switch the new binding off.
fn remember_refusal<T>(
    store: &Mutex<Store>,
    sent_with: &HttpTransport,
    result: &Result<T, SyncError>,
) -> Result<(), SyncError> {
    if let (Err(SyncError::Transport(TransportError::Unauthorized { code, .. })), Some(token)) =
        (result, sent_with.token())
    {
        lock(store)?.set_token_refused(token, *code)?;
    }
    Ok(())
}

fn lock(store: &Mutex<Store>) -> Result<std::sync::MutexGuard<'_, Store>, SyncError> {
    store.lock().map_err(|_| SyncError::Poisoned)
}

/// A pull that pushes nothing, held by the server for up to `wait` until a
/// change this device may read is stored; `Some` when the answer brought
/// something for `pass_from` to apply.
pub async fn held_pull(
    store: &Mutex<Store>,
    t: &HttpTransport,
    wait: Duration,
) -> Result<Option<HeldAnswer>, SyncError> {
    let mut req = lock(store)?.sync_request()?;
    // Pushes go in passes, which a new change starts at once.
    req.changes.clear();
    let resp = t.sync_held(&req, wait).await?;
    Ok((!resp.changes.is_empty() || resp.more).then_some((req, resp)))
}

/// Photos first, so no device learns of a report whose photo the server
/// lacks; then changes, page by page; then the photos this device lacks.
pub async fn pass(store: &Mutex<Store>, t: &HttpTransport) -> Result<PassReport, SyncError> {
    pass_from(store, t, None).await
}

/// A pass whose first answer is `first` (a held pull's), if given.
pub async fn pass_from(
    store: &Mutex<Store>,
    t: &HttpTransport,
    mut first: Option<HeldAnswer>,
) -> Result<PassReport, SyncError> {
    let mut report = PassReport::default();
    let uploads = lock(store)?.blobs_to_upload()?;
    for hash in uploads {
        let Some(bytes) = lock(store)?.blob(&hash)? else {
            continue;
        };
        t.put_blob(&hash, bytes).await?;
        lock(store)?.mark_blob_uploaded(&hash)?;
        report.photos_up += 1;
    }
    // The directory version of the last answer, when it says `Me` is stale.
    let mut stale_me = None;
    for _ in 0..MAX_ROUNDS {
        let (req, resp) = match first.take() {
            // Its round trip includes the hold: it says nothing of the clock.
            Some(answer) => answer,
            None => {
                let req = lock(store)?.sync_request()?;
                let sent_ms = now_ms();
                let resp = t.sync(&req).await?;
                lock(store)?.note_server_clock(sent_ms, now_ms(), resp.server_time_ms)?;
                (req, resp)
            }
        };
        let mut s = lock(store)?;
        let outcome = s.apply_sync_response(&req, &resp)?;
        drop(s);
        if outcome.directory_changed {
            stale_me = Some(resp.directory);
        }
        report.pushed += outcome.acked;
        report.changed.extend(outcome.changed.iter().copied());
        report.pulled += resp.changes.len();
        // Go round again while the server has more to send, or while a full
        // batch went through and the outbox still holds more.
        let pushed_all = !req.changes.is_empty() && outcome.acked == req.changes.len();
        let outbox_left = pushed_all && lock(store)?.pending_counts()?.0 > 0;
        if !resp.more && !outbox_left && !outcome.server_restored {
            break;
        }
    }
    let downloads = lock(store)?.blobs_to_download()?;
    for hash in downloads {
        if let Some(bytes) = t.get_blob(&hash).await? {
            lock(store)?.store_downloaded_blob(&hash, &bytes, now_ms())?;
            report.photos_down += 1;
        }
    }
    if report.photos_down + report.photos_up > 0 {
        // A photo arriving (or leaving) changes what lists show — a
        // thumbnail, a sync state — whatever kind of record it belongs to.
        report.changed.extend(gridwalk_domain::DocKind::ALL);
    }
    // The office may have moved the user to other grids, renamed a grid or
    // changed its people since `Me` was read; the answer says so.
    if let Some(version) = stale_me {
        let me = t.me().await?;
        let s = lock(store)?;
        s.set_me(&me)?;
        s.directory_seen(version)?;
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps_at_a_minute() {
        let secs: Vec<u64> = (0..8).map(|n| backoff(n).as_secs()).collect();
        assert_eq!(secs, [2, 4, 8, 16, 32, 60, 60, 60]);
    }

    #[test]
    fn a_refused_or_unbound_device_waits_for_a_code_instead_of_retrying() {
        let refused = SyncError::Transport(TransportError::Unauthorized {
            code: gridwalk_domain::ErrorCode::AuthRevoked,
            message: String::new(),
        });
        assert_eq!(refused.retry_after(0), None);
        assert_eq!(SyncError::NotBound.retry_after(3), None);
        let offline = SyncError::Transport(TransportError::Timeout);
        assert_eq!(offline.retry_after(1), Some(Duration::from_secs(4)));
        let slow = SyncError::Transport(TransportError::RateLimited(Duration::from_secs(45)));
        assert_eq!(slow.retry_after(0), Some(Duration::from_secs(45)));
    }
}
