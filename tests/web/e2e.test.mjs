// End-to-end tests of the search box: playwright-core drives Debian's chromium against the
// real `query serve` over examples/site. Screenshots go to $POSTSEARCH_TEST_OUTPUT.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const source = process.env.POSTSEARCH_SOURCE || path.join(here, '..', '..');
const bin = process.env.POSTSEARCH_BIN || path.join(source, 'build');
const output = process.env.POSTSEARCH_TEST_OUTPUT || path.join(source, 'test-output');
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
const axeSource = readFileSync(path.join(here, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');

let tmp, service, base, browser, crossServer, crossBase, multiService, multiBase;

// A host page of a multilingual blog in `lang` that embeds the box (`mode`: page or box).
function hostPage(lang, mode) {
  return `<!doctype html><html lang="${lang}"><head><title>Blog</title>
    <link rel="stylesheet" href="${multiBase}/assets/postsearch.css"></head>
    <body><main><h1>A blog</h1><div id="search"></div></main>
    <script src="${multiBase}/assets/postsearch.js" data-endpoint="${multiBase}" data-mount="#search"
      data-mode="${mode}"></script></body></html>`;
}

function startService(index, extra) {
  return new Promise((resolve, reject) => {
    const proc = spawn(path.join(bin, 'query', 'query'),
      ['serve', '--index', index, '--listen', '127.0.0.1:0', '--rate-limit', '0', '-q', ...extra]);
    proc.stdout.on('data', (d) => {
      const m = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(String(d));
      if (m) resolve({ proc, url: `http://127.0.0.1:${m[1]}` });
    });
    proc.on('exit', (code) => reject(new Error(`query serve exited ${code}`)));
  });
}

before(async () => {
  tmp = mkdtempSync(path.join(tmpdir(), 'postsearch-e2e-'));
  mkdirSync(output, { recursive: true });
  const index = path.join(tmp, 'index');
  execFileSync(path.join(bin, 'indexer', 'indexer'), [path.join(source, 'examples', 'site'), '--index', index, '-q']);
  // A page on another origin that embeds the box, as a site owner would.
  crossServer = createServer((req, res) => {
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    const host = /^\/(de|pt-BR)\/(page|box)/.exec(req.url);
    if (host) { res.end(hostPage(host[1], host[2])); return; }
    const analytics = req.url.startsWith('/off') ? ' data-analytics="off"' : '';
    res.end(`<!doctype html><html lang="en"><head><title>Blog</title>
      <link rel="stylesheet" href="${base}/assets/postsearch.css"></head>
      <body><main><h1>A blog</h1><div id="search"></div></main>
      <script src="${base}/assets/postsearch.js" data-endpoint="${base}" data-mount="#search"${analytics}></script></body></html>`);
  });
  await new Promise((r) => crossServer.listen(0, '127.0.0.1', r));
  crossBase = `http://127.0.0.1:${crossServer.address().port}`;
  ({ proc: service, url: base } = await startService(index, ['--cors-origin', crossBase]));
  const multiIndex = path.join(tmp, 'multi');
  execFileSync(path.join(bin, 'indexer', 'indexer'),
    [path.join(source, 'tests', 'fixtures', 'jekyll-multilingual'), '--index', multiIndex, '-q']);
  ({ proc: multiService, url: multiBase } = await startService(multiIndex, ['--cors-origin', crossBase]));
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  if (browser) await browser.close();
  if (service) service.kill('SIGTERM');
  if (multiService) multiService.kill('SIGTERM');
  if (crossServer) crossServer.close();
  rmSync(tmp, { recursive: true, force: true });
});

// Pages run without the service's Content-Security-Policy: Playwright's polling needs eval,
// and the HTML tests are stronger without it (the box must be inert on its own).
async function newPage(viewport = { width: 1280, height: 900 }) {
  const page = await browser.newPage({ viewport, bypassCSP: true });
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('dialog', (d) => { errors.push(`dialog: ${d.message()}`); d.dismiss(); });
  return { page, errors };
}

// Waits until the results on screen are the answer to `q` (no request in flight).
async function settled(page, q) {
  await page.waitForFunction((query) => {
    const list = document.querySelector('.ps-results');
    return list && !list.hasAttribute('aria-busy') && list.querySelector('.ps-hit') &&
      (query === undefined || new URLSearchParams(location.search).get('q') === query);
  }, q);
}

async function typeQuery(page, text) {
  await page.locator('#ps-q').fill(text);
  await settled(page, text);
}

test('typing shows highlighted results with deep links, and the URL follows', async () => {
  const { page, errors } = await newPage();
  await page.goto(`${base}/`);
  await typeQuery(page, 'cold water');
  const first = page.locator('.ps-hit').first();
  assert.match(await first.locator('.ps-title').textContent(), /Wild swimming safety/);
  assert.equal(await first.locator('mark').count() > 0, true);
  assert.match(await first.locator('.ps-sections a').first().getAttribute('href'), /#cold-water-shock(:~:|$)/);
  await page.waitForFunction(() => location.search.includes('q=cold+water'));
  assert.match(await page.locator('.ps-status').textContent(), /result/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('keyboard: / focuses, arrows move through results, Enter opens, Escape clears', async () => {
  const { page, errors } = await newPage();
  await page.goto(`${base}/`);
  await page.evaluate(() => document.activeElement && document.activeElement.blur());
  await page.keyboard.press('/');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'ps-q');
  await page.keyboard.type('bread OR mountains', { delay: 20 });
  await settled(page, 'bread OR mountains');
  assert.ok(await page.locator('.ps-title').count() > 1);
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.evaluate(() => [...document.querySelectorAll('.ps-title')].indexOf(document.activeElement)), 1);
  await page.keyboard.press('ArrowUp');
  const focused = () => page.evaluate(() => [...document.querySelectorAll('.ps-title')].indexOf(document.activeElement));
  assert.equal(await focused(), 0);
  const url = new URL(await page.locator('.ps-title').first().getAttribute('href'), base).pathname;
  await page.keyboard.press('ArrowUp');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'ps-q');
  await page.keyboard.press('ArrowDown');
  await Promise.all([page.waitForURL((u) => u.pathname === url), page.keyboard.press('Enter')]);
  await page.goBack();
  await page.locator('#ps-q').focus();
  await page.keyboard.press('Escape');
  assert.equal(await page.locator('#ps-q').inputValue(), '');
  await page.keyboard.press('Control+k');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'ps-q');
  assert.deepEqual(errors.filter((e) => !e.includes('404')), []);
  await page.close();
});

test('facets narrow the results and their counts, and the state survives reload and back', async () => {
  const { page, errors } = await newPage();
  await page.goto(`${base}/`);
  await typeQuery(page, 'bread OR cooking OR mountains');
  const before = await page.locator('.ps-hit').count();
  const authorCounts = async () => (await page.locator('.ps-facets fieldset').nth(1).locator('.ps-facet').allTextContents()).join('|');
  const countsBefore = await authorCounts();
  const box = page.locator('.ps-facets input[value="cooking"]');
  await box.check();
  await page.waitForFunction(() => location.search.includes('tag=cooking'));
  await page.waitForFunction((n) => document.querySelectorAll('.ps-hit').length < n, before);
  await settled(page);
  for (const tags of await page.locator('.ps-hit .ps-meta').allTextContents()) assert.match(tags, /cooking/);
  // The other fields' counts follow the selection; the tag list keeps its own counts.
  assert.notEqual(await authorCounts(), countsBefore);
  assert.equal(await page.locator('.ps-facets input[value="cooking"]').isChecked(), true);
  await page.reload();
  await settled(page);
  assert.equal(await page.locator('.ps-facets input[value="cooking"]').isChecked(), true);
  assert.equal(await page.locator('#ps-q').inputValue(), 'bread OR cooking OR mountains');
  await page.goBack();
  await page.waitForFunction(() => !location.search.includes('tag=cooking'));
  await page.waitForFunction((n) => document.querySelectorAll('.ps-hit').length === n, before);
  assert.deepEqual(errors, []);
  await page.close();
});

test('HTML in titles and queries stays inert text', async () => {
  const { page, errors } = await newPage();
  await page.goto(`${base}/`);
  await typeQuery(page, 'escaping hazards');
  const title = await page.locator('.ps-hit .ps-title').first().textContent();
  assert.equal(title, 'Escaping <b>HTML</b> & other <script>alert(1)</script> hazards');
  assert.equal(await page.locator('.ps-hit .ps-title b').count(), 0);
  assert.equal(await page.locator('.ps-hit script').count(), 0);
  await page.locator('#ps-q').fill('<script>alert(1)</script><img src=x onerror=alert(2)>');
  await page.waitForTimeout(600);
  await page.goto(`${base}/search?q=${encodeURIComponent('<script>alert(3)</script>')}`);
  await page.waitForTimeout(600);
  assert.deepEqual(errors.filter((e) => e.startsWith('dialog')), []);
  await page.close();
});

test('no accessibility violations with results shown (axe-core)', async () => {
  const { page } = await newPage();
  await page.goto(`${base}/?q=bread`);
  await page.locator('.ps-hit').first().waitFor();
  await page.addScriptTag({ content: axeSource });
  const result = await page.evaluate(async () => window.axe.run(document));
  assert.deepEqual(result.violations.map((v) => `${v.id}: ${v.help}`), []);
  await page.close();
});

// A hit list as elements (tag, class, link target, hreflang, title) and text, in document
// order: what a reader sees and can follow, without the box's data attributes.
async function hitListShape(page, selector) {
  return page.evaluate((sel) => {
    const list = document.querySelector(sel).cloneNode(true);
    list.normalize();
    const out = [`<${list.tagName.toLowerCase()} class="${list.className}" aria-label="${list.getAttribute('aria-label')}">`];
    const walk = (node, depth) => {
      for (const c of node.childNodes) {
        if (c.nodeType === Node.TEXT_NODE) {
          if (c.data.trim()) out.push(`${depth} ${JSON.stringify(c.data)}`);
        } else if (c.nodeType === Node.ELEMENT_NODE) {
          const href = c.getAttribute('href');
          const target = href === null ? '' : (({ pathname, search, hash }) => pathname + search + hash)(new URL(href, location.href));
          out.push(`${depth} <${c.tagName.toLowerCase()} class="${c.className}" href="${target}" ` +
            `hreflang="${c.getAttribute('hreflang') || ''}" title="${c.getAttribute('title') || ''}">`);
          walk(c, depth + 1);
        }
      }
    };
    walk(list, 1);
    return out;
  }, selector);
}

test('the box renders each hit as the no-JavaScript page does (query/http/pages.h render_hit)', async () => {
  const seen = new Set();
  for (const [service, q] of [[base, 'cold water'], [base, 'sourdough'], [base, 'escaping hazards'], [base, 'bread OR mountains'],
    [multiBase, 'yjit']]) {
    const url = `${service}/search?q=${encodeURIComponent(q)}`;
    const noJs = await browser.newContext({ javaScriptEnabled: false });
    const plain = await noJs.newPage();
    await plain.goto(url);
    const server = await hitListShape(plain, '.ps-server-results .ps-results');
    await noJs.close();
    const { page, errors } = await newPage();
    await page.goto(url);
    await settled(page, q);
    const box = await hitListShape(page, '.ps-results');
    assert.deepEqual(box, server, q);
    assert.deepEqual(errors, []);
    await page.close();
    for (const cls of ['ps-title', 'ps-url', 'ps-tag', 'ps-snippet', 'ps-sections', 'ps-also', 'mark']) {
      if (server.some((line) => line.includes(`class="${cls}"`) || line.includes(`<${cls} `))) seen.add(cls);
    }
  }
  // Every part of a hit was compared in at least one search.
  assert.deepEqual([...seen].sort(), ['mark', 'ps-also', 'ps-sections', 'ps-snippet', 'ps-tag', 'ps-title', 'ps-url']);
});

test('a page on another origin searches through the service', async () => {
  const { page, errors } = await newPage();
  await page.goto(crossBase);
  await page.locator('.ps-input').type('trail', { delay: 20 });
  await page.locator('.ps-hit').first().waitFor();
  assert.equal(await page.locator('.ps-popup').isVisible(), true);
  assert.deepEqual(errors, []);
  await page.close();
});

// Opened results at rank 1 the service has counted (its loopback-only /api/stats).
async function opensAtRank1() {
  const body = await (await fetch(`${base}/api/stats?days=1`)).json();
  const one = body.opens_by_rank.find((o) => o.rank === 1);
  return one ? one.opens : 0;
}

// Opens the first result for "sourdough" on a host page; returns the beacons' bodies sent.
async function openFirstResult(url, init) {
  const { page, errors } = await newPage();
  if (init) await page.addInitScript(init);
  const beacons = [];
  page.on('request', (r) => { if (r.url().endsWith('/api/beacon')) beacons.push(r.postData()); });
  await page.goto(url);
  await page.locator('.ps-input').type('sourdough', { delay: 20 });
  // The hits of a shorter prefix typed on the way may show first (a slow service answers
  // "sou" after the last key): wait for the post the whole word finds at rank 1.
  await page.waitForFunction(() => {
    const first = document.querySelector('.ps-hit .ps-title');
    return first !== null && first.getAttribute('href').includes('sourdough');
  });
  await Promise.all([page.waitForURL((u) => u.pathname.includes('sourdough')), page.locator('.ps-hit .ps-snippet').first().click()]);
  await page.close();
  assert.deepEqual(errors, []);
  return beacons;
}

test('an opened result is counted by rank; data-analytics="off" and Do Not Track send nothing', async () => {
  const before = await opensAtRank1();
  const sent = await openFirstResult(crossBase);
  assert.equal(sent.length, 1);
  const body = new URLSearchParams(sent[0]);
  assert.deepEqual([...body.keys()].sort(), ['id', 'q', 'rank']);
  assert.equal(body.get('q'), 'sourdough');
  assert.equal(body.get('rank'), '1');
  assert.match(body.get('id'), /sourdough-for-programmers/);
  // The beacon may land after the navigation: ask until it is counted.
  let after = await opensAtRank1();
  for (let i = 0; i < 100 && after === before; i++) {
    await new Promise((r) => setTimeout(r, 50));
    after = await opensAtRank1();
  }
  assert.equal(after, before + 1);
  assert.deepEqual(await openFirstResult(`${crossBase}/off`), []);
  const dnt = () => Object.defineProperty(Navigator.prototype, 'doNotTrack', { get: () => '1' });
  assert.deepEqual(await openFirstResult(crossBase, dnt), []);
  const gpc = () => Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true });
  assert.deepEqual(await openFirstResult(crossBase, gpc), []);
  assert.equal(await opensAtRank1(), before + 1);
});

