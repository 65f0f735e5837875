// Passage links in a real browser: examples/site built by the real Jekyll and served as a
// static site, its index served by `query serve`, and Debian's chromium opening what the
// service links to. A text fragment must scroll to and highlight a visible element holding
// the snippet's words; one that no longer matches must still land on its section; and
// postsearch-highlight.js must mark the words only when asked to.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const source = process.env.POSTSEARCH_SOURCE || path.join(here, '..', '..');
const bin = process.env.POSTSEARCH_BIN || path.join(source, 'build');
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
// The highlight of a text fragment, in a colour nothing else on the page has.
const kTargetStyle = '<style>::target-text { background-color: rgb(255, 0, 255); }</style>';

let tmp, built, service, api, site, siteBase, browser;

function startService(index, origin) {
  return new Promise((resolve, reject) => {
    const proc = spawn(path.join(bin, 'query', 'query'),
      ['serve', '--index', index, '--listen', '127.0.0.1:0', '--rate-limit', '0', '-q', '--cors-origin', origin]);
    proc.stdout.on('data', (d) => {
      const m = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(String(d));
      if (m) resolve({ proc, url: `http://127.0.0.1:${m[1]}` });
    });
    proc.on('exit', (code) => reject(new Error(`query serve exited ${code}`)));
  });
}

// The built site, as a static host serves it, with the test's highlight colour added.
function serveSite(root) {
  return createServer((req, res) => {
    const box = /^\/__box\?links=(on|off)/.exec(req.url);
    if (box) {  // a page of the site that embeds the search box
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.end(`<!doctype html><html lang="en"><head><title>Box</title></head><body><main>
        <div id="search"></div></main><script src="${api}/assets/postsearch.js" data-endpoint="${api}"
        data-mount="#search" data-analytics="off" data-passage-links="${box[1]}"></script></body></html>`);
      return;
    }
    let file = path.join(root, decodeURIComponent(new URL(req.url, 'http://x').pathname));
    try {
      if (statSync(file).isDirectory()) file = path.join(file, 'index.html');
      const html = readFileSync(file, 'utf8').replace('</head>', `${kTargetStyle}</head>`);
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.end(html);
    } catch {
      res.statusCode = 404;
      res.end('not found');
    }
  });
}

async function search(q) {
  const res = await fetch(`${api}/api/search?q=${encodeURIComponent(q)}&facets=false`);
  return (await res.json()).hits;
}

// Pixels of the highlight colour in the element's box on screen.
async function highlighted(page, selector) {
  const box = await page.locator(selector).first().boundingBox();
  if (!box || box.width < 1 || box.height < 1) return 0;
  const png = await page.screenshot({ clip: box });
  const probe = await browser.newPage();
  const n = await probe.evaluate(async (b64) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.width; c.height = img.height;
    const g = c.getContext('2d');
    g.drawImage(img, 0, 0);
    const d = g.getImageData(0, 0, c.width, c.height).data;
    let count = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] > 230 && d[i + 1] < 30 && d[i + 2] > 230) count++;
    return count;
  }, png.toString('base64'));
  await probe.close();
  return n;
}

// A page sized so that a post's later sections start below the fold; requests to the
// service the layout names are refused (the box is not under test here).
async function openPage() {
  const page = await browser.newPage({ viewport: { width: 800, height: 300 } });
  await page.route(/127\.0\.0\.1:8080/, (r) => r.abort());
  return page;
}

// The element, among the page's paragraphs and list items, whose text holds `words`.
async function elementWith(page, words) {
  return page.evaluate((ws) => {
    const all = [...document.querySelectorAll('main p, main li, main h2, main h3')];
    const i = all.findIndex((e) => ws.every((w) => e.textContent.toLowerCase().includes(w)));
    if (i < 0) return null;
    all[i].setAttribute('data-test-target', '');
    const r = all[i].getBoundingClientRect();
    return { top: r.top, bottom: r.bottom, scrollY, height: innerHeight };
  }, words);
}

function markedWords(snippetHtml) {
  return [...snippetHtml.matchAll(/<mark>([^<]*)<\/mark>/g)].map((m) => m[1].toLowerCase());
}

before(async () => {
  tmp = mkdtempSync(path.join(tmpdir(), 'postsearch-passage-'));
  site = path.join(tmp, 'site');
  cpSync(path.join(source, 'examples', 'site'), site, { recursive: true });
  built = path.join(site, '_site');
  execFileSync('jekyll', ['build', '--source', site, '--destination', built, '--quiet']);
  const bm25 = path.join(built, 'engineering', '2021', '07', '18', 'understanding-bm25', 'index.html');
  writeFileSync(bm25, readFileSync(bm25, 'utf8').replace(
    /<p>Long documents contain[^]*?<\/p>/, '<p>This paragraph says something else now.</p>'));
  const index = path.join(tmp, 'index');
  execFileSync(path.join(bin, 'indexer', 'indexer'), [site, '--index', index, '-q']);
  const server = serveSite(built);
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  siteBase = `http://127.0.0.1:${server.address().port}`;
  ({ proc: service, url: api } = await startService(index, siteBase));
  site = server;
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  if (browser) await browser.close();
  if (service) service.kill('SIGTERM');
  if (site && site.close) site.close();
  rmSync(tmp, { recursive: true, force: true });
});

