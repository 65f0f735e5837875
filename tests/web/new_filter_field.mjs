// The search box shows a facet the service's schema gained without an edit of its own
// (tests/blackbox/new_filter_field_check.py runs this against a build with a `series` field):
// its heading, its values, a value selected narrowing the results and kept in the URL.
// Usage: node new_filter_field.mjs http://127.0.0.1:PORT
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const base = process.argv[2];
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
});
try {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${base}/search?q=borrow`);
  const series = page.locator('.ps-facets fieldset', { has: page.locator('legend', { hasText: /^Series$/ }) });
  await series.waitFor({ timeout: 10000 });
  assert.deepEqual(await series.locator('input').evaluateAll((xs) => xs.map((x) => x.value).sort()),
    ['Kitchen notes', 'Mountain life', 'Rust in anger']);
  await series.locator('input[value="Kitchen notes"]').check();
  await page.waitForFunction(() => location.search.includes('series=Kitchen+notes'));
  await page.waitForFunction(() => document.querySelectorAll('.ps-hit').length === 1);
  assert.equal(await page.locator('.ps-hit .ps-title').textContent(), 'Bread at altitude');
  // A link to the selection opens it again.
  await page.reload();
  await page.waitForFunction(() => document.querySelectorAll('.ps-hit').length === 1);
  assert.equal(await page.locator('.ps-facets input[value="Kitchen notes"]').isChecked(), true);
  assert.deepEqual(errors, []);
  console.log('the box shows and selects the series facet');
} finally {
  await browser.close();
}
