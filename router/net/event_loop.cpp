#include "router/net/event_loop.h"

#include <utility>  // boost/asio awaitable headers need it first with g++ 12 (Boost 1.74)

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

namespace keyward::net {

namespace {
thread_local boost::asio::io_context* t_current = nullptr;
}

struct EventLoop::Loop {
  boost::asio::io_context io{1};  // concurrency hint 1: one thread runs it
  std::unique_ptr<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work;
  std::thread thread;
};

EventLoop::EventLoop(size_t threads) {
  if (threads == 0) threads = 1;
  for (size_t i = 0; i < threads; ++i) loops_.push_back(std::make_unique<Loop>());
}

EventLoop::~EventLoop() { stop(); }

void EventLoop::start() {
  if (running_.exchange(true)) return;
  for (auto& l : loops_) {
    l->io.restart();
    l->work = std::make_unique<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>>(
        l->io.get_executor());
    Loop* loop = l.get();
    l->thread = std::thread([loop] {
      t_current = &loop->io;
      loop->io.run();
      t_current = nullptr;
    });
  }
}

void EventLoop::stop() {
  if (!running_.exchange(false)) return;
  for (auto& l : loops_) {
    l->work.reset();
    l->io.stop();
  }
  for (auto& l : loops_)
    if (l->thread.joinable()) l->thread.join();
}

boost::asio::io_context& EventLoop::context(size_t i) { return loops_[i % loops_.size()]->io; }

boost::asio::io_context& EventLoop::next() { return context(next_.fetch_add(1, std::memory_order_relaxed)); }

boost::asio::io_context* EventLoop::current() const {
  for (const auto& l : loops_)
    if (&l->io == t_current) return t_current;
  return nullptr;
}

void EventLoop::post(size_t i, std::function<void()> fn) { boost::asio::post(context(i), std::move(fn)); }

}  // namespace keyward::net
