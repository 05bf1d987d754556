#pragma once
// Bounded LRU cache of answers, for the emergency path: when every provider
// fails, a stale answer beats none.
#include <list>
#include <optional>
#include <string>
#include <unordered_map>

#include "router/core/chat.h"
#include "base/clock.h"
#include "router/core/config.h"

namespace keyward {

struct CachedAnswer {
  ChatAnswer answer;
  std::string provider;
  WallTime stored_at;
  bool stale = false;  // older than the TTL
};

class ResponseCache {
 public:
  explicit ResponseCache(CachePolicy policy) : policy_(policy) {}

  // Fresh entries only, unless allow_stale (the emergency path).
  std::optional<CachedAnswer> get(const std::string& key, WallTime now, bool allow_stale);
  void put(const std::string& key, const ChatAnswer& answer, const std::string& provider, WallTime now);

  size_t entries() const { return index_.size(); }
  size_t bytes() const { return bytes_; }

 private:
  struct Entry {
    std::string key;
    CachedAnswer value;
    size_t bytes;
  };
  void evict_to_fit();

  CachePolicy policy_;
  std::list<Entry> lru_;  // front = most recent
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
  size_t bytes_ = 0;
};

}  // namespace keyward
