// Unit tests of the search box's pure functions, with node's own test runner.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const require = createRequire(import.meta.url);
const web = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'web');
const ps = require(path.join(web, 'postsearch.js'));

// A state's filters as the box keeps them: an object without a prototype, so that no
// parameter name of a URL ("__proto__") reaches Object.prototype.
const filters = (o) => Object.assign(Object.create(null), o);
const state = (o) => ({ q: '', filters: filters({}), lang: [], page: 1, ...o });

test('state round-trips through the query string', () => {
  const s = ps.stateFromSearch('?q=cold+water&tag=swimming&tag=safety&author=Tom%C3%A1s&type=page&page=3');
  assert.deepEqual(s, state({ q: 'cold water', filters: filters({ tag: ['swimming', 'safety'], author: ['Tomás'], type: ['page'] }), page: 3 }));
  assert.deepEqual(ps.stateFromSearch(ps.stateToSearch(s)), s);
});

test('every parameter of the URL but q, page and lang is kept as a filter, whatever its name', () => {
  const s = ps.stateFromSearch('?series=Rust+in+anger&q=x&__proto__=a&lang=de');
  assert.deepEqual(s.filters, filters({ series: ['Rust in anger'], ['__proto__']: ['a'] }));
  assert.equal({}.series, undefined);
  assert.equal(Object.getPrototypeOf({}), Object.prototype);
  assert.equal(ps.stateToSearch(s), '?q=x&series=Rust+in+anger&__proto__=a&lang=de');
});

test('empty and page-one states leave the URL clean', () => {
  assert.equal(ps.stateToSearch(state({})), '');
  assert.equal(ps.stateToSearch(state({ q: 'a b', filters: filters({ tag: [] }) })), '?q=a+b');
});

test("the page's language is searched unless the URL says otherwise", () => {
  assert.deepEqual(ps.stateFromSearch('?q=x', 'de').lang, ['de']);
  assert.deepEqual(ps.stateFromSearch('?q=x&lang=ja', 'de').lang, ['ja']);
  assert.deepEqual(ps.stateFromSearch('?q=x&lang=*', 'de').lang, []);
  assert.deepEqual(ps.stateFromSearch('?q=x').lang, []);
  // All languages on a German page: the URL says so, and reading it back gives the same.
  const all = state({ q: 'x' });
  assert.equal(ps.stateToSearch(all, 'de'), '?q=x&lang=*');
  assert.deepEqual(ps.stateFromSearch(ps.stateToSearch(all, 'de'), 'de'), all);
  assert.equal(ps.stateToSearch({ ...all, lang: ['de'] }, 'de'), '?q=x&lang=de');
  assert.equal(ps.stateToSearch(all, ''), '?q=x');
});

test("a page's language tag as the index spells languages", () => {
  assert.equal(ps.pageLang('pt-BR'), 'pt-br');
  assert.equal(ps.pageLang('zh_Hant'), 'zh-hant');
  assert.equal(ps.pageLang(' DE '), 'de');
  assert.equal(ps.pageLang('*'), '');
  assert.equal(ps.pageLang(undefined), '');
});

test('hostile page numbers fall back to one', () => {
  for (const bad of ['0', '-4', 'abc', '99999']) assert.equal(ps.stateFromSearch(`?page=${bad}`).page, 1);
});

test('the API URL carries the state and extras', () => {
  const url = ps.apiUrl('https://search.example/', state({ q: 'x&y', filters: filters({ tag: ['c++'], year: ['2024'] }), lang: ['de'], page: 2 }),
    { per_page: '10' });
  assert.equal(url, 'https://search.example/api/search?q=x%26y&tag=c%2B%2B&year=2024&lang=de&page=2&per_page=10');
  assert.equal(ps.apiUrl('', state({ q: 'a' })), '/api/search?q=a');
});

test('toggle adds and removes a facet value', () => {
  assert.deepEqual(ps.toggle(['a'], 'b'), ['a', 'b']);
  assert.deepEqual(ps.toggle(['a', 'b'], 'a'), ['b']);
});

