#include "query/json_io.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <utility>

#include "common/schema.h"
#include "common/text.h"
#include "query/excerpts.h"

namespace postsearch {

using nlohmann::json;

namespace {

// Where the run of bytes from `i` that JSON keeps as they are ends, looked at eight at a
// time: the first control byte, quote or backslash at or after `i` (or s.size(), or a
// little before: the rest is checked a byte at a time).
std::size_t plain_run_end(std::string_view s, std::size_t i) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
  constexpr std::uint64_t kHigh = 0x8080808080808080ULL;
  auto has_zero = [&](std::uint64_t v) { return ((v - kOnes) & ~v & kHigh) != 0; };
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t x = 0;
    std::memcpy(&x, s.data() + i, 8);
    // A byte below 0x20 (bytes from 0x80 up never count: ~x clears their top bit).
    const bool control = ((x - 0x20 * kOnes) & ~x & kHigh) != 0;
    if (control || has_zero(x ^ ('"' * kOnes)) || has_zero(x ^ ('\\' * kOnes))) break;
  }
  return i;
}

// Appends `s` as a JSON string, escaped as nlohmann::json escapes it.
void put(std::string& out, std::string_view s) {
  if (!text::is_valid_utf8(s)) {  // rare: let nlohmann replace the bad bytes its way
    out += dump_json(json(std::string(s)));
    return;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  std::size_t run = 0;  // start of the bytes not yet copied
  for (std::size_t i = 0; i < s.size(); ++i) {
    i = plain_run_end(s, i);
    if (i >= s.size()) break;
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.substr(run, i - run));
    run = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 0xF];
    }
  }
  out.append(s.substr(run));
  out += '"';
}

void put(std::string& out, bool b) { out += b ? "true" : "false"; }
void put(std::string& out, int n) { out += std::to_string(n); }
void put(std::string& out, std::size_t n) { out += std::to_string(n); }
void put(std::string& out, double d) { out += json(d).dump(); }

void put(std::string& out, const SectionHit& s);
void put(std::string& out, const Hit& h);
void put(std::string& out, const Translation& t);
void put(std::string& out, const FacetValue& v);
void put(std::string& out, const Facet& f);
void put(std::string& out, const std::vector<Facet>& facets);
void put(std::string& out, const Total& t);

template <typename T>
void put(std::string& out, const std::vector<T>& list) {
  out += '[';
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (i > 0) out += ',';
    put(out, list[i]);
  }
  out += ']';
}

// `"name":value` pairs of one object, written in the order given (alphabetical).
class Object {
 public:
  explicit Object(std::string& out) : out_(out) { out_ += '{'; }
  ~Object() { out_ += '}'; }
  Object(const Object&) = delete;
  Object& operator=(const Object&) = delete;
  // Writes the key; the caller writes the value next.
  std::string& key(std::string_view name) {
    if (!first_) out_ += ',';
    first_ = false;
    put(out_, name);
    out_ += ':';
    return out_;
  }
  template <typename T>
  void field(std::string_view name, const T& value) {
    put(key(name), value);
  }
  // A string, or null when empty.
  void string_or_null(std::string_view name, const std::string& value) {
    if (value.empty()) {
      key(name) += "null";
    } else {
      field(name, value);
    }
  }

 private:
  std::string& out_;
  bool first_ = true;
};

void put(std::string& out, const SectionHit& s) {
  Object o(out);
  o.field("anchor", s.anchor);
  o.field("heading", s.heading);
  o.field("passage_url", s.passage_url);
  o.field("snippet_html", s.snippet_html);
  o.field("url", s.url);
}

void put(std::string& out, const Hit& h) {
  Object o(out);
  o.string_or_null("absolute_url", h.absolute_url);
  o.field("authors", h.authors);
  o.field("categories", h.categories);
  o.string_or_null("date", h.date);
  o.field("description", h.description);
  if (h.explain) o.key("explain") += dump_json(*h.explain);
  o.field("id", h.id);
  o.field("lang", h.lang);
  o.field("passage_url", h.passage_url);
  o.field("rank", h.rank);
  o.field("score", h.score);
  o.field("sections", h.sections);
  if (!h.site.empty()) o.field("site", h.site);
  o.field("snippet_html", h.snippet_html);
  o.field("tags", h.tags);
  o.field("title", h.title);
  o.field("title_html", h.title_html);
  o.field("translations", h.translations);
  o.field("type", h.type);
  o.field("url", h.url);
}

void put(std::string& out, const Translation& t) {
  Object o(out);
  o.field("lang", t.lang);
  o.field("title", t.title);
  o.field("url", t.url);
}

void put(std::string& out, const Facet& f) {
  Object o(out);
  o.field("other_values", f.other_values);
  o.field("values", f.values);
}

void put(std::string& out, const FacetValue& v) {
  Object o(out);
  o.field("count", v.count);
  o.field("selected", v.selected);
  o.field("value", v.value);
}

