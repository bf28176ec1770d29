//! The report as a PDF: the HTML report's sections on numbered A4 pages,
//! for a person who will only print it.
//!
//! The same numbers, sentences and SVG charts as `glassbox-report` (which
//! this crate reads them from), laid out top to bottom: a block that does
//! not fit on what is left of a page starts the next one, so no chart or
//! table row is cut across a page. Text is real text in an embedded font
//! (DejaVu Sans, subset by `scripts/subset_font.py`; its licence is
//! `assets/fonts/LICENSE-DejaVu.txt`), so it can be selected and searched;
//! the charts are drawn as vectors by krilla-svg, their labels as text too.
//!
//! Like the HTML report it holds no clock and no address: the same outcome
//! makes the same bytes, in the browser (a worker loaded only when a PDF is
//! asked for) and in the CLI.

#![forbid(unsafe_code)]

use std::sync::Arc;

use glassbox_charts::confusion::{cell_colors, cell_stats};
use glassbox_pipeline::TrainOutcome;
use glassbox_report as report;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect, Size};
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, FillRule};
use krilla::text::{Font, TextDirection};
use krilla::Document;
use krilla_svg::{SurfaceExt, SvgSettings};
use skrifa::instance::{LocationRef, Size as FontSize};
use skrifa::{FontRef, MetadataProvider};

const REGULAR: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");
const BOLD: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans-Bold.ttf");

/// A4 in points, and the margins.
const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const MARGIN: f32 = 50.0;
const BOTTOM: f32 = PAGE_H - MARGIN - 18.0;
const BODY: f32 = 9.5;
const SMALL: f32 = 8.0;

type Rgb = (u8, u8, u8);
const INK: Rgb = (17, 17, 17);
const MUTED: Rgb = (90, 90, 90);
const RULE: Rgb = (200, 200, 200);

/// Why a PDF could not be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PdfError(pub String);

impl std::fmt::Display for PdfError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PdfError {}

/// One thing drawn on a page, at page coordinates (y down, in points).
enum Item {
    Text { x: f32, y: f32, size: f32, bold: bool, color: Rgb, text: String },
    Rect { x: f32, y: f32, w: f32, h: f32, color: Rgb },
    Svg { x: f32, y: f32, w: f32, h: f32, tree: Box<usvg::Tree> },
}

/// Text widths from the font's advances, for wrapping and columns.
struct Metrics {
    regular: &'static [u8],
    bold: &'static [u8],
}

impl Metrics {
    fn width(&self, text: &str, size: f32, bold: bool) -> f32 {
        let data = if bold { self.bold } else { self.regular };
        let font = FontRef::new(data).expect("the bundled font parses");
        let (charmap, metrics) = (font.charmap(), font.glyph_metrics(FontSize::new(size), LocationRef::default()));
        text.chars().map(|c| metrics.advance_width(charmap.map(c).unwrap_or_default()).unwrap_or(0.0)).sum()
    }

    /// `text` broken into lines no wider than `width` at word boundaries
    /// (a word longer than a line is broken by characters).
    fn wrap(&self, text: &str, size: f32, bold: bool, width: f32) -> Vec<String> {
        let mut lines = Vec::new();
        for paragraph in text.split('\n') {
            let mut line = String::new();
            for word in paragraph.split(' ') {
                let candidate = if line.is_empty() { word.to_string() } else { format!("{line} {word}") };
                if self.width(&candidate, size, bold) <= width {
                    line = candidate;
                    continue;
                }
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                for c in word.chars() {
                    let mut next = line.clone();
                    next.push(c);
                    if !line.is_empty() && self.width(&next, size, bold) > width {
                        lines.push(std::mem::take(&mut line));
                        next = c.to_string();
                    }
                    line = next;
                }
            }
            lines.push(line);
        }
        lines
    }
}

/// A table cell: its text, and a fill for the confusion matrix's heat map.
#[derive(Clone, Default)]
struct Cell {
    text: String,
    fill: Option<Rgb>,
    light_text: bool,
}