test('a refused origin: the console names the service and the page origin', async () => {
  const { page, errors } = await newPage();
  // localhost is not 127.0.0.1 to CORS: the service refuses this page's origin.
  const refused = crossBase.replace('127.0.0.1', 'localhost');
  await page.goto(refused);
  await page.locator('.ps-input').type('trail', { delay: 20 });
  await page.locator('.ps-error').waitFor();
  const named = `the service at ${base} refused this page's origin ${refused}`;
  assert.ok(errors.some((e) => e.includes(named)), errors.join('\n'));
  await page.close();
});

test('screenshots at desktop and phone widths', async () => {
  for (const [name, viewport] of [['desktop', { width: 1280, height: 900 }], ['phone', { width: 390, height: 844 }]]) {
    const { page } = await newPage(viewport);
    await page.goto(`${base}/?q=mountains`);
    await page.locator('.ps-hit').first().waitFor();
    await page.screenshot({ path: path.join(output, `search-${name}.png`), fullPage: true });
    await page.close();
  }
});

// Types into a box that made its own input (a host page's, not the service's #ps-q).
async function typeInto(page, text) {
  await page.locator('.ps-input').fill(text);
  await settled(page, text);
}

// The URLs of the hits on screen.
async function hitUrls(page) {
  return page.locator('.ps-hit .ps-title').evaluateAll((titles) => titles.map((t) => new URL(t.href).pathname));
}

