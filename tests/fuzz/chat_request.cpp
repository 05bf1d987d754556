// The public API's request parsing (POST /api/ai/chat and OpenAI's
// /v1/chat/completions) and the translation of a parsed request to both
// provider wires; the provider answer parsers on the same bytes.
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "router/http/api.h"
#include "router/http/wire_format.h"

namespace {
void translate(const keyward::ChatRequest& req) {
  using namespace keyward::http;
  // Both bodies must be JSON that parses back (they go to a provider).
  for (const std::string& body : {openai_request_body("model", req, false), openai_request_body("m", req, true),
                                  gemini_request_body(req)}) {
    if (nlohmann::json::parse(body, nullptr, false).is_discarded()) std::abort();
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace keyward::http;
  std::string body(reinterpret_cast<const char*>(data), size);
  keyward::ChatRequest req;
  RequestError err;
  if (parse_chat_api(body, &req, &err)) translate(req);
  keyward::ChatRequest oreq;
  if (parse_openai_chat(body, &oreq, &err)) translate(oreq);
  (void)err.message.size();
  keyward::ChatAnswer a;
  (void)parse_openai_answer(body, &a);
  keyward::ChatAnswer g;
  if (parse_gemini_answer(body, &g)) (void)gemini_finish_reason(g.finish_reason);
  (void)dump_json(nlohmann::json{{"m", body}});
  return 0;
}
