#include "router/core/response_cache.h"

namespace keyward {

std::string cache_key(const ChatRequest& request) {
  std::string key;
  for (const auto& m : request.messages) {
    key += m.role;
    key += '\x1f';
    bool space = false;
    for (char c : m.content) {
      bool ws = c == ' ' || c == '\t' || c == '\n' || c == '\r';
      if (ws) {
        space = true;
        continue;
      }
      if (space && key.back() != '\x1f') key += ' ';
      space = false;
      key += c;
    }
    key += '\x1e';
  }
  return key;
}

std::optional<CachedAnswer> ResponseCache::get(const std::string& key, WallTime now, bool allow_stale) {
  if (!policy_.enabled) return std::nullopt;
  auto it = index_.find(key);
  if (it == index_.end()) return std::nullopt;
  CachedAnswer v = it->second->value;
  v.stale = now - v.stored_at > policy_.ttl;
  if (v.stale && !allow_stale) return std::nullopt;
  lru_.splice(lru_.begin(), lru_, it->second);
  return v;
}

void ResponseCache::put(const std::string& key, const ChatAnswer& answer, const std::string& provider,
                        WallTime now) {
  if (!policy_.enabled || policy_.max_entries == 0) return;
  size_t size = key.size() + answer.content.size() + answer.model.size() + provider.size() + 64;
  if (size > policy_.max_bytes) return;  // would evict everything for one answer
  if (auto it = index_.find(key); it != index_.end()) {
    bytes_ -= it->second->bytes;
    lru_.erase(it->second);
    index_.erase(it);
  }
  lru_.push_front(Entry{key, CachedAnswer{answer, provider, now, false}, size});
  index_[key] = lru_.begin();
  bytes_ += size;
  evict_to_fit();
}

void ResponseCache::evict_to_fit() {
  while (!lru_.empty() && (index_.size() > policy_.max_entries || bytes_ > policy_.max_bytes)) {
    bytes_ -= lru_.back().bytes;
    index_.erase(lru_.back().key);
    lru_.pop_back();
  }
}

}  // namespace keyward
