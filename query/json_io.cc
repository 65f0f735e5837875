#include "query/json_io.h"

#include <utility>

namespace postsearch {

using nlohmann::json;

json to_json(const Hit& h) {
  json sections = json::array();
  for (const auto& s : h.sections) {
    sections.push_back({{"heading", s.heading},
                        {"anchor", s.anchor},
                        {"url", s.url},
                        {"snippet_html", s.snippet_html}});
  }
  json out = {
      {"rank", h.rank},
      {"id", h.id},
      {"url", h.url},
      {"title", h.title},
      {"date", h.date.empty() ? json(nullptr) : json(h.date)},
      {"authors", h.authors},
      {"tags", h.tags},
      {"categories", h.categories},
      {"description", h.description},
      {"lang", h.lang},
      {"title_html", h.title_html},
      {"snippet_html", h.snippet_html},
      {"sections", std::move(sections)},
      {"score", h.score},
  };
  if (h.explain) out["explain"] = *h.explain;
  return out;
}

json to_json(const SearchResponse& r) {
  json hits = json::array();
  for (const auto& h : r.hits) hits.push_back(to_json(h));
  json facets = json::object();
  for (const auto& f : r.facets) {
    json values = json::array();
    for (const auto& v : f.values)
      values.push_back({{"value", v.value}, {"count", v.count}, {"selected", v.selected}});
    facets[f.name] = {{"values", std::move(values)}, {"other_values", f.other_values}};
  }
  return {
      {"query", r.query},
      {"did_you_mean", r.did_you_mean.empty() ? json(nullptr) : json(r.did_you_mean)},
      {"corrected", r.corrected},
      {"relaxed", r.relaxed},
      {"total",
       {{"estimate", r.total.estimate},
        {"lower_bound", r.total.lower},
        {"upper_bound", r.total.upper},
        {"exact", r.total.exact}}},
      {"page", r.page},
      {"per_page", r.per_page},
      {"hits", std::move(hits)},
      {"facets", std::move(facets)},
      {"warnings", r.warnings},
      {"took_ms", r.took_ms},
  };
}

json to_json(const SuggestResponse& r) {
  json completions = json::array();
  for (const auto& c : r.completions) completions.push_back({{"text", c.text}, {"posts", c.posts}});
  json titles = json::array();
  for (const auto& h : r.titles) {
    titles.push_back(
        {{"id", h.id}, {"url", h.url}, {"title", h.title}, {"title_html", h.title_html}});
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
                        {"url", p.url + "#" + s.anchor}});
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
      {"sections", std::move(sections)},
  };
}

json to_json(const IndexInfo& i) {
  return {{"documents", i.documents},       {"schema_version", i.schema_version},
          {"generation", i.generation},     {"revision", i.revision},
          {"default_lang", i.default_lang}, {"indexed_at", i.indexed_at}};
}

json related_json(const std::string& id, const std::vector<Hit>& hits) {
  json arr = json::array();
  for (const auto& h : hits) arr.push_back(to_json(h));
  return {{"id", id}, {"hits", arr}};
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
