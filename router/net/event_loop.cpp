#include "router/net/event_loop.h"

#include <utility>  // boost/asio awaitable headers need it first with g++ 12 (Boost 1.74)

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

namespace keyward::net {

namespace {
thread_local boost::asio::io_context* t_current = nullptr;

// An io_context as an Executor. A timer is cancelled when its handle goes:
// the handle owns the timer, and the wait's handler holds it only weakly. (An
// expiry racing the release may still run `fn`: callers guard against stale
// timers, as the route driver does with its wait generation.)
class LoopExecutor final : public Executor {
 public:
  explicit LoopExecutor(boost::asio::io_context& io) : io_(io) {}
  void post(std::function<void()> fn) override { boost::asio::post(io_, std::move(fn)); }
  std::shared_ptr<void> after(std::chrono::milliseconds delay, std::function<void()> fn) override {
    auto timer = std::make_shared<boost::asio::steady_timer>(io_, delay);
    std::weak_ptr<boost::asio::steady_timer> weak = timer;
    timer->async_wait([weak, fn = std::move(fn)](const boost::system::error_code& ec) {
      if (!ec && weak.lock()) fn();
    });
    // The handle may be released on any thread; the timer is cancelled and
    // destroyed on its loop (at once when released there).
    boost::asio::io_context* io = &io_;
    return std::shared_ptr<void>(nullptr, [timer, io](void*) mutable {
      if (t_current == io) {
        timer->cancel();
        timer.reset();
      } else {
        boost::asio::post(*io, [timer = std::move(timer)] { timer->cancel(); });
      }
    });
  }

 private:
  boost::asio::io_context& io_;
};

}  // namespace

struct EventLoop::Loop {
  boost::asio::io_context io{1};  // concurrency hint 1: one thread runs it
  LoopExecutor executor{io};
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

Executor& EventLoop::executor(size_t i) { return loops_[i % loops_.size()]->executor; }

Executor* EventLoop::current_executor() const {
  for (const auto& l : loops_)
    if (&l->io == t_current) return &l->executor;
  return nullptr;
}

}  // namespace keyward::net
