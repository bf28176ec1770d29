// End-to-end: a number to predict, in the app as a person would (issue 27).
// The concrete sample trains as regression with the numbers and model.json
// bytes of `glassbox train`; a largest-error row opens with its waterfall;
// axe finds nothing serious on the results in either theme. Every test also
// asserts that no request left 127.0.0.1 and that the page threw nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import {
  startServer, launch, openApp, monitorAlerting, screenshot, byId, root, TIMEOUT, assertStayedLocal, seriousViolations,
} from './helpers.mjs';

let server;
let url;
let browser;

before(async () => {
  ({ server, url } = await startServer());
  browser = await launch();
});

after(async () => {
  await browser?.close();
  server?.close();
});

/** Opens the concrete sample with its strength as the target and waits for ridge, the regressors' default. */
async function concreteStrength(page) {
  await byId(page, 'sample-concrete').click();
  await page.waitForFunction(() => document.querySelector('.preview')?.textContent.startsWith('concrete.csv'), null, TIMEOUT);
  await byId(page, 'target-select').selectOption('compressive_strength');
  await page.waitForFunction(() => document.querySelector('[data-testid="model-select"]')?.value === 'ridge', null, TIMEOUT);
}

/** Trains what the page is set to and waits for the regression metrics and the explanations. */
async function trainNumber(page) {
  await byId(page, 'train-button').click();
  await byId(page, 'metric-r2').waitFor(TIMEOUT);
  await page.waitForFunction(() => !document.querySelector('[data-testid="progress"]'), null, { timeout: 180_000 });
  const read = async (id) => (await byId(page, id).first().textContent()).trim();
  return { r2: await read('metric-r2'), rmse: await read('metric-rmse'), mae: await read('metric-mae') };
}

