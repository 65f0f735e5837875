#include "indexer/source_text.h"

#include <iconv.h>

#include <cerrno>

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

}  // namespace

SourceText decode_source(std::string_view bytes, const std::string& path) {
  SourceText result;
  std::string utf8;
  if (bytes.substr(0, 3) == "\xEF\xBB\xBF") {
    utf8 = std::string(bytes.substr(3));
  } else if (bytes.substr(0, 2) == "\xFF\xFE" || bytes.substr(0, 2) == "\xFE\xFF") {
    const char* from = bytes[0] == '\xFF' ? "UTF-16LE" : "UTF-16BE";
    auto converted = convert_utf16(bytes.substr(2), from);
    if (!converted) {
      result.diagnostics.push_back(
          {Severity::kError, path, 0, 0, "",
           std::string("not valid ") + from + " text after its byte order mark"});
      return result;
    }
    utf8 = std::move(*converted);
  } else {
    utf8 = std::string(bytes);
  }
  if (utf8.find('\0') != std::string::npos) {
    const int line = text::line_of(utf8, utf8.find('\0'));
    result.diagnostics.push_back({Severity::kError, path, line, 0, "",
                                  "binary file (NUL byte); not a text post, or UTF-16 without a "
                                  "byte order mark"});
    return result;
  }
  text::Utf8Repair repaired = text::repair_utf8(utf8);
  if (repaired.invalid_bytes > 0) {
    result.diagnostics.push_back({Severity::kWarning, path,
                                  text::line_of(utf8, repaired.first_invalid), 0, "",
                                  "invalid UTF-8 (" + std::to_string(repaired.invalid_bytes) +
                                      " bytes) replaced by U+FFFD; save the file as UTF-8"});
  }
  result.text = normalise_newlines(repaired.text);
  return result;
}

}  // namespace postsearch
