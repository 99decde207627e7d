// examples/browser in headless Chromium (Debian's, driven by playwright-core): the page draws an
// image, sends its pixels to Python (numpy) and to the Rust plugin imageops through `promethean
// serve`, and draws what comes back; the canvases' pixels are checked by formula. A page of another
// origin (here an opaque one, Origin: null) cannot open the WebSocket even with the token.
import test from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';

import { SOURCE, require, startServer } from './serve_helper.mjs';

const { chromium } = require('playwright-core');
const example = path.join(SOURCE, 'examples/browser');
const server = await startServer(['--static', example, path.join(example, 'pixels.py')]);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless=new'] });
test.after(async () => {
  await browser.close();
  assert.equal(await server.stop(), 0);
});

/** The canvas's RGBA bytes, read in the page. */
async function pixels(page, id) {
  return page.evaluate((canvasId) => {
    const c = document.getElementById(canvasId);
    return Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data);
  }, id);
}

test('the page sends its canvas to Python and Rust and draws their results', async () => {
  const page = await browser.newPage();
  const logs = [];
  page.on('console', (m) => logs.push(m.text()));
  page.on('pageerror', (e) => logs.push(String(e)));
  await page.goto(`${server.origin}/?token=${server.token}`);
  await page.waitForFunction(() => window.promethean_example && window.promethean_example.done, null, { timeout: 60000 });
  const outcome = await page.evaluate(() => window.promethean_example);
  assert.equal(outcome.error, undefined, `the page failed: ${outcome.error}; console: ${logs.join('\n')}`);
  assert.deepEqual(outcome.invertedShape, [48, 64, 4]);
  assert.deepEqual(outcome.grayShape, [48, 64]);
  const source = await pixels(page, 'source');
  const python = await pixels(page, 'python');
  const rust = await pixels(page, 'rust');
  assert.equal(source.length, 48 * 64 * 4);
  let distinct = new Set();
  for (let i = 0; i < source.length; i += 4) {
    const [r, g, b, a] = source.slice(i, i + 4);
    distinct.add(`${r},${g},${b}`);
    assert.equal(a, 255);
    assert.deepEqual(python.slice(i, i + 4), [255 - r, 255 - g, 255 - b, 255], `Python's pixel ${i / 4}`);
    const luma = Math.floor((r * 299 + g * 587 + b * 114 + 500) / 1000);
    assert.deepEqual(rust.slice(i, i + 4), [luma, luma, luma, 255], `Rust's pixel ${i / 4}`);
  }
  assert.ok(distinct.size > 100, 'the drawn image is not flat');
  const means = outcome.means;
  const expected = [0, 1, 2].map((c) => source.filter((_, i) => i % 4 === c).reduce((x, y) => x + y, 0) / (48 * 64));
  means.forEach((m, c) => assert.ok(Math.abs(m - expected[c]) < 1e-6, `mean of channel ${c}`));
  await page.screenshot({ path: path.join(process.env.PROMETHEAN_TEST_OUT ?? '.', 'serve_browser_example.png') });
  await page.close();
});

test('a page of another origin cannot open the WebSocket, even with the token', async () => {
  const page = await browser.newPage();
  await page.goto('about:blank');
  const outcome = await page.evaluate((url) => new Promise((resolve) => {
    const ws = new WebSocket(url);
    ws.onopen = () => resolve('open');
    ws.onclose = (e) => resolve(`closed ${e.code}`);
  }), server.url);
  assert.equal(outcome, 'closed 1006');  // the browser reports a refused upgrade this way
  await page.close();
});
