#include "indexer/report.h"

#include <cmath>
#include <cstdio>
#include <string>

namespace postsearch {
namespace {

std::string human_bytes(std::uint64_t bytes) {
  char b[32];
  if (bytes >= 1024ULL * 1024 * 1024) {
    std::snprintf(b, sizeof b, "%.1f GiB", static_cast<double>(bytes) / (1024.0 * 1024 * 1024));
  } else if (bytes >= 1024ULL * 1024) {
    std::snprintf(b, sizeof b, "%.1f MiB", static_cast<double>(bytes) / (1024.0 * 1024));
  } else {
    std::snprintf(b, sizeof b, "%.1f KiB", static_cast<double>(bytes) / 1024.0);
  }
  return b;
}

}  // namespace

void ProgressReporter::progress(const IndexProgress& p) {
  if (options_.quiet || p.total == 0) return;
  const double rate = p.seconds > 0 ? static_cast<double>(p.done) / p.seconds : 0;
  const double left = rate > 0 ? static_cast<double>(p.total - p.done) / rate : 0;
  if (options_.terminal) {
    constexpr int kWidth = 30;
    const int filled =
        static_cast<int>(kWidth * static_cast<double>(p.done) / static_cast<double>(p.total));
    std::string bar(static_cast<std::size_t>(filled), '#');
    bar.resize(kWidth, '-');
    char line[160];
    std::snprintf(line, sizeof line, "\r[%s] %zu/%zu posts  %.0f posts/s  %.0fs left ", bar.c_str(),
                  p.done, p.total, rate, std::ceil(left));
    err_ << line << std::flush;
    bar_drawn_ = true;
    return;
  }
  if (p.seconds - last_log_ >= 5.0) {
    last_log_ = p.seconds;
    err_ << "indexer: " << p.done << "/" << p.total << " posts, " << static_cast<long>(rate)
         << " posts/s\n";
  }
}

void ProgressReporter::diagnostic(const Diagnostic& d) {
  if (bar_drawn_) {
    err_ << "\r\033[K";
    bar_drawn_ = false;
  }
  err_ << d.to_string() << "\n";
}

void ProgressReporter::finish() {
  if (bar_drawn_) err_ << "\r\033[K" << std::flush;
  bar_drawn_ = false;
}

nlohmann::json summary_json(const IndexSummary& s) {
  return {
      {"added", s.added},
      {"updated", s.updated},
      {"deleted", s.deleted},
      {"unchanged", s.unchanged},
      {"skipped", s.skipped_total()},
      {"skipped_by_reason", s.skipped},
      {"failed", s.failed},
      {"failed_files", s.failed_files},
      {"rebuilt", s.rebuilt},
      {"dry_run", s.dry_run},
      {"seconds", s.seconds},
      {"documents", s.documents},
      {"documents_by_type", s.documents_by_type},
      {"listing_pages_skipped", s.listing_pages_skipped()},
      {"index_bytes", s.index_bytes},
      {"source_bytes", s.source_bytes},
      {"generator", s.generator},
      {"generation", s.generation},
      {"shards", s.shards},
      {"shards_written", s.shards_written},
      {"remote", s.remote},
      {"phases", s.phases},
  };
}

void print_summary(std::ostream& out, const IndexSummary& s) {
  out << (s.dry_run ? "would index (dry run): " : "indexed: ") << s.added << " added, " << s.updated
      << " updated, " << s.deleted << " deleted, " << s.unchanged << " unchanged, "
      << s.skipped_total() << " skipped, " << s.failed << " failed\n";
  for (const auto& [reason, count] : s.skipped)
    out << "  skipped " << count << ": " << reason << "\n";
  std::string types;
  for (const auto& [type, count] : s.documents_by_type)
    types += (types.empty() ? "" : ", ") + std::to_string(count) + " " + type;
  char line[200];
  std::snprintf(line, sizeof line, "%s site, %zu documents in the index (%s), %s in %.2fs\n",
                s.generator.c_str(), s.documents,
                s.remote ? "remote shards" : human_bytes(s.index_bytes).c_str(),
                s.rebuilt ? "full build" : "incremental", s.seconds);
  out << line;
  if (!types.empty()) out << "  by type: " << types << "\n";
  if (s.shards > 1) {
    out << "  " << s.shards << " shards";
    if (!s.rebuilt && s.shards_written > 0) out << ", " << s.shards_written << " rewritten";
    out << "\n";
  }
}

int exit_status(const IndexSummary& summary) { return summary.failed > 0 ? 1 : 0; }

}  // namespace postsearch
