#include "common/ascii_search.h"

#include <cstdint>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace postsearch::text {
namespace {

constexpr unsigned char lower(unsigned char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<unsigned char>(c | 0x20) : c;
}

// Whether text[at, at + needle.size()) is `needle` with ASCII upper case lowered.
bool equal_at(std::string_view text, std::size_t at, std::string_view needle) {
  for (std::size_t k = 0; k < needle.size(); ++k) {
    if (lower(static_cast<unsigned char>(text[at + k])) != static_cast<unsigned char>(needle[k]))
      return false;
  }
  return true;
}

// Candidates are screened by "byte | 0x20", which maps an upper-case letter to its lower
// case (and a few other bytes onto each other: false candidates, rejected by equal_at); a
// byte whose lower case is the needle's byte always passes the screen.
constexpr unsigned char fold(unsigned char c) { return static_cast<unsigned char>(c | 0x20); }

// The first candidate from `at` on, scalar: positions whose first and last bytes pass.
std::size_t scan_scalar(std::string_view text, std::string_view needle, std::size_t at,
                        std::size_t last_start) {
  const unsigned char first = fold(static_cast<unsigned char>(needle.front()));
  const unsigned char last = fold(static_cast<unsigned char>(needle.back()));
  const std::size_t back = needle.size() - 1;
  for (; at <= last_start; ++at) {
    if (fold(static_cast<unsigned char>(text[at])) == first &&
        fold(static_cast<unsigned char>(text[at + back])) == last && equal_at(text, at, needle))
      return at;
  }
  return std::string_view::npos;
}

}  // namespace

std::size_t ascii_ifind(std::string_view text, std::string_view needle, std::size_t before) {
  if (needle.empty()) return 0;
  if (needle.size() > text.size()) return std::string_view::npos;
  // Starts considered: [0, last_start].
  std::size_t last_start = text.size() - needle.size();
  if (before != std::string_view::npos) {
    if (before == 0) return std::string_view::npos;
    if (before - 1 < last_start) last_start = before - 1;
  }
  std::size_t at = 0;
#if defined(__SSE2__)
  // Sixteen starts at a time (W. Muła's "generic SIMD" substring search): a start is a
  // candidate when both its first byte and the byte under the needle's last pass the screen.
  const __m128i twenty = _mm_set1_epi8(0x20);
  const __m128i first =
      _mm_set1_epi8(static_cast<char>(fold(static_cast<unsigned char>(needle.front()))));
  const __m128i last =
      _mm_set1_epi8(static_cast<char>(fold(static_cast<unsigned char>(needle.back()))));
  const std::size_t back = needle.size() - 1;
  const char* data = text.data();
  for (; at + 15 <= last_start; at += 16) {
    const __m128i a =
        _mm_or_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(data + at)), twenty);
    const __m128i b =
        _mm_or_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(data + at + back)), twenty);
    auto mask = static_cast<std::uint32_t>(
        _mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(a, first), _mm_cmpeq_epi8(b, last))));
    while (mask != 0) {
      const auto bit = static_cast<std::size_t>(__builtin_ctz(mask));
      if (equal_at(text, at + bit, needle)) return at + bit;
      mask &= mask - 1;
    }
  }
#endif
  return scan_scalar(text, needle, at, last_start);
}

}  // namespace postsearch::text
