// Liquid's filters as Jekyll renders them, for the indexer's renderer (indexer/liquid.h):
// the values they take and give, and the budget of the render they spend from (steps,
// bytes produced), so that a hostile post's filters stop where its render stops.
// Errors: none; a filter that is unknown or given what it cannot use gives null, as Liquid
// does. Ownership: a Value borrows the site's or page's data or owns what a filter made.
// Threads: one render per budget.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "indexer/liquid.h"
#include "indexer/liquid_values.h"

namespace postsearch::liquid {

// A value: a reference into data that outlives it, kept alive by `owner` when it is not
// the site's or the page's.
struct Value {
  const json* ptr = nullptr;
  std::shared_ptr<const json> owner;

  [[nodiscard]] const json& get() const {
    static const json kNull;
    return ptr != nullptr ? *ptr : kNull;
  }
  static Value own(json j) {
    auto p = std::make_shared<const json>(std::move(j));
    return {p.get(), p};
  }
  [[nodiscard]] Value child(const json& inner) const { return {&inner, owner}; }
};

using Args = std::vector<Value>;

// What one render may still spend; past a bound, every caller stops.
class RenderBudget {
 public:
  // `site`: the site's data (null: an empty object); must outlive the budget.
  RenderBudget(const LiquidLimits& limits, const json* site)
      : limits_(limits), site_(site != nullptr ? site : &empty_) {}

  // False once the render has used its steps.
  bool spend(std::size_t steps);
  // Counts bytes produced; false once past the bound.
  bool produce(std::size_t bytes);
  // Charges the copy of `j`: a step per value, one per 256 bytes of string.
  bool charge_copy(const json& j);
  [[nodiscard]] const json& site() const { return *site_; }
  [[nodiscard]] const LiquidLimits& limits() const { return limits_; }

 private:
  LiquidLimits limits_;
  json empty_ = json::object();
  const json* site_;
  std::size_t steps_ = 0;
  std::size_t produced_ = 0;
};

// The filter `name` applied to `input` with `args`; null when it is unknown or the budget
// is spent.
[[nodiscard]] Value apply_filter(RenderBudget& budget, const std::string& name, const Value& input,
                                 const Args& args);

}  // namespace postsearch::liquid