test('the concrete sample trains as regression with the CLI\'s numbers and model.json bytes', async () => {
  const { page, offsite, consoleErrors, context } = await openApp(browser, url);
  // The task is detected, and the model select offers the models that predict numbers, ridge first chosen.
  await concreteStrength(page);
  const offered = await byId(page, 'model-select').locator('option').allTextContents();
  assert.ok(offered.includes('ridge') && !offered.includes('naive bayes') && !offered.includes('logistic regression'), offered.join(', '));
  await byId(page, 'model-select').selectOption('gradient_boosting');
  await byId(page, 'cv-folds').selectOption('5');
  // The target's scale, asked for: fitted on log1p, every number on the target's own scale.
  assert.equal(await byId(page, 'target-transform').inputValue(), 'auto');
  await byId(page, 'target-transform').selectOption('log1p');
  const m = await trainNumber(page);
  assert.ok(Number(m.r2) > 0.85, JSON.stringify(m));
  assert.equal(await byId(page, 'target-scale').getAttribute('data-used'), 'log1p');
  assert.match(await byId(page, 'target-scale').textContent(), /^Target scale: log1p, as asked/);

  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'glassbox-regression-'));
  execFileSync('cargo', ['run', '-q', '--bin', 'glassbox', '--', 'train', 'public/samples/concrete.csv',
    '--target', 'compressive_strength', '--model', 'gradient_boosting', '--cv', '5', '--target-transform', 'log1p', '--out', out], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  const cli = JSON.parse(fs.readFileSync(path.join(out, 'metrics.json'), 'utf8'));
  assert.equal(cli.target_transform.used, 'log1p');
  assert.equal(m.r2, cli.r2.toFixed(4), 'R² as the CLI measured it');
  assert.equal(m.rmse, cli.rmse.toFixed(4), 'RMSE as the CLI measured it');
  assert.equal(m.mae, cli.mae.toFixed(4), 'MAE as the CLI measured it');
  const [download] = await Promise.all([page.waitForEvent('download'), byId(page, 'export-model').click()]);
  assert.ok(fs.readFileSync(path.join(out, 'model.json')).equals(fs.readFileSync(await download.path())),
    'the app\'s model.json differs from the CLI\'s');
  // The ONNX graph (prediction, pi_low, pi_high) is the CLI's, byte for byte.
  const [onnxDownload] = await Promise.all([page.waitForEvent('download'), byId(page, 'export-onnx').click()]);
  execFileSync('cargo', ['run', '-q', '--bin', 'glassbox', '--', 'export', path.join(out, 'model.json'), '--onnx', path.join(out, 'model.onnx')],
    { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  assert.ok(fs.readFileSync(path.join(out, 'model.onnx')).equals(fs.readFileSync(await onnxDownload.path())),
    'the app\'s model.onnx differs from the CLI\'s');

  // The prediction interval's audit shows the CLI's coverage.
  const audit = await byId(page, 'interval-audit').textContent();
  assert.ok(cli.interval.calibration_rows === 165, JSON.stringify(cli.interval));
  assert.ok(audit.includes(cli.interval.test.coverage.toFixed(4)), audit);
  assert.match(await byId(page, 'interval-guarantee').textContent(), /at least 90%/);

  // Scoring a held-out file in the app gives glassbox predict's bytes, intervals included.
  const lines = fs.readFileSync(path.join(root, 'public', 'samples', 'concrete.csv'), 'utf8').trim().split('\n');
  const noTarget = (l) => l.split(',').slice(0, -1).join(',');
  const held = path.join(out, 'held.csv');
  fs.writeFileSync(held, lines.slice(0, 61).map(noTarget).join('\n') + '\n');
  await byId(page, 'predict-csv-input').setInputFiles(held);
  await byId(page, 'schema-check').waitFor(TIMEOUT);
  await byId(page, 'predict-button').click();
  await byId(page, 'predictions-table').waitFor(TIMEOUT);
  assert.match(await byId(page, 'predictions-table').textContent(), /90% interval.*\[\d+(\.\d+)?, \d+(\.\d+)?\]/s, 'intervals shown');
  const [csvDownload] = await Promise.all([page.waitForEvent('download'), byId(page, 'download-predictions').click()]);
  const cliCsv = path.join(out, 'cli.csv');
  execFileSync('cargo', ['run', '-q', '--bin', 'glassbox', '--', 'predict', path.join(out, 'model.json'), held, '--out', cliCsv],
    { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  const appCsv = fs.readFileSync(await csvDownload.path());
  assert.ok(appCsv.toString().startsWith('prediction,pi_low,pi_high,issue\n'), appCsv.toString().slice(0, 80));
  assert.ok(appCsv.equals(fs.readFileSync(cliCsv)), 'the app\'s predictions.csv differs from glassbox predict\'s');
  // The what-if form answers a number with its interval.
  await byId(page, 'whatif-form').waitFor(TIMEOUT);
  assert.match(await byId(page, 'whatif-interval').textContent(), /^\[-?\d+(\.\d+)?, \d+(\.\d+)?\]$/);
  // ... and its waterfall, in the space the model adds up in (log1p of the strength here).
  await byId(page, 'whatif-waterfall').waitFor(TIMEOUT);
  assert.match(await byId(page, 'whatif-waterfall').textContent(), /compressive_strength \(log1p target\)/);
  await byId(page, 'predictions-table').scrollIntoViewIfNeeded();
  await screenshot(page, 'regression-predict');

  // The charts state their numbers; no classifier's section is shown.
  assert.match(await byId(page, 'chart-predicted-actual').locator('svg').getAttribute('aria-label'), /^Predicted against actual for 206 test rows: R² 0\.\d{4}/);
  assert.equal(await byId(page, 'chart-residuals').locator('svg').count(), 1);
  assert.equal(await byId(page, 'confusion-matrix').count(), 0);
  assert.equal(await byId(page, 'threshold-matrix').count(), 0);
  // The largest error opens with its waterfall.
  const why = byId(page, 'largest-errors').locator('button').first();
  await why.click();
  await byId(page, 'shap-waterfall').waitFor(TIMEOUT);
  assert.match(await byId(page, 'shap-waterfall').locator('svg').getAttribute('aria-label') ?? '', /./);
  await screenshot(page, 'regression-results');
  for (const scheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme: scheme });
    assert.deepEqual(await seriousViolations(page, `regression results (${scheme})`), []);
  }
  await assertStayedLocal(offsite, consoleErrors, page);
  await context.close();
});

test('quantile intervals (CQR) chosen in the app: the CLI\'s model.json and predictions, the method named, widths that vary by row', async () => {
  const { page, offsite, consoleErrors, context } = await openApp(browser, url);
  await concreteStrength(page);
  assert.equal(await byId(page, 'interval-method').inputValue(), 'auto');
  await byId(page, 'interval-method').selectOption('cqr');
  await trainNumber(page);
  const audit = await byId(page, 'interval-audit').textContent();
  assert.match(audit, /conformalized quantile regression \(boosting at the 0\.05 and 0\.95 quantiles\), 165 calibration rows/);

  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'glassbox-cqr-'));
  execFileSync('cargo', ['run', '-q', '--bin', 'glassbox', '--', 'train', 'public/samples/concrete.csv',
    '--target', 'compressive_strength', '--interval-method', 'cqr', '--cv', '5', '--out', out], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  const cli = JSON.parse(fs.readFileSync(path.join(out, 'metrics.json'), 'utf8'));
  assert.equal(cli.interval.method, 'cqr');
  assert.ok(audit.includes(cli.interval.test.coverage.toFixed(4)), audit);
  const [download] = await Promise.all([page.waitForEvent('download'), byId(page, 'export-model').click()]);
  assert.ok(fs.readFileSync(path.join(out, 'model.json')).equals(fs.readFileSync(await download.path())),
    'the app\'s model.json differs from the CLI\'s');

  // Scoring in the app: glassbox predict's bytes, and a width of its own for every row.
  const lines = fs.readFileSync(path.join(root, 'public', 'samples', 'concrete.csv'), 'utf8').trim().split('\n');
  const held = path.join(out, 'held.csv');
  fs.writeFileSync(held, lines.slice(0, 41).map((l) => l.split(',').slice(0, -1).join(',')).join('\n') + '\n');
  await byId(page, 'predict-csv-input').setInputFiles(held);
  await byId(page, 'schema-check').waitFor(TIMEOUT);
  await byId(page, 'predict-button').click();
  await byId(page, 'predictions-table').waitFor(TIMEOUT);
  const [csvDownload] = await Promise.all([page.waitForEvent('download'), byId(page, 'download-predictions').click()]);
  const cliCsv = path.join(out, 'cli.csv');
  execFileSync('cargo', ['run', '-q', '--bin', 'glassbox', '--', 'predict', path.join(out, 'model.json'), held, '--out', cliCsv],
    { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  const appCsv = fs.readFileSync(await csvDownload.path());
  assert.ok(appCsv.equals(fs.readFileSync(cliCsv)), 'the app\'s predictions.csv differs from glassbox predict\'s');
  const widths = new Set(appCsv.toString().trim().split('\n').slice(1).map((l) => { const [, lo, hi] = l.split(',').map(Number); return hi - lo; }));
  assert.ok(widths.size > 30, `${widths.size} distinct widths in 40 rows`);
  await byId(page, 'interval-section').scrollIntoViewIfNeeded();
  await screenshot(page, 'regression-cqr');
  await assertStayedLocal(offsite, consoleErrors, page);
  await context.close();
});

test('comparing the regressors ranks them by cross-validated RMSE', async () => {
  const { page, offsite, consoleErrors, context } = await openApp(browser, url);
  await concreteStrength(page);
  await byId(page, 'compare-button').click();
  await byId(page, 'leaderboard').waitFor({ timeout: 180_000 });
  const rows = page.locator('[data-testid="leaderboard"] tbody tr');
  assert.equal(await rows.count(), 8, 'every model that predicts numbers');
  assert.match(await byId(page, 'leaderboard').locator('thead').textContent(), /RMSE ▾.*R².*MAE/);
  const rmse = await rows.evaluateAll((trs) => trs.map((tr) => Number(tr.querySelector('td').textContent.split(' ± ')[0])));
  assert.deepEqual(rmse, [...rmse].sort((a, b) => a - b), 'lowest RMSE first');
  assert.match(await byId(page, 'leaderboard-row-baseline_median').textContent(), /no better than the baseline/);
  await assertStayedLocal(offsite, consoleErrors, page);
  await context.close();
});

test('a price read as text because of words in it: the refusal offers to read it as numeric, and then it trains as a number', async () => {
  const { page, offsite, consoleErrors, context } = await openApp(browser, url);
  // 60 prices of which 20 say "call us": too many words for the column to read as numbers.
  let csv = 'rooms,area,price\n';
  for (let i = 0; i < 60; i++) {
    const price = i % 3 === 0 ? 'call us' : String(100_000 + 25_000 * (i % 5) + 731 * i);
    csv += `${1 + (i % 5)},${40 + 7 * (i % 11)},${price}\n`;
  }
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'glassbox-price-')), 'prices.csv');
  fs.writeFileSync(file, csv);
  await byId(page, 'csv-input').setInputFiles(file);
  await page.waitForFunction(() => document.querySelector('.preview')?.textContent.startsWith('prices.csv'), null, TIMEOUT);
  await byId(page, 'task-select').selectOption('regression');
  await byId(page, 'target-select').selectOption('price');
  await byId(page, 'read-target-numeric').waitFor(TIMEOUT);
  assert.match(await byId(page, 'target-problem').textContent(), /'price' was read as categorical \('call us' at line 2 is not a number\)/);
  await screenshot(page, 'regression-read-as-numeric');
  await byId(page, 'read-target-numeric').click();
  await byId(page, 'target-number').waitFor(TIMEOUT);
  const m = await trainNumber(page);
  assert.match(m.r2, /^-?\d\.\d{4}$/);
  assert.match(await page.locator('.muted').filter({ hasText: 'rows without a target value were left out' }).first().textContent(), / 20 rows without a target value were left out\./);
  // Automatic scale: this target is not skewed, so it is used as it is, and the page says why.
  assert.match(await byId(page, 'target-scale').textContent(), /^Target scale: auto kept the target as it is: its skewness is -?\d\.\d\d, below 0\.75\.$/);
  await assertStayedLocal(offsite, consoleErrors, page);
  await context.close();
});

