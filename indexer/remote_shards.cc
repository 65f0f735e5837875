#include "indexer/remote_shards.h"

#include <algorithm>
#include <mutex>
#include <set>

#include "common/document.h"
#include "common/schema.h"
#include "indexer/incremental.h"
#include "indexer/parallel.h"

namespace postsearch {
namespace {

class RemoteShards {
 public:
  explicit RemoteShards(RunContext& run) : run_(run) {}

  void open();
  void write(const ChangeSet& changes);
  void full_sync();
  void count_documents();
  // Runs f(), naming remote shard k in the error when Xapian throws.
  template <typename F>
  void on(unsigned k, F f) const {
    try {
      f();
    } catch (const Xapian::Error& e) {
      throw RemoteShardError("remote shard " + run_.remote[k] + ": " + e.get_description());
    }
  }
  [[nodiscard]] Xapian::WritableDatabase& db(unsigned k) { return dbs_[k]; }

 private:
  // Shards in the order they commit: shard 0, which names the publish, last.
  [[nodiscard]] std::vector<unsigned> shard_0_last() const;
  void send_all();
  // Drops the posts a shard holds that are not among `items`, the sources routed to it:
  // posts gone from the site, or routed to another shard now (write_state() then replaces
  // the shard's recorded states whole).
  void drop_strays(Xapian::WritableDatabase& db, const std::vector<std::size_t>& items) const;

