// Stop words per language: Snowball's lists, for the languages that have one. Used at
// query time (a query's stop words do not have to match, except inside phrases).
// Errors: none; an unknown language has an empty list. Threads: the lists are constants.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace postsearch {

// The stop words of a language code ("de", "pt-BR", "nn"), separated by single spaces;
// empty when Snowball has no list for it. Codes are expected lower case.
[[nodiscard]] std::string_view stop_word_list(std::string_view lang);

// The same words one by one, for any case of the code ("DE" is "de"); empty for none.
[[nodiscard]] std::vector<std::string> stop_words(std::string_view lang);

}  // namespace postsearch
