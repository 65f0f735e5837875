#include "query/http/memory_trim.h"

#include <utility>

#ifdef __GLIBC__
#include <malloc.h>
#endif

namespace postsearch::http {

PeriodicTask::PeriodicTask(std::chrono::milliseconds period, std::function<void()> task)
    : period_(period), task_(std::move(task)), thread_([this] { loop(); }) {}

PeriodicTask::~PeriodicTask() {
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void PeriodicTask::loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!wake_.wait_for(lock, period_, [this] { return stopping_; })) {
    lock.unlock();
    task_();
    lock.lock();
  }
}

void trim_free_memory() {
#ifdef __GLIBC__
  malloc_trim(0);
#endif
}

}  // namespace postsearch::http
