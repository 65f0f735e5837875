#include "indexer/source_text.h"

#include <iconv.h>

#include <algorithm>
#include <cerrno>
#include <iterator>

#include "common/text.h"

namespace postsearch {
namespace {

std::optional<std::string> convert_utf16(std::string_view bytes, const char* from) {
  iconv_t cd = iconv_open("UTF-8", from);
  if (cd == reinterpret_cast<iconv_t>(-1)) return std::nullopt;
  std::string out(bytes.size() * 2 + 16, '\0');
  std::string in(bytes);
  char* inp = in.data();
  std::size_t inleft = in.size();
  char* outp = out.data();
  std::size_t outleft = out.size();
  const std::size_t r = iconv(cd, &inp, &inleft, &outp, &outleft);
  iconv_close(cd);
  if (r == static_cast<std::size_t>(-1)) return std::nullopt;
  out.resize(out.size() - outleft);
  return out;
}

std::string normalise_newlines(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '\r') {
      out += '\n';
      if (i + 1 < in.size() && in[i + 1] == '\n') ++i;
    } else {
      out += in[i];
    }
  }
  return out;
}

// UTF-16 without a byte order mark, as Windows tools write it: text whose every other byte
// is NUL (mostly ASCII characters). Returns "UTF-16LE", "UTF-16BE" or nullptr.
const char* bomless_utf16(std::string_view bytes) {
  if (bytes.size() < 4 || bytes.size() % 2 != 0) return nullptr;
  std::size_t even_nul = 0;
  std::size_t odd_nul = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i)
    (i % 2 == 0 ? even_nul : odd_nul) += bytes[i] == '\0';
  const std::size_t half = bytes.size() / 2;
  if (odd_nul * 10 >= half * 6 && even_nul * 50 <= half) return "UTF-16LE";
  if (even_nul * 10 >= half * 6 && odd_nul * 50 <= half) return "UTF-16BE";
  return nullptr;
}

// Text with a few stray NUL bytes (an editor or a bad copy put them there): the NULs go,
// with a warning, when what is left is UTF-8 text without other control characters.
// Anything else with NULs is binary.
bool stray_nuls(const std::string& utf8, std::string& without) {
  const auto control = [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f';
  };
  const std::size_t nuls = static_cast<std::size_t>(std::count(utf8.begin(), utf8.end(), '\0'));
  if (nuls > 16 && nuls * 100 > utf8.size()) return false;
  without.clear();
  std::copy_if(utf8.begin(), utf8.end(), std::back_inserter(without),
               [](char ch) { return ch != '\0'; });
  return std::none_of(without.begin(), without.end(), control) &&
         text::repair_utf8(without).invalid_bytes == 0;
}

std::optional<std::string> from_bom_or_utf16(std::string_view bytes, const std::string& path,
                                             Diagnostics& diagnostics) {
  if (bytes.substr(0, 3) == "\xEF\xBB\xBF") return std::string(bytes.substr(3));
  const bool bom = bytes.substr(0, 2) == "\xFF\xFE" || bytes.substr(0, 2) == "\xFE\xFF";
  const char* from = bom ? (bytes[0] == '\xFF' ? "UTF-16LE" : "UTF-16BE") : bomless_utf16(bytes);
  if (from == nullptr) return std::string(bytes);
  auto converted = convert_utf16(bytes.substr(bom ? 2 : 0), from);
  if (!converted) {
    diagnostics.push_back(
        {Severity::kError, path, 0, 0, "",
         std::string("not valid ") + from + " text" + (bom ? " after its byte order mark" : "")});
    return std::nullopt;
  }
  if (!bom) {
    diagnostics.push_back({Severity::kWarning, path, 1, 0, "",
                           std::string(from) + " text without a byte order mark, read as " + from +
                               "; save the file as UTF-8"});
  }
  return converted;
}

}  // namespace

SourceText decode_source(std::string_view bytes, const std::string& path) {
  SourceText result;
  std::optional<std::string> utf8 = from_bom_or_utf16(bytes, path, result.diagnostics);
  if (!utf8) return result;
  if (const std::size_t nul = utf8->find('\0'); nul != std::string::npos) {
    std::string without;
    const int line = text::line_of(*utf8, nul);
    if (!stray_nuls(*utf8, without)) {
      result.diagnostics.push_back(
          {Severity::kError, path, line, 0, "",
           "binary file (NUL bytes, not UTF-8 or UTF-16 text); not a post"});
      return result;
    }
    result.diagnostics.push_back(
        {Severity::kWarning, path, line, 0, "",
         std::to_string(utf8->size() - without.size()) + " NUL byte(s) removed"});
    *utf8 = std::move(without);
  }
  text::Utf8Repair repaired = text::repair_utf8(*utf8);
  if (repaired.invalid_bytes > 0) {
    result.diagnostics.push_back({Severity::kWarning, path,
                                  text::line_of(*utf8, repaired.first_invalid), 0, "",
                                  "invalid UTF-8 (" + std::to_string(repaired.invalid_bytes) +
                                      " bytes) replaced by U+FFFD; save the file as UTF-8"});
  }
  result.text = normalise_newlines(repaired.text);
  return result;
}

}  // namespace postsearch
