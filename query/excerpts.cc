#include "query/excerpts.h"

#include <algorithm>
#include <cctype>
#include <utility>

#include "common/ascii_search.h"
#include "common/text.h"
#include "query/passage.h"

namespace postsearch {
namespace {

constexpr std::size_t kSnippetLength = 200;
constexpr std::size_t kSectionSnippetLength = 160;
constexpr std::size_t kMaxSnippetSource = 32 * 1024;  // text per section searched for an excerpt
// A section's excerpt is chosen from this much text around its first possible match: the
// snippet generator tokenises and stems all it is given, and long sections dominated the
// cost of a page of hits.
constexpr std::size_t kExcerptWindowBefore = 100;
constexpr std::size_t kExcerptWindow = 420;
constexpr std::size_t kMaxSectionsPerHit = 3;
constexpr std::size_t kExcerptedSections = kMaxSectionsPerHit;  // sections given a snippet call
constexpr std::string_view kMarkOpen = "<mark>";

int count_marks(const std::string& html) {
  int n = 0;
  for (std::size_t p = html.find(kMarkOpen); p != std::string::npos;
       p = html.find(kMarkOpen, p + 1))
    ++n;
  return n;
}

// Where the first needle occurs in `text` (ASCII case-insensitively), or npos.
std::size_t first_match(std::string_view text, const std::vector<std::string>& needles) {
  std::size_t first = std::string_view::npos;
  for (const auto& n : needles) {
    if (const std::size_t at = text::ascii_ifind(text, n, first); at != std::string_view::npos)
      first = at;
  }
  return first;
}

bool may_match(std::string_view text, const std::vector<std::string>& needles) {
  return first_match(text, needles) != std::string_view::npos;
}

// The text around `at` that an excerpt is taken from: whole UTF-8 characters, starting
// after a space when it does not start at the beginning.
std::string window_around(std::string_view text, std::size_t at) {
  auto is_continuation = [&](std::size_t i) {
    return i < text.size() && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80;
  };
  std::size_t start = at > kExcerptWindowBefore ? at - kExcerptWindowBefore : 0;
  if (start > 0) {
    const std::size_t space = text.find(' ', start);
    start = space != std::string_view::npos && space < at ? space + 1 : start;
    while (is_continuation(start)) ++start;
  }
  std::size_t end = std::min(text.size(), start + kExcerptWindow);
  while (end < text.size() && is_continuation(end)) --end;
  return std::string(text.substr(start, end - start));
}

// Where the first needle occurs in section `s`'s searched text, or npos.
std::size_t first_in_text(const Section& s, const std::vector<std::string>& needles) {
  return first_match(std::string_view(s.text).substr(0, std::min(s.text.size(), kMaxSnippetSource)),
                     needles);
}

// The sections worth excerpting: those whose heading (counted double) or text may hold a
// match, best first (post order among equal scores), at most kExcerptedSections. The test
// is a substring search; the snippet calls that follow cost far more. `first_at` gets the
// first match in the text of each section chosen (npos for the others).
//
// Headings are short and tested first. A section whose heading matches outranks every
// section whose text alone does, so the texts of the others are searched, in post order,
// only until the few places left are filled: a long post's remaining sections are not
// read.
std::vector<std::size_t> excerpt_candidates(const StoredPost& post,
                                            const std::vector<std::string>& needles,
                                            std::vector<std::size_t>& first_at) {
  const std::size_t n = post.sections.size();
  first_at.assign(n, std::string_view::npos);
  std::vector<bool> heading(n, false);
  std::vector<std::size_t> with_heading;
  for (std::size_t i = 0; i < n; ++i) {
    const Section& s = post.sections[i];
    heading[i] = !s.anchor.empty() && may_match(s.heading, needles);
    if (heading[i]) with_heading.push_back(i);
  }
  std::vector<std::size_t> out;
  // Headings with a match in the text too (score 3), then the other headings (score 2).
  for (const std::size_t i : with_heading) first_at[i] = first_in_text(post.sections[i], needles);
  for (const bool text_too : {true, false}) {
    for (const std::size_t i : with_heading) {
      if ((first_at[i] != std::string_view::npos) == text_too && out.size() < kExcerptedSections)
        out.push_back(i);
    }
  }
  // Texts alone (score 1), in post order, while places are left.
  for (std::size_t i = 0; i < n && out.size() < kExcerptedSections; ++i) {
    if (heading[i]) continue;
    first_at[i] = first_in_text(post.sections[i], needles);
    if (first_at[i] != std::string_view::npos) out.push_back(i);
  }
  return out;
}

}  // namespace

std::string section_url(const std::string& post_url, const Section& section) {
  return section.anchor.empty() ? post_url : post_url + "#" + section.anchor;
}

std::vector<std::string> needles_of(const Xapian::Query& query) {
  std::vector<std::string> out;
  for (auto t = query.get_unique_terms_begin(); t != query.get_unique_terms_end(); ++t) {
    std::string term = *t;
    const bool stem = !term.empty() && term[0] == 'Z';
    if (stem) term.erase(0, 1);
    if (term.empty() || (term[0] >= 'A' && term[0] <= 'Z')) continue;  // filters, field copies
    if (stem && term.size() >= 4 && static_cast<unsigned char>(term.back()) < 0x80) term.pop_back();
    out.push_back(term);
  }
  // A needle that starts with another is redundant (the completions of a word being typed
  // all start with it): any text holding it holds the shorter one, no later.
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  std::vector<std::string> kept;
  for (const auto& n : out) {
    if (kept.empty() || n.rfind(kept.back(), 0) != 0) kept.push_back(n);
  }
  return kept;
}

bool may_stem_to(std::string_view text, const std::vector<std::string>& needles) {
  auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
  bool word_start = true;
  for (const char c : text) {
    if (static_cast<unsigned char>(c) >= 0x80) return true;
    const bool alnum = std::isalnum(static_cast<unsigned char>(c)) != 0;
    if (alnum && word_start &&
        std::any_of(needles.begin(), needles.end(),
                    [&](const std::string& n) { return n[0] == lower(c); }))
      return true;
    word_start = !alnum;
  }
  return false;
}

std::string excerpt_of(Highlighter& highlighter, const std::string& text, std::size_t length,
                       unsigned flags) {
  if (text.empty()) return "";
  return highlighter.snippet(text, length, flags | Xapian::MSet::SNIPPET_CJK_NGRAM);
}

Excerpts excerpts(Highlighter& highlighter, const StoredPost& post,
                  const std::vector<std::string>& needles) {
  struct Scored {
    int score;
    std::size_t index;
    SectionHit hit;
  };
  std::vector<Scored> scored;
  int best_marks = 0;
  Excerpts out;
  std::vector<std::size_t> first_at;
  for (const std::size_t i : excerpt_candidates(post, needles, first_at)) {
    const Section& s = post.sections[i];
    const std::string body =
        first_at[i] != std::string_view::npos
            ? excerpt_of(highlighter, window_around(s.text, first_at[i]), kSectionSnippetLength,
                         Xapian::MSet::SNIPPET_EMPTY_WITHOUT_MATCH)
            : std::string();
    const int marks = count_marks(body);
    const std::string link = section_url(post.url, s);
    // Passage links: the section's URL with a text fragment for the excerpt's passage.
    const std::string passage = body.empty() ? link : passage_url(link, s, body);
    if (marks > best_marks) {
      best_marks = marks;
      out.snippet_html = body;
      out.passage_url = passage;
    }
    if (s.heading.empty() || s.anchor.empty()) continue;
    const std::string heading = may_match(s.heading, needles)
                                    ? excerpt_of(highlighter, s.heading, s.heading.size() + 8)
                                    : "";
    const int score = 2 * count_marks(heading) + marks;
    if (score == 0) continue;
    scored.push_back(
        {score, i, {s.heading, s.anchor, link, body.empty() ? heading : body, passage}});
  }
  if (out.snippet_html.empty()) {
    // No match in the text (the title or a tag matched): the description, or the start.
    std::string lead = post.description;
    const Section* lead_section = nullptr;
    for (std::size_t i = 0; lead.empty() && i < post.sections.size(); ++i) {
      lead = text::truncate_utf8(post.sections[i].text, kExcerptWindow);  // the first with text
      lead_section = &post.sections[i];
    }
    out.snippet_html = excerpt_of(highlighter, lead, kSnippetLength);
    out.passage_url.clear();
    if (lead_section != nullptr) {
      out.passage_url =
          passage_url(section_url(post.url, *lead_section), *lead_section, out.snippet_html);
    }
  }
  std::stable_sort(scored.begin(), scored.end(),
                   [](const Scored& a, const Scored& b) { return a.score > b.score; });
  if (scored.size() > kMaxSectionsPerHit) scored.resize(kMaxSectionsPerHit);
  std::sort(scored.begin(), scored.end(),
            [](const Scored& a, const Scored& b) { return a.index < b.index; });
  for (auto& sc : scored) out.sections.push_back(std::move(sc.hit));
  return out;
}

}  // namespace postsearch
