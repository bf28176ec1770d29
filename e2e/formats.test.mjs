// End-to-end: a workbook, a Parquet file and a JSON Lines file dropped on the app read,
// train and export as their CSV twin does, and as the CLI reads them.
// Every test also asserts that no request left 127.0.0.1.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { startServer, launch, openApp, screenshot, byId, root, TIMEOUT, train, assertStayedLocal } from './helpers.mjs';

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

const fixtures = path.join(root, 'crates', 'cli', 'tests', 'fixtures', 'formats');

/** Loads `file` in the app, waiting for its preview. */
async function load(page, file) {
  await byId(page, 'csv-input').setInputFiles(file);
  await page.waitForFunction(
    (name) => document.querySelector('.preview')?.textContent.startsWith(name), path.basename(file), TIMEOUT);
}

/** Trains logistic regression to sex on the file loaded, and exports model.json. */
async function trainSex(page) {
  await byId(page, 'target-select').selectOption('sex');
  await byId(page, 'model-select').selectOption('logistic_regression');
  const metrics = await train(page);
  const [download] = await Promise.all([page.waitForEvent('download'), byId(page, 'export-model').click()]);
  return { metrics, model: fs.readFileSync(await download.path()) };
}

/** model.json without the input's hash and name (each file has its own). */
function withoutHash(bytes) {
  const m = JSON.parse(bytes.toString('utf8'));
  m.provenance.input_sha256 = '';
  m.recipe.input = null;
  return JSON.stringify(m);
}

