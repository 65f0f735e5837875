// Liquid templates as Jekyll's Liquid reads them, for the indexer's renderer
// (indexer/liquid.h): the template cut into text, output and tag tokens (raw, comment and
// highlight blocks kept as text or left out), a tree of nodes with their branches (if,
// unless, case, for, capture) nested at most `max_depth` deep, and the lexemes of a tag's or
// output's markup.
// Errors: none; any text is a template (an unclosed tag is text, a block without its end
// ends with the template). Threads: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace postsearch::liquid {

struct Node;
using Body = std::vector<Node>;

struct Branch {
  std::string markup;  // the condition, `when` values or loop header; empty for `else`
  bool is_else = false;
  Body body;
};

struct Node {
  enum class Kind {
    kText,
    kOutput,
    kAssign,
    kCapture,
    kIf,
    kUnless,
    kCase,
    kFor,
    kInclude,
    kIgnored
  };
  Kind kind = Kind::kIgnored;
  std::string text;  // text, output markup, or the tag's markup
  std::vector<Branch> branches;
};

// The template's tree; blocks nested deeper than `max_depth` keep no tags.
[[nodiscard]] Body parse_template(std::string_view source, int max_depth);

struct Lexeme {
  enum class Kind { kIdent, kString, kNumber, kPunct, kEnd };
  Kind kind = Kind::kEnd;
  std::string text;
};

// The lexemes of a tag's or output's markup: names, quoted strings, numbers, punctuation.
[[nodiscard]] std::vector<Lexeme> lex(std::string_view markup);

// Liquid's white space, and the characters of a name after its first.
[[nodiscard]] bool is_space(char c);
[[nodiscard]] bool ident_char(char c);

}  // namespace postsearch::liquid
