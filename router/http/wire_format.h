#pragma once
// The provider wires' JSON: request bodies, answers, stream frames and model
// lists, for the OpenAI-compatible wire (Groq, Mistral, OpenAI) and Gemini's.
// No I/O here: the transports (transports.h) move the bytes; these functions
// are unit-tested and fuzzed on their own (tests/fuzz/chat_request.cpp).
// Provider bodies are untrusted: anything nested too deep is refused unparsed.
#include <string>
#include <vector>

#include "router/core/chat.h"

namespace keyward::http {

// ---------------------------------------------------------------- OpenAI
std::string openai_request_body(const std::string& model, const ChatRequest& request, bool stream);
// False when the body is not a usable answer (malformed_body).
bool parse_openai_answer(const std::string& body, ChatAnswer* answer);
// One SSE event's data: appends the delta's text to `text`, updates the
// answer's model, usage and finish reason; `finished` at `[DONE]`. False for a
// frame that is not a usable chunk (garbage, an error frame).
bool read_openai_stream_event(const std::string& data, ChatAnswer* answer, std::string* text, bool* finished);
// GET /models: the model ids; false when the body is not a model list.
bool parse_openai_models(const std::string& body, std::vector<std::string>* models);

// ---------------------------------------------------------------- Gemini
std::string gemini_request_body(const ChatRequest& request);
bool parse_gemini_answer(const std::string& body, ChatAnswer* answer);
// As read_openai_stream_event; Gemini sends no [DONE]: the frame with a
// finishReason (or a blocked prompt's promptFeedback) is the last one.
bool read_gemini_stream_event(const std::string& data, ChatAnswer* answer, std::string* text, bool* finished);
bool parse_gemini_models(const std::string& body, std::vector<std::string>* models);
// "STOP" -> "stop", "MAX_TOKENS" -> "length", safety reasons -> "content_filter".
std::string gemini_finish_reason(const std::string& reason);

}  // namespace keyward::http
