// The lock-free release queue (a Treiber stack reversed on drain).
#include <promethean/buffer/release_queue.hpp>

#include <cstdio>
#include <exception>

namespace promethean {

release_queue::~release_queue() { drain(); }

void release_queue::push(task t) {
  node* n = new node{std::move(t), m_head.load(std::memory_order_relaxed)};
  // Only pushes and whole-list exchanges touch the head, so there is no ABA to fear.
  while (!m_head.compare_exchange_weak(n->next, n, std::memory_order_release, std::memory_order_relaxed)) {
  }
  if (m_wakeup) m_wakeup();
}

std::size_t release_queue::drain() {
  std::size_t ran = 0;
  // Every call into a runtime drains: the common empty case must not pay for an atomic exchange.
  if (m_head.load(std::memory_order_relaxed) == nullptr) return 0;
  // Tasks may push more tasks (a release that frees a buffer that releases another): loop.
  while (node* list = m_head.exchange(nullptr, std::memory_order_acquire)) {
    node* ordered = nullptr;  // the stack holds newest first; run oldest first
    while (list) {
      node* next = list->next;
      list->next = ordered;
      ordered = list;
      list = next;
    }
    while (ordered) {
      node* next = ordered->next;
      try {
        ordered->work();
      } catch (const std::exception& e) {
        std::fprintf(stderr, "promethean: a buffer release failed: %s\n", e.what());
      } catch (...) {
        std::fprintf(stderr, "promethean: a buffer release failed with an unknown exception\n");
      }
      delete ordered;
      ordered = next;
      ++ran;
    }
  }
  return ran;
}

}  // namespace promethean