test('a regressor in the Monitor step: target and prediction drift, errors per week, and a bias alarm that says what to subtract, as the CLI posts it', async () => {
  const { page, offsite, consoleErrors, context } = await openApp(browser, url);
  await concreteStrength(page);
  // The person's interval level reaches the model and its audit.
  assert.equal(await byId(page, 'interval-level').inputValue(), '0.9');
  await byId(page, 'interval-level').selectOption('0.95');
  await trainNumber(page);
  assert.match(await byId(page, 'interval-guarantee').textContent(), /at least 95%/);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'glassbox-regression-monitor-'));
  const [download] = await Promise.all([page.waitForEvent('download'), byId(page, 'export-model').click()]);
  const modelPath = path.join(dir, 'model.json');
  await download.saveAs(modelPath);
  // Current data: every strength half as high again (the target drifts).
  const lines = fs.readFileSync(path.join(root, 'public', 'samples', 'concrete.csv'), 'utf8').trim().split('\n');
  const current = path.join(dir, 'current.csv');
  fs.writeFileSync(current, [lines[0], ...lines.slice(1).map((l) => {
    const c = l.split(',');
    c[8] = String(Number(c[8]) * 1.5);
    return c.join(',');
  })].join('\n') + '\n');
  // A log over four weeks whose last week's true values are 6 lower: the model predicts 6 too high.
  const preds = path.join(dir, 'pred.csv');
  execFileSync('cargo', ['run', '-q', '--bin', 'glassbox', '--', 'predict', modelPath, path.join(root, 'public', 'samples', 'concrete.csv'), '--out', preds],
    { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  const predLines = fs.readFileSync(preds, 'utf8').trim().split('\n');
  const n = lines.length - 1;
  const log = [`time,label,${predLines[0]}`];
  for (let i = 0; i < n; i++) {
    const day = 2 + Math.floor(28 * i / n);
    const truth = Number(lines[i + 1].split(',')[8]) - (day >= 23 ? 6 : 0);
    log.push(`2026-11-${String(day).padStart(2, '0')}T10:00:00Z,${truth},${predLines[i + 1]}`);
  }
  const logPath = path.join(dir, 'log.csv');
  fs.writeFileSync(logPath, log.join('\n') + '\n');

  await byId(page, 'monitor-step').scrollIntoViewIfNeeded();
  await byId(page, 'monitor-csv-input').setInputFiles(current);
  await byId(page, 'drift-table').waitFor(TIMEOUT);
  assert.match(await byId(page, 'target-drift').textContent(), /^compressive_strength: drift/);
  assert.match(await byId(page, 'prediction-drift').first().textContent(), /^prediction: /);
  await byId(page, 'monitor-log-input').setInputFiles(logPath);
  await byId(page, 'errors-table').waitFor(TIMEOUT);
  assert.equal(await byId(page, 'errors-table').locator('tbody tr').count(), 4, 'four weeks');
  assert.match(await byId(page, 'decay-verdict').textContent(), /^\d alarms? on the last week \(257 rows\): RMSE [\d.]+/);
  assert.match(await byId(page, 'error-alerts').textContent(), /the mean error of the last week is -[\d.]+, outside/);
  assert.match(await byId(page, 'error-suggestions').textContent(), /re-centre by subtracting [\d.]+ from every prediction/);
  const payload = JSON.parse(await byId(page, 'alert-payload').textContent());

  const monDir = path.join(dir, 'mon');
  const mon = monitorAlerting(modelPath, logPath, current, monDir);
  assert.equal(mon.interval_level, 0.95);
  assert.ok(mon.error_alerts.some((a) => a.kind === 'bias'), JSON.stringify(mon.error_alerts));
  for (const a of mon.error_alerts) {
    assert.ok(payload.text.includes(a.message), `the CLI's alert '${a.message}' in the app's payload`);
  }
  const cliPayload = fs.readFileSync(path.join(monDir, 'monitor.html'), 'utf8');
  assert.ok(cliPayload.includes('re-centre by subtracting'), 'the CLI page says what to do');
  await byId(page, 'errors-table').scrollIntoViewIfNeeded();
  await screenshot(page, 'monitor-regression');
  await assertStayedLocal(offsite, consoleErrors, page);
  await context.close();
});
