/* postsearch search box: one script tag, no dependencies.
 *   <script src="https://search.example.org/assets/postsearch.js"
 *           data-endpoint="https://search.example.org" data-mount="#search" defer></script>
 * data-mode="page" gives the full page (facets, paging, state in the URL); the default
 * "box" is a search field with a drop-down list of the top results (links; the arrow keys move
 * through them). data-lang: the language searched
 * (default: the page's <html lang>; "*": all), which the reader can widen to all languages.
 * Opening a result tells the service its query, rank and post id (docs/analytics.md);
 * data-analytics="off" stops that, as do the browser's Do Not Track and Global Privacy Control.
 * Text goes in with textContent; only the service's escaped *_html fields use innerHTML. */
(function (root, factory) {
  'use strict';
  var api = factory();
  if (typeof module === 'object' && module.exports) module.exports = api;
  if (typeof document !== 'undefined' && document.currentScript) api.autoInit(document.currentScript);
})(this, function () {
  'use strict';
  var uid = 0;

  // The search's state: the words, the languages searched, the page, and the values of each
  // other parameter of the page's URL by name. Which of those the service filters by, it says
  // in its answers (`filters`: each facet's parameter and heading, from its schema), so that a
  // field the index gains shows here without a change to this script.
  function emptyState(lang) { return { q: '', filters: Object.create(null), lang: lang ? [lang] : [], page: 1 }; }

  // A page's language as the index spells languages: "pt_BR" -> "pt-br"; "*" or none: all.
  function pageLang(tag) {
    var l = String(tag || '').trim().toLowerCase().replace(/_/g, '-');
    return l === '*' ? '' : l;
  }

  // `lang`: the language searched when the URL names none; lang=* in the URL is all of them.
  function stateFromSearch(search, lang) {
    var p = new URLSearchParams(search || ''), s = emptyState();
    s.q = p.get('q') || '';
    p.forEach(function (v, k) {
      if (k !== 'q' && k !== 'page' && k !== 'lang') (s.filters[k] = s.filters[k] || []).push(v);
    });
    s.lang = p.getAll('lang');
    if (!p.has('lang') && lang) s.lang = [lang];
    if (s.lang.indexOf('*') >= 0) s.lang = [];
    var page = parseInt(p.get('page') || '1', 10);
    s.page = page > 0 && page < 1000 ? page : 1;
    return s;
  }

  function stateToSearch(s, lang) {
    var p = new URLSearchParams();
    if (s.q) p.set('q', s.q);
    var filters = s.filters || {};
    Object.keys(filters).forEach(function (k) { filters[k].forEach(function (v) { p.append(k, v); }); });
    (s.lang || []).forEach(function (v) { p.append('lang', v); });
    if (lang && !(s.lang || []).length) p.set('lang', '*');
    if (s.page > 1) p.set('page', String(s.page));
    var out = p.toString();
    return out ? '?' + out : '';
  }

  function apiUrl(endpoint, s, extra) {
    var p = new URLSearchParams(stateToSearch(s).slice(1));
    Object.keys(extra || {}).forEach(function (k) { p.set(k, extra[k]); });
    return endpointUrl(endpoint, '/api/search?' + p.toString());
  }

  // A fetch that fails at the network level (a TypeError) looks the same to a script whether
  // the service refused the page's origin (CORS) or could not be reached: name both.
  function networkErrorText(endpoint, pageOrigin) {
    var service = (endpoint || '').replace(/\/+$/, '') || pageOrigin;
    return 'postsearch: the service at ' + service + ' refused this page\'s origin ' + pageOrigin +
      ' (allow it with query serve --cors-origin ' + pageOrigin + ') or is unreachable';
  }

  function endpointUrl(endpoint, path) { return (endpoint || '').replace(/\/+$/, '') + path; }

  // Whether an opened result may be reported: analytics not "off" on the script tag, the
  // browser able to send a beacon, and neither Do Not Track nor Global Privacy Control set.
  function tracked(setting, nav) {
    return setting !== 'off' && typeof nav.sendBeacon === 'function' &&
      nav.doNotTrack !== '1' && nav.globalPrivacyControl !== true;
  }

  // Where a result opens: its passage (a text fragment, query/passage.h) unless
  // data-passage-links="off", with the search's words added to the fragment directive for
  // postsearch-highlight.js (never sent to a server; hidden from pages by browsers that
  // highlight the passage themselves). Links without a text fragment stay as they are.
  function resultLink(item, q, passageLinks) {
    var u = item.passage_url;
    if (passageLinks === 'off' || !u) return item.url;
    return q && u.indexOf(':~:text=') >= 0 ? u + '&ps-q=' + encodeURIComponent(q) : u;
  }

  function toggle(list, value) {
    var i = list.indexOf(value);
    return i >= 0 ? list.slice(0, i).concat(list.slice(i + 1)) : list.concat([value]);
  }

  function debounce(fn, ms) {
    var t = null;
    function d() { var a = arguments, self = this; clearTimeout(t); t = setTimeout(function () { fn.apply(self, a); }, ms); }
    d.cancel = function () { clearTimeout(t); };
    return d;
  }

  function countText(total, corrected) {
    var n = total.estimate, exact = total.exact;
    if (n === 0) return 'No results';
    return (exact ? '' : 'About ') + n + (n === 1 ? ' result' : ' results') + (corrected ? ' (corrected)' : '');
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function a(cls, text, href) { var e = el('a', cls, text); e.href = href; return e; }

  // One result, as the service's no-JS page renders it (query/http/pages.h render_hit):
  // tests/web/e2e.test.mjs fails when the two differ.
  function renderHit(hit, link) {
    var li = el('li', 'ps-hit'), m = el('div', 'ps-meta', [hit.site, hit.date && hit.date.slice(0, 10), (hit.authors || []).join(', ')].filter(Boolean).join(' · '));
    li.dataset.id = hit.id;
    li.dataset.rank = String(hit.rank);
    var t = a('ps-title', undefined, link(hit));
    t.innerHTML = hit.title_html; /* escaped by the service */
    li.appendChild(t);
    li.appendChild(el('div', 'ps-url', hit.url));
    (hit.tags || []).forEach(function (g) { m.appendChild(document.createTextNode(' ')); m.appendChild(el('span', 'ps-tag', g)); });
    li.appendChild(m);
    if (hit.snippet_html) { var p = el('p', 'ps-snippet'); p.innerHTML = hit.snippet_html; li.appendChild(p); }
    if (hit.translations && hit.translations.length) {
      var also = el('p', 'ps-also', 'Also in:');
      hit.translations.forEach(function (x, i) {
        var ta = a('', x.lang, x.url); ta.hreflang = x.lang; ta.title = x.title;
        also.appendChild(document.createTextNode(i ? ', ' : ' ')); also.appendChild(ta);
      });
      li.appendChild(also);
    }
    if (hit.sections && hit.sections.length) {
      var ul = el('ul', 'ps-sections');
      hit.sections.forEach(function (s) { var sli = el('li'); sli.appendChild(a('', s.heading, link(s))); ul.appendChild(sli); });
      li.appendChild(ul);
    }
    return li;
  }

  function Search(mount, opts) {
    this.opts = opts;
    this.page = opts.mode === 'page';
    this.lang = opts.lang;
    this.state = this.page ? stateFromSearch(location.search, this.lang) : emptyState(this.lang);
    this.controller = null;
    this.id = 'ps' + (++uid);
    this.build(mount);
    this.schedule = debounce(this.run.bind(this, false), opts.delay);
    if (this.page && (this.state.q || this.hasFilters())) this.run(false);
  }

  // Whether a value of a filter other than the language is selected: until the service has
  // named its filters, any parameter of the page's URL but q, page and lang counts as one.
  Search.prototype.hasFilters = function () {
    var s = this.state, known = this.filters;
    return Object.keys(s.filters).some(function (k) {
      return s.filters[k].length > 0 && (!known || known.some(function (f) { return f.param === k; }));
    });
  };

  Search.prototype.build = function (mount) {
    var self = this;
    mount.classList.add('ps-root');
    var form = mount.querySelector('form');
    if (!form) {
      form = el('form', 'ps-form');
      form.setAttribute('role', 'search');
      var label = el('label', 'ps-visually-hidden', 'Search');
      label.htmlFor = this.id + '-q';
      var input0 = el('input', 'ps-input');
      input0.type = 'search'; input0.id = this.id + '-q'; input0.autocomplete = 'off';
      input0.placeholder = 'Search (press /)';
      form.appendChild(label); form.appendChild(input0);
      mount.appendChild(form);
    }
    if (this.lang) {
      var all = el('label', 'ps-all'), box = el('input');
      box.type = 'checkbox';
      box.addEventListener('change', function () {
        self.state.lang = box.checked ? [] : [self.lang]; self.state.page = 1; self.facetChange = true; self.run(false);
      });
      all.appendChild(box); all.appendChild(document.createTextNode(' All languages'));
      form.appendChild(all);
      this.all = box;
    }
    var server = mount.querySelector('.ps-server-results');
    if (server) server.remove();
    this.input = form.querySelector('input');
    this.input.value = this.state.q;
    var list = el('ol', 'ps-results');
    list.id = this.id + '-list';
    list.setAttribute('aria-label', 'Search results');
    this.list = list;
    this.input.setAttribute('aria-controls', list.id);
    this.status = el('div', 'ps-status');
    this.status.setAttribute('role', 'status');
    this.status.setAttribute('aria-live', 'polite');
    this.more = el('button', 'ps-button ps-more', 'More results');
    this.more.type = 'button';
    this.more.hidden = true;
    this.more.addEventListener('click', function () { self.state.page += 1; self.run(true); });
    var panel = el('div', this.page ? 'ps-layout' : 'ps-popup');
    this.panel = panel;
    if (this.page) { this.facets = el('aside', 'ps-facets'); this.facets.setAttribute('aria-label', 'Filters'); panel.appendChild(this.facets); }
    var main = el('div', 'ps-main');
    main.appendChild(this.status); main.appendChild(list); main.appendChild(this.more);
    panel.appendChild(main);
    if (!this.page) panel.hidden = true;
    mount.appendChild(panel);
    form.addEventListener('submit', function (e) { e.preventDefault(); self.open(); });
    this.input.addEventListener('input', function () { self.state.q = self.input.value; self.state.page = 1; self.schedule(); });
    mount.addEventListener('keydown', function (e) { self.key(e); });
    if (!this.page) {
      document.addEventListener('click', function (e) { if (!mount.contains(e.target)) self.show(false); });
    } else {
      window.addEventListener('popstate', function () {
        self.state = stateFromSearch(location.search, self.lang); self.input.value = self.state.q; self.run(false, true);
      });
    }
    // A click on a result's title, or on the result outside its links, opens it (counted).
    list.addEventListener('click', function (e) {
      var li = e.target.closest('.ps-hit'), link = e.target.closest('a');
      if (!li || (link && link.className !== 'ps-title')) return;
      self.count(li);
      if (!link) location.href = li.querySelector('.ps-title').href;
    });
  };

  // Arrows move the focus from the input through the results' titles and back; Escape clears.
  Search.prototype.key = function (e) {
    if (e.target !== this.input && !this.list.contains(e.target)) return;
    var titles = [].slice.call(this.list.querySelectorAll('.ps-title')), i = titles.indexOf(document.activeElement);
    if (e.key === 'ArrowDown' && titles.length) { e.preventDefault(); titles[Math.min(titles.length - 1, i + 1)].focus(); }
    else if (e.key === 'ArrowUp' && i >= 0) { e.preventDefault(); (i ? titles[i - 1] : this.input).focus(); }
    else if (e.key === 'Enter' && e.target === this.input) { e.preventDefault(); this.open(); }
    else if (e.key === 'Escape') {
      if (this.page || !this.panel.hidden) { this.input.value = ''; this.state.q = ''; this.clear(); }
      this.show(false); this.input.focus();
    }
  };

  Search.prototype.open = function () {
    this.schedule.cancel();
    if (!this.page && this.opts.pageUrl && this.state.q) { location.href = this.opts.pageUrl + stateToSearch(this.state, this.lang); return; }
    this.run(false);
  };

  // Tells the service which result was opened (the query, its rank, the post's id; nothing
  // else) unless data-analytics="off" or the browser sends Do Not Track or Global Privacy Control.
  Search.prototype.count = function (li) {
    if (tracked(this.opts.analytics, typeof navigator === 'undefined' ? {} : navigator)) {
      try {
        navigator.sendBeacon(endpointUrl(this.opts.endpoint, '/api/beacon'),
          new URLSearchParams({ q: this.state.q, rank: li.dataset.rank, id: li.dataset.id }));
      } catch (e) { /* counting never stands in the reader's way */ }
    }
  };

  Search.prototype.show = function (on) {
    if (!this.page) this.panel.hidden = !on;
  };

  Search.prototype.clear = function () {
    this.list.textContent = ''; this.status.textContent = ''; this.more.hidden = true;
    if (this.facets) this.facets.textContent = '';
    this.sync(false);
  };

  Search.prototype.sync = function (push) {
    if (!this.page) return;
    if (this.all) this.all.checked = !this.state.lang.length;
    var url = location.pathname + stateToSearch(this.state, this.lang) + location.hash;
    if (url === location.pathname + location.search + location.hash) return;
    history[push ? 'pushState' : 'replaceState'](null, '', url);
  };

  Search.prototype.run = function (append, fromHistory) {
    var self = this, s = this.state;
    if (!s.q.trim() && !this.hasFilters()) { this.clear(); this.show(false); return; }
    if (this.controller) this.controller.abort();
    var controller = new AbortController();
    this.controller = controller;
    if (!fromHistory) this.sync(append || this.facetChange);
    this.facetChange = false;
    this.list.setAttribute('aria-busy', 'true');
    // Loading: say so only when there is nothing on screen yet, so results never flash.
    if (!this.list.children.length) { this.status.classList.remove('ps-error'); this.status.textContent = 'Searching…'; }
    var perPage = this.page ? 10 : 6;
    var pageState = append ? s : Object.assign({}, s, { page: 1 });
    var extra = { per_page: String(perPage), facets: this.page ? 'true' : 'false' };
    if (this.lang && !s.lang.length) extra.query_lang = this.lang; // all languages, read as the page's
    var url = apiUrl(this.opts.endpoint, pageState, extra);
    fetch(url, { signal: controller.signal, headers: { Accept: 'application/json' } })
      .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
      .then(function (r) {
        if (controller !== self.controller) return;
        if (!r.ok) throw new Error((r.body && r.body.error && r.body.error.message) || 'Search failed');
        self.render(r.body, append);
      })
      .catch(function (err) {
        if (err.name === 'AbortError') return;
        if (err instanceof TypeError && typeof console !== 'undefined') {
          console.error(networkErrorText(self.opts.endpoint, location.origin));
        }
        self.status.textContent = typeof navigator !== 'undefined' && navigator.onLine === false
          ? 'You are offline.' : 'Search is unavailable right now. ' + err.message;
        self.status.classList.add('ps-error');
        self.show(true);
      })
      .then(function () { if (controller === self.controller) self.list.removeAttribute('aria-busy'); });
  };

  Search.prototype.render = function (res, append) {
    var self = this;
    // The service names the language it searched for the page's ("pt-br" -> "pt").
    var got = res.langs || [];
    if (this.lang && got.length === 1 && this.state.lang.length === 1 && this.state.lang[0] === this.lang && got[0] !== this.lang) {
      this.lang = got[0]; this.state.lang = [got[0]]; this.sync(false);
    }
    if (res.filters) this.filters = res.filters;
    // Parameters of the page's URL that turn out to be no filter (a campaign tag) search nothing.
    if (!this.state.q.trim() && !this.hasFilters()) { this.clear(); this.show(false); return; }
    this.status.classList.remove('ps-error');
    this.status.textContent = countText(res.total, res.corrected);
    if (res.did_you_mean) {
      var dym = el('span', 'ps-dym', res.corrected ? ' Showing results for ' : ' Did you mean ');
      var a = el('a', '', res.did_you_mean);
      a.href = '?q=' + encodeURIComponent(res.did_you_mean);
      a.addEventListener('click', function (e) { e.preventDefault(); self.input.value = res.did_you_mean; self.state.q = res.did_you_mean; self.run(false); });
      dym.appendChild(a); dym.appendChild(document.createTextNode('?'));
      this.status.appendChild(dym);
    }
    if (res.relaxed) this.status.appendChild(el('span', '', ' Showing posts with some of the words.'));
    if (!append) this.list.textContent = '';
    var link = function (item) { return resultLink(item, self.state.q, self.opts.passageLinks); };
    res.hits.forEach(function (h) { self.list.appendChild(renderHit(h, link)); });
    this.more.hidden = !this.page || res.page * res.per_page >= res.total.estimate;
    if (this.facets && res.facets) this.renderFacets(res.facets);
    this.show(true);
  };

  Search.prototype.renderFacets = function (facets) {
    var self = this;
    this.facets.textContent = '';
    (this.filters || []).forEach(function (f) {
      var data = facets[f.facet];
      if (!data || !data.values.length) return;
      var fs = el('fieldset'); fs.appendChild(el('legend', '', f.label));
      data.values.forEach(function (v) {
        var label = el('label', 'ps-facet');
        var box = el('input'); box.type = 'checkbox'; box.checked = v.selected; box.value = v.value;
        box.addEventListener('change', function () {
          self.select(f.param, v.value); self.facetChange = true; self.run(false);
        });
        label.appendChild(box); label.appendChild(el('span', '', v.value)); label.appendChild(el('span', 'ps-facet-count', String(v.count)));
        fs.appendChild(label);
      });
      self.facets.appendChild(fs);
    });
  };

  // Selects or unselects a value of parameter `param` and goes back to the first page.
  Search.prototype.select = function (param, value) {
    var s = this.state;
    if (param === 'lang') s.lang = toggle(s.lang, value);
    else s.filters[param] = toggle(s.filters[param] || [], value);
    s.page = 1;
  };

  function focusShortcut(input) {
    document.addEventListener('keydown', function (e) {
      var t = e.target, typing = t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
      if ((e.key === 'k' || e.key === 'K') && (e.ctrlKey || e.metaKey)) { e.preventDefault(); input.focus(); input.select(); }
      else if (e.key === '/' && !typing) { e.preventDefault(); input.focus(); }
    });
  }

  function mount(target, options) {
    var opts = Object.assign({ endpoint: '', mode: 'box', delay: 120, pageUrl: '', lang: '', analytics: 'on', passageLinks: 'on' }, options || {});
    var s = new Search(target, opts);
    focusShortcut(s.input);
    return s;
  }

  function autoInit(script) {
    var d = script.dataset, endpoint = d.endpoint;
    if (endpoint === undefined) endpoint = new URL(script.src, location.href).origin;
    function go() {
      var target = document.querySelector(d.mount || '#postsearch');
      if (!target) { target = el('div'); script.parentNode.insertBefore(target, script); }
      var mode = d.mode || target.dataset.mode || 'box';
      var lang = pageLang(d.lang !== undefined ? d.lang : document.documentElement.lang);
      mount(target, { endpoint: endpoint, mode: mode, pageUrl: d.page || (endpoint + '/search'), lang: lang,
        analytics: d.analytics || 'on', passageLinks: d.passageLinks || 'on' });
    }
    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', go); else go();
  }

  return { stateFromSearch: stateFromSearch, stateToSearch: stateToSearch, apiUrl: apiUrl, toggle: toggle, pageLang: pageLang,
    networkErrorText: networkErrorText, debounce: debounce, countText: countText, tracked: tracked, resultLink: resultLink,
    mount: mount, autoInit: autoInit };
});