impl From<String> for Cell {
    fn from(text: String) -> Cell {
        Cell { text, ..Cell::default() }
    }
}

impl From<&str> for Cell {
    fn from(text: &str) -> Cell {
        Cell::from(text.to_string())
    }
}

/// Lays blocks out top to bottom over pages.
struct Layout {
    metrics: Metrics,
    svg_options: usvg::Options<'static>,
    pages: Vec<Vec<Item>>,
    y: f32,
}

impl Layout {
    fn new() -> Layout {
        let mut db = usvg::fontdb::Database::new();
        db.load_font_data(REGULAR.to_vec());
        db.load_font_data(BOLD.to_vec());
        // The charts ask for "sans-serif"; the embedded font is the only one.
        db.set_sans_serif_family("DejaVu Sans");
        let svg_options =
            usvg::Options { font_family: "DejaVu Sans".to_string(), fontdb: Arc::new(db), ..usvg::Options::default() };
        Layout { metrics: Metrics { regular: REGULAR, bold: BOLD }, svg_options, pages: vec![Vec::new()], y: MARGIN }
    }

    fn width(&self) -> f32 {
        PAGE_W - 2.0 * MARGIN
    }

    /// Starts a new page unless `height` more points fit on this one.
    fn room(&mut self, height: f32) {
        if self.y + height > BOTTOM && self.y > MARGIN {
            self.pages.push(Vec::new());
            self.y = MARGIN;
        }
    }

    fn push(&mut self, item: Item) {
        self.pages.last_mut().expect("there is always a page").push(item);
    }

    fn text_at(&mut self, x: f32, baseline: f32, size: f32, bold: bool, color: Rgb, text: &str) {
        self.push(Item::Text { x, y: baseline, size, bold, color, text: text.to_string() });
    }

    fn title(&mut self, text: &str) {
        self.text_at(MARGIN, self.y + 18.0, 18.0, true, INK, text);
        self.y += 28.0;
    }

    /// A section heading, kept on the page with at least `keep` points of what follows.
    fn heading(&mut self, text: &str, keep: f32) {
        self.room(30.0 + keep);
        self.y += 10.0;
        self.text_at(MARGIN, self.y + 13.0, 13.0, true, INK, text);
        self.y += 20.0;
    }

    fn paragraph(&mut self, text: &str, size: f32, color: Rgb) {
        let lead = size * 1.35;
        for line in self.metrics.wrap(text, size, false, self.width()) {
            self.room(lead);
            self.text_at(MARGIN, self.y + size, size, false, color, &line);
            self.y += lead;
        }
        self.y += 4.0;
    }

    /// A table with a bold header row; column widths are shares of the line.
    /// A row that does not fit starts a new page, which repeats the header.
    fn table(&mut self, header: &[&str], shares: &[f32], rows: Vec<Vec<Cell>>) {
        let widths: Vec<f32> = shares.iter().map(|s| s * self.width()).collect();
        let lead = BODY * 1.3;
        let pad = 3.0;
        let wrapped = |l: &Layout, cells: &[Cell], bold: bool| -> Vec<Vec<String>> {
            cells.iter().zip(&widths).map(|(c, w)| l.metrics.wrap(&c.text, BODY, bold, w - 2.0 * pad)).collect()
        };
        let head: Vec<Cell> = header.iter().map(|&h| Cell::from(h)).collect();
        let head_lines = wrapped(self, &head, true);
        let head_h = head_lines.iter().map(Vec::len).max().unwrap_or(1) as f32 * lead + 2.0 * pad;
        let draw_row = |l: &mut Layout, cells: &[Cell], lines: &[Vec<String>], bold: bool| {
            let h = lines.iter().map(Vec::len).max().unwrap_or(1) as f32 * lead + 2.0 * pad;
            let mut x = MARGIN;
            for ((cell, cell_lines), w) in cells.iter().zip(lines).zip(&widths) {
                if let Some(color) = cell.fill {
                    l.push(Item::Rect { x, y: l.y, w: *w - 1.0, h: h - 1.0, color });
                }
                let color = if cell.light_text { (255, 255, 255) } else { INK };
                for (k, line) in cell_lines.iter().enumerate() {
                    l.text_at(x + pad, l.y + pad + BODY + k as f32 * lead, BODY, bold, color, line);
                }
                x += w;
            }
            l.y += h;
            l.push(Item::Rect { x: MARGIN, y: l.y - 0.5, w: l.width(), h: 0.5, color: RULE });
        };
        self.room(head_h + lead + 2.0 * pad);
        draw_row(self, &head, &head_lines, true);
        for row in rows {
            let lines = wrapped(self, &row, false);
            let h = lines.iter().map(Vec::len).max().unwrap_or(1) as f32 * lead + 2.0 * pad;
            if self.y + h > BOTTOM {
                self.room(BOTTOM);
                draw_row(self, &head, &head_lines, true);
            }
            draw_row(self, &row, &lines, false);
        }
        self.y += 8.0;
    }

