#include "indexer/post_reader.h"

#include <xxhash.h>
#include <nlohmann/json.hpp>

#include <fnmatch.h>

#include <algorithm>
#include <cstdio>

#include "common/schema.h"
#include "common/text.h"
#include "indexer/dates.h"
#include "indexer/front_matter.h"
#include "indexer/listing.h"
#include "indexer/markdown.h"
#include "indexer/permalink.h"
#include "indexer/post_context.h"
#include "indexer/source_text.h"

namespace postsearch {
namespace {

using nlohmann::json;
using namespace reading;  // the read's context and its URL steps

std::optional<std::string> scalar_text(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return std::to_string(v.get<long long>());
  if (v.is_number_float()) return v.dump();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  return std::nullopt;
}

bool truthy(const json* v) {
  if (v == nullptr) return false;
  if (v->is_boolean()) return v->get<bool>();
  if (v->is_string()) return v->get<std::string>() == "true";
  return false;
}

}  // namespace

namespace reading {

std::string text_field(Context& c, std::initializer_list<const char*> keys) {
  for (const char* k : keys) {
    const json* v = c.get({k});
    if (v == nullptr) continue;
    if (auto s = scalar_text(*v)) return text::trim(*s);
    c.warn(k, "expected text, found " + std::string(v->type_name()) + "; ignored");
  }
  return "";
}

// A list field: a YAML/TOML list, or (when split_words) a space-separated string.
std::vector<std::string> list_field(Context& c, const char* key, bool split_words) {
  const json* v = c.get({key});
  std::vector<std::string> out;
  if (v == nullptr) return out;
  auto add = [&](const std::string& s) {
    const std::string t = text::collapse_whitespace(s);
    if (!t.empty() && std::find(out.begin(), out.end(), t) == out.end()) out.push_back(t);
  };
  if (v->is_array()) {
    for (const auto& item : *v) {
      if (auto s = scalar_text(item)) {
        add(*s);
      } else if (!item.is_null()) {
        c.warn(key, "list item is a " + std::string(item.type_name()) + ", not text; ignored");
      }
    }
  } else if (auto s = scalar_text(*v)) {
    if (split_words) {
      for (const auto& w : text::split(text::collapse_whitespace(*s), ' ')) add(w);
    } else {
      add(*s);
    }
  } else {
    c.warn(key, "expected a list or text, found " + std::string(v->type_name()) + "; ignored");
  }
  return out;
}

}  // namespace reading

namespace {

std::vector<std::string> merged_list(Context& c, const char* plural, const char* singular) {
  std::vector<std::string> out = list_field(c, plural, true);
  for (auto& s : list_field(c, singular, false)) {
    if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
  }
  return out;
}

// Authors: a name, a list of names, or keys into _data/authors.yml.
std::vector<std::string> authors_of(Context& c) {
  std::vector<std::string> names = list_field(c, "authors", false);
  for (auto& a : list_field(c, "author", false)) names.push_back(a);
  const json& data = c.site.authors;
  for (auto& n : names) {
    if (data.is_object() && data.contains(n) && data[n].is_object()) {
      const json& entry = data[n];
      for (const char* k : {"name", "display_name", "full_name"}) {
        if (entry.contains(k) && entry[k].is_string()) {
          n = entry[k].get<std::string>();
          break;
        }
      }
    }
  }
  std::vector<std::string> unique;
  for (auto& n : names) {
    if (std::find(unique.begin(), unique.end(), n) == unique.end()) unique.push_back(n);
  }
  return unique;
}

// How the site's generator places a date read from front-matter field `key` (or from the
// file name, when `key` is empty).
DatePlacement placement_of(const Context& c, const std::string& key) {
  DatePlacement p;
  p.zone = c.site.time_zone;
  p.convert_to_zone = c.site.generator != Generator::kHugo;
  p.unzoned_is_utc = c.site.generator == Generator::kJekyll && c.fm.timestamp_keys.count(key) > 0;
  return p;
}

// A front-matter date field as the generator reads it; nothing when absent or invalid.
std::optional<ParsedDate> date_field(const Context& c, const char* key) {
  const json* v = c.get({key});
  const auto s = v != nullptr ? scalar_text(*v) : std::nullopt;
  auto d = s ? parse_date(*s) : std::nullopt;
  if (!d && s && c.site.generator == Generator::kJekyll) d = parse_date_as_ruby(*s);
  if (!d) return std::nullopt;
  return place_date(*d, placement_of(c, key));
}

// The front-matter fields a post's date comes from, first found first: Hugo's default
// `frontmatter.date` (date, publishDate, pubdate, published, lastmod, modified; its keys in
// any letter case), and Jekyll's date.
std::vector<const char*> date_keys(const Context& c) {
  if (c.site.generator != Generator::kHugo) return {"date", "publishDate", "pubDate"};
  return {"date",    "Date",      "publishDate", "publishdate", "PublishDate", "pubdate",
          "pubDate", "published", "lastmod",     "lastMod",     "Lastmod",     "modified"};
}

void read_front_matter_date(Context& c, const FileNameDate& from_name) {
  for (const char* key : date_keys(c)) {
    const json* v = c.get({key});
    if (v == nullptr) continue;
    if ((c.date = date_field(c, key))) return;
    c.warn(key, "invalid date '" + scalar_text(*v).value_or(v->dump()) +
                    "' (expected YYYY-MM-DD, optionally with a time and UTC offset)" +
                    (from_name.date ? "; the file name's date is used" : "; the post has no date"));
    return;
  }
}

// A Jekyll page: a file of its own outside _posts and the collections, with no date.
bool jekyll_page(const Context& c) {
  return c.site.generator == Generator::kJekyll && c.file.kind == SourceKind::kPage;
}

void read_date(Context& c) {
  const std::string stem = fs::path(c.file.path).stem().string();
  if (jekyll_page(c)) {
    // Page#process: the name without its extension, trailing dots dropped; no date.
    c.basename = stem;
    while (!c.basename.empty() && c.basename.back() == '.') c.basename.pop_back();
    return;
  }
  const FileNameDate from_name = parse_file_name_date(stem);
  c.basename = c.site.generator == Generator::kJekyll ? from_name.rest : stem;
  c.name_has_date = from_name.has_prefix;
  read_front_matter_date(c, from_name);
  if (from_name.has_prefix && !from_name.date) {
    const std::string written = stem.substr(0, stem.size() - from_name.rest.size() - 1);
    if (c.date) {
      c.result.diagnostics.push_back(
          {Severity::kWarning, c.file.rel, 0, 0, "",
           "file name date '" + written + "' is not a real date; the front-matter date is used"});
      return;
    }
    c.result.diagnostics.push_back(
        {Severity::kError, c.file.rel, 0, 0, "",
         "file name date '" + written +
             "' is not a real date and the front matter gives no valid date: not indexed "
             "(write a real date in the file name or a date: field)"});
    c.refused = true;
    return;
  }
  if (!c.date && from_name.date) c.date = place_date(*from_name.date, placement_of(c, ""));
  if (!c.date && c.file.kind == SourceKind::kDraft && c.options.file_mtime > 0) {
    ParsedDate modified;
    modified.epoch = c.options.file_mtime;
    modified.local = TimeZone{}.local_at(modified.epoch);
    modified.has_offset = true;
    c.date = place_date(modified, placement_of(c, ""));
  }
}

// When the generator publishes the post: Hugo's publishDate (its default
// `frontmatter.publishDate`: publishDate, pubdate, published, date; never lastmod), else
// the post's date.
std::optional<std::int64_t> publish_epoch(Context& c) {
  if (c.site.generator == Generator::kHugo) {
    for (const char* key : {"publishDate", "publishdate", "pubdate", "published", "date"}) {
      if (const auto d = date_field(c, key)) return d->epoch;
    }
    return std::nullopt;
  }
  if (c.date) return c.date->epoch;
  return std::nullopt;
}

// Hugo's build options (`_build`, or `build` in later versions): render "never"/false
// means Hugo writes no page for it, like `headless: true`.
bool hugo_never_rendered(Context& c) {
  if (c.site.generator != Generator::kHugo) return false;
  const json* build = c.get({"_build", "build"});
  if (build == nullptr || !build->is_object() || !build->contains("render")) return false;
  const json& render = (*build)["render"];
  return (render.is_boolean() && !render.get<bool>()) ||
         (render.is_string() && (render == "never" || render == "false"));
}

// The layout a Jekyll page is rendered with: its own `layout:`, else the most specific of
// the configuration's `defaults:` for pages at its path.
std::string page_layout(const Context& c) {
  if (const json* own = c.get({"layout"}); own != nullptr) {
    return own->is_string() ? own->get<std::string>() : "";
  }
  std::string layout;
  std::size_t best = 0;
  for (const auto& d : c.site.layout_defaults) {
    if (!d.type.empty() && d.type != "pages") continue;
    const bool under = d.path.empty() || c.file.rel == d.path ||
                       c.file.rel.rfind(d.path + "/", 0) == 0 ||
                       fnmatch(d.path.c_str(), c.file.rel.c_str(), 0) == 0;
    if (!under || d.path.size() + 1 < best) continue;
    best = d.path.size() + 1;
    layout = d.layout;
  }
  return layout;
}

// Why a page is a generated listing (listing.h), or an empty string.
std::string listing_reason(const Context& c) {
  if (c.file.kind == SourceKind::kListing) return "listing page (Hugo list page, _index.md)";
  if (!jekyll_page(c)) return "";
  // jekyll-paginate-v2's `pagination: {enabled: true}`.
  const json* pagination = c.get({"pagination"});
  if (pagination != nullptr && pagination->is_object() && truthy(&(*pagination)["enabled"]))
    return "listing page (paginated)";
  if (loops_over_posts(c.fm.body, c.site.collection_names) ||
      !c.site.layouts.listing_layout(page_layout(c)).empty()) {
    return "listing page (loops over posts)";
  }
  return "";
}

// Why the generator would not publish this post, or an empty string.
std::string skip_reason(Context& c) {
  if (std::string listing = listing_reason(c); !listing.empty()) return listing;
  if (c.site.generator == Generator::kJekyll &&
      (c.file.kind == SourceKind::kPage || c.file.kind == SourceKind::kDocument) &&
      c.fm.format != FrontMatterFormat::kYaml) {
    return "no front matter (Jekyll copies the file as it is)";
  }
  if (c.site.generator == Generator::kHugo && is_html_file(c.file.path) &&
      c.fm.format == FrontMatterFormat::kNone) {
    return "HTML without front matter (Hugo copies the file as it is)";
  }
  // The page a server shows for a missing one (GitHub Pages' convention): not content.
  if (jekyll_page(c) && c.file.rel.find('/') == std::string::npos && c.basename == "404")
    return "error page (404)";
  if (c.site.generator == Generator::kJekyll && c.file.kind == SourceKind::kPost &&
      !c.name_has_date) {
    return "not a post file name (Jekyll publishes only YYYY-MM-DD-title files from _posts)";
  }
  const json* published = c.get({"published"});
  if (published != nullptr && published->is_boolean() && !published->get<bool>() &&
      !c.options.unpublished) {
    return "published: false";
  }
  if (truthy(c.get({"draft"})) && !c.options.drafts) return "draft: true";
  if (c.file.kind == SourceKind::kDraft && !c.options.drafts) return "draft";
  const json* search = c.get({"search"});
  if (search != nullptr && search->is_boolean() && !search->get<bool>()) return "search: false";
  if (truthy(c.get({"noindex"}))) return "noindex: true";
  if (const json* headless = c.get({"headless"}); truthy(headless)) return "headless: true";
  if (hugo_never_rendered(c)) return "not rendered (build render: never)";
  if (const auto when = publish_epoch(c); when && *when > c.options.now && !c.options.future) {
    return "dated in the future";
  }
  if (const auto expiry = date_field(c, "expiryDate"); expiry && expiry->epoch <= c.options.now) {
    return "expired (expiryDate)";
  }
  return "";
}

void fill_fields(Context& c, Post& post) {
  post.id = c.file.rel;
  post.source_path = c.file.rel;
  post.authors = authors_of(c);
  post.tags = merged_list(c, "tags", "tag");
  post.categories = c.file.folder_categories;
  for (auto& cat : merged_list(c, "categories", "category")) {
    if (std::find(post.categories.begin(), post.categories.end(), cat) == post.categories.end()) {
      post.categories.push_back(cat);
    }
  }
  post.description = text_field(c, {"description", "excerpt", "summary"});
  post.lang = text_field(c, {"lang", "language"});
  if (post.lang.empty()) post.lang = c.file.lang.empty() ? c.site.default_lang : c.file.lang;
  if (c.date) {
    post.date = c.date->epoch;
    post.date_text = c.date->iso8601();
  }
  post.type = c.file.type;
  // Hugo's `type` front matter, outside the main sections (whose pages are the posts).
  if (c.site.generator == Generator::kHugo && post.type != "post") {
    if (const std::string own = text_field(c, {"type"}); !own.empty()) post.type = own;
  }
  for (const auto& field : schema::kFilterFields) {  // the schema's front-matter fields
    if (field.values != schema::PostValues::kFrontMatter) continue;
    const std::string key(field.front_matter);
    post.front_matter_values[key] = list_field(c, key.c_str(), false);
  }
  if (truthy(c.get({"pinned"}))) post.boost = 1.0;
  if (const json* w = c.get({"search_boost"}); w != nullptr && w->is_number()) {
    post.boost = std::max(0.0, w->get<double>());
  }
}

void fill_text(Context& c, Post& post) {
  std::string body = c.fm.body;
  if (body.size() > kMaxIndexedTextBytes) {
    body = text::truncate_utf8(body, kMaxIndexedTextBytes);
    c.result.diagnostics.push_back({Severity::kWarning, c.file.rel, 0, 0, "",
                                    "post is larger than " +
                                        std::to_string(kMaxIndexedTextBytes >> 20) +
                                        " MiB; only the first part is indexed"});
  }
  MarkdownOptions mo;
  mo.anchors = c.site.anchors;
  mo.html = is_html_file(c.file.path);
  // An HTML source reaches the page as written: Goldmark's `unsafe` is for HTML in Markdown.
  if (mo.html) mo.anchors.raw_html = true;
  // Jekyll renders a post's Liquid before its Markdown: `page` is the front matter.
  nlohmann::json page = c.fm.fields;
  if (c.date) page["date"] = c.date->iso8601();
  const LiquidData liquid{&c.site.liquid_site, &page, {}, &c.site.includes};
  if (c.site.generator == Generator::kJekyll) mo.liquid = &liquid;
  MarkdownText md = markdown_to_text(body, mo);
  post.sections = std::move(md.sections);
  post.code = std::move(md.code);
  post.alt_text = std::move(md.alt_text);
  post.title = text_field(c, {"title", "linkTitle"});
  if (post.title.empty()) post.title = md.first_heading;
  if (post.title.empty()) post.title = titleize(c.basename);
}

// A stored text field without control characters and within `max_bytes`, warning of each
// change against `field`.
std::string bounded(Context& c, const char* field, std::string value, std::size_t max_bytes) {
  if (text::has_control(value)) {
    value = text::strip_control(value);
    c.warn(field, "control characters removed");
  }
  if (value.size() > max_bytes) {
    const std::size_t before = value.size();
    value = text::truncate_words(value, max_bytes);
    c.warn(field, std::to_string(before) + " bytes, over the limit of " +
                      std::to_string(max_bytes) + "; cut to " + std::to_string(value.size()));
  }
  return value;
}

void bound_list(Context& c, const char* field, std::vector<std::string>& values,
                std::size_t max_bytes) {
  const std::size_t max_items = c.options.limits.list_items;
  if (values.size() > max_items) {
    c.warn(field, std::to_string(values.size()) + " items, over the limit of " +
                      std::to_string(max_items) + "; the first " + std::to_string(max_items) +
                      " are kept");
    values.resize(max_items);
  }
  for (auto& v : values) v = bounded(c, field, std::move(v), max_bytes);
  values.erase(std::remove(values.begin(), values.end(), std::string()), values.end());
}

// At most `max_sections` sections: a post of a hundred thousand headings made as many
// sections, each stored with its heading, anchor and URL and sent whole by /api/posts (13 MB
// and 0.8 s of a searcher for a 6 MB post).
void bound_sections(Context& c, std::vector<Section>& sections, std::size_t max_sections) {
  if (max_sections == 0 || sections.size() <= max_sections) return;
  c.result.diagnostics.push_back(
      {Severity::kWarning, c.file.rel, 0, 0, "",
       std::to_string(sections.size()) + " headings, over the limit of " +
           std::to_string(max_sections) + " sections; the text after heading " +
           std::to_string(max_sections - 1) + " ('" + sections[max_sections - 1].heading +
           "') stays in its section"});
  Section& last = sections[max_sections - 1];
  for (std::size_t i = max_sections; i < sections.size(); ++i) {
    last.text += "\n\n" + sections[i].heading + "\n\n" + sections[i].text;
  }
  sections.resize(max_sections);
}

// What the post stores, bounded: no control characters, no field over its limit.
void bound_fields(Context& c, Post& post) {
  const FieldLimits& l = c.options.limits;
  post.title = bounded(c, "title", std::move(post.title), l.title_bytes);
  post.description = bounded(c, "description", std::move(post.description), l.description_bytes);
  post.lang = bounded(c, "lang", std::move(post.lang), l.name_bytes);
  if (post.lang.empty()) post.lang = c.site.default_lang;
  bound_list(c, "authors", post.authors, l.name_bytes);
  bound_list(c, "tags", post.tags, l.name_bytes);
  bound_list(c, "categories", post.categories, l.name_bytes);
  bound_list(c, "aliases", post.aliases, l.url_bytes);
  for (auto& [key, values] : post.front_matter_values)
    bound_list(c, key.c_str(), values, l.name_bytes);
  bool body_control = text::has_control(post.code) || text::has_control(post.alt_text);
  post.code = text::strip_control(post.code);
  post.alt_text = text::strip_control(post.alt_text);
  bound_sections(c, post.sections, l.sections);
  for (auto& s : post.sections) {
    s.heading = bounded(c, "heading", std::move(s.heading), l.title_bytes);
    body_control = body_control || text::has_control(s.text);
    s.text = text::strip_control(s.text);
  }
  if (body_control) {
    c.result.diagnostics.push_back(
        {Severity::kWarning, c.file.rel, 0, 0, "", "control characters removed from the body"});
  }
}

// Whether a page says anything once its Liquid and markup are gone (a redirect, a search
// form or an empty shell does not).
bool has_own_text(const Post& post) {
  for (const auto& s : post.sections) {
    if (s.text.find_first_not_of(" \t\n") != std::string::npos || !s.heading.empty()) return true;
  }
  return !post.code.empty();
}

UrlOrigin url_origin(const Context& c) {
  for (const char* key : {"permalink", "url", "slug"}) {
    if (c.get({key}) != nullptr) return {key, c.fm.line_of(key)};
  }
  return {};
}

}  // namespace

ReadResult read_post(const SiteConfig& site, const SourceFile& file, std::string_view bytes,
                     const ReadOptions& options) {
  Context c{site, file, options, {}, {}, std::nullopt, "", false, false};
  SourceText decoded = decode_source(bytes, file.rel);
  c.result.diagnostics = std::move(decoded.diagnostics);
  if (!decoded.text) return std::move(c.result);
  if (decoded.text->find_first_not_of(" \t\n") == std::string::npos) {
    c.result.diagnostics.push_back({Severity::kWarning, file.rel, 0, 0, "",
                                    "empty file; indexed with its file name as title"});
  }
  FrontMatterResult fmr = parse_front_matter(*decoded.text, file.rel, {site.yaml});
  c.result.diagnostics.insert(c.result.diagnostics.end(), fmr.diagnostics.begin(),
                              fmr.diagnostics.end());
  if (!fmr.front_matter) return std::move(c.result);
  c.fm = std::move(*fmr.front_matter);
  read_date(c);
  if (c.refused) return std::move(c.result);
  if (std::string why = skip_reason(c); !why.empty()) {
    c.result.status = ReadStatus::kSkipped;
    c.result.skip_reason = std::move(why);
    return std::move(c.result);
  }
  Post post;
  fill_fields(c, post);
  fill_text(c, post);
  if (post.type != "post" && !has_own_text(post)) {
    c.result.status = ReadStatus::kSkipped;
    c.result.skip_reason = "no text of its own";
    return std::move(c.result);
  }
  switch (site.generator) {
    case Generator::kJekyll:
      post.url = jekyll_url_of(c, post);
      break;
    case Generator::kHugo:
      post.url = hugo_url_of(c, post);
      break;
    case Generator::kPlain:
      post.url = join_url(site.baseurl, plain_url_of(c));
      break;
  }
  post.aliases = aliases_of(c, post);
  post.translation_key = translation_key_of(c);
  bound_fields(c, post);
  c.result.url_origin = url_origin(c);
  c.result.status = ReadStatus::kIndexed;
  c.result.post = std::move(post);
  return std::move(c.result);
}

}  // namespace postsearch
