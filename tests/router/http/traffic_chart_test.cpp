// The dashboard's chart of the last hour: requests through the service land
// in the SVG's per-minute bars with their outcome (provider, cache, emergency).
#include <regex>

#include "router/http/dashboard.h"
#include "tests/router/http/harness.h"

namespace keyward::http::test {
namespace {

using namespace std::chrono_literals;

// The <g class="minute"> of the bar `ago` minutes back, as "provider/cache/emergency".
std::string bar(const std::string& html, int ago) {
  std::regex re("<g class=\"minute\" data-ago=\"" + std::to_string(ago) +
                "\" data-provider=\"([0-9]+)\" data-cache=\"([0-9]+)\" data-emergency=\"([0-9]+)\">");
  std::smatch m;
  if (!std::regex_search(html, m, re)) return "missing";
  return m[1].str() + "/" + m[2].str() + "/" + m[3].str();
}

TEST(TrafficChart, TheSvgCountsRequestsPerMinuteByOutcome) {
  Harness h;
  h.start_world(R"(
providers:
  - {name: groq, kind: groq, keys: {sk-proj-GOOD-AAA-0123: valid}}
)");
  auto o = h.options("GROQ_API_KEY_1=sk-proj-GOOD-AAA-0123\n");
  o.render_dashboard = [](const nlohmann::json& status) { return render_dashboard_html(status); };
  h.start_service(std::move(o));

  // Minute 08:00: three answers from the provider.
  for (const char* q : {"a", "b", "c"}) ASSERT_EQ(h.chat(q)->status, 200);
  // Minute 08:01: the only key out; a question asked before comes from the
  // cache, a new one gets the emergency answer.
  h.clock.advance(60s);
  ASSERT_EQ(h.service->set_key_disabled("groq", 1, true), ChatRouter::KeyToggle::changed);
  EXPECT_EQ(h.chat("a")->status, 200);
  EXPECT_EQ(h.chat("new one")->status, 503);
  EXPECT_EQ(h.chat("another")->status, 503);
  h.clock.advance(60s);  // now 08:02

  auto page = h.get("/dashboard");
  ASSERT_EQ(page->status, 200);
  std::string html = page->body.substr(0, page->body.find("<script>"));
  ASSERT_NE(html.find("<svg id=\"traffic-chart\""), std::string::npos) << "an inline SVG";
  EXPECT_EQ(bar(html, 2), "3/0/0");
  EXPECT_EQ(bar(html, 1), "0/1/2");
  EXPECT_EQ(bar(html, 0), "0/0/0");
  EXPECT_EQ(bar(html, 59), "0/0/0");
  EXPECT_NE(html.find("3 provider</span>, <span class=\"warn\">1 cache</span>, <span class=\"bad\">2 emergency"),
            std::string::npos);
  EXPECT_EQ(html.find("<script src"), std::string::npos) << "no external script";
  auto status = body_json(h.get("/api/status"));
  EXPECT_EQ(status["traffic"]["provider"][57], 3);
  EXPECT_EQ(status["traffic"]["emergency"][58], 2);
}

}  // namespace
}  // namespace keyward::http::test