test('a workbook with a cover sheet and a JSON Lines file train as their CSV twin does, and another sheet can be read', async () => {
  const { page, offsite, consoleErrors, context } = await openApp(browser, url);
  // The readers of other formats live in a worker of their own, fetched
  // when a file needs them: reading and training on a CSV fetch none of it
  // (the page's own requests and its workers' are all seen here).
  const fetched = [];
  page.on('request', (r) => fetched.push(new URL(r.url()).pathname));
  const formatsFetched = () => fetched.some((p) => /formats_bg\.wasm$/.test(p));
  await load(page, path.join(root, 'public', 'samples', 'penguins.csv'));
  const csv = await trainSex(page);
  assert.ok(fetched.some((p) => /worker_bg\.wasm$/.test(p)), `the pipeline workers' wasm is seen: ${fetched}`);
  assert.ok(!formatsFetched(), `the formats worker loaded for a CSV: ${fetched}`);

  const xlsxFile = path.join(fixtures, 'penguins.xlsx');
  await load(page, xlsxFile);
  assert.ok(formatsFetched(), `the workbook was read by the formats worker: ${fetched}`);
  assert.match(await byId(page, 'format').textContent(), /Read as xlsx, sheet 'Penguins', as text: UTF-8/);
  const options = await byId(page, 'sheet-select').locator('option').allTextContents();
  assert.deepEqual(options, ['Cover (no table)', 'Penguins (344 rows)', 'Sample (5 rows)']);
  assert.equal(await byId(page, 'sheet-select').inputValue(), 'Penguins');
  assert.match(await byId(page, 'file-notes').textContent(), /sheet 'Penguins' read, the first with a table/);
  await screenshot(page, 'workbook-sheets');
  const xlsx = await trainSex(page);
  assert.deepEqual(xlsx.metrics, csv.metrics, 'the workbook trains to the CSV\'s accuracy and ROC AUC');
  assert.equal(withoutHash(xlsx.model), withoutHash(csv.model), 'the same model.json as the CSV\'s but for the input hash');
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'glassbox-xlsx-'));
  execFileSync('cargo', ['run', '-q', '--bin', 'glassbox', '--', 'train', xlsxFile, '--target', 'sex',
    '--model', 'logistic_regression', '--cv', '5', '--out', out], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  assert.ok(fs.readFileSync(path.join(out, 'model.json')).equals(xlsx.model),
    'the app\'s model.json from the workbook differs from the CLI\'s');

  // The workbook scored on the predict page: the schema check, then the
  // download glassbox predict writes for the same workbook.
  await byId(page, 'predict-csv-input').setInputFiles(xlsxFile);
  await byId(page, 'schema-check').waitFor(TIMEOUT);
  assert.match(await byId(page, 'schema-matched-island').textContent(), /found by name/);
  await byId(page, 'predict-button').click();
  await byId(page, 'predictions-table').waitFor(TIMEOUT);
  const [scored] = await Promise.all([page.waitForEvent('download'), byId(page, 'download-predictions').click()]);
  const cliCsv = path.join(out, 'cli.csv');
  execFileSync('cargo', ['run', '-q', '--bin', 'glassbox', '--', 'predict', path.join(out, 'model.json'), xlsxFile, '--out', cliCsv],
    { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  assert.ok(fs.readFileSync(cliCsv).equals(fs.readFileSync(await scored.path())),
    'the app\'s predictions for the workbook differ from glassbox predict\'s');

  // Another sheet, picked in the select, is read as a file of its own.
  await byId(page, 'sheet-select').selectOption('Sample');
  await page.waitForFunction(
    () => document.querySelector('[data-testid="format"]')?.textContent.includes("sheet 'Sample'"), null, TIMEOUT);
  assert.match(await byId(page, 'file-notes').textContent(), /sheet 'Sample' read, as chosen/);
  assert.equal(await byId(page, 'sheet-select').inputValue(), 'Sample');

  await load(page, path.join(fixtures, 'penguins.jsonl'));
  assert.match(await byId(page, 'format').textContent(), /Read as JSON Lines, as text/);
  assert.equal(await byId(page, 'sheet-select').count(), 0, 'no sheet select for a file without sheets');
  const jsonl = await trainSex(page);
  assert.equal(withoutHash(jsonl.model), withoutHash(csv.model), 'JSON Lines trains the CSV\'s model');

  // A file the worker refuses says why, in words.
  await byId(page, 'csv-input').setInputFiles(path.join(root, 'crates', 'cli', 'tests', 'corpus', 'formats', 'not-object.jsonl'));
  await page.getByText('line 3: an array is not a JSON object').waitFor(TIMEOUT);
  await assertStayedLocal(offsite, consoleErrors, page);
  await context.close();
});

test('a Parquet file trains as its CSV twin does, scores on the predict page, and its predictions download as the CLI writes Parquet', async () => {
  const { page, offsite, consoleErrors, context } = await openApp(browser, url);
  await load(page, path.join(root, 'public', 'samples', 'penguins.csv'));
  const csv = await trainSex(page);

  // Four row groups, the text columns dictionaries (pandas categories).
  const parquetFile = path.join(fixtures, 'penguins.parquet');
  await load(page, parquetFile);
  assert.match(await byId(page, 'format').textContent(), /Read as Parquet \(snappy\), as text/);
  const parquet = await trainSex(page);
  assert.deepEqual(parquet.metrics, csv.metrics, 'Parquet trains to the CSV\'s accuracy and ROC AUC');
  assert.equal(withoutHash(parquet.model), withoutHash(csv.model), 'the same model.json as the CSV\'s but for the input hash');
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'glassbox-parquet-'));
  const cli = (...args) => execFileSync('cargo', ['run', '-q', '--bin', 'glassbox', '--', ...args],
    { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  cli('train', parquetFile, '--target', 'sex', '--model', 'logistic_regression', '--cv', '5', '--out', out);
  assert.ok(fs.readFileSync(path.join(out, 'model.json')).equals(parquet.model),
    'the app\'s model.json from Parquet differs from the CLI\'s');

  // Scored on the predict page, downloaded as CSV and as Parquet: the bytes glassbox predict writes.
  await byId(page, 'predict-csv-input').setInputFiles(parquetFile);
  await byId(page, 'schema-check').waitFor(TIMEOUT);
  await byId(page, 'predict-button').click();
  await byId(page, 'predictions-table').waitFor(TIMEOUT);
  const [scored] = await Promise.all([page.waitForEvent('download'), byId(page, 'download-predictions').click()]);
  const [typed] = await Promise.all([page.waitForEvent('download'), byId(page, 'download-predictions-parquet').click()]);
  assert.equal(typed.suggestedFilename(), 'predictions.parquet');
  const model = path.join(out, 'model.json');
  cli('predict', model, parquetFile, '--out', path.join(out, 'cli.csv'));
  cli('predict', model, parquetFile, '--out', path.join(out, 'cli.parquet'));
  assert.ok(fs.readFileSync(path.join(out, 'cli.csv')).equals(fs.readFileSync(await scored.path())),
    'the app\'s predictions for Parquet differ from glassbox predict\'s');
  assert.ok(fs.readFileSync(path.join(out, 'cli.parquet')).equals(fs.readFileSync(await typed.path())),
    'the app\'s Parquet download differs from glassbox predict --out P.parquet');
  await screenshot(page, 'parquet-predictions');

  // zstd is C code the browser build has no compiler for: refused in words, the CLI named.
  await byId(page, 'csv-input').setInputFiles(path.join(fixtures, 'penguins_zstd.parquet'));
  await page.getByText('compressed with zstd, which the browser cannot decompress (the glassbox CLI reads it)').waitFor(TIMEOUT);
  await assertStayedLocal(offsite, consoleErrors, page);
  await context.close();
});
