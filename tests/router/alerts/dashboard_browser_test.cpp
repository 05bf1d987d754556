// The dashboard in a real browser: headless Chromium loads the emergency page
// from a cpp-httplib server on port 0; the test reads the rendered DOM and
// saves a screenshot next to the test binary.
#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <thread>

#include "router/http/dashboard.h"

namespace keyward {
namespace {

const char* kChromium = "/usr/bin/chromium";

nlohmann::json emergency_status() {
  auto key = [](int id, const std::string& masked, const std::string& err) {
    return nlohmann::json{{"id", id},          {"masked", masked},  {"state", "quarantined"},
                          {"until", "2025-11-18T08:05:16Z"}, {"last_error", err}, {"last_class", "auth"},
                          {"validated", false}, {"expires", nullptr}};
  };
  auto provider = [](std::string name, std::string display, std::string model, std::string url, nlohmann::json keys,
                     std::string err) {
    return nlohmann::json{{"name", name},   {"display_name", display}, {"model", model},
                          {"dashboard_url", url}, {"ejected", false}, {"ejected_until", nullptr},
                          {"last_error", err}, {"diagnosis", "every " + display + " key failed authentication"},
                          {"keys", keys}};
  };
  std::string xss = "Invalid API Key <img src=x onerror=\"document.title='pwned'\">";
  nlohmann::json s;
  s["now"] = "2025-11-18T08:01:00Z";
  s["ready"] = false;
  s["providers"] = {
      provider("groq", "Groq", "groq/llama-3.3-70b-versatile", "https://console.groq.com/keys",
               {key(1, "sk-proj-...AAA", xss), key(2, "sk-proj-...BBB", "Invalid API Key"),
                key(3, "sk-proj-...CCC", "Invalid API Key")},
               "Invalid API Key"),
      provider("gemini", "Gemini", "gemini/gemini-1.5-flash", "https://aistudio.google.com/app/apikey",
               {key(1, "AIza...XXX", "API key not valid. Please pass a valid API key."),
                key(2, "AIza...YYY", "API key not valid. Please pass a valid API key.")},
               "API key not valid. Please pass a valid API key."),
      provider("mistral", "Mistral", "mistral/mistral-small-latest", "https://console.mistral.ai/api-keys",
               {key(1, "ms...ZZ", "Unauthorized")}, "Unauthorized")};
  s["incident"] = {{"state", "open"},
                   {"id", "inc-20251118T080021Z"},
                   {"opened_at", "2025-11-18T08:00:21Z"},
                   {"cause", "all_authentication_failed"},
                   {"diagnosis", "Authentication failure on all AI keys"},
                   {"providers",
                    {{{"name", "groq"}, {"display_name", "Groq"}, {"keys_total", 3}, {"keys_failed", 3},
                      {"cause", "auth"}, {"last_error", xss}, {"diagnosis", "all 3 Groq keys were rejected at once"}},
                     {{"name", "gemini"}, {"display_name", "Gemini"}, {"keys_total", 2}, {"keys_failed", 2},
                      {"cause", "auth"}, {"last_error", "API key not valid."}, {"diagnosis", ""}},
                     {{"name", "mistral"}, {"display_name", "Mistral"}, {"keys_total", 1}, {"keys_failed", 1},
                      {"cause", "auth"}, {"last_error", "Unauthorized"}, {"diagnosis", ""}}}},
                   {"alerts_sent", 10},
                   {"last_resolved", nullptr}};
  s["channels"] = {{"email", true}, {"telegram", true}, {"webhook", false}};
  // The last hour: 4 answers from providers three minutes ago, then the emergency.
  std::vector<int> answered(60, 0), cache(60, 0), emergency(60, 0);
  answered[56] = 4;
  cache[58] = 1;
  emergency[58] = 7;
  s["traffic"] = {{"end", "2025-11-18T08:01:00Z"}, {"provider", answered}, {"cache", cache}, {"emergency", emergency}};
  return s;
}

// Runs a command, returns its stdout (bounded) and exit status.
std::pair<std::string, int> run(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return {"", -1};
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0 && out.size() < (8u << 20)) out.append(buf.data(), n);
  int rc = pclose(p);
  return {out, rc};
}

// The page without its inline script (whose source mentions the same markup).
std::string without_script(const std::string& html) { return html.substr(0, html.find("<script>")); }

size_t count(const std::string& s, const std::string& part) {
  size_t n = 0;
  for (size_t at = s.find(part); at != std::string::npos; at = s.find(part, at + part.size())) ++n;
  return n;
}

class DashboardBrowser : public ::testing::Test {
 protected:
  void SetUp() override {
    // No skip: the Makefile installs chromium; a missing browser is a failure to see.
    ASSERT_EQ(access(kChromium, X_OK), 0) << kChromium
                                          << " is missing: install the Debian package 'chromium' (make deps does)";
    status_ = emergency_status();
    server_.Get("/dashboard", [this](const httplib::Request&, httplib::Response& res) {
      res.set_content(render_dashboard_html(status_), "text/html; charset=utf-8");
    });
    // Draws the emergency banner's emoji with the dashboard's font stack on a
    // canvas and counts the coloured pixels: a colour emoji font gives many,
    // a missing glyph (an empty box) none. The count becomes the title.
    server_.Get("/emoji", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(
          "<!doctype html><meta charset=utf-8><title>pending</title><canvas id=c width=64 height=64></canvas>"
          "<script>const x=document.getElementById('c').getContext('2d');"
          "x.font='48px system-ui,sans-serif';x.fillText('🚨',4,52);"
          "const d=x.getImageData(0,0,64,64).data;let n=0;"
          "for(let i=0;i<d.length;i+=4){const r=d[i],g=d[i+1],b=d[i+2];"
          "if(d[i+3]>0&&Math.max(r,g,b)-Math.min(r,g,b)>60)n++;}"
          "document.title='colored:'+n;</script>",
          "text/html; charset=utf-8");
    });
    server_.Get("/api/status", [this](const httplib::Request&, httplib::Response& res) {
      res.set_content(status_.dump(), "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    char tmpl[] = "/tmp/keyward-chromium-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    profile_ = tmpl;
  }
  void TearDown() override {
    server_.stop();
    if (thread_.joinable()) thread_.join();
    if (!profile_.empty()) run("rm -rf '" + profile_ + "'");
  }
  std::string chromium(const std::string& extra, const std::string& path = "/dashboard") {
    return std::string("timeout 90 ") + kChromium +
           " --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking"
           " --disable-component-update --disable-sync --disable-dev-shm-usage --user-data-dir=" +
           profile_ + " " + extra + " http://127.0.0.1:" + std::to_string(port_) + path + " 2>/dev/null";
  }

  nlohmann::json status_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::string profile_;
};

TEST_F(DashboardBrowser, EmergencyPanelAndProviderRowsRenderInChromium) {
  auto [dom, rc] = run(chromium("--virtual-time-budget=3000 --dump-dom"));
  ASSERT_EQ(rc, 0) << "chromium failed; output:\n" << dom.substr(0, 2000);
  dom = without_script(dom);
  EXPECT_NE(dom.find("id=\"emergency\""), std::string::npos) << dom.substr(0, 3000);
  EXPECT_NE(dom.find("EMERGENCY: All AI Keys Failed"), std::string::npos);
  EXPECT_EQ(count(dom, "class=\"key-row\""), 6u);
  EXPECT_EQ(count(dom, "class=\"provider-row\""), 3u);
  EXPECT_NE(dom.find("Groq</b>: 3/3 keys failed"), std::string::npos);
  EXPECT_NE(dom.find("Mistral</b>: 1/1 key failed"), std::string::npos);
  for (const char* action : {"Check Provider Dashboards", "View Logs", "Test Connection", "Update Keys"})
    EXPECT_NE(dom.find(action), std::string::npos) << action;
  EXPECT_NE(dom.find("href=\"https://aistudio.google.com/app/apikey\""), std::string::npos);
  EXPECT_NE(dom.find("Expired API keys"), std::string::npos);
  EXPECT_NE(dom.find("sk-proj-...AAA"), std::string::npos);
  // The provider's text stayed text: no <img> element was created, the script did not run.
  EXPECT_EQ(dom.find("<img"), std::string::npos);
  EXPECT_NE(dom.find("&lt;img src=x"), std::string::npos);
  EXPECT_EQ(dom.find("<title>pwned"), std::string::npos);
  EXPECT_NE(dom.find("class=\"js\""), std::string::npos) << "the inline script ran";
  // The chart of the last hour, as the refresh script draws it.
  EXPECT_NE(dom.find("<svg id=\"traffic-chart\""), std::string::npos);
  EXPECT_NE(dom.find("data-ago=\"3\" data-provider=\"4\" data-cache=\"0\" data-emergency=\"0\""), std::string::npos);
  EXPECT_NE(dom.find("data-ago=\"1\" data-provider=\"0\" data-cache=\"1\" data-emergency=\"7\""), std::string::npos);
  EXPECT_EQ(count(dom, "data-action=\"key\""), 6u) << "a Disable / Enable button per key";
}

TEST_F(DashboardBrowser, Screenshot) {
  std::string png = std::string(KEYWARD_TEST_BUILD_DIR) + "/dashboard.png";
  std::remove(png.c_str());
  auto [out, rc] = run(chromium("--virtual-time-budget=3000 --hide-scrollbars --window-size=1200,900 --screenshot=" + png));
  ASSERT_EQ(rc, 0) << out;
  struct stat st {};
  ASSERT_EQ(stat(png.c_str(), &st), 0) << "no screenshot at " << png;
  EXPECT_GT(st.st_size, 10'000);
}

// The alert subjects' emoji (the banner's 🚨) must not render as empty boxes:
// the Makefile installs fonts-noto-color-emoji for the browser.
TEST_F(DashboardBrowser, TheBannersEmojiRendersInColour) {
  auto [dom, rc] = run(chromium("--virtual-time-budget=3000 --dump-dom", "/emoji"));
  ASSERT_EQ(rc, 0) << dom.substr(0, 2000);
  auto at = dom.find("<title>colored:");
  ASSERT_NE(at, std::string::npos) << "the probe script did not run: " << dom.substr(0, 500);
  int coloured = std::atoi(dom.c_str() + at + std::strlen("<title>colored:"));
  EXPECT_GT(coloured, 100) << "the emoji drew " << coloured
                           << " coloured pixels: no colour emoji font (install fonts-noto-color-emoji)";
}

TEST(DashboardHtml, WithoutAnIncidentThereIsNoPanelAndBadInputDoesNotThrow) {
  nlohmann::json s = emergency_status();
  s["incident"] = {{"state", "none"}, {"last_resolved", {{"id", "inc-1"}, {"downtime", "~15 minutes"}}}};
  std::string html = without_script(render_dashboard_html(s));
  EXPECT_EQ(html.find("id=\"emergency\""), std::string::npos);
  EXPECT_NE(html.find("downtime ~15 minutes"), std::string::npos);
  EXPECT_NO_THROW(render_dashboard_html(nlohmann::json::array()));
  EXPECT_NO_THROW(render_dashboard_html({{"providers", {{{"keys", 5}}}}, {"incident", "open"}}));
  nlohmann::json evil = emergency_status();
  evil["providers"][0]["dashboard_url"] = "javascript:alert(1)";
  EXPECT_EQ(render_dashboard_html(evil).find("href=\"javascript:"), std::string::npos);
}

}  // namespace
}  // namespace keyward
