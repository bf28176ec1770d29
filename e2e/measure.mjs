// Measures the app on big files in headless Chromium: ingest throughput
// (MB/s from picking the file to the schema panel) and memory (the worker's
// peak wasm memory as it reports it, plus the page's JS heap), optionally
// training afterwards. A benchmark, not a test:
//   node e2e/measure.mjs FILE [--train TARGET]
// Build the app first (make dist); make files with scripts/make_big_csv.py.
import fs from 'node:fs';
import { startServer, launch, openApp, byId } from './helpers.mjs';

const [file, flag, target] = process.argv.slice(2);
const { server, url } = await startServer();
const browser = await launch();
const { page, context } = await openApp(browser, url);
const cdp = await context.newCDPSession(page);
await cdp.send('Performance.enable');
const heap = async () => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'JSHeapUsedSize').value;

let peakWasm = 0;
let peakHeap = 0;
const size = fs.statSync(file).size;
// Timed inside the page, from the file input's change event to the schema
// panel's first appearance, so the polling below adds nothing to it.
await byId(page, 'csv-input').waitFor({ state: 'attached' });
await page.evaluate(() => {
  window.__measure = {};
  document.querySelector('[data-testid="csv-input"]').addEventListener('change', () => {
    window.__measure.start = performance.now();
  }, { capture: true });
  new MutationObserver((_, observer) => {
    if (document.querySelector('[data-testid="schema-panel"]')) {
      window.__measure.end = performance.now();
      observer.disconnect();
    }
  }).observe(document.body, { childList: true, subtree: true });
});
// A person takes a moment to pick a file; the page is meanwhile ready.
await page.waitForTimeout(1000);
const started = Date.now();
await byId(page, 'csv-input').setInputFiles(file);
for (;;) {
  const done = await byId(page, 'schema-panel').count();
  const failed = await byId(page, 'error').count();
  if (failed) throw new Error(await byId(page, 'error').textContent());
  const mem = await page.evaluate(() => Number(document.querySelector('[data-testid="progress-text"]')?.dataset.memory ?? 0));
  peakWasm = Math.max(peakWasm, mem);
  peakHeap = Math.max(peakHeap, await heap());
  if (done) break;
  await new Promise((r) => setTimeout(r, 100));
}
const wall = (Date.now() - started) / 1000;
const { start, end } = await page.evaluate(() => window.__measure);
const seconds = (end - start) / 1000;
const rows = await page.locator('.preview p.muted').first().textContent();
const readStats = await byId(page, 'read-stats').textContent();
const result = {
  file, megabytes: size / 1e6, seconds, read_stats: readStats, wall_seconds: wall, mb_per_s: size / 1e6 / seconds, rows,
  peak_worker_wasm_mb: peakWasm / 1e6, peak_page_js_heap_mb: peakHeap / 1e6,
  memory_over_file_size: (peakWasm + peakHeap) / size,
};
if (flag === '--train') {
  await byId(page, 'target-select').selectOption(target);
  const t = Date.now();
  await byId(page, 'train-button').click();
  await byId(page, 'metric-accuracy').waitFor({ timeout: 600_000 });
  result.train_seconds = (Date.now() - t) / 1000;
  result.accuracy = await byId(page, 'metric-accuracy').textContent();
}
console.log(JSON.stringify(result, null, 1));
await browser.close();
server.close();
