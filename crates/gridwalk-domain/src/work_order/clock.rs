//! Whose clock a time comes from.
//!
//! Devices are offline half the time and their clocks are sometimes wrong
//! (a phone set by hand, a dead RTC battery). Every sync tells a device how
//! far its clock is from the server's; a step is stamped with the device's
//! time corrected by that offset, and says so. A step made more than a day
//! after the last sync, or on a clock that went backwards since, keeps the
//! device's own time and is marked unchecked — and an unchecked time never
//! makes a commitment count as kept (see `policy::deadlines`).

use serde::{Deserialize, Serialize};

/// How long an offset measured at a sync is trusted.
pub const MAX_OFFSET_AGE_MS: i64 = 24 * 60 * 60 * 1000;
/// A new measurement this close to the kept one is not written: stamps are
/// read in minutes, and writing it every sync would cost a device one more
/// fsync per pass.
const OFFSET_STEADY_MS: i64 = 1_000;
/// The kept offset is refreshed at least this often anyway, well inside
/// `MAX_OFFSET_AGE_MS`.
const OFFSET_REFRESH_MS: i64 = 60 * 60 * 1000;

/// What a device last learned of the server's clock: at device time
/// `measured_at_ms` the server's clock read `offset_ms` more.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockOffset {
    pub offset_ms: i64,
    pub measured_at_ms: i64,
}

impl ClockOffset {
    /// The offset a sync round trip shows: the server's time, taken halfway
    /// between sending the request and receiving the answer.
    pub fn measure(sent_ms: i64, received_ms: i64, server_ms: i64) -> Self {
        let midpoint = sent_ms + (received_ms - sent_ms) / 2;
        Self {
            offset_ms: server_ms - midpoint,
            measured_at_ms: received_ms,
        }
    }

    /// Whether this measurement should replace the one kept: there is none,
    /// the offset moved by a second or more, the kept one is an hour old, or
    /// the device's clock went back since it was measured.
    pub fn replaces(&self, kept: Option<&ClockOffset>) -> bool {
        kept.is_none_or(|kept| {
            (self.offset_ms - kept.offset_ms).abs() >= OFFSET_STEADY_MS
                || !(0..OFFSET_REFRESH_MS).contains(&(self.measured_at_ms - kept.measured_at_ms))
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Clock {
    /// The device's clock corrected to the server's at a recent sync.
    Server,
    /// The device's own clock, unchecked.
    Device,
}

/// The time to record for a step made now, and whose clock it is.
pub fn stamp(device_now_ms: i64, offset: Option<ClockOffset>) -> (i64, Clock) {
    match offset {
        Some(o) if (0..=MAX_OFFSET_AGE_MS).contains(&(device_now_ms - o.measured_at_ms)) => {
            (device_now_ms.saturating_add(o.offset_ms), Clock::Server)
        }
        _ => (device_now_ms, Clock::Device),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recent_offset_corrects_the_time_and_an_old_or_backward_one_does_not() {
        let offset = ClockOffset::measure(1_000, 1_200, 7_100);
        assert_eq!(
            offset.offset_ms, 6_000,
            "server time minus the round trip's midpoint"
        );
        assert_eq!(stamp(2_000, Some(offset)), (8_000, Clock::Server));
        assert_eq!(
            stamp(1_200 + MAX_OFFSET_AGE_MS + 1, Some(offset)),
            (1_200 + MAX_OFFSET_AGE_MS + 1, Clock::Device),
            "a day after the last sync the offset is no longer trusted"
        );
        assert_eq!(
            stamp(500, Some(offset)),
            (500, Clock::Device),
            "a clock set back since the sync is not corrected by a stale offset"
        );
        assert_eq!(stamp(500, None), (500, Clock::Device));
    }

    #[test]
    fn a_measurement_replaces_the_kept_one_only_when_it_tells_something_new() {
        let kept = ClockOffset {
            offset_ms: 6_000,
            measured_at_ms: 10_000,
        };
        let at = |offset_ms, measured_at_ms| ClockOffset {
            offset_ms,
            measured_at_ms,
        };
        assert!(at(6_000, 10_000).replaces(None), "nothing kept yet");
        assert!(
            !at(6_400, 25_000).replaces(Some(&kept)),
            "the same offset within a second, 15 s later: not worth a write"
        );
        assert!(
            at(7_000, 25_000).replaces(Some(&kept)),
            "the offset moved by a second"
        );
        assert!(
            at(6_000, 10_000 + OFFSET_REFRESH_MS).replaces(Some(&kept)),
            "an hour on, the kept one is refreshed"
        );
        assert!(
            at(6_000, 9_000).replaces(Some(&kept)),
            "the device's clock went back"
        );
    }
}
