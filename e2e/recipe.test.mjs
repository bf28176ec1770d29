// End-to-end: a recipe the app and the CLI share (issue 33). A run made in
// the app exports recipe.json; `glassbox train --recipe` makes the app's
// model.json and metrics.json from it, byte for byte, for a classifier with
// a search and for a regressor; a recipe dropped on the page applies to the
// open file (with a notice when the file is not the recipe's); the report
// carries the same recipe. No request leaves 127.0.0.1.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import {
  startServer, launch, openApp, screenshot, byId, root, artifacts, TIMEOUT, train, assertStayedLocal,
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

async function loadSample(page, id, target) {
  await byId(page, `sample-${id}`).click();
  await page.waitForFunction((file) => document.querySelector('.preview')?.textContent.startsWith(file), `${id}.csv`, TIMEOUT);
  await byId(page, 'target-select').selectOption(target);
}

/** Clicks an export button and saves the download under `name` in a fresh folder; returns its path. */
async function save(page, id, dir, name) {
  const [download] = await Promise.all([page.waitForEvent('download'), byId(page, id).click()]);
  assert.equal(download.suggestedFilename(), name);
  const file = path.join(dir, name);
  await download.saveAs(file);
  return file;
}

/** `glassbox train DATA --recipe RECIPE`, into a fresh folder. */
function cliTrain(data, recipe) {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'glassbox-recipe-'));
  execFileSync('cargo', ['run', '-q', '--bin', 'glassbox', '--', 'train', data, '--recipe', recipe, '--out', out],
    { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  return out;
}

function sameBytes(a, b, what) {
  assert.ok(fs.readFileSync(a).equals(fs.readFileSync(b)), `${what}: ${a} differs from ${b}`);
}

test('a classifier with a search: the CLI makes the app\'s model.json and metrics.json from the app\'s recipe', async () => {
  const { page, offsite, consoleErrors, context } = await openApp(browser, url);
  await loadSample(page, 'penguins', 'species');
  await byId(page, 'model-select').selectOption('random_forest');
  await byId(page, 'search-sampler').selectOption('random');
  await byId(page, 'cv-folds').selectOption('5');
  await train(page);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'glassbox-app-'));
  const recipe = await save(page, 'export-recipe', dir, 'recipe.json');
  const model = await save(page, 'export-model', dir, 'model.json');
  const metrics = await save(page, 'export-metrics', dir, 'metrics.json');
  const r = JSON.parse(fs.readFileSync(recipe, 'utf8'));
  assert.equal(r.glassbox_recipe, 1);
  assert.equal(r.input.name, 'penguins.csv');
  assert.deepEqual(r.run.search.samplers, ['random']);
  assert.equal(r.run.validation.cv, 5);
  assert.equal(r.run.model.model, 'random_forest');
  const out = cliTrain('public/samples/penguins.csv', recipe);
  sameBytes(path.join(out, 'recipe.json'), recipe, 'recipe.json');
  sameBytes(path.join(out, 'model.json'), model, 'model.json');
  sameBytes(path.join(out, 'metrics.json'), metrics, 'metrics.json');
  // The report's manifest links the same recipe.
  const report = fs.readFileSync(await save(page, 'export-report', dir, 'report.html'), 'utf8');
  const href = report.match(/data-testid="report-recipe" href="data:application\/json;charset=utf-8,([^"]*)"/);
  assert.ok(href, 'the report links its recipe');
  assert.equal(decodeURIComponent(href[1]), fs.readFileSync(recipe, 'utf8'));
  fs.mkdirSync(artifacts, { recursive: true });
  fs.copyFileSync(recipe, path.join(artifacts, 'penguins_recipe.json'));
  await byId(page, 'export-recipe').scrollIntoViewIfNeeded();
  await screenshot(page, 'recipe-export');
  await assertStayedLocal(offsite, consoleErrors, page);
  await context.close();
});