test('counts read like a person would say them', () => {
  assert.equal(ps.countText({ estimate: 0, exact: true }), 'No results');
  assert.equal(ps.countText({ estimate: 1, exact: true }), '1 result');
  assert.equal(ps.countText({ estimate: 40, exact: false }), 'About 40 results');
});

test('debounce calls once with the last arguments', async () => {
  const calls = [];
  const d = ps.debounce((x) => calls.push(x), 20);
  d(1); d(2); d(3);
  await new Promise((r) => setTimeout(r, 60));
  assert.deepEqual(calls, [3]);
  d(4); d.cancel();
  await new Promise((r) => setTimeout(r, 40));
  assert.deepEqual(calls, [3]);
});

test('script and stylesheet stay within 10 KB gzipped', () => {
  const js = readFileSync(path.join(web, 'postsearch.js'));
  const css = readFileSync(path.join(web, 'postsearch.css'));
  const size = gzipSync(js, { level: 9 }).length + gzipSync(css, { level: 9 }).length;
  assert.ok(size <= 10 * 1024, `${size} bytes gzipped`);
});

test('a failed fetch names the service and the page origin it may have refused', () => {
  assert.equal(ps.networkErrorText('http://127.0.0.1:8080/', 'http://localhost:4000'),
    "postsearch: the service at http://127.0.0.1:8080 refused this page's origin http://localhost:4000 " +
    '(allow it with query serve --cors-origin http://localhost:4000) or is unreachable');
  assert.match(ps.networkErrorText('', 'https://blog.example'), /service at https:\/\/blog\.example refused/);
});

test('an opened result is reported unless turned off, Do Not Track or Global Privacy Control', () => {
  const beacon = { sendBeacon() {} };
  assert.equal(ps.tracked('on', beacon), true);
  assert.equal(ps.tracked('off', beacon), false);
  assert.equal(ps.tracked('on', { ...beacon, doNotTrack: '1' }), false);
  assert.equal(ps.tracked('on', { ...beacon, doNotTrack: 'unspecified' }), true);
  assert.equal(ps.tracked('on', { ...beacon, globalPrivacyControl: true }), false);
  assert.equal(ps.tracked('on', {}), false); // no sendBeacon: nothing is sent
});

test('a result opens its passage, with the words for the landing script', () => {
  const hit = { url: '/a/', passage_url: '/a/#s:~:text=red%20fox' };
  assert.equal(ps.resultLink(hit, 'red fox'), '/a/#s:~:text=red%20fox&ps-q=red%20fox');
  assert.equal(ps.resultLink(hit, 'x&y'), '/a/#s:~:text=red%20fox&ps-q=x%26y');
  // Without a text fragment (no built pages, or the passage not on them): as given.
  assert.equal(ps.resultLink({ url: '/a/', passage_url: '/a/#s' }, 'x'), '/a/#s');
  assert.equal(ps.resultLink({ url: '/a/', passage_url: '/a/' }, 'x'), '/a/');
  assert.equal(ps.resultLink(hit, ''), hit.passage_url);
  // data-passage-links="off", and a service too old to send passage_url: the plain URL.
  assert.equal(ps.resultLink(hit, 'red fox', 'off'), '/a/');
  assert.equal(ps.resultLink({ url: '/a/' }, 'red fox'), '/a/');
});

const highlighter = readFileSync(path.join(web, 'postsearch-highlight.js'));

test('the landing script stays within 900 bytes gzipped', () => {
  const size = gzipSync(highlighter, { level: 9 }).length;
  assert.ok(size <= 900, `${size} bytes gzipped`);
});

test('the landing script is inert on pages not opened from a result', () => {
  // A document that fails the test on any use: the script must not touch it.
  const untouchable = new Proxy({}, { get(_, key) { throw new Error(`document.${String(key)} used`); } });
  const run = new Function('document', 'location', highlighter.toString());
  for (const hash of ['', '#', '#section', '#section:~:text=red%20fox', '#:~:ps-q=', '#:~:ps-q=a', '#:~:ps-q=%E0', '#%E0:~:ps-q=ab']) {
    assert.doesNotThrow(() => run(untouchable, { hash }), hash);
  }
  assert.throws(() => run(untouchable, { hash: '#:~:ps-q=red%20fox' }), /document\.\w+ used/);
});