    /// SVG charts side by side, each `width` points wide, kept whole on one page.
    fn charts(&mut self, svgs: &[String], width: f32) -> Result<(), PdfError> {
        let mut trees = Vec::new();
        for svg in svgs {
            let tree = usvg::Tree::from_str(svg, &self.svg_options)
                .map_err(|e| PdfError(format!("a chart could not be drawn: {e}")))?;
            trees.push(tree);
        }
        let gap = 12.0;
        let height = trees.iter().map(|t| width * t.size().height() / t.size().width()).fold(0.0f32, f32::max);
        self.room(height);
        let mut x = MARGIN;
        for tree in trees {
            let h = width * tree.size().height() / tree.size().width();
            self.push(Item::Svg { x, y: self.y, w: width, h, tree: Box::new(tree) });
            x += width + gap;
        }
        self.y += height + 8.0;
        Ok(())
    }
}

fn parse_hex(hex: &str) -> Rgb {
    let v = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).unwrap_or(0);
    (v(1), v(3), v(5))
}

/// The report's charts as SVG. They are drawn apart from the layout because
/// plotters measures text through the page's DOM in wasm: the browser draws
/// them on its main thread and hands them to the PDF worker, which has no
/// DOM; natively they are drawn here. So a PDF made in the browser has the
/// browser's text measurements in its charts, as its HTML report has.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Charts {
    pub roc: String,
    pub pr: String,
    pub calibration: String,
    pub convergence: Option<String>,
    /// The search parameters' importance and the score against the most important one.
    #[serde(default)]
    pub param_importance: Option<String>,
    #[serde(default)]
    pub search_trials: Option<String>,
    pub importance: Option<String>,
    pub shap_summary: Option<String>,
    pub beeswarm: Option<String>,
    /// One explained test row per cell of the matrix: (true class, predicted class, file line, waterfall).
    pub waterfalls: Vec<(usize, usize, u64, String)>,
    /// A regression run's predicted against actual, residuals and residual
    /// histogram (then the classifier's charts above are empty).
    #[serde(default)]
    pub regression: Option<[String; 3]>,
}

impl Charts {
    pub fn of(o: &TrainOutcome) -> Charts {
        if let Some(r) = &o.regression {
            return Charts {
                roc: String::new(),
                pr: String::new(),
                calibration: String::new(),
                convergence: report::convergence_chart(o),
                param_importance: report::search::param_importance_chart(o),
                search_trials: report::search::trials_chart(o),
                importance: (!o.importance.is_empty()).then(|| {
                    glassbox_charts::bars_svg(&report::importance_items(o), "drop in R² when the column is shuffled")
                }),
                shap_summary: report::shap_summary_svg(o),
                beeswarm: report::beeswarm_svg(o),
                waterfalls: Vec::new(),
                regression: Some(report::regression::charts(r)),
            };
        }
        Charts {
            regression: None,
            roc: report::roc_chart(o),
            pr: report::pr_chart(o),
            calibration: glassbox_charts::calibration_svg(&o.evaluation.calibration),
            convergence: report::convergence_chart(o),
            param_importance: report::search::param_importance_chart(o),
            search_trials: report::search::trials_chart(o),
            importance: (!o.importance.is_empty())
                .then(|| glassbox_charts::importance_svg(&report::importance_items(o))),
            shap_summary: report::shap_summary_svg(o),
            beeswarm: report::beeswarm_svg(o),
            waterfalls: report::waterfall_rows(o, 1)
                .into_iter()
                .filter_map(|(i, j, row, line)| Some((i, j, line, report::waterfall_svg(o, row)?)))
                .collect(),
        }
    }
}