  RunContext& run_;
  std::vector<Xapian::WritableDatabase> dbs_;
};

void RemoteShards::open() {
  constexpr unsigned kConnectMs = 10000;
  for (unsigned k = 0; k < run_.shards; ++k) {
    const RemoteAddress a = parse_remote_address(run_.remote[k], "--remote-shard");
    on(k, [&] {
      dbs_.push_back(Xapian::Remote::open_writable(a.host, a.port, run_.options.remote_timeout_ms,
                                                   kConnectMs));
    });
  }
}

std::vector<unsigned> RemoteShards::shard_0_last() const {
  std::vector<unsigned> order;
  for (unsigned k = 1; k < run_.shards; ++k) order.push_back(k);
  order.push_back(0);
  return order;
}

void RemoteShards::write(const ChangeSet& changes) {
  const std::vector<bool> touched = run_.touched_shards(changes);
  for (const unsigned k : shard_0_last()) {
    if (!touched[k]) continue;
    on(k, [&] {
      dbs_[k].begin_transaction();
      run_.apply(dbs_[k], changes, k);
      dbs_[k].commit_transaction();
    });
  }
  run_.phase("write changed shards");
  run_.summary.shards_written =
      static_cast<std::size_t>(std::count(touched.begin(), touched.end(), true));
}

// Every post sent to its shard as it is parsed, inside one transaction a shard; then what
// a shard holds that this run did not send there is dropped, and each shard commits.
void RemoteShards::full_sync() {
  run_.refuse_rebuild_with_unreadable_folders();
  run_.summary.rebuilt = true;
  run_.changed.assign(run_.sources.size(), true);
  run_.parsed = std::vector<Parsed>(run_.sources.size());
  run_.load_output();
  for (unsigned k = 0; k < run_.shards && !run_.options.dry_run; ++k)
    on(k, [&] { dbs_[k].begin_transaction(); });
  send_all();
  for (const Parsed& p : run_.parsed) run_.account(p, false);
  run_.emit_diagnostics();
  if (run_.options.dry_run) return;
  run_.phase("parse and send posts");
  const std::vector<std::vector<std::size_t>> items = run_.items_by_shard();
  for (const unsigned k : shard_0_last()) {
    on(k, [&] {
      drop_strays(dbs_[k], items[k]);
      run_.write_state(dbs_[k], items[k], {}, k);
      dbs_[k].commit_transaction();
    });
  }
  run_.phase("commit shards");
}

void RemoteShards::send_all() {
  const unsigned threads = run_.thread_count();
  std::vector<DocumentBuilder> builders(threads);
  std::vector<std::mutex> locks(run_.shards);
  parallel_for(
      {run_.sources.size(), threads, run_.done}, [&] { run_.report_progress(); },
      [&](unsigned w, std::size_t i) {
        run_.parse(i);
        Parsed& p = run_.parsed[i];
        if (p.post && !run_.options.dry_run) {
          const unsigned k = run_.shard_of_source(i);
          const Xapian::Document doc = builders[w].build(*p.post);
          const std::string idterm =
              schema::filter_term(schema::Filter::kId, run_.sources[i].file.rel);
          const std::lock_guard<std::mutex> hold(locks[k]);
          on(k, [&] { dbs_[k].replace_document(idterm, doc); });
        }
        p.post.reset();
      });
}

void RemoteShards::drop_strays(Xapian::WritableDatabase& db,
                               const std::vector<std::size_t>& items) const {
  std::set<std::string> posts;
  for (const std::size_t i : items) {
    if (run_.parsed[i].status == ReadStatus::kIndexed)
      posts.insert(schema::filter_term(schema::Filter::kId, run_.sources[i].file.rel));
  }
  const std::string id_prefix = schema::filter_term(schema::Filter::kId, "");
  std::vector<std::string> stray_posts;
  for (auto t = db.allterms_begin(id_prefix); t != db.allterms_end(id_prefix); ++t) {
    if (posts.count(*t) == 0) stray_posts.push_back(*t);
  }
  for (const auto& term : stray_posts) db.delete_document(term);
}

void RemoteShards::count_documents() {
  for (unsigned k = 0; k < run_.shards; ++k) {
    on(k, [&] {
      run_.summary.documents += dbs_[k].get_doccount();
      count_types(dbs_[k], run_.summary.documents_by_type);
    });
  }
}

}  // namespace

bool resolve_remote(RunContext& run) {
  const std::vector<StubEntry> stub = read_stub(run.options.index_dir);
  std::vector<std::string> listed;
  for (const auto& e : stub) {
    if (e.type == "remote") listed.push_back(e.where);
  }
  const std::vector<std::string>& given = run.options.remote_shards;
  if (given.empty()) {
    if (listed.empty()) return false;
    if (listed.size() != stub.size()) {
      throw ConfigError(run.layout.stub_path().string() +
                        " lists local and remote shards: the indexer writes one kind "
                        "(--remote-shard HOST:PORT for each remote one)");
    }
  }
  run.remote = given.empty() ? listed : given;
  for (const auto& address : run.remote) (void)parse_remote_address(address, "--remote-shard");
  if (run.options.shards > 0 && run.options.shards != run.remote.size()) {
    throw ConfigError("--shards " + std::to_string(run.options.shards) + " with " +
                      std::to_string(run.remote.size()) +
                      " remote shards: a remote index has one shard per --remote-shard");
  }
  return true;
}

void run_remote(RunContext& run) {
  run.shards = static_cast<unsigned>(run.remote.size());
  RemoteShards shards(run);
  shards.open();
  if (!run.synonyms.groups.empty()) {
    run.diagnose({Severity::kWarning, run.synonyms.file, 0, 0, "",
                  "synonyms are not written to remote shards: Xapian's remote backend "
                  "cannot store them (docs/SCALING.md)"});
  }
  bool rebuild = run.options.rebuild;
  if (!rebuild) shards.on(0, [&] { rebuild = !run.settings_match(shards.db(0)); });
  for (unsigned k = 0; k < run.shards && !rebuild && !run.need_rebuild; ++k)
    shards.on(k, [&] { run.read_shard_state(shards.db(k), k); });
  rebuild = rebuild || run.need_rebuild;
  std::optional<ChangeSet> changes;
  if (!rebuild) changes = plan_incremental(run);
  if (changes && !changes->empty() && !run.options.dry_run) shards.write(*changes);
  if (!changes) {
    run.reset_for_rebuild();
    shards.full_sync();
  }
  shards.count_documents();
  if (run.options.dry_run) return;
  // The list, so that later runs need only --index. Whether posts must be routed again is
  // read from the shards themselves (another count: the settings differ; another order:
  // posts recorded outside their shard), so a copy of a local build can be taken over.
  run.layout.publish_remote(run.remote);
  run.layout.remove_stale_generations(std::nullopt);
}

}  // namespace postsearch
