// End-to-end: what a first visit downloads, against the size budgets that
// BENCHMARKS.md ("What a visit downloads") states. Sizes are gzip -9 of the
// files served, what a host that compresses sends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { startServer, launch, byId, dist, TIMEOUT } from './helpers.mjs';

const gzipped = (file) => zlib.gzipSync(fs.readFileSync(path.join(dist, file)), { level: 9 }).length;

// Budgets in bytes of gzip -9, a few per cent above the sizes of
// 2026-12-08 (recipes added 75 KB to the page, 16 KB to the worker and
// 100 KB to the formats worker, which reads a dropped recipe): they catch a
// dependency that lands in the wrong binary. The issue's goal for a first
// visit is 1,000,000; the app's own wasm is 1.96 MB.
const FIRST_VISIT = 3_150_000;
const WASM = { 'glassbox-app': 2_010_000, worker: 1_070_000, formats: 1_760_000, pdf: 1_960_000 };

test('size: a first visit downloads each file once, never the formats or PDF worker, and every file is within its budget', async () => {
  const { server, served, url } = await startServer();
  const browser = await launch();
  // Closed whatever the outcome: an open browser kept a failed run waiting.
  try {
    await firstVisit(browser, served, url);
  } finally {
    await browser.close();
    server.close();
  }
});

async function firstVisit(browser, served, url) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(url);
  await byId(page, 'csv-input').waitFor({ state: 'attached', ...TIMEOUT });
  // The service worker has installed (its cache filled) once it is ready.
  await page.evaluate(() => navigator.serviceWorker.ready);
  // Then until nothing more is fetched for 2 s (the pool's workers start).
  for (let seen = -1; seen !== served.length; ) {
    seen = served.length;
    await page.waitForTimeout(2_000);
  }
  const downloaded = served.filter((s) => s.status === 200).map((s) => s.path);
  // Two workers starting together both fetch their 84-byte loader before
  // either is cached; nothing larger may come twice (the service worker
  // revalidates what the page has fetched instead of reloading it).
  const twice = downloaded.filter((p, i) => downloaded.indexOf(p) !== i && fs.statSync(path.join(dist, p)).size > 10_000);
  assert.deepEqual(twice, [], 'a file was downloaded twice');
  const onDemand = downloaded.filter((p) => /^(formats|pdf)/.test(p));
  assert.deepEqual(onDemand, [], 'the first visit fetched a worker it does not need');
  assert.ok(downloaded.some((p) => /^glassbox-app-.*_bg\.wasm$/.test(p)) && downloaded.includes('worker_bg.wasm'));
  const rows = downloaded.map((p) => [p, gzipped(p)]).sort((a, b) => b[1] - a[1]);
  const total = rows.reduce((sum, [, n]) => sum + n, 0);
  console.log(`first visit: ${total} bytes gzip -9 in ${rows.length} files\n${rows.map(([p, n]) => `  ${String(n).padStart(9)}  ${p}`).join('\n')}`);
  assert.ok(total <= FIRST_VISIT, `a first visit downloads ${total} bytes gzip -9, over the budget of ${FIRST_VISIT}`);
  for (const file of fs.readdirSync(dist).filter((f) => f.endsWith('_bg.wasm'))) {
    const name = file.replace(/(-[0-9a-f]{8,16})?_bg\.wasm$/, '');
    assert.ok(name in WASM, `${file} has no size budget`);
    assert.ok(gzipped(file) <= WASM[name], `${file} is ${gzipped(file)} bytes gzip -9, over its budget of ${WASM[name]}`);
  }
  // A worker fetched when needed is then kept, for the next time and offline.
  await page.waitForFunction(() => !!navigator.serviceWorker.controller, null, TIMEOUT);
  const kept = await page.evaluate(async () => {
    await fetch('pdf_loader.js');
    const cache = await caches.open((await caches.keys()).find((k) => k.startsWith('glassbox-')));
    return { pdf: !!(await cache.match('pdf_loader.js')), formats: !!(await cache.match('formats_loader.js')) };
  });
  assert.deepEqual(kept, { pdf: true, formats: false }, 'a worker fetched on demand is cached then, and only then');
  await context.close();
}
