//! Dates and times in the layouts people's files use, read as UTC seconds.
//!
//! Layouts: ISO 8601 (`2024-03-05`, `2024-03-05T14:30:00Z`, with an offset or
//! none), `2024/03/05`, `05.03.2024`, and `05/03/2024` or `03/05/2024` with the
//! day-or-month order taken from the data. Any of them may carry a time
//! (`14:30`, `14:30:15`, `14:30:15.250`) and then an offset (`Z`, `+02:00`,
//! `-0500`). A time without an offset is local time in the zone the person
//! picked (UTC by default), converted with jiff and its bundled tz database,
//! so the browser and the CLI agree on every rule.
//!
//! A hand-written byte parser rather than a list of strftime layouts: it
//! tries one pass per value instead of one per layout, and the layouts above
//! are all a file can mix.

pub use glassbox_core::table::DateOrder;
use jiff::civil::DateTime;
use jiff::tz::{Offset, TimeZone};

/// The parts of a date-time before the order and zone are applied.
struct Parts {
    /// (first, second, year) for `A/B/YYYY`; (year, month, day) otherwise.
    date: (i32, i32, i32),
    slash: bool,
    time: (i8, i8, i8, i32),
    offset_seconds: Option<i32>,
}

fn digits(s: &str) -> Option<i32> {
    (!s.is_empty() && s.len() <= 4 && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok()).flatten()
}

fn split_parts(s: &str) -> Option<Parts> {
    let s = s.trim();
    let (date, rest) = match s.find(['T', ' ']) {
        Some(i) => (&s[..i], s[i + 1..].trim_start()),
        None => (s, ""),
    };
    let (date, slash) = if let Some((y, rest)) = date.split_once('-') {
        let (m, d) = rest.split_once('-')?;
        if y.len() == 4 {
            ((digits(y)?, digits(m)?, digits(d)?), false)
        } else if d.len() == 4 {
            // `05-03-2024`: like the slash layout.
            ((digits(y)?, digits(m)?, digits(d)?), true)
        } else {
            return None;
        }
    } else if let Some((a, rest)) = date.split_once('/') {
        let (b, c) = rest.split_once('/')?;
        if a.len() == 4 {
            ((digits(a)?, digits(b)?, digits(c)?), false)
        } else if c.len() == 4 {
            ((digits(a)?, digits(b)?, digits(c)?), true)
        } else {
            return None;
        }
    } else if let Some((d, rest)) = date.split_once('.') {
        let (m, y) = rest.split_once('.')?;
        if y.len() != 4 {
            return None;
        }
        ((digits(y)?, digits(m)?, digits(d)?), false)
    } else {
        return None;
    };
    let (time, offset_seconds) = if rest.is_empty() { ((0, 0, 0, 0), None) } else { split_time(rest)? };
    Some(Parts { date, slash, time, offset_seconds })
}

/// Hour, minute, second and nanoseconds of a time of day.
type Clock = (i8, i8, i8, i32);

/// `HH:MM[:SS[.fff]]` then an optional `Z` or `±HH[:]MM`.
fn split_time(s: &str) -> Option<(Clock, Option<i32>)> {
    let (clock, offset) = match s.find(['Z', 'z', '+', '-']) {
        Some(i) => (&s[..i], Some(&s[i..])),
        None => (s, None),
    };
    let mut it = clock.trim().split(':');
    let h = digits(it.next()?)?;
    let m = digits(it.next()?)?;
    let (sec, nanos) = match it.next() {
        None => (0, 0),
        Some(sec) => match sec.split_once(['.', ',']) {
            None => (digits(sec)?, 0),
            Some((s, frac)) => {
                if frac.is_empty() || frac.len() > 9 || !frac.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                let nanos: i32 = format!("{frac:0<9}").parse().ok()?;
                (digits(s)?, nanos)
            }
        },
    };
    if it.next().is_some() {
        return None;
    }
    let offset = match offset.map(str::trim) {
        None => None,
        Some("Z") | Some("z") => Some(0),
        Some(o) => {
            let sign = if o.starts_with('-') { -1 } else { 1 };
            let body = o[1..].replace(':', "");
            if body.len() != 4 {
                return None;
            }
            Some(sign * (digits(&body[..2])? * 3600 + digits(&body[2..])? * 60))
        }
    };
    Some(((i8::try_from(h).ok()?, i8::try_from(m).ok()?, i8::try_from(sec).ok()?, nanos), offset))
}