void put(std::string& out, const std::vector<Facet>& facets) {
  std::vector<const Facet*> sorted;
  for (const auto& f : facets) sorted.push_back(&f);
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const Facet* a, const Facet* b) { return a->name < b->name; });
  Object o(out);
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    // A repeated name: the last one, as an object assigned twice keeps it.
    if (i + 1 < sorted.size() && sorted[i + 1]->name == sorted[i]->name) continue;
    o.field(sorted[i]->name, *sorted[i]);
  }
}

// The facet fields as the search box shows them, in the schema's order: each one's facet
// (its key in `facets`), heading and the parameter that selects its values.
const std::string& filters_description() {
  static const std::string kDescription = [] {
    std::string out = "[";
    for (const auto& f : schema::kFacetFields) {
      if (out.size() > 1) out += ',';
      Object o(out);
      o.field("facet", f.name);
      o.field("label", f.label);
      o.field("param", schema::filter_field(f.filter).name);
    }
    return out + "]";
  }();
  return kDescription;
}

void put(std::string& out, const Total& t) {
  Object o(out);
  o.field("estimate", t.estimate);
  o.field("exact", t.exact);
  o.field("lower_bound", t.lower);
  o.field("upper_bound", t.upper);
}

std::string indented(std::string one_line, int indent) {
  return indent < 0 ? one_line : dump_json(json::parse(one_line), indent);
}

}  // namespace

std::string search_json(const SearchResponse& r, int indent) {
  std::string out;
  out.reserve(4096 + r.hits.size() * 2048);
  {
    Object o(out);
    o.field("corrected", r.corrected);
    o.string_or_null("did_you_mean", r.did_you_mean);
    o.field("facets", r.facets);
    // With facets: how to show them and which parameter each selects (web/postsearch.js).
    if (!r.facets.empty()) o.key("filters") += filters_description();
    o.field("hits", r.hits);
    o.field("langs", r.langs);
    o.field("page", r.page);
    o.field("per_page", r.per_page);
    o.field("query", r.query);
    o.field("relaxed", r.relaxed);
    o.field("took_ms", r.took_ms);
    o.field("total", r.total);
    o.field("warnings", r.warnings);
  }
  return indented(std::move(out), indent);
}

std::string related_json(const std::string& id, const std::vector<Hit>& hits, int indent) {
  std::string out;
  {
    Object o(out);
    o.field("hits", hits);
    o.field("id", id);
  }
  return indented(std::move(out), indent);
}

json to_json(const SuggestResponse& r) {
  json completions = json::array();
  for (const auto& c : r.completions) completions.push_back({{"text", c.text}, {"posts", c.posts}});
  json titles = json::array();
  for (const auto& h : r.titles) {
    titles.push_back({{"id", h.id},
                      {"url", h.url},
                      {"title", h.title},
                      {"title_html", h.title_html},
                      {"lang", h.lang}});
    if (!h.site.empty()) titles.back()["site"] = h.site;
  }
  return {{"q", r.q}, {"completions", std::move(completions)}, {"posts", std::move(titles)}};
}

json to_json(const StoredPost& p) {
  json sections = json::array();
  for (const auto& s : p.sections) {
    if (s.heading.empty()) continue;
    sections.push_back({{"heading", s.heading},
                        {"anchor", s.anchor},
                        {"level", s.level},
                        {"url", section_url(p.url, s)}});
  }
  return {
      {"id", p.id},
      {"url", p.url},
      {"title", p.title},
      {"date", p.date_text.empty() ? json(nullptr) : json(p.date_text)},
      {"authors", p.authors},
      {"tags", p.tags},
      {"categories", p.categories},
      {"description", p.description},
      {"lang", p.lang},
      {"type", p.type},
      {"sections", std::move(sections)},
  };
}

json to_json(const IndexInfo& i) {
  return {{"documents", i.documents},
          {"schema_version", i.schema_version},
          {"generation", i.generation},
          {"revision", i.revision},
          {"default_lang", i.default_lang},
          {"indexed_at", i.indexed_at},
          {"langs", i.langs},
          {"fallback_lang", i.fallback_lang},
          {"site_url",
           i.site.site_url.empty() ? nlohmann::json(nullptr) : nlohmann::json(i.site.site_url)}};
}

json error_json(const std::string& code, const std::string& message, const std::string& param) {
  return {{"error",
           {{"code", code},
            {"message", message},
            {"param", param.empty() ? json(nullptr) : json(param)}}}};
}

std::string_view sort_name(SortOrder sort) {
  switch (sort) {
    case SortOrder::kRelevance:
      return "relevance";
    case SortOrder::kDateAscending:
      return "date";
    case SortOrder::kDateDescending:
      return "-date";
  }
  return "relevance";
}

std::optional<SortOrder> sort_by_name(std::string_view name) {
  if (name == "relevance" || name.empty()) return SortOrder::kRelevance;
  if (name == "date") return SortOrder::kDateAscending;
  if (name == "-date") return SortOrder::kDateDescending;
  return std::nullopt;
}

std::string dump_json(const nlohmann::json& j, int indent) {
  return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace postsearch