/// The report's sections, in the HTML report's order.
fn lay_out(o: &TrainOutcome, charts: &Charts) -> Result<Layout, PdfError> {
    if let (Some(r), Some(svgs)) = (&o.regression, &charts.regression) {
        return lay_out_regression(o, r, svgs, charts);
    }
    let m = &o.manifest;
    let e = &o.evaluation;
    let mut l = Layout::new();
    let half = (l.width() - 12.0) / 2.0;
    l.title("Glassbox report");
    l.paragraph(
        &format!("Predicting {} in {} with {} ({}).", m.target, m.file_name, m.model.replace('_', " "), m.params),
        BODY,
        MUTED,
    );
    for n in &o.notes {
        l.paragraph(&format!("{n}."), BODY, MUTED);
    }
    for w in &o.warnings {
        l.paragraph(&format!("Warning: {w}"), BODY, (160, 60, 0));
    }

    let warnings = o.baseline_warnings();
    if !warnings.is_empty() {
        l.paragraph(
            &format!("This model does not beat doing nothing here: {}.", warnings.join("; ")),
            BODY,
            (160, 60, 0),
        );
    }
    l.heading("Held-out test set", 40.0);
    let headline = report::headline(o);
    let mut names: Vec<&str> = vec![""];
    names.extend(headline.iter().map(|(name, ..)| *name));
    let mut values = vec![Cell::from("this model".to_string())];
    values.extend(headline.iter().map(|(_, _, v, _)| Cell::from(v.clone())));
    let mut baselines = vec![Cell::from("baseline".to_string())];
    baselines.extend(headline.iter().map(|(_, _, _, b)| Cell::from(b.clone())));
    let widths = vec![1.0 / names.len() as f32; names.len()];
    l.table(&names, &widths, vec![values, baselines]);
    l.paragraph(
        &format!(
            "Baseline: always answering '{}' (the most frequent training class) with the training class shares as probabilities; tested on {} rows.",
            o.classes.get(o.baseline.class).map_or("", String::as_str),
            m.n_test
        ),
        SMALL,
        MUTED,
    );

    l.heading("Classification report", 60.0);
    let rows = report::classification_rows(o).into_iter().map(|r| r.into_iter().map(Cell::from).collect()).collect();
    l.table(&["", "precision", "recall", "f1-score", "support"], &[0.32, 0.17, 0.17, 0.17, 0.17], rows);

    cv_section(&mut l, o);

    search_section(&mut l, o, charts, half)?;

    if let Some(t) = &o.time_cv {
        l.heading("Validation in time order", 60.0);
        let rows = t
            .windows
            .iter()
            .enumerate()
            .map(|(i, w)| {
                vec![
                    Cell::from((i + 1).to_string()),
                    Cell::from(format!("{} rows", w.n_train)),
                    Cell::from(format!("{} rows", w.n_test)),
                    Cell::from(report::fmt_metric(t.metrics["accuracy"].folds[i])),
                    Cell::from(report::fmt_metric(t.metrics["roc_auc"].folds[i])),
                ]
            })
            .collect();
        l.table(&["window", "trained on", "scored on", "accuracy", "ROC AUC"], &[0.12, 0.22, 0.22, 0.22, 0.22], rows);
    }

    let k = o.classes.len();
    l.heading("Confusion matrix", 20.0 * (k as f32 + 1.0));
    l.paragraph(
        "Rows are the true class, columns the predicted class. The shade is the share of the true class, light for 0% and dark for 100%: blue on the diagonal (correct), orange elsewhere (errors).",
        SMALL,
        MUTED,
    );
    let cm = &e.confusion_matrix;
    let mut header: Vec<String> = vec!["true ↓ / predicted →".to_string()];
    header.extend(o.classes.iter().cloned());
    let rows = (0..k)
        .map(|i| {
            let mut row = vec![Cell::from(o.classes[i].clone())];
            row.extend((0..k).map(|j| {
                let s = cell_stats(cm, i, j);
                let (fill, text) = cell_colors(i == j, s.row_share);
                Cell {
                    text: format!("{} ({:.1}%)", s.count, 100.0 * s.row_share),
                    fill: Some(parse_hex(&fill)),
                    light_text: text == "#ffffff",
                }
            }));
            row
        })
        .collect();
    let first = 0.3f32;
    let mut shares = vec![first];
    shares.extend(std::iter::repeat_n((1.0 - first) / k as f32, k));
    let header_refs: Vec<&str> = header.iter().map(String::as_str).collect();
    l.table(&header_refs, &shares, rows);

    l.heading("Decision", 20.0);
    l.paragraph(&format!("A row is predicted {}.", report::threshold_text(o)), BODY, INK);

    l.heading("ROC and precision-recall curves", half);
    l.charts(&[charts.roc.clone(), charts.pr.clone()], half)?;

    l.heading("Calibration", half);
    l.paragraph(
        &format!(
            "{} Brier score {}, expected calibration error {}.",
            report::calibration_caption(o),
            report::fmt_metric(e.brier),
            report::fmt_metric(e.calibration.ece)
        ),
        SMALL,
        MUTED,
    );
    l.charts(std::slice::from_ref(&charts.calibration), half)?;

    if let Some(caption) = report::importance_caption(o) {
        l.heading("Which columns matter", 150.0);
        l.paragraph(&caption, SMALL, MUTED);
        if let Some(c) = &charts.importance {
            l.charts(std::slice::from_ref(c), l.width() * 0.6)?;
        }
        let rows = o
            .importance
            .iter()
            .map(|i| {
                vec![
                    Cell::from(i.column.clone()),
                    Cell::from(format!("{} ± {}", report::fmt_metric(i.mean), report::fmt_metric(i.std))),
                    Cell::from(format!(
                        "{} ± {}",
                        report::fmt_metric(i.accuracy_mean),
                        report::fmt_metric(i.accuracy_std)
                    )),
                ]
            })
            .collect();
        l.table(&["column", "ROC AUC drop", "accuracy drop"], &[0.4, 0.3, 0.3], rows);
    }

    if let (Some(caption), Some(summary)) = (report::shap_caption(o), &charts.shap_summary) {
        l.heading("Why: SHAP values", 150.0);
        l.paragraph(&caption, SMALL, MUTED);
        l.charts(std::slice::from_ref(summary), l.width() * 0.6)?;
        if let Some(swarm) = &charts.beeswarm {
            l.charts(std::slice::from_ref(swarm), l.width() * 0.75)?;
        }
        if !charts.waterfalls.is_empty() {
            // The sentence stays with the first pair of waterfalls.
            l.room(60.0 + half);
            l.paragraph(
                "Waterfalls of one explained test row per cell of the confusion matrix: from the base value, each column's contribution, to the row's output.",
                SMALL,
                MUTED,
            );
            for pair in charts.waterfalls.chunks(2) {
                let svgs: Vec<String> = pair.iter().map(|w| w.3.clone()).collect();
                let captions: Vec<String> = pair
                    .iter()
                    .map(|&(i, j, line, _)| format!("true {} → predicted {}: line {line}", o.classes[i], o.classes[j]))
                    .collect();
                l.room(16.0 + half);
                l.paragraph(&captions.join("   |   "), SMALL, INK);
                l.charts(&svgs, half)?;
            }
        }
    }

    l.heading("Columns", 60.0);
    let rows = report::schema_rows(o).into_iter().map(|r| r.into_iter().map(Cell::from).collect()).collect();
    l.table(&["column", "kind", "role", "missing"], &[0.46, 0.18, 0.18, 0.18], rows);

    l.heading("How this was made", 60.0);
    let rows = report::manifest_rows(o).into_iter().map(|(k, v)| vec![Cell::from(k), Cell::from(v)]).collect();
    l.table(&["", ""], &[0.3, 0.7], rows);
    Ok(l)
}