/// Whether the text has a date layout at all, whatever the order.
pub fn looks_like_date(s: &str) -> bool {
    split_parts(s).is_some()
}

/// For `A/B/YYYY` text: (A, B), to decide the order from the data.
pub fn slash_numbers(s: &str) -> Option<(i32, i32)> {
    split_parts(s).filter(|p| p.slash).map(|p| (p.date.0, p.date.1))
}

/// Reads date-times in one order and zone.
#[derive(Debug, Clone)]
pub struct DateParser {
    order: DateOrder,
    zone: TimeZone,
}

impl DateParser {
    /// `timezone` is an IANA name (`Europe/Berlin`) or `UTC`.
    pub fn new(order: DateOrder, timezone: &str) -> crate::Result<DateParser> {
        Ok(DateParser { order, zone: zone_named(timezone)? })
    }

    /// Seconds since 1970-01-01T00:00:00Z, or `None` if the text is not a date-time.
    pub fn parse(&self, s: &str) -> Option<f64> {
        let p = split_parts(s)?;
        let (year, month, day) = match (p.slash, self.order) {
            (true, DateOrder::Mdy) => (p.date.2, p.date.0, p.date.1),
            (true, _) => (p.date.2, p.date.1, p.date.0),
            (false, _) => p.date,
        };
        let (h, m, sec, nanos) = p.time;
        let dt = DateTime::new(
            i16::try_from(year).ok()?,
            i8::try_from(month).ok()?,
            i8::try_from(day).ok()?,
            h,
            m,
            sec,
            nanos,
        )
        .ok()?;
        let ts = match p.offset_seconds {
            Some(o) => TimeZone::fixed(Offset::from_seconds(o).ok()?).to_timestamp(dt).ok()?,
            // A local time that a clock change skips or repeats resolves as
            // jiff's "compatible" rule does (the later / the earlier instant).
            None => self.zone.to_timestamp(dt).ok()?,
        };
        Some(ts.as_second() as f64 + f64::from(ts.subsec_nanosecond()) / 1e9)
    }
}

/// The zone an IANA name (`Europe/Berlin`) or `UTC` names.
fn zone_named(timezone: &str) -> crate::Result<TimeZone> {
    if timezone.eq_ignore_ascii_case("utc") {
        return Ok(TimeZone::UTC);
    }
    TimeZone::get(timezone).map_err(|_| {
        crate::Error::new(
            crate::ErrorKind::BadSpec,
            format!("unknown time zone '{timezone}': use an IANA name such as Europe/Berlin or Asia/Shanghai, or UTC"),
        )
    })
}

/// How a datetime column's values are shown to a person: as ISO dates
/// (`2012-01-01`) when every value is a midnight in the zone the file was
/// read in, else as ISO date-times in that zone (`2012-01-01T14:30:00+01:00`,
/// `Z` for UTC); never as the seconds since 1970 the column holds.
#[derive(Debug, Clone)]
pub struct DateDisplay {
    zone: TimeZone,
    date_only: bool,
}

impl DateDisplay {
    /// The display for a column of `seconds` read in `timezone` (UTC when
    /// the name is unknown, which reading would have refused already).
    pub fn of(seconds: &[f64], timezone: &str) -> DateDisplay {
        let zone = zone_named(timezone).unwrap_or(TimeZone::UTC);
        let date_only = seconds.iter().filter(|s| !s.is_nan()).all(|&s| {
            s.fract() == 0.0
                && jiff::Timestamp::from_second(s as i64)
                    .is_ok_and(|t| zone.to_datetime(t).time() == jiff::civil::Time::midnight())
        });
        DateDisplay { zone, date_only }
    }

    /// One value; the number itself when it is outside the years a date can have.
    pub fn show(&self, seconds: f64) -> String {
        let Ok(t) = jiff::Timestamp::from_second(seconds.floor() as i64) else { return seconds.to_string() };
        if self.date_only {
            return self.zone.to_datetime(t).date().to_string();
        }
        let offset = self.zone.to_offset(t).seconds();
        if offset == 0 {
            return format_utc(seconds);
        }
        // The offset by hand, as `+01:00`: the civil date-time carries none to format.
        let (sign, o) = if offset < 0 { ('-', -offset) } else { ('+', offset) };
        let local = self.zone.to_datetime(t).strftime("%Y-%m-%dT%H:%M:%S");
        format!("{local}{sign}{:02}:{:02}", o / 3600, o % 3600 / 60)
    }
}

