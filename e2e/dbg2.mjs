import { startServer, launch, dist } from './helpers.mjs';
const { server, url } = await startServer(dist);
const browser = await launch();
const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
const page = await context.newPage();
await page.goto(url);
await page.locator('[data-testid="sample-penguins"]').click();
await page.waitForFunction(() => document.querySelector('.preview')?.textContent.startsWith('penguins.csv'));
console.log('after load', await page.evaluate(() => document.documentElement.scrollWidth));
await page.locator('[data-testid="train-button"]').click();
await page.locator('[data-testid="metric-accuracy"]').waitFor();
console.log('after train', await page.evaluate(() => document.documentElement.scrollWidth));
const wide = await page.evaluate(() => {
  const out = [];
  const scrolls = (el) => { for (let p = el.parentElement; p; p = p.parentElement) { const s = getComputedStyle(p).overflowX; if (s === 'auto' || s === 'scroll' || s === 'hidden') return true; } return false; };
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.right > 361 && !scrolls(el)) out.push(`${el.tagName}.${el.className?.baseVal ?? el.className} [${el.dataset?.testid ?? ''}] right=${Math.round(r.right)} w=${Math.round(r.width)}`);
  }
  return out.slice(0, 40);
});
console.log(wide.join('\n'));
await browser.close(); server.close();
