#include "router/http/route_driver.h"

#include <atomic>
#include <utility>

namespace keyward::http {

namespace {

// One request in flight. It is the session's waker, so the router keeps it
// alive while it is parked; otherwise the pending call or the posted step does.
class RouteTask final : public RouteWaker, public std::enable_shared_from_this<RouteTask> {
 public:
  RouteTask(ChatRouter& router, ProviderTransport& transport, net::Executor& executor, std::shared_ptr<StreamSink> sink,
            RouteDone done)
      : router_(router), transport_(transport), executor_(executor), sink_(std::move(sink)), done_(std::move(done)) {}

  void start(ChatRequest request) {
    session_ = router_.begin(std::move(request), shared_from_this());
    run();
  }

  // Any thread: the probe this request waited for has ended.
  void wake() override {
    auto self = shared_from_this();
    executor_.post([self] {
      if (!self->waiting_) return;  // the timer came first, or a stale wake-up
      self->waiting_ = false;
      self->timer_.reset();
      self->run();
    });
  }

 private:
  // Remembers that bytes of this call reached the client: no failover then.
  class Tracker final : public StreamSink {
   public:
    explicit Tracker(std::shared_ptr<StreamSink> inner) : inner_(std::move(inner)) {}
    bool on_delta(const std::string& text) override {
      committed_ = true;
      return inner_->on_delta(text);
    }
    bool committed() const { return committed_; }

   private:
    std::shared_ptr<StreamSink> inner_;
    std::atomic<bool> committed_{false};
  };

  // On the executor: take steps until the request calls, waits or ends.
  void run() {
    RouteStep step = router_.next(*session_);
    switch (step.kind) {
      case RouteStep::Kind::done: {
        RouteDone done = std::move(done_);
        RouteOutcome out = std::move(session_->outcome());
        session_.reset();
        done(std::move(out));
        return;
      }
      case RouteStep::Kind::wait: {
        waiting_ = true;
        uint64_t generation = ++wait_generation_;
        auto self = shared_from_this();
        timer_ = executor_.after(step.timeout, [self, generation] { self->wait_timed_out(generation); });
        return;
      }
      case RouteStep::Kind::call: {
        tracker_ = sink_ ? std::make_shared<Tracker>(sink_) : nullptr;
        auto self = shared_from_this();
        transport_.chat(step.provider, step.key, session_->request(), step.timeout, tracker_.get(),
                        [self](AttemptResult result, ChatAnswer answer) {
                          // Back onto the request's executor (the transport may
                          // complete inline or on another thread).
                          self->executor_.post([self, result = std::move(result), answer = std::move(answer)]() mutable {
                            self->called(std::move(result), std::move(answer));
                          });
                        });
        return;
      }
    }
  }

  void called(AttemptResult result, ChatAnswer answer) {
    bool committed = tracker_ && tracker_->committed();
    tracker_.reset();
    router_.complete(*session_, result, std::move(answer), committed);
    run();
  }

  void wait_timed_out(uint64_t generation) {
    if (!waiting_ || generation != wait_generation_) return;
    waiting_ = false;
    timer_.reset();
    router_.give_up_waiting(*session_);
    run();
  }

  ChatRouter& router_;
  ProviderTransport& transport_;
  net::Executor& executor_;
  std::shared_ptr<StreamSink> sink_;
  RouteDone done_;
  std::unique_ptr<RouteSession> session_;
  std::shared_ptr<Tracker> tracker_;  // of the call in flight
  // Executor-only state.
  bool waiting_ = false;
  uint64_t wait_generation_ = 0;
  std::shared_ptr<void> timer_;
};

}  // namespace

void route_async(ChatRouter& router, ProviderTransport& transport, net::Executor& executor, ChatRequest request,
                 std::shared_ptr<StreamSink> sink, RouteDone done) {
  auto task = std::make_shared<RouteTask>(router, transport, executor, std::move(sink), std::move(done));
  // begin() takes the task as the session's waker: it needs a shared_ptr first.
  executor.post([task, request = std::move(request)]() mutable { task->start(std::move(request)); });
}

}  // namespace keyward::http
