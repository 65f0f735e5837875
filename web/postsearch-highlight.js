/* postsearch-highlight.js: marks the words of a search on a page opened from its results
   where text fragments are not supported (docs/http-api.md) */
(function (d, h) {
  var at = h.indexOf(':~:'), q = /(?:^|&)ps-q=([^&]*)/.exec(h.slice(at + 3));
  try {
    var words = at < 0 || !q ? 0 : decodeURIComponent(q[1]).match(/[\p{L}\p{N}]{2,}/gu), id = decodeURIComponent(h.slice(1, at));
  } catch (e) { return; }
  if (!words) return;
  var s = d.currentScript, re = RegExp('(^|[^\\p{L}\\p{N}])(' + words.slice(0, 32).join('|') + ')', 'giu'), first;
  function run() {
    var w = d.createTreeWalker(d.querySelector((s && s.dataset.root) || 'main') || d.body, 4), t, all = [];
    while ((t = w.nextNode())) /^(SCRIPT|STYLE|MARK)$/.test(t.parentNode.nodeName) || all.push(t);
    all.forEach(function (t) {
      var f = d.createDocumentFragment(), parts = t.data.split(re);
      parts.forEach(function (x, i) {  /* text, separator, word, text, ... */
        if (i % 3 < 2) return f.append(x);
        var m = d.createElement('mark');
        m.className = 'ps-hl';
        m.append(x);
        f.append(m);
        first = first || m;
      });
      if (parts.length > 1) t.replaceWith(f);
    });
    var to = d.getElementById(id) || first;
    if (to) to.scrollIntoView();
  }
  d.readyState == 'loading' ? d.addEventListener('DOMContentLoaded', run) : run();
})(document, location.hash);
