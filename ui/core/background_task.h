// One piece of work on a thread of its own, whose result the UI thread picks
// up when it is ready, so a frame never waits for it: reading the catalogue
// (every scenario runs as a script, each up to its sandbox's limits) and the
// saved attempts behind the best scores. Asked again while it runs, the task
// runs once more afterwards with the newest work only.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>

namespace perfloop::ui {

template <typename T>
class BackgroundTask {
 public:
  BackgroundTask() = default;
  BackgroundTask(const BackgroundTask&) = delete;
  BackgroundTask& operator=(const BackgroundTask&) = delete;
  ~BackgroundTask() {
    if (thread_.joinable()) thread_.join();
  }

  void start(std::function<T()> work) {
    std::lock_guard<std::mutex> lock(shared_->mutex);
    shared_->next = std::move(work);
    if (shared_->running) return;  // the running thread takes it when it is done
    shared_->running = true;
    if (thread_.joinable()) thread_.join();  // finished already: running was false
    thread_ = std::thread(&BackgroundTask::loop, shared_);
  }

  // The newest result, once, when it is ready. A task that threw gives its
  // message through error() instead.
  std::optional<T> take() {
    std::lock_guard<std::mutex> lock(shared_->mutex);
    std::optional<T> result = std::move(shared_->result);
    shared_->result.reset();
    return result;
  }

  std::string take_error() {
    std::lock_guard<std::mutex> lock(shared_->mutex);
    return std::exchange(shared_->error, std::string());
  }

  bool busy() const {
    std::lock_guard<std::mutex> lock(shared_->mutex);
    return shared_->running;
  }

  // Blocks until nothing runs (tests, screenshots).
  void wait() const {
    std::unique_lock<std::mutex> lock(shared_->mutex);
    shared_->idle.wait(lock, [&] { return !shared_->running; });
  }

 private:
  struct Shared {
    std::mutex mutex;
    std::condition_variable idle;
    std::function<T()> next;
    std::optional<T> result;
    std::string error;
    bool running = false;
  };

  static void loop(std::shared_ptr<Shared> shared) {
    for (;;) {
      std::function<T()> work;
      {
        std::lock_guard<std::mutex> lock(shared->mutex);
        if (!shared->next) {
          shared->running = false;
          shared->idle.notify_all();
          return;
        }
        work = std::move(shared->next);
        shared->next = nullptr;
      }
      std::optional<T> result;
      std::string error;
      try {
        result.emplace(work());
      } catch (const std::exception& e) {
        error = e.what();
      }
      std::lock_guard<std::mutex> lock(shared->mutex);
      if (result) shared->result = std::move(result);
      if (!error.empty()) shared->error = std::move(error);
    }
  }

  std::shared_ptr<Shared> shared_ = std::make_shared<Shared>();
  std::thread thread_;
};

}  // namespace perfloop::ui
