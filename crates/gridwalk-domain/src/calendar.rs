//! Dates and Beijing time, as pure arithmetic on Unix milliseconds.
//!
//! Offices read every time in China Standard Time (UTC+8, no daylight
//! saving), and their day and week (日汇总, 周梳理) start at Beijing
//! midnight and on Monday. Domain never reads the clock: callers pass `now`.

const DAY_MS: i64 = 86_400_000;
const BEIJING_OFFSET_MS: i64 = 8 * 3_600_000;

/// A calendar date (proleptic Gregorian).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CivilDate {
    pub year: i64,
    pub month: u32,
    pub day: u32,
}

impl CivilDate {
    /// The date if it exists (no 30 February, no month 13).
    pub fn new(year: i64, month: u32, day: u32) -> Option<Self> {
        let ok = (1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month);
        ok.then_some(Self { year, month, day })
    }

    /// The date in Beijing at `ms`.
    pub fn beijing(ms: i64) -> Self {
        let (year, month, day) = civil_from_days((ms + BEIJING_OFFSET_MS).div_euclid(DAY_MS));
        Self { year, month, day }
    }

    /// Days since 1970-01-01.
    pub fn days(&self) -> i64 {
        days_from_civil(self.year, self.month, self.day)
    }
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// `2026-11-25 21:33:48` in Beijing time.
pub fn beijing_time(ms: i64) -> String {
    let secs = (ms + BEIJING_OFFSET_MS).div_euclid(1000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Unix ms of the Beijing midnight that starts the day holding `ms`.
pub fn beijing_day_start(ms: i64) -> i64 {
    (ms + BEIJING_OFFSET_MS).div_euclid(DAY_MS) * DAY_MS - BEIJING_OFFSET_MS
}

/// Unix ms of the Monday 00:00 (Beijing) that starts the week holding `ms`.
pub fn beijing_week_start(ms: i64) -> i64 {
    let day = (ms + BEIJING_OFFSET_MS).div_euclid(DAY_MS);
    // 1970-01-01 was a Thursday: day 0 is weekday 3 counting Monday as 0.
    let monday = day - (day + 3).rem_euclid(7);
    monday * DAY_MS - BEIJING_OFFSET_MS
}

/// Unix ms of `date` at `hh:mm:ss` Beijing time.
pub fn beijing_ms(date: CivilDate, hh: i64, mm: i64, ss: i64) -> i64 {
    (date.days() * 86_400 + hh * 3600 + mm * 60 + ss) * 1000 - BEIJING_OFFSET_MS
}

/// The date `days` after 1970-01-01 (Howard Hinnant's `civil_from_days`).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Days from 1970-01-01 to the date (Howard Hinnant's `days_from_civil`).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Parses `YYYY-MM-DDTHH:MM:SS±HH:MM` (RFC 3339 without fractions), the form
/// data files in this repository use for times people read.
pub fn parse_rfc3339_ms(s: &str) -> Option<i64> {
    let num = |a: usize, b: usize| s.get(a..b)?.parse::<i64>().ok();
    let sep = |i: usize, c: &str| s.get(i..i + 1) == Some(c);
    if s.len() != 25 || !sep(4, "-") || !sep(7, "-") || !sep(10, "T") || !sep(13, ":") {
        return None;
    }
    let date = CivilDate::new(num(0, 4)?, num(5, 7)? as u32, num(8, 10)? as u32)?;
    let (h, mi, se) = (num(11, 13)?, num(14, 16)?, num(17, 19)?);
    let sign = match s.get(19..20)? {
        "+" => 1,
        "-" => -1,
        _ => return None,
    };
    let off = sign * (num(20, 22)? * 60 + num(23, 25)?);
    Some(((date.days() * 24 + h) * 60 + mi - off) * 60_000 + se * 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn beijing_days_and_weeks_start_at_local_midnight_and_monday() {
        // 2026-12-01 is a Tuesday; 10:00 Beijing is 02:00 UTC.
        let tue_10h = parse_rfc3339_ms("2026-12-01T10:00:00+08:00").unwrap();
        assert_eq!(
            beijing_day_start(tue_10h),
            parse_rfc3339_ms("2026-12-01T00:00:00+08:00").unwrap()
        );
        assert_eq!(
            beijing_week_start(tue_10h),
            parse_rfc3339_ms("2026-11-30T00:00:00+08:00").unwrap(),
            "the week starts on Monday"
        );
        // 23:30 UTC on a Sunday is already Monday in Beijing.
        let mon_early = parse_rfc3339_ms("2026-11-29T23:30:00+00:00").unwrap();
        assert_eq!(
            beijing_week_start(mon_early),
            parse_rfc3339_ms("2026-11-30T00:00:00+08:00").unwrap()
        );
        assert_eq!(beijing_time(tue_10h), "2026-12-01 10:00:00");
    }

    #[test]
    fn dates_round_trip_and_impossible_ones_are_refused() {
        for (y, m, d) in [(1970, 1, 1), (2000, 2, 29), (2026, 12, 31), (1900, 3, 1)] {
            let days = days_from_civil(y, m, d);
            assert_eq!(civil_from_days(days), (y, m, d));
        }
        assert!(
            CivilDate::new(1900, 2, 29).is_none(),
            "1900 was no leap year"
        );
        assert!(CivilDate::new(2024, 2, 29).is_some());
        assert!(CivilDate::new(2026, 13, 1).is_none());
        assert_eq!(
            CivilDate::beijing(parse_rfc3339_ms("2026-11-30T16:30:00+00:00").unwrap()),
            CivilDate::new(2026, 12, 1).unwrap(),
            "past 16:00 UTC it is tomorrow in Beijing"
        );
        assert_eq!(parse_rfc3339_ms("1970-01-01T08:00:00+08:00"), Some(0));
        assert_eq!(parse_rfc3339_ms("2026-02-30T00:00:00+08:00"), None);
    }
}
