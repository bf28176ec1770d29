// Shared set-up for the end-to-end tests: a static server for dist/ on
// 127.0.0.1, headless Debian Chromium through playwright-core, and a record of
// every request that tried to leave 127.0.0.1.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const root = path.resolve(here, '..');
// GLASSBOX_DIST points the benchmarks at another build, to compare two in one window.
export const dist = process.env.GLASSBOX_DIST ?? path.join(root, 'dist');
export const artifacts = path.join(here, 'artifacts');

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.wasm': 'application/wasm',
  '.css': 'text/css', '.csv': 'text/csv', '.json': 'application/json', '.svg': 'image/svg+xml',
  '.webmanifest': 'application/manifest+json',
};

const PREFIX = '/tools/glassbox/';

/**
 * Serves dist/ (or another build in `dir`) under the sub-path /tools/glassbox/, as a static host would:
 * with an ETag and Last-Modified, and "304 Not Modified" to a request that has the file already.
 * `served` lists each request's path and status, for the tests that count what a visit downloads.
 */
export async function startServer(dir = dist) {
  const served = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    if (!url.pathname.startsWith(PREFIX)) { res.writeHead(404); res.end(); return; }
    let file = path.join(dir, decodeURIComponent(url.pathname.slice(PREFIX.length)));
    if (!file.startsWith(dir)) { res.writeHead(403); res.end(); return; }
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
    if (!fs.existsSync(file)) { res.writeHead(404); res.end(); return; }
    const stat = fs.statSync(file);
    const etag = `"${stat.size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}"`;
    const relative = path.relative(dir, file);
    if (req.headers['if-none-match'] === etag) {
      served.push({ path: relative, status: 304 });
      res.writeHead(304, { etag }); res.end(); return;
    }
    served.push({ path: relative, status: 200 });
    res.writeHead(200, {
      'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
      etag, 'last-modified': stat.mtime.toUTCString(),
    });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return { server, served, url: `http://127.0.0.1:${port}${PREFIX}` };
}

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

/**
 * A page whose every request is checked: anything not to 127.0.0.1 (or a
 * blob:/data: URL made by the page itself) is blocked and recorded in `offsite`.
 * Each call is a fresh browser profile: nothing kept from another test.
 */
export async function openApp(browser, url, { width = 1280, height = 900, init = null } = {}) {
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width, height } });
  // Runs in every page before its own scripts (to take an API away, say).
  if (init) await context.addInitScript(init);
  const offsite = [];
  await context.route('**/*', (route) => {
    const u = new URL(route.request().url());
    if (u.protocol === 'blob:' || u.protocol === 'data:' || u.hostname === '127.0.0.1') return route.continue();
    offsite.push(u.href);
    return route.abort();
  });
  const page = await context.newPage();
  const consoleErrors = [];
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  await page.goto(url);
  return { context, page, offsite, consoleErrors };
}

export async function screenshot(page, name) {
  fs.mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });
}

export const byId = (page, id) => page.locator(`[data-testid="${id}"]`);

export const TIMEOUT = { timeout: 60_000 };

/** Reads the confusion matrix from the page as numbers (its cells show counts by default). */
export async function confusionMatrix(page, n) {
  const m = [];
  for (let i = 0; i < n; i++) {
    const row = [];
    for (let j = 0; j < n; j++) row.push(await cellCount(page, `cm-cell-${i}-${j}`));
    m.push(row);
  }
  return m;
}

export async function train(page) {
  await byId(page, 'train-button').click();
  await byId(page, 'metric-accuracy').waitFor(TIMEOUT);
  // The metrics show when the fit is done; the importance and explanations follow.
  await page.waitForFunction(() => !document.querySelector('[data-testid="progress"]'), null, { timeout: 180_000 });
  const accuracy = (await byId(page, 'metric-accuracy').textContent()).trim();
  const auc = (await byId(page, 'metric-roc-auc').textContent()).trim();
  assert.match(accuracy, /^[01]\.\d{4}$/, 'accuracy is a plain decimal');
  assert.match(auc, /^[01]\.\d{4}$/, 'ROC AUC is a plain decimal');
  return { accuracy: Number(accuracy), auc: Number(auc) };
}

/** A confusion-matrix cell's count (a correct cell carries a tick before it). */
export async function cellCount(page, id) {
  return Number((await byId(page, id).textContent()).replace('✓', '').trim());
}

export async function assertStayedLocal(offsite, consoleErrors, page) {
  if (page) assert.match(await byId(page, 'privacy').textContent(), /no request has left this site/);
  assert.deepEqual(offsite, [], 'requests left 127.0.0.1');
  assert.deepEqual(consoleErrors, [], 'the page threw');
}

/** Runs axe-core on the page as it is; returns the serious and critical violations, described. */
export async function seriousViolations(page, step) {
  const { AxeBuilder } = await import('@axe-core/playwright');
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${step}: ${v.id} (${v.impact}): ${v.help}; ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
}

/** Runs `glassbox monitor MODEL --log LOG … --out DIR` on a log that must alert (exit 3) and returns its monitor.json. */
export function monitorAlerting(modelPath, logPath, current, outDir) {
  try {
    execFileSync('cargo', ['run', '-q', '--bin', 'glassbox', '--', 'monitor', modelPath, '--log', logPath, '--time-column', 'time',
      '--label-column', 'label', '--current', current, '--out', outDir], { cwd: root, stdio: ['ignore', 'ignore', 'ignore'] });
    assert.fail('monitor should exit 3 on an alert');
  } catch (e) {
    assert.equal(e.status, 3);
  }
  return JSON.parse(fs.readFileSync(path.join(outDir, 'monitor.json'), 'utf8'));
}
