#include "router/cluster/claiming_outbox.h"

namespace keyward::cluster {

ClaimingOutbox::ClaimingOutbox(AlertOutbox& inner, ClusterLink& link, Millis window, size_t max_queue)
    : inner_(inner), link_(link), window_(window), max_queue_(max_queue), thread_([this] { run(); }) {}

ClaimingOutbox::~ClaimingOutbox() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

std::string ClaimingOutbox::claim_name(const Alert& a) {
  if (a.kind == AlertKind::resolved) return "alert:resolved|" + a.incident_id;
  return "alert:" + std::string(to_string(a.kind)) + "|" + a.dedup_subject;
}

bool ClaimingOutbox::enqueue(const Alert& alert) {
  std::lock_guard lock(mu_);
  if (queue_.size() >= max_queue_) {
    ++stats_.dropped;
    return false;
  }
  queue_.push_back(alert);
  cv_.notify_all();
  return true;
}

void ClaimingOutbox::run() {
  for (;;) {
    Alert a;
    {
      std::unique_lock lock(mu_);
      busy_ = false;
      cv_.notify_all();
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, nothing left
      a = std::move(queue_.front());
      queue_.pop_front();
      busy_ = true;
    }
    bool healthy = link_.healthy();
    bool mine = link_.claim(claim_name(a), window_);
    {
      std::lock_guard lock(mu_);
      if (!mine) ++stats_.suppressed;
      else if (!healthy || !link_.healthy()) ++stats_.unclaimed;
      else ++stats_.claimed;
    }
    if (mine) inner_.enqueue(a);
  }
}

ClaimingOutbox::Stats ClaimingOutbox::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

bool ClaimingOutbox::flush(Millis timeout) {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return queue_.empty() && !busy_; });
}

}  // namespace keyward::cluster