/// A UTC date-time from seconds since 1970, as `2024-03-05T14:30:00Z`
/// (without seconds' fraction); the number itself when out of range.
pub fn format_utc(seconds: f64) -> String {
    jiff::Timestamp::from_second(seconds.floor() as i64).map_or_else(|_| seconds.to_string(), |t| t.to_string())
}

/// The order the values' `A/B/YYYY` dates imply: day-first if some A is over
/// 12, month-first if some B is; `None` with `ambiguous` when no value tells.
/// Both at once means these are not dates in one order: `None`, not ambiguous.
pub fn infer_order<'a>(values: impl Iterator<Item = &'a str>) -> (Option<DateOrder>, bool) {
    let (mut first_big, mut second_big, mut any_slash) = (false, false, false);
    for v in values {
        if let Some((a, b)) = slash_numbers(v) {
            any_slash = true;
            first_big |= a > 12;
            second_big |= b > 12;
        }
    }
    match (any_slash, first_big, second_big) {
        (false, _, _) => (Some(DateOrder::Ymd), false),
        (true, true, false) => (Some(DateOrder::Dmy), false),
        (true, false, true) => (Some(DateOrder::Mdy), false),
        (true, false, false) => (None, true),
        (true, true, true) => (None, false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(order: DateOrder, zone: &str, text: &str, expected: Option<&str>) {
        let p = DateParser::new(order, zone).unwrap();
        let got = p.parse(text).map(|s| jiff::Timestamp::from_second(s.floor() as i64).unwrap().to_string());
        assert_eq!(got.as_deref(), expected, "{text}");
    }

    #[test]
    fn layouts_orders_and_zones() {
        use DateOrder::*;
        check(Ymd, "UTC", "2024-03-05", Some("2024-03-05T00:00:00Z"));
        check(Ymd, "UTC", "2024-03-05T14:30:15Z", Some("2024-03-05T14:30:15Z"));
        check(Ymd, "UTC", "2024-03-05 14:30+02:00", Some("2024-03-05T12:30:00Z"));
        check(Ymd, "UTC", "2024-03-05T14:30:15.250-0500", Some("2024-03-05T19:30:15Z"));
        check(Ymd, "UTC", "2024/03/05", Some("2024-03-05T00:00:00Z"));
        check(Ymd, "UTC", "05.03.2024 08:00", Some("2024-03-05T08:00:00Z"));
        check(Dmy, "UTC", "05/03/2024", Some("2024-03-05T00:00:00Z"));
        check(Mdy, "UTC", "03/05/2024", Some("2024-03-05T00:00:00Z"));
        // Naive times are local to the chosen zone: 08:00 in Shanghai is 00:00 UTC.
        check(Ymd, "Asia/Shanghai", "2024-03-05 08:00", Some("2024-03-05T00:00:00Z"));
        // Summer time in Berlin: UTC+2.
        check(Ymd, "Europe/Berlin", "2024-07-01 12:00", Some("2024-07-01T10:00:00Z"));
        // Leap day, and a day that does not exist.
        check(Ymd, "UTC", "2024-02-29", Some("2024-02-29T00:00:00Z"));
        check(Ymd, "UTC", "2023-02-29", None);
        check(Ymd, "UTC", "hello", None);
        check(Ymd, "UTC", "20240305", None);
        check(Ymd, "UTC", "12:30", None);
    }

    #[test]
    fn utc_formatting() {
        assert_eq!(format_utc(1_709_596_800.0), "2024-03-05T00:00:00Z");
        assert_eq!(format_utc(1e30), "1000000000000000000000000000000");
    }

    #[test]
    fn order_from_the_data() {
        assert_eq!(infer_order(["13/02/2024", "01/02/2024"].into_iter()), (Some(DateOrder::Dmy), false));
        assert_eq!(infer_order(["02/13/2024", "01/02/2024"].into_iter()), (Some(DateOrder::Mdy), false));
        assert_eq!(infer_order(["01/02/2024", "03/04/2024"].into_iter()), (None, true));
        assert_eq!(infer_order(["2024-01-02"].into_iter()), (Some(DateOrder::Ymd), false));
        assert!(DateParser::new(DateOrder::Ymd, "Mars/Olympus").is_err());
    }
}