/// Cross-validation on the training rows, when it ran: mean ± std and each
/// fold of every metric (a regression's in the target's units).
fn cv_section(l: &mut Layout, o: &TrainOutcome) {
    let Some(cv) = &o.cv else { return };
    l.heading("Cross-validation", 60.0);
    l.paragraph(
        &format!(
            "{}-fold {} cross-validation on the {} training rows (seed {}); preprocessing refitted in every fold.",
            cv.folds,
            report::fold_words(o),
            o.manifest.n_train,
            cv.seed
        ),
        SMALL,
        MUTED,
    );
    let number = report::regression::fmt_number;
    let rows = cv
        .metrics
        .iter()
        .map(|(name, s)| {
            vec![
                Cell::from(name.replace('_', " ")),
                Cell::from(format!("{} ± {}", number(s.mean), number(s.std))),
                Cell::from(s.folds.iter().map(|v| number(*v)).collect::<Vec<_>>().join("  ")),
            ]
        })
        .collect();
    l.table(&["metric", "mean ± std", "folds"], &[0.2, 0.2, 0.6], rows);
}

/// The hyper-parameter search, when it ran: convergence and the best trial
/// per sampler, which parameter mattered, and the refinement's grid.
fn search_section(l: &mut Layout, o: &TrainOutcome, charts: &Charts, half: f32) -> Result<(), PdfError> {
    let Some(c) = &charts.convergence else { return Ok(()) };
    let (metric, _) = report::search_metric(o);
    l.heading("Hyper-parameter search", 200.0);
    l.charts(std::slice::from_ref(c), half)?;
    let rows = report::search::best_rows(o).into_iter().map(|r| r.into_iter().map(Cell::from).collect()).collect();
    l.table(&["sampler", &format!("best {metric}"), "at trial", "parameters"], &[0.15, 0.15, 0.1, 0.6], rows);
    let pair: Vec<String> = [&charts.param_importance, &charts.search_trials].into_iter().flatten().cloned().collect();
    if charts.param_importance.is_some() {
        l.heading("Which parameter mattered", 200.0);
        l.paragraph(
            "fANOVA, as Optuna computes it: each parameter's share of the trials' score variance that its value alone explains. Beside the bars, every trial's score against the most important parameter: dots are search trials, squares the refinement's grid, the ring the final model's trial.",
            SMALL,
            MUTED,
        );
        l.charts(&pair, half)?;
    }
    if let Some(r) = &o.search.refine {
        l.heading("Refinement", 80.0);
        l.paragraph(&format!("Grid: {}.", r.rule), SMALL, MUTED);
        let rows =
            report::search::refine_rows(o).into_iter().map(|r| r.into_iter().map(Cell::from).collect()).collect();
        l.table(&[&r.param, metric, "fold std", "each fold", ""], &[0.22, 0.15, 0.15, 0.33, 0.15], rows);
        if let Some(v) = report::search::refine_verdict(o) {
            l.paragraph(&v, SMALL, MUTED);
        }
    }
    for note in &o.search.notes {
        l.paragraph(note, SMALL, MUTED);
    }
    Ok(())
}