test('a passage link scrolls to and highlights the snippet\'s words', async () => {
  const hit = (await search('xapian tutorial'))[0];
  assert.match(hit.passage_url, /#inverse-document-frequency:~:text=/);
  const words = markedWords(hit.snippet_html);
  assert.ok(words.length >= 2, hit.snippet_html);
  const page = await openPage();
  await page.goto(siteBase + hit.passage_url);
  await page.waitForTimeout(300);
  const el = await elementWith(page, words);
  assert.ok(el, `no element holds ${words}`);
  assert.ok(el.scrollY > 0, 'the page did not scroll');
  assert.ok(el.top >= 0 && el.top < el.height, `the passage is not in view: ${JSON.stringify(el)}`);
  assert.ok(await highlighted(page, '[data-test-target]') > 50, 'the passage is not highlighted');
  await page.close();
  // The same page opened at its section alone: nothing highlighted.
  const plain = await openPage();
  await plain.goto(siteBase + hit.passage_url.split(':~:')[0]);
  await plain.waitForTimeout(300);
  await elementWith(plain, words);
  assert.equal(await highlighted(plain, '[data-test-target]'), 0);
  await plain.close();
});

test('a section whose text is not on the built page links to its anchor', async () => {
  // before() replaced the section's paragraph in the built page before indexing. (A text
  // fragment that matches nothing does not fall back to the anchor in Chromium: the index
  // decides, from the built page, when to give the anchor alone.)
  const hit = (await search('normalises'))[0];
  assert.equal(hit.passage_url, `${hit.url}#document-length`);
  const page = await openPage();
  await page.goto(siteBase + hit.passage_url);
  await page.waitForTimeout(300);
  const pos = await page.evaluate(() => {
    const r = document.getElementById('document-length').getBoundingClientRect();
    return { top: r.top, scrollY, height: innerHeight };
  });
  assert.ok(pos.scrollY > 0 && pos.top >= -1 && pos.top < pos.height, JSON.stringify(pos));
  await page.close();
});

// Runs the built page's own postsearch-highlight.js as a browser without text fragments
// would, with `hash` as its location.hash (chromium hides ":~:..." from scripts).
async function landWith(hash) {
  const page = await openPage();
  const hit = (await search('xapian tutorial'))[0];
  await page.goto(siteBase + hit.url);
  const script = readFileSync(path.join(source, 'web', 'postsearch-highlight.js'), 'utf8');
  await page.evaluate(({ code, h }) => {
    // The page's script element, as document.currentScript would give it.
    const tag = document.querySelector('script[src$="postsearch-highlight.js"]');
    const doc = new Proxy(document, {
      get: (t, k) => (k === 'currentScript' ? tag : typeof t[k] === 'function' ? t[k].bind(t) : t[k]),
    });
    new Function('document', 'location', code)(doc, { hash: h });
  }, { code: script, h: hash });
  return page;
}

test('the landing script marks the search\'s words and scrolls to the section', async () => {
  const page = await landWith('#inverse-document-frequency:~:text=Rare&ps-q=xapian%20TUTORIAL');
  const marks = await page.evaluate(() => [...document.querySelectorAll('mark.ps-hl')].map((m) => [
    m.textContent, m.closest('main') !== null]));
  assert.deepEqual(marks, [['xapian', true], ['tutorial', true], ['xapian', true]]);
  const pos = await page.evaluate(() => ({
    top: document.getElementById('inverse-document-frequency').getBoundingClientRect().top, scrollY,
  }));
  assert.ok(pos.scrollY > 0 && pos.top >= -1 && pos.top < 300, JSON.stringify(pos));
  await page.close();
});

test('the landing script leaves a page not opened from a result alone', async () => {
  for (const hash of ['', '#inverse-document-frequency', '#:~:text=Rare']) {
    const page = await landWith(hash);
    const before = await page.evaluate(() => document.body.innerHTML);
    assert.equal(await page.evaluate(() => document.querySelectorAll('mark').length), 0, hash);
    assert.equal(await page.evaluate(() => document.body.innerHTML), before);
    await page.close();
  }
});

test('the box opens passages, or plain URLs with data-passage-links="off"', async () => {
  const hit = (await search('xapian tutorial'))[0];
  for (const [links, expected] of [['on', `${hit.passage_url}&ps-q=xapian%20tutorial`], ['off', hit.url]]) {
    const page = await openPage();
    await page.goto(`${siteBase}/__box?links=${links}`);
    await page.locator('.ps-input').fill('xapian tutorial');
    await page.waitForFunction(() => {
      const list = document.querySelector('.ps-results');
      return list && !list.hasAttribute('aria-busy') && list.querySelector('.ps-hit');
    });
    assert.equal(await page.locator('.ps-hit .ps-title').first().getAttribute('href'), expected, links);
    await page.close();
  }
});
