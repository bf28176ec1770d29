//! The numeric step: imputation (`SimpleImputer`) and a scaler.

use serde::{Deserialize, Serialize};

use crate::spec::{Binning, FeatureSpec, Impute, Scale};
use crate::FittedColumn;
use glassbox_core::error::{Error, ErrorKind, Result};
use glassbox_core::table::Column;

/// A fitted scaler: `(v - center) / scale`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Scaler {
    pub center: f64,
    pub scale: f64,
}

impl Scaler {
    pub(crate) fn apply(&self, v: f64) -> f64 {
        (v - self.center) / self.scale
    }
}

pub(crate) fn sorted(mut v: Vec<f64>) -> Vec<f64> {
    v.sort_by(f64::total_cmp);
    v
}

/// numpy's default (linear) quantile of sorted values.
pub(crate) fn quantile(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

pub(crate) fn fill_value(values: &[f64], impute: Impute) -> f64 {
    // A column with no training values carries no information; it is filled
    // with 0 so it transforms to a constant rather than failing the run.
    if values.is_empty() {
        return match impute {
            Impute::Constant(v) => v,
            _ => 0.0,
        };
    }
    match impute {
        Impute::Median => {
            let s = sorted(values.to_vec());
            let m = s.len() / 2;
            if s.len() % 2 == 1 {
                s[m]
            } else {
                (s[m - 1] + s[m]) / 2.0
            }
        }
        Impute::Mean => values.iter().sum::<f64>() / values.len() as f64,
        Impute::Constant(v) => v,
    }
}

pub(crate) fn fit_scaler(name: &str, imputed: &[f64], scale: Scale) -> Result<Scaler> {
    let n = imputed.len().max(1) as f64;
    let unit = |s: f64| if s > 0.0 { s } else { 1.0 };
    let scaler = match scale {
        Scale::None => Scaler { center: 0.0, scale: 1.0 },
        Scale::Standard => {
            let mean = imputed.iter().sum::<f64>() / n;
            let var = imputed.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
            Scaler { center: mean, scale: unit(var.sqrt()) }
        }
        Scale::MinMax => {
            let min = imputed.iter().copied().fold(f64::INFINITY, f64::min);
            let max = imputed.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            if imputed.is_empty() {
                Scaler { center: 0.0, scale: 1.0 }
            } else {
                Scaler { center: min, scale: unit(max - min) }
            }
        }
        Scale::Robust => {
            if imputed.is_empty() {
                Scaler { center: 0.0, scale: 1.0 }
            } else {
                let s = sorted(imputed.to_vec());
                Scaler { center: quantile(&s, 0.5), scale: unit(quantile(&s, 0.75) - quantile(&s, 0.25)) }
            }
        }
    };
    if !scaler.center.is_finite() || !scaler.scale.is_finite() {
        return Err(Error::new(ErrorKind::BadValue, format!("column '{name}' has values too large to scale")));
    }
    Ok(scaler)
}

pub(crate) fn fit_numeric(col: &Column, rows: &[usize], spec: &FeatureSpec) -> Result<FittedColumn> {
    let values: Vec<f64> = rows.iter().filter_map(|&r| col.number(r)).collect();
    let fill = fill_value(&values, spec.impute);
    let indicator = spec.missing_indicator && values.len() < rows.len();
    let imputed: Vec<f64> = rows.iter().map(|&r| col.number(r).unwrap_or(fill)).collect();
    let name = col.name.clone();
    match spec.bins.get(&col.name) {
        None => Ok(FittedColumn::Numeric { scaler: fit_scaler(&name, &imputed, spec.scale)?, name, fill, indicator }),
        Some(binning) => {
            let edges = match binning {
                Binning::Edges(e) => e.clone(),
                Binning::Quantile(k) => {
                    let s = sorted(imputed);
                    let mut e: Vec<f64> = (0..=*k).map(|i| quantile(&s, i as f64 / *k as f64)).collect();
                    // Equal quantiles (many equal values) would make empty bins: merged, as scikit-learn does.
                    e.dedup();
                    e
                }
                Binning::Uniform(k) => {
                    let min = imputed.iter().copied().fold(f64::INFINITY, f64::min);
                    let max = imputed.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                    (0..=*k).map(|i| min + (max - min) * i as f64 / *k as f64).collect()
                }
            };
            if edges.len() < 2 || edges[0] == edges[edges.len() - 1] {
                return Err(Error::new(
                    ErrorKind::BadValue,
                    format!("column '{name}' has a single training value, so it cannot be cut into bins"),
                ));
            }
            Ok(FittedColumn::Binned { name, fill, indicator, edges })
        }
    }
}