/// The sections of a regression report, in the HTML report's order.
fn lay_out_regression(
    o: &TrainOutcome,
    r: &glassbox_pipeline::numbers::RegressionOutcome,
    svgs: &[String; 3],
    charts: &Charts,
) -> Result<Layout, PdfError> {
    use report::regression as rr;
    let m = &o.manifest;
    let mut l = Layout::new();
    let half = (l.width() - 12.0) / 2.0;
    l.title("Glassbox report");
    l.paragraph(
        &format!(
            "Predicting {} (a number) in {} with {} ({}).",
            m.target,
            m.file_name,
            m.model.replace('_', " "),
            m.params
        ),
        BODY,
        MUTED,
    );
    for n in &o.notes {
        l.paragraph(&format!("{n}."), BODY, MUTED);
    }
    for w in o.warnings.iter().chain(&r.warnings()) {
        l.paragraph(&format!("Warning: {w}"), BODY, (160, 60, 0));
    }
    l.heading("Held-out test set", 80.0);
    let rows = rr::headline(r)
        .into_iter()
        .map(|(name, _, v, b)| vec![Cell::from(name.to_string()), Cell::from(v), Cell::from(b)])
        .collect();
    l.table(&["metric", "this model", "baseline (training mean)"], &[0.4, 0.3, 0.3], rows);
    l.paragraph(
        &format!(
            "Baseline: always predicting the training rows' mean, {}, on the same {} test rows. The mean error is actual − predicted.",
            rr::fmt_number(r.baseline_value),
            m.n_test
        ),
        SMALL,
        MUTED,
    );
    l.paragraph(&rr::scale_text(r), SMALL, MUTED);
    l.heading("Predictions", half);
    l.charts(&[svgs[0].clone(), svgs[1].clone()], half)?;
    l.charts(std::slice::from_ref(&svgs[2]), half)?;
    if let Some(i) = &r.interval {
        l.heading("Prediction interval", 120.0);
        l.paragraph(&format!("{}{}.", i.guarantee[..1].to_uppercase(), &i.guarantee[1..]), SMALL, MUTED);
        let rows = rr::interval_rows(i, r.target_transform.used)
            .into_iter()
            .map(|(k, v)| vec![Cell::from(k.to_string()), Cell::from(v)])
            .collect();
        l.table(&["", "value"], &[0.3, 0.7], rows);
        let rows = i
            .test
            .by_decile
            .iter()
            .map(|d| {
                vec![
                    Cell::from(format!("{} to {}", rr::fmt_number(d.from), rr::fmt_number(d.to))),
                    Cell::from(d.rows.to_string()),
                    Cell::from(format!("{:.3}", d.coverage)),
                ]
            })
            .collect();
        l.table(&["predictions", "rows", "coverage"], &[0.5, 0.25, 0.25], rows);
    }
    l.heading("Error by decile of the prediction", 80.0);
    let rows = rr::deciles(r)
        .into_iter()
        .map(|d| {
            vec![
                Cell::from(format!("{} to {}", rr::fmt_number(d.from), rr::fmt_number(d.to))),
                Cell::from(d.rows.to_string()),
                Cell::from(rr::fmt_number(d.mean_error)),
                Cell::from(rr::fmt_number(d.mae)),
            ]
        })
        .collect();
    l.table(&["predictions", "rows", "mean error", "MAE"], &[0.4, 0.2, 0.2, 0.2], rows);
    l.heading("The largest errors", 80.0);
    let rows = rr::largest_errors(r, rr::LARGEST_ERRORS)
        .into_iter()
        .map(|p| {
            vec![
                Cell::from(p.line.to_string()),
                Cell::from(rr::fmt_number(p.actual)),
                Cell::from(rr::fmt_number(p.predicted)),
                Cell::from(rr::fmt_number(p.error())),
            ]
        })
        .collect();
    l.table(&["line", "actual", "predicted", "error"], &[0.25, 0.25, 0.25, 0.25], rows);
    cv_section(&mut l, o);
    search_section(&mut l, o, charts, half)?;
    if let Some(c) = &charts.importance {
        l.heading("Which columns matter", 150.0);
        l.charts(std::slice::from_ref(c), l.width() * 0.6)?;
    }
    if let (Some(caption), Some(summary)) = (report::shap_caption(o), &charts.shap_summary) {
        l.heading("Why: SHAP values", 150.0);
        l.paragraph(&caption, SMALL, MUTED);
        l.charts(std::slice::from_ref(summary), l.width() * 0.6)?;
        if let Some(swarm) = &charts.beeswarm {
            l.charts(std::slice::from_ref(swarm), l.width() * 0.75)?;
        }
    }
    l.heading("Columns", 60.0);
    let rows = report::schema_rows(o).into_iter().map(|r| r.into_iter().map(Cell::from).collect()).collect();
    l.table(&["column", "kind", "role", "missing"], &[0.46, 0.18, 0.18, 0.18], rows);
    l.heading("How this was made", 60.0);
    let rows = report::manifest_rows(o).into_iter().map(|(k, v)| vec![Cell::from(k), Cell::from(v)]).collect();
    l.table(&["", ""], &[0.3, 0.7], rows);
    Ok(l)
}

