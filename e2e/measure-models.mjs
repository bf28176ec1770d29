// The model benchmark in headless Chromium: loads the benchmark data in the
// app, trains each model as a person would (one worker, no cross-validation)
// and prints the final model's fit and predict seconds and test ROC AUC, as
// the page shows them (with WORKERS=2, a forest's trees are grown on 2 workers),
// and the SHAP step's rows and seconds (from its first progress line to the
// results, so it includes drawing the page). A benchmark, not a test:
//   python3 scripts/bench_models.py data target/bench/models.csv
//   make dist && node e2e/measure-models.mjs target/bench/models.csv [MODEL...]
import { startServer, launch, openApp, byId } from './helpers.mjs';

// WORKERS=2 node e2e/measure-models.mjs … uses the worker pool (default 1).
// FIT_ONLY=1 reads the fit and predict times as they show and opens a fresh
// page for the next model, without waiting for the importance and SHAP
// steps (k-NN's importance scores 20,000 rows against 80,000 150 times).
const [file, ...wanted] = process.argv.slice(2);
const workers = process.env.WORKERS ?? '1';
const models = wanted.length ? wanted
  : ['logistic_regression', 'naive_bayes', 'knn', 'decision_tree', 'random_forest', 'gradient_boosting'];
const { server, url } = await startServer();
const browser = await launch();
const fitOnly = process.env.FIT_ONLY === '1';
let page = null;
async function freshPage() {
  ({ page } = await openApp(browser, url));
  await byId(page, 'csv-input').setInputFiles(file);
  await byId(page, 'schema-panel').waitFor({ timeout: 600_000 });
  await byId(page, 'target-select').selectOption('y');
  await byId(page, 'cv-folds').selectOption('0');
  await byId(page, 'workers').selectOption(workers);
}
for (const model of models) {
  if (!page || fitOnly) {
    if (page) await page.close();
    await freshPage();
  }
  await byId(page, 'model-select').selectOption(model);
  await byId(page, 'train-button').click();
  // The explanation step is the run's last: from its first progress line to the results.
  const explainStart = page.waitForFunction(
    () => /^explanation/.test(document.querySelector('[data-testid="progress-text"]')?.textContent ?? '') && performance.now(),
    null, { timeout: 1_800_000, polling: 50 }).then((h) => h.jsonValue()).catch(() => null);
  await byId(page, 'timing').waitFor({ timeout: 1_800_000 });
  // The metrics show at the fit; the explanations follow, and the run ends
  // when the progress bar goes.
  if (!fitOnly) {
    await page.waitForFunction(() => !document.querySelector('[data-testid="progress"]'), null, { timeout: 1_800_000, polling: 50 });
  }
  const explainEnd = await page.evaluate(() => performance.now());
  const started = fitOnly ? null : await explainStart;
  const caption = fitOnly ? '' : await page.locator('text=/Shapley values of \\d+ test rows/').first().textContent().catch(() => '');
  const shapRows = Number(/Shapley values of (\d+) test rows/.exec(caption ?? '')?.[1] ?? 0);
  const timing = byId(page, 'timing');
  const text = await timing.textContent();
  const predict = Number(/([\d.]+) s to predict/.exec(text)[1]);
  console.log(JSON.stringify({
    model,
    browser: 'chromium',
    workers: Number(workers),
    fit_seconds: Number(await timing.getAttribute('data-fit-seconds')),
    predict_seconds: predict,
    ...(await byId(page, 'metric-r2').count()
      ? { r2: Number(await byId(page, 'metric-r2').textContent()) }
      : { roc_auc: Number(await byId(page, 'metric-roc-auc').textContent()) }),
    shap_rows: shapRows,
    explain_seconds: started ? (explainEnd - started) / 1000 : null,
  }));
}
await browser.close();
server.close();