test('on a German page the box searches German posts; "All languages" widens it', async () => {
  const { page, errors } = await newPage();
  await page.goto(`${crossBase}/de/page`);
  await typeInto(page, 'yjit');
  await page.waitForFunction(() => new URLSearchParams(location.search).get('lang') === 'de');
  const german = await hitUrls(page);
  assert.ok(german.length >= 2, german.join(' '));
  for (const url of german) assert.match(url, /^\/de\//);
  await page.locator('.ps-all input').check();
  await page.waitForFunction(() => new URLSearchParams(location.search).get('lang') === '*');
  await page.waitForFunction(() => [...document.querySelectorAll('.ps-title')].some((t) => new URL(t.href).pathname.startsWith('/en/')));
  await settled(page);
  const all = await hitUrls(page);
  assert.ok(all.length > german.length, all.join(' '));
  // The release, one hit in the reader's German, links its other languages.
  const release = page.locator('.ps-hit', { has: page.locator('.ps-url', { hasText: /^\/de\/news\/2023\/12\/25\/release-3-3\.html$/ }) });
  assert.deepEqual((await release.locator('.ps-also a').allTextContents()).sort(), ['en', 'ja', 'pt']);
  assert.equal(all.filter((u) => u.includes('release-3-3')).length, 1);
  await page.reload();
  await settled(page);
  assert.equal(await page.locator('.ps-all input').isChecked(), true);
  await page.goBack();
  await page.waitForFunction(() => new URLSearchParams(location.search).get('lang') === 'de');
  assert.deepEqual(errors, []);
  await page.close();
});

test('on a pt-BR page the box searches Portuguese, as the index spells it', async () => {
  const { page, errors } = await newPage();
  await page.goto(`${crossBase}/pt-BR/page`);
  await typeInto(page, 'yjit');
  await page.waitForFunction(() => new URLSearchParams(location.search).get('lang') === 'pt');
  await settled(page);
  const urls = await hitUrls(page);
  assert.deepEqual(urls, ['/pt/news/2023/12/25/release-3-3.html']);
  await page.locator('.ps-all input').check();
  await page.waitForFunction(() => document.querySelectorAll('.ps-hit').length > 1);
  assert.deepEqual(errors, []);
  await page.close();
});

test('the drop-down box on a German page offers German posts only', async () => {
  const { page, errors } = await newPage();
  await page.goto(`${crossBase}/de/box`);
  await page.locator('.ps-input').type('yjit', { delay: 20 });
  await page.locator('.ps-hit').first().waitFor();
  await settled(page);
  for (const url of await hitUrls(page)) assert.match(url, /^\/de\//);
  assert.deepEqual(errors, []);
  await page.close();
});
