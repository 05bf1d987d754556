#pragma once
// The router's own request and answer model, independent of any wire format.
#include <optional>
#include <string>
#include <vector>

namespace keyward {

struct ChatMessage {
  std::string role;  // system | user | assistant
  std::string content;
};

struct ChatRequest {
  std::vector<ChatMessage> messages;
  std::optional<double> temperature;
  std::optional<int> max_tokens;
  bool stream = false;
  // Names the request in the journal, in pool events and attempt records
  // ("req-42"); set by whoever accepted it.
  std::string request_id;
};

struct ChatAnswer {
  std::string content;
  std::string model;          // as reported by the provider
  std::string finish_reason;  // stop | length | ...
  int prompt_tokens = 0;
  int completion_tokens = 0;
};

// The cache key of a request: roles and contents with whitespace runs folded
// and ends trimmed, so "Help me  fix this bug " and "Help me fix this bug" meet.
std::string cache_key(const ChatRequest& request);

}  // namespace keyward