test('a regressor: the CLI makes the app\'s model.json and metrics.json from the app\'s recipe', async () => {
  const { page, offsite, consoleErrors, context } = await openApp(browser, url);
  await loadSample(page, 'concrete', 'compressive_strength');
  await page.waitForFunction(() => document.querySelector('[data-testid="model-select"]')?.value === 'ridge', null, TIMEOUT);
  await byId(page, 'model-select').selectOption('gradient_boosting');
  await byId(page, 'train-button').click();
  await byId(page, 'metric-r2').waitFor(TIMEOUT);
  await page.waitForFunction(() => !document.querySelector('[data-testid="progress"]'), null, { timeout: 180_000 });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'glassbox-app-'));
  const recipe = await save(page, 'export-recipe', dir, 'recipe.json');
  const model = await save(page, 'export-model', dir, 'model.json');
  const metrics = await save(page, 'export-metrics', dir, 'metrics.json');
  const r = JSON.parse(fs.readFileSync(recipe, 'utf8'));
  assert.equal(r.run.data.target, 'compressive_strength');
  assert.equal(r.run.target_transform, undefined, 'auto, as the person left it, not the scale auto chose');
  const out = cliTrain('public/samples/concrete.csv', recipe);
  sameBytes(path.join(out, 'model.json'), model, 'model.json');
  sameBytes(path.join(out, 'metrics.json'), metrics, 'metrics.json');
  await assertStayedLocal(offsite, consoleErrors, page);
  await context.close();
});

test('a recipe dropped on the page applies to the open file, with a notice when the file is not the recipe\'s', async () => {
  const { page, offsite, consoleErrors, context } = await openApp(browser, url);
  // A recipe the CLI made: another model, parameters the app has no control for, a seed and a test size.
  const made = fs.mkdtempSync(path.join(os.tmpdir(), 'glassbox-cli-'));
  execFileSync('cargo', ['run', '-q', '--bin', 'glassbox', '--', 'train', 'public/samples/penguins.csv', '--target', 'sex',
    '--model', 'extra_trees', '--param', 'n_trees=40', '--param', 'max_depth=6', '--seed', '7', '--test-size', '0.3',
    '--drop', 'year', '--out', made], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  // Before any file: the page says to open the data first.
  await byId(page, 'csv-input').setInputFiles(path.join(made, 'recipe.json'));
  await page.waitForFunction(() => /open the data first/.test(document.querySelector('[data-testid="status"]')?.textContent ?? ''), null, TIMEOUT);
  await loadSample(page, 'penguins', 'species');
  await byId(page, 'csv-input').setInputFiles(path.join(made, 'recipe.json'));
  await page.waitForFunction(() => /recipe/.test(document.querySelector('[data-testid="notice"]')?.textContent ?? ''), null, TIMEOUT);
  assert.doesNotMatch(await byId(page, 'notice').textContent(), /differs/, 'the same file: no retraining notice');
  assert.equal(await byId(page, 'target-select').inputValue(), 'sex');
  assert.equal(await byId(page, 'model-select').inputValue(), 'extra_trees');
  await screenshot(page, 'recipe-applied');
  await train(page);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'glassbox-app-'));
  const model = await save(page, 'export-model', dir, 'model.json');
  sameBytes(path.join(made, 'model.json'), model, 'model.json of the dropped recipe');
  // A recipe made from other data applies too, and says so.
  const other = JSON.parse(fs.readFileSync(path.join(made, 'recipe.json'), 'utf8'));
  other.input.sha256 = '0'.repeat(64);
  const otherPath = path.join(dir, 'other-recipe.json');
  fs.writeFileSync(otherPath, JSON.stringify(other));
  await byId(page, 'csv-input').setInputFiles(otherPath);
  await page.waitForFunction(() => /differs/.test(document.querySelector('[data-testid="notice"]')?.textContent ?? ''), null, TIMEOUT);
  // A bad recipe is refused with its key named, and nothing changes.
  other.run.data.test_sise = 0.3;
  fs.writeFileSync(otherPath, JSON.stringify(other));
  await byId(page, 'csv-input').setInputFiles(otherPath);
  await page.waitForFunction(() => /test_sise/.test(document.querySelector('[data-testid="error"]')?.textContent ?? ''), null, TIMEOUT);
  assert.equal(await byId(page, 'target-select').inputValue(), 'sex');
  await assertStayedLocal(offsite, consoleErrors, page);
  await context.close();
});
