#include "query/passage.h"

#include <algorithm>
#include <cstddef>
#include <optional>
#include <vector>

#include "common/passage_map.h"

namespace postsearch {
namespace {

constexpr std::string_view kEllipsis = "…";
// Text around the passage whose units are read: room for a prefix and a start term that
// runs past a short passage.
constexpr std::size_t kContextBytes = 400;
// A longer directive (terms of long unspaced words, CJK text) gives way to the section URL.
constexpr std::size_t kMaxDirectiveBytes = 1024;

// The snippet's text as it is in the section: tags dropped, escapes undone, the ellipses
// at its ends and the white space next to them trimmed.
std::string snippet_text(std::string_view html) {
  std::string out;
  for (std::size_t i = 0; i < html.size(); ++i) {
    if (html[i] == '<') {
      const std::size_t close = html.find('>', i);
      if (close == std::string_view::npos) break;
      i = close;
      continue;
    }
    if (html[i] == '&') {
      static constexpr std::pair<std::string_view, char> kEscapes[] = {
          {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&#39;", '\''}};
      bool done = false;
      for (const auto& [escape, c] : kEscapes) {
        if (html.substr(i, escape.size()) == escape) {
          out += c;
          i += escape.size() - 1;
          done = true;
          break;
        }
      }
      if (done) continue;
    }
    out += html[i];
  }
  std::string_view v(out);
  auto trim = [&v] {
    while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
    while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  };
  trim();
  if (v.substr(0, kEllipsis.size()) == kEllipsis) v.remove_prefix(kEllipsis.size());
  if (v.size() >= kEllipsis.size() && v.substr(v.size() - kEllipsis.size()) == kEllipsis) {
    v.remove_suffix(kEllipsis.size());
  }
  trim();
  return std::string(v);
}

bool listed(const std::vector<std::uint32_t>& offsets, std::size_t offset) {
  return std::find(offsets.begin(), offsets.end(), offset) != offsets.end();
}

// The units near a passage, their runs, and the passage's first and last unit.
struct Neighbourhood {
  std::vector<PassageUnit> units;  // offsets in the section's text
  std::vector<int> runs;
  std::size_t first = 0;  // the passage's units: [first, last]
  std::size_t last = 0;
};

std::optional<Neighbourhood> neighbourhood(const std::string& text, const PassageMap& map,
                                           std::size_t begin, std::size_t end) {
  std::size_t from = begin > kContextBytes ? begin - kContextBytes : 0;
  if (from > 0) from = std::min(begin, text.find(' ', from));  // a whole unit
  const std::size_t to = std::min(text.size(), end + kContextBytes);
  Neighbourhood n;
  n.units = passage_units(std::string_view(text).substr(from, to - from));
  if (to < text.size() && !n.units.empty() && n.units.back().end == to - from) n.units.pop_back();
  for (auto& u : n.units) {
    u.begin += from;
    u.end += from;
  }
  n.runs = passage_runs(n.units, map);
  bool found = false;
  for (std::size_t i = 0; i < n.units.size(); ++i) {
    if (n.units[i].begin < begin || n.units[i].end > end) continue;
    if (!found) n.first = i;
    n.last = i;
    found = true;
  }
  if (!found) return std::nullopt;
  return n;
}

// Whether units [a, a+len) have the keys of units [b, b+len).
bool same_keys(const std::vector<PassageUnit>& u, std::size_t a, std::size_t b, std::size_t len) {
  for (std::size_t i = 0; i < len; ++i) {
    if (u[a + i].key != u[b + i].key) return false;
  }
  return true;
}

struct Directive {
  std::string prefix;
  std::string start;
  std::string end;
  std::string suffix;
};

// An end term, units [b, e], with a suffix, units (e, suffix_end] (none when suffix_end == e).
struct EndTerm {
  std::size_t b = 0;
  std::size_t e = 0;
  std::size_t suffix_end = 0;
};

// The end term for a passage that ends at unit `e`: the last units of e's run, lengthened
// backwards while the same words occur between the start term (which ends at unit
// `start_end`) and them, since the browser takes the first occurrence after the start; else
// followed by a suffix from the rest of e's run. Nullopt when neither makes them the first.
std::optional<EndTerm> end_term(const Neighbourhood& n, std::size_t start_end, std::size_t e) {
  const auto& u = n.units;
  auto same_run = [&](std::size_t a, std::size_t b) { return n.runs[a] == n.runs[b]; };
  auto occurs_earlier = [&](std::size_t b, std::size_t last) {  // units [b, last]
    const std::size_t len = last - b + 1;
    for (std::size_t k = start_end + 1; k < b && k + len <= u.size(); ++k) {
      if (same_keys(u, k, b, len)) return true;
    }
    return false;
  };
  std::size_t b = e;
  while (e - b + 1 < kTermUnits && b > start_end + 1 && same_run(b - 1, e)) --b;
  for (;;) {
    if (!occurs_earlier(b, e)) return EndTerm{b, e, e};
    if (b == start_end + 1 || !same_run(b - 1, e)) break;
    --b;
  }
  for (std::size_t last = e + 1; last - e <= kPrefixUnits && last < u.size() && same_run(last, e);
       ++last) {
    if (!occurs_earlier(b, last)) return EndTerm{b, e, last};
  }
  return std::nullopt;
}

// The terms that select units [first, last] of `n` (see passage_map.h for the rules the
// indexer applied when it marked the ambiguous starts). Where no end term finds the end
// of the passage first, the selection ends at an earlier run's end, or with the start term.
std::optional<Directive> directive(const std::string& text, const PassageMap& map,
                                   const Neighbourhood& n) {
  const auto& u = n.units;
  std::size_t s = n.first;
  while (s <= n.last && (n.runs[s] < 0 || listed(map.no_start, u[s].begin))) ++s;
  if (s > n.last) return std::nullopt;
  auto term = [&](std::size_t a, std::size_t b) {  // units [a, b]
    return rendered_text(text, map, u[a].begin, u[b].end);
  };
  auto same_run = [&](std::size_t a, std::size_t b) { return n.runs[a] == n.runs[b]; };
  Directive d;
  if (listed(map.needs_prefix, u[s].begin)) {
    std::size_t p = s;
    while (s - p < kPrefixUnits && p > 0 && same_run(p - 1, s)) --p;
    if (p == s) return std::nullopt;
    d.prefix = term(p, s - 1);
  }
  // The start term: kTermUnits units, fewer before a gap, as the indexer judged it.
  std::size_t start_end = s;
  while (start_end + 1 - s < kTermUnits && start_end + 1 < u.size() && same_run(start_end + 1, s))
    ++start_end;
  for (std::size_t e = n.last; e > start_end;) {
    if (n.runs[e] < 0) {
      --e;
      continue;
    }
    if (same_run(e, s) && e + 1 - s <= 2 * kTermUnits) {
      d.start = term(s, e);  // one term covers the passage
      return d;
    }
    if (const auto end = end_term(n, start_end, e)) {
      d.start = term(s, start_end);
      d.end = term(end->b, end->e);
      if (end->suffix_end > end->e) d.suffix = term(end->e + 1, end->suffix_end);
      return d;
    }
    while (e > start_end && same_run(e - 1, e)) --e;  // the end of the run before
    e = e > 0 ? e - 1 : 0;
  }
  d.start = term(s, start_end);
  return d;
}

}  // namespace

std::string encode_text_term(std::string_view term) {
  static constexpr std::string_view kExplicit = "!$'()*+./:;=?@_~";
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : term) {
    const auto b = static_cast<unsigned char>(c);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
        kExplicit.find(c) != std::string_view::npos) {
      out += c;
    } else {
      out += '%';
      out += kHex[b >> 4];
      out += kHex[b & 0xF];
    }
  }
  return out;
}

std::string passage_url(const std::string& section_url, const Section& section,
                        std::string_view snippet_html) {
  const auto map = decode_passage_map(section.passage_map);
  // A map that does not fit the text (an index written by another build) is no map.
  if (!map || (!map->edits.empty() &&
               map->edits.back().offset + map->edits.back().length > section.text.size())) {
    return section_url;
  }
  const std::string passage = snippet_text(snippet_html);
  if (passage.empty()) return section_url;
  const std::size_t at = section.text.find(passage);
  if (at == std::string::npos) return section_url;
  const auto n = neighbourhood(section.text, *map, at, at + passage.size());
  if (!n) return section_url;
  const auto d = directive(section.text, *map, *n);
  if (!d) return section_url;
  std::string directive = section_url.find('#') == std::string::npos ? "#:~:text=" : ":~:text=";
  if (!d->prefix.empty()) directive += encode_text_term(d->prefix) + "-,";
  directive += encode_text_term(d->start);
  if (!d->end.empty()) directive += "," + encode_text_term(d->end);
  if (!d->suffix.empty()) directive += ",-" + encode_text_term(d->suffix);
  return directive.size() > kMaxDirectiveBytes ? section_url : section_url + directive;
}

}  // namespace postsearch
