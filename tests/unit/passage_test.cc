#include <catch2/catch.hpp>

#include <chrono>

#include "common/passage_map.h"
#include "indexer/rendered_text.h"
#include "query/passage.h"

namespace postsearch {
namespace {

// A section with the given text, mapped against `html`.
Section mapped(const std::string& anchor, const std::string& text, const std::string& html) {
  std::vector<Section> sections{{"", anchor, anchor.empty() ? 0 : 2, text, ""}};
  map_sections(read_rendered_page(html), sections);
  return sections.front();
}

}  // namespace

TEST_CASE("passage maps encode and decode", "[passage]") {
  PassageMap map;
  map.edits = {{3, 1, false, "’"}, {10, 5, true, ""}, {20, 2, false, "a,b:c"}};
  map.needs_prefix = {0, 40};
  map.no_start = {7};
  const std::string encoded = encode_passage_map(map);
  const auto back = decode_passage_map(encoded);
  REQUIRE(back);
  REQUIRE(back->edits.size() == 3);
  CHECK(back->edits[0].text == "’");
  CHECK(back->edits[1].gap);
  CHECK(back->edits[2].text == "a,b:c");
  CHECK(back->needs_prefix == map.needs_prefix);
  CHECK(back->no_start == map.no_start);
  CHECK_FALSE(decode_passage_map(""));
  CHECK_FALSE(decode_passage_map("=r3,1,9:x"));    // text longer than the input
  CHECK_FALSE(decode_passage_map("=g10,5g12,1"));  // overlapping
  CHECK_FALSE(decode_passage_map("=q1"));
}

TEST_CASE("passage units fold case and accents and skip punctuation", "[passage]") {
  const auto units = passage_units("Don’t -- PANIC, Café!");
  REQUIRE(units.size() == 3);
  CHECK(units[0].key == "dont");
  CHECK(units[1].key == "panic");
  CHECK(units[2].key == "cafe");
  CHECK(units[2].begin == std::string("Don’t -- PANIC, ").size());
}

TEST_CASE("the rendered page is read as a browser's find reads it", "[passage]") {
  const RenderedPage page = read_rendered_page(
      "<html><head><title>Not shown</title></head><body><p>One <em>two</em>\n three</p>"
      "<script>no()</script><div hidden>gone</div><h2 id='x'>Head</h2><p>four</p></body></html>");
  CHECK(page.text == "One two three\nHead\nfour\n");
  REQUIRE(page.units.size() == 5);
  CHECK(page.block_of[2] == 0);
  CHECK(page.block_of[3] == 1);
  CHECK(page.id_unit.at("x") == 3);
}

TEST_CASE("smart quotes and dashes come from the page", "[passage]") {
  const Section s = mapped("q", "A query for \"the xapian tutorial\" -- a test.",
                           "<body><h2 id='q'>Q</h2><p>A query for “the xapian tutorial” – a "
                           "test.</p></body>");
  REQUIRE_FALSE(s.passage_map.empty());
  const auto map = decode_passage_map(s.passage_map);
  REQUIRE(map);
  CHECK(rendered_text(s.text, *map, 0, s.text.size()) ==
        "A query for “the xapian tutorial” – a test.");
  CHECK(passage_url("/p/#q", s, "A query for \"the <mark>xapian</mark> tutorial\" -- a test.") ==
        "/p/#q:~:text=A%20query%20for%20%E2%80%9Cthe%20xapian%20tutorial%E2%80%9D%20%E2%80%93%20a%"
        "20test.");
}

TEST_CASE("a passage longer than two terms gets a start and an end", "[passage]") {
  const std::string text = "one two three four five six seven eight nine ten eleven twelve";
  const Section s = mapped("", text, "<body><p>" + text + "</p></body>");
  CHECK(passage_url("/p/", s, "…two three four five six seven eight nine ten eleven…") ==
        "/p/#:~:text=two%20three%20four%20five,eight%20nine%20ten%20eleven");
}

TEST_CASE("a start term that occurs earlier on the page gets a prefix", "[passage]") {
  // The page's navigation repeats the passage's first words.
  const Section s = mapped("b", "We like red apple pie very much.",
                           "<body><nav><p>red apple pie very much</p></nav><h2 id='b'>B</h2>"
                           "<p>We like red apple pie very much.</p></body>");
  CHECK(passage_url("/p/#b", s, "red apple pie very much.") ==
        "/p/#b:~:text=We%20like-,red%20apple%20pie%20very%20much.");
  // At the start of a block there is no prefix in the block: the term starts where its
  // words are first on the page.
  const Section t = mapped("c", "red apple pie is good. We eat it daily.",
                           "<body><p>red apple pie is good</p><h2 id='c'>C</h2>"
                           "<p>red apple pie is good. We eat it daily.</p></body>");
  const std::string url = passage_url("/p/#c", t, "red apple pie is good. We eat it daily.");
  CHECK(url == "/p/#c:~:text=pie%20is%20good.%20We%20eat%20it%20daily.");
}

TEST_CASE("an end term found earlier in the passage gets a suffix or ends sooner", "[passage]") {
  // "Of" (the passage's last word, alone in its block) occurs between start and end.
  const std::string text = "one two three four five six of seven. Of of the the.";
  const Section s = mapped("", text,
                           "<body><p>one two three four five six of seven.</p>"
                           "<ul><li>Of of the the.</li></ul></body>");
  CHECK(passage_url("/p/", s, "one two three four five six of seven. Of") ==
        "/p/#:~:text=one%20two%20three%20four,Of,-of");
  // Without room for a suffix, the selection ends with the run before.
  const std::string short_text = "one two three four five six seven eight of nine. Of";
  const Section t =
      mapped("", short_text,
             "<body><p>one two three four five six seven eight of nine.</p><p>Of</p></body>");
  CHECK(passage_url("/p/", t, short_text) ==
        "/p/#:~:text=one%20two%20three%20four,seven%20eight%20of%20nine.");
}

TEST_CASE("text a code block interrupts is not spanned by a term", "[passage]") {
  const std::string text = "Run this: then that follows here.";
  const Section s = mapped("", text,
                           "<body><p>Run this:</p><pre>make all</pre>"
                           "<p>then that follows here.</p></body>");
  const std::string url = passage_url("/p/", s, text);
  CHECK(url == "/p/#:~:text=Run%20this:,then%20that%20follows%20here.");
}

TEST_CASE("text not on the page falls back to the section's URL", "[passage]") {
  const Section s = mapped("a", "Completely different words live here.",
                           "<body><h2 id='a'>A</h2><p>Nothing alike at all.</p></body>");
  CHECK(s.passage_map.empty());
  CHECK(passage_url("/p/#a", s, "Completely different words") == "/p/#a");
  Section unknown{"", "", 0, "Some text.", ""};
  CHECK(passage_url("/p/", unknown, "Some text.") == "/p/");
  Section misfit{"", "", 0, "Some text.", "=r8,40,1:x"};  // edits past the text's end
  CHECK(passage_url("/p/", misfit, "Some text.") == "/p/");
  Section garbage{"", "", 0, "Some text.", "=r8,1"};
  CHECK(passage_url("/p/", garbage, "Some text.") == "/p/");
}

TEST_CASE("a page of one word repeated is mapped in bounded time and space", "[passage]") {
  std::string words;
  for (int i = 0; i < 20000; ++i) words += "a ";
  const auto start = std::chrono::steady_clock::now();
  const Section s = mapped("", words, "<body><p>" + words + "</p><p>" + words + "</p></body>");
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  CHECK(s.passage_map.empty());  // every start is ambiguous: no map rather than a huge one
}

TEST_CASE("a directive of very long words gives way to the section's URL", "[passage]") {
  const std::string word(400, 'x');
  const std::string text = word + " " + word + " " + word;
  const Section s = mapped("a", text, "<body><h2 id='a'>A</h2><p>" + text + "</p></body>");
  REQUIRE_FALSE(s.passage_map.empty());
  CHECK(passage_url("/p/#a", s, text) == "/p/#a");
  const Section t = mapped("a", word, "<body><h2 id='a'>A</h2><p>" + word + "</p></body>");
  CHECK(passage_url("/p/#a", t, word) == "/p/#a:~:text=" + word);
}

TEST_CASE("text directive terms are percent-encoded", "[passage]") {
  CHECK(encode_text_term("a-b, c&d") == "a%2Db%2C%20c%26d");
  CHECK(encode_text_term("it's (x)") == "it's%20(x)");
}

}  // namespace postsearch
