#include "common/schema.h"

#include <algorithm>
#include <stdexcept>

#include "common/text.h"
#include "common/version.h"

namespace postsearch::schema {

const FilterField& filter_field(Filter filter) {
  for (const auto& f : kFilterFields) {
    if (f.filter == filter) return f;
  }
  throw std::logic_error("schema: unknown filter");
}

const TextField& text_field(TextSource source) {
  for (const auto& f : kTextFields) {
    if (f.source == source) return f;
  }
  throw std::logic_error("schema: unknown text field");
}

std::string normalise_filter_value(Filter filter, std::string_view value) {
  std::string out = text::collapse_whitespace(text::fold_case(value));
  if (filter == Filter::kMonth) {
    out.erase(std::remove(out.begin(), out.end(), '-'), out.end());
  }
  if (filter == Filter::kUrl) {
    // "https://example.org/a/" and "/a/" are one path.
    if (const auto scheme = out.find("://"); scheme != std::string::npos) {
      const auto path = out.find('/', scheme + 3);
      out = path == std::string::npos ? "/" : out.substr(path);
    }
    if (out.empty() || out.front() != '/') out.insert(out.begin(), '/');
    // "/a/", "/a" and "/a/index.html" are one page.
    constexpr std::string_view kIndex = "index.html";
    if (out.size() >= kIndex.size() &&
        out.compare(out.size() - kIndex.size(), kIndex.size(), kIndex) == 0) {
      out.resize(out.size() - kIndex.size());
    }
    while (out.size() > 1 && out.back() == '/') out.pop_back();
  }
  return out;
}

std::string filter_term(Filter filter, std::string_view value) {
  std::string term(filter_field(filter).prefix);
  term += normalise_filter_value(filter, value);
  // Xapian rejects terms over 245 bytes; no real tag or author is that long.
  return text::truncate_utf8(term, kMaxTermBytes);
}

double bm25_k1() {
  for (const auto& f : kTextFields) {
    if (f.source == TextSource::kBody) return kBm25K1PerBodyWord * f.weight;
  }
  return kBm25K1PerBodyWord;
}

std::string order_key(KeyOrder order, std::optional<double> date, std::string_view id) {
  // sortable_serialise() gives at most 9 bytes and never ends in a zero byte, so padding it
  // keeps its order. Newest first: zeros, below every date, for a post without one, and
  // each byte of the id inverted, then 0xff (a byte UTF-8 never holds), so that read in
  // descending order ids come out ascending ("a", "ab", "b"). Oldest first: 0xff bytes,
  // above every date, for a post without one, then the id and a zero byte.
  constexpr std::size_t kDateBytes = 9;
  const bool newest = order == KeyOrder::kNewestFirst;
  std::string key = date ? Xapian::sortable_serialise(*date) : std::string();
  if (!date && !newest) key.assign(kDateBytes, '\xff');
  key.resize(kDateBytes, '\0');
  for (const char c : id) {
    key += newest ? static_cast<char>(0xff - static_cast<unsigned char>(c)) : c;
  }
  key += newest ? '\xff' : '\0';
  return key;
}

std::string exact_title_term(std::string_view title) {
  const std::string folded = text::fold_case(version::canonical_text(title));
  std::string words;
  bool space = false;
  for (const char c : folded) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) != 0 || u >= 0x80) {
      if (space && !words.empty()) words += ' ';
      space = false;
      words += c;
    } else {
      space = true;
    }
  }
  return text::truncate_utf8(std::string(kExactTitlePrefix) + words, kMaxTermBytes);
}

}  // namespace postsearch::schema
