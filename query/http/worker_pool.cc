#include "query/http/worker_pool.h"

#include <algorithm>
#include <utility>

namespace postsearch::http {

WorkerPool::WorkerPool(std::size_t max_threads, std::chrono::milliseconds idle_timeout)
    : max_threads_(std::max<std::size_t>(1, max_threads)), idle_timeout_(idle_timeout) {}

WorkerPool::~WorkerPool() { shutdown(); }

void WorkerPool::join_retired() {
  std::vector<std::unique_ptr<Worker>> retired;
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    retired.swap(retired_);
  }
  for (auto& w : retired) w->thread.join();  // each has left run() or is about to
}

void WorkerPool::enqueue(std::function<void()> fn) {
  join_retired();
  std::unique_lock<std::mutex> lock(mutex_);
  if (!idle_.empty()) {
    Worker* w = idle_.back();
    idle_.pop_back();
    w->job = std::move(fn);
    w->wake.notify_one();
    return;
  }
  if (workers_.size() < max_threads_ && !stopping_) {
    workers_.push_back(std::make_unique<Worker>());
    Worker& w = *workers_.back();
    w.thread = std::thread([this, &w, job = std::move(fn)]() mutable { run(w, std::move(job)); });
    return;
  }
  queued_.push_back(std::move(fn));
}

void WorkerPool::run(Worker& self, std::function<void()> job) {
  for (;;) {
    job();
    std::unique_lock<std::mutex> lock(mutex_);
    if (!queued_.empty()) {
      job = std::move(queued_.front());
      queued_.pop_front();
      continue;
    }
    if (stopping_) return;
    idle_.push_back(&self);
    const bool woken =
        self.wake.wait_for(lock, idle_timeout_, [&] { return self.job != nullptr || stopping_; });
    if (!woken) {  // idle too long: this thread ends, and enqueue() or shutdown() joins it
      idle_.erase(std::remove(idle_.begin(), idle_.end(), &self), idle_.end());
      const auto mine = std::find_if(workers_.begin(), workers_.end(),
                                     [&](const auto& w) { return w.get() == &self; });
      if (mine != workers_.end()) {  // always: shutdown() takes workers_ only once stopping_
        retired_.push_back(std::move(*mine));
        workers_.erase(mine);
      }
      return;
    }
    if (self.job == nullptr) {  // stopping, nothing handed over
      idle_.erase(std::remove(idle_.begin(), idle_.end(), &self), idle_.end());
      if (queued_.empty()) return;
      job = std::move(queued_.front());
      queued_.pop_front();
      continue;
    }
    job = std::exchange(self.job, nullptr);
  }
}

void WorkerPool::shutdown() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_ && workers_.empty()) return;
    stopping_ = true;
    for (Worker* w : idle_) w->wake.notify_one();
  }
  std::vector<std::unique_ptr<Worker>> workers;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    workers.swap(workers_);
  }
  for (auto& w : workers) {
    if (w->thread.joinable()) w->thread.join();
  }
  join_retired();
}

std::size_t WorkerPool::started() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return workers_.size();
}

std::size_t WorkerPool::idle() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return idle_.size();
}

}  // namespace postsearch::http
