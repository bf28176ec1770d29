//! The datetime step: cyclical parts of the calendar, the year and the days elapsed.

use crate::numeric::{fill_value, fit_scaler};
use crate::spec::{DatePart, FeatureSpec};
use crate::FittedColumn;
use glassbox_core::error::Result;
use glassbox_core::table::Column;

/// Year, month (1–12) and day of month of a day count since 1970-01-01, in
/// the proleptic Gregorian calendar (Howard Hinnant's `civil_from_days`).
pub fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

pub(crate) fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

/// The calendar parts of a UTC time in seconds: (hour with minutes as a
/// fraction, day of week with Monday = 0, 0-based day of year, days in that
/// year, month 1–12, year, days since 1970).
pub(crate) fn calendar(seconds: f64) -> (f64, f64, f64, f64, f64, f64, f64) {
    let days = (seconds / 86_400.0).floor();
    let hour = (seconds - days * 86_400.0) / 3600.0;
    let (y, m, _) = civil_from_days(days as i64);
    let jan1 = days_from_civil(y, 1, 1);
    let doy = days - jan1 as f64;
    // 1970-01-01 was a Thursday (3 with Monday = 0).
    let dow = (days as i64 + 3).rem_euclid(7) as f64;
    (hour, dow, doy, if is_leap(y) { 366.0 } else { 365.0 }, m as f64, y as f64, days)
}

pub(crate) fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

pub(crate) fn fit_datetime(col: &Column, rows: &[usize], spec: &FeatureSpec) -> Result<FittedColumn> {
    let values: Vec<f64> = rows.iter().filter_map(|&r| col.number(r)).collect();
    let fill = fill_value(&values, spec.impute);
    let parts = match &spec.date_parts {
        Some(p) => {
            let mut p = p.clone();
            p.sort();
            p.dedup();
            p
        }
        None => {
            let has_time = values.iter().any(|v| v.rem_euclid(86_400.0) != 0.0);
            DatePart::ALL.into_iter().filter(|p| *p != DatePart::Hour || has_time).collect()
        }
    };
    let imputed: Vec<f64> = rows.iter().map(|&r| col.number(r).unwrap_or(fill)).collect();
    let origin_days = imputed.iter().map(|&v| (v / 86_400.0).floor()).fold(f64::INFINITY, f64::min);
    let origin_days = if origin_days.is_finite() { origin_days } else { 0.0 };
    let years: Vec<f64> = imputed.iter().map(|&v| calendar(v).5).collect();
    let elapsed: Vec<f64> = imputed.iter().map(|&v| calendar(v).6 - origin_days).collect();
    Ok(FittedColumn::Datetime {
        name: col.name.clone(),
        fill,
        parts,
        origin_days,
        year: fit_scaler(&col.name, &years, spec.scale)?,
        elapsed: fit_scaler(&col.name, &elapsed, spec.scale)?,
    })
}