/// The PDF report of a training outcome, its charts drawn here (natively).
pub fn render(o: &TrainOutcome) -> Result<Vec<u8>, PdfError> {
    render_with(o, &Charts::of(o))
}

/// The PDF report of a training outcome with its charts drawn already.
pub fn render_with(o: &TrainOutcome, charts: &Charts) -> Result<Vec<u8>, PdfError> {
    let layout = lay_out(o, charts)?;
    let regular = Font::new(REGULAR.to_vec().into(), 0).expect("the bundled font parses");
    let bold = Font::new(BOLD.to_vec().into(), 0).expect("the bundled font parses");
    let mut doc = Document::new();
    doc.set_metadata(
        krilla::metadata::Metadata::new()
            .title(format!("Glassbox report: {}", o.manifest.file_name))
            .creator(format!("Glassbox {}", o.manifest.glassbox_version))
            .language("en".to_string()),
    );
    let n = layout.pages.len();
    let fill = |c: Rgb| Fill {
        paint: rgb::Color::new(c.0, c.1, c.2).into(),
        opacity: NormalizedF32::ONE,
        rule: FillRule::NonZero,
    };
    for (i, items) in layout.pages.iter().enumerate() {
        let mut page = doc.start_page_with(PageSettings::from_wh(PAGE_W, PAGE_H).expect("A4 is a valid size"));
        let mut surface = page.surface();
        for item in items {
            match item {
                Item::Text { x, y, size, bold: b, color, text } => {
                    surface.set_fill(Some(fill(*color)));
                    let font = if *b { bold.clone() } else { regular.clone() };
                    surface.draw_text(Point::from_xy(*x, *y), font, *size, text, false, TextDirection::Auto);
                }
                Item::Rect { x, y, w, h, color } => {
                    let mut pb = PathBuilder::new();
                    if let Some(r) = Rect::from_xywh(*x, *y, *w, *h) {
                        pb.push_rect(r);
                    }
                    if let Some(path) = pb.finish() {
                        surface.set_fill(Some(fill(*color)));
                        surface.draw_path(&path);
                    }
                }
                Item::Svg { x, y, w, h, tree } => {
                    surface.push_transform(&krilla::geom::Transform::from_translate(*x, *y));
                    let size = Size::from_wh(*w, *h).expect("charts have a size");
                    surface.draw_svg(tree, size, SvgSettings::default());
                    surface.pop();
                }
            }
        }
        surface.set_fill(Some(fill(MUTED)));
        let footer = format!("Glassbox report: {}  ·  page {} of {n}", o.manifest.file_name, i + 1);
        surface.draw_text(
            Point::from_xy(MARGIN, PAGE_H - MARGIN + 10.0),
            regular.clone(),
            SMALL,
            &footer,
            false,
            TextDirection::Auto,
        );
        surface.finish();
        page.finish();
    }
    doc.finish().map_err(|e| PdfError(format!("the PDF could not be written: {e:?}")))
}
