#include "router/net/upstream_url.h"

#include <gtest/gtest.h>

namespace keyward::net {
namespace {

TEST(UpstreamUrl, OriginPrefixAndHostHeader) {
  BaseUrl b;
  ASSERT_TRUE(parse_base_url("https://api.groq.com/openai/v1/", &b));
  EXPECT_EQ(b.origin(), "https://api.groq.com:443");
  EXPECT_EQ(b.prefix, "/openai/v1");
  EXPECT_EQ(b.host_header(), "api.groq.com");
  EXPECT_TRUE(b.tls());
  ASSERT_TRUE(parse_base_url("http://127.0.0.1:8080", &b));
  EXPECT_EQ(b.port, 8080);
  EXPECT_EQ(b.prefix, "");
  EXPECT_EQ(b.host_header(), "127.0.0.1:8080");
  ASSERT_TRUE(parse_base_url("HTTP://[::1]:9000/v1", &b));
  EXPECT_EQ(b.host, "[::1]");
  EXPECT_EQ(b.bare_host(), "::1");
  EXPECT_EQ(b.port, 9000);
  EXPECT_EQ(b.host_header(), "[::1]:9000");
}

TEST(UpstreamUrl, AnythingElseIsRefused) {
  BaseUrl b;
  EXPECT_FALSE(parse_base_url("ftp://x", &b));
  EXPECT_FALSE(parse_base_url("http://host:99999/", &b));
  EXPECT_FALSE(parse_base_url("http://:80/", &b));
  EXPECT_FALSE(parse_base_url("http://host:/", &b));
  EXPECT_FALSE(parse_base_url("api.groq.com/v1", &b));
  EXPECT_FALSE(parse_base_url("http://ho st/", &b));
  EXPECT_FALSE(parse_base_url("http://host\r\nX-Injected: 1/", &b));
  EXPECT_FALSE(parse_base_url("http://[::1]x/", &b));
}

}  // namespace
}  // namespace keyward::net
