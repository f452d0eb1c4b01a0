// The engine's future-event list: a binary min-heap of 16-byte events in a
// vector reserved up front, so scheduling never allocates in steady state.
#pragma once

#include <cstdint>
#include <vector>

#include "sim/engine/time.h"

namespace perfloop {

// At equal times, later kinds go first: a window closes before a stage
// starts the next phase, and both before any request moves.
enum class EventKind : std::uint8_t {
  Arrival,
  OpDone,       // a request's wait or downstream call finished
  Start,        // a queued request gets its worker (deferred to bound recursion)
  Background,   // a background job's timer: slot = generation << 8 | job index
  GcPauseEnd,
  Stage,        // a scheduled model change (deploy, config, fix)
  WindowClose,
};

struct Event {
  SimTime time;
  std::uint32_t slot;  // request slot, stage index or generation
  EventKind kind;
};

class EventQueue {
 public:
  void reserve(std::size_t n) { heap_.reserve(n); }
  bool empty() const { return heap_.empty(); }
  std::size_t size() const { return heap_.size(); }
  const Event& top() const { return heap_.front(); }

  void push(Event e) {
    heap_.push_back(e);
    std::size_t i = heap_.size() - 1;
    while (i > 0) {
      const std::size_t parent = (i - 1) / 2;
      if (!earlier(e, heap_[parent])) break;
      heap_[i] = heap_[parent];
      i = parent;
    }
    heap_[i] = e;
  }

  Event pop() {
    const Event result = heap_.front();
    const Event last = heap_.back();
    heap_.pop_back();
    const std::size_t n = heap_.size();
    if (n > 0) {
      std::size_t i = 0;
      for (;;) {
        std::size_t child = 2 * i + 1;
        if (child >= n) break;
        if (child + 1 < n && earlier(heap_[child + 1], heap_[child])) ++child;
        if (!earlier(heap_[child], last)) break;
        heap_[i] = heap_[child];
        i = child;
      }
      heap_[i] = last;
    }
    return result;
  }

 private:
  // Ties are broken by kind then slot so the order never depends on history.
  static bool earlier(const Event& a, const Event& b) {
    if (a.time != b.time) return a.time < b.time;
    if (a.kind != b.kind) return a.kind > b.kind;
    return a.slot < b.slot;
  }
  std::vector<Event> heap_;
};

}  // namespace perfloop
