// Framing of provider responses: lengths, chunks, interim responses, bodies
// that run to the close, and the malformed heads that must not be trusted.
#include "router/http/http1_response_parser.h"

#include <gtest/gtest.h>

#include <string>

namespace keyward::http::test {
namespace {

using Status = Http1ResponseParser::Status;

struct Parsed {
  Status status = Status::more;
  std::string body;
  Http1ResponseParser parser;
};

// Feeds `bytes` in pieces of `chunk` bytes, then the close when `eof`.
void feed(Parsed& p, const std::string& bytes, size_t chunk = 1 << 20, bool eof = false) {
  for (size_t i = 0; i < bytes.size() && p.status == Status::more; i += chunk)
    p.status = p.parser.feed(std::string_view(bytes).substr(i, chunk), [&](const char* d, size_t n) {
      p.body.append(d, n);
      return true;
    });
  if (eof && p.status == Status::more) p.status = p.parser.finish();
}

std::string header(const Http1ResponseParser& p, const std::string& name) {
  for (const auto& [k, v] : p.headers())
    if (k == name) return v;
  return "<none>";
}

TEST(Http1ResponseParser, AContentLengthBodyInOnePieceOrByteByByte) {
  const std::string wire =
      "HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nX-Request-ID:  abc \r\n"
      "Content-Length: 12\r\n\r\n{\"error\":{}}";
  for (size_t chunk : {size_t{1}, size_t{7}, wire.size()}) {
    Parsed p;
    feed(p, wire, chunk);
    EXPECT_EQ(p.status, Status::complete) << chunk;
    EXPECT_EQ(p.parser.status(), 401);
    EXPECT_EQ(p.body, "{\"error\":{}}");
    EXPECT_EQ(header(p.parser, "content-type"), "application/json") << "names lower-case";
    EXPECT_EQ(header(p.parser, "x-request-id"), "abc") << "values trimmed";
    EXPECT_TRUE(p.parser.reusable());
  }
}

TEST(Http1ResponseParser, ChunkedBodiesAreDechunkedAndTrailersDropped) {
  const std::string wire =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
      "6;ext=1\r\ndata: \r\nA\r\n{\"x\":true}\r\n0\r\nX-Trailer: t\r\n\r\n";
  for (size_t chunk : {size_t{1}, size_t{5}, wire.size()}) {
    Parsed p;
    feed(p, wire, chunk);
    EXPECT_EQ(p.status, Status::complete) << chunk;
    EXPECT_EQ(p.body, "data: {\"x\":true}");
    EXPECT_TRUE(p.parser.reusable());
  }
}

TEST(Http1ResponseParser, ABodyWithoutLengthRunsToTheCloseAndEndsTheConnection) {
  Parsed p;
  feed(p, "HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html\r\n\r\n<html>down</html>");
  EXPECT_EQ(p.status, Status::more) << "only the close ends it";
  EXPECT_EQ(p.parser.finish(), Status::complete);
  EXPECT_EQ(p.body, "<html>down</html>");
  EXPECT_FALSE(p.parser.reusable());
}

TEST(Http1ResponseParser, ACloseMidBodyIsNotComplete) {
  Parsed p;
  feed(p, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"partial\"", 1 << 20, true);
  EXPECT_EQ(p.status, Status::more);
  EXPECT_TRUE(p.parser.head_complete());
  EXPECT_FALSE(p.parser.reusable());
}

TEST(Http1ResponseParser, InterimResponsesAreSkipped) {
  Parsed p;
  feed(p, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n"
          "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 7\r\nContent-Length: 2\r\n\r\n{}", 3);
  EXPECT_EQ(p.status, Status::complete);
  EXPECT_EQ(p.parser.status(), 429);
  EXPECT_EQ(header(p.parser, "retry-after"), "7");
  EXPECT_EQ(header(p.parser, "link"), "<none>") << "an interim response's headers are not the answer's";
}

TEST(Http1ResponseParser, NoBodyFor204AndConnectionCloseIsHonoured) {
  Parsed a;
  feed(a, "HTTP/1.1 204 No Content\r\n\r\n");
  EXPECT_EQ(a.status, Status::complete);
  EXPECT_TRUE(a.parser.reusable());
  Parsed b;
  feed(b, "HTTP/1.1 200 OK\r\nConnection: keep-alive, Close\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(b.status, Status::complete);
  EXPECT_FALSE(b.parser.reusable());
  Parsed c;
  feed(c, "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n");
  EXPECT_FALSE(c.parser.reusable()) << "HTTP/1.0 closes by default";
}

TEST(Http1ResponseParser, BytesAfterTheResponseMakeTheConnectionUnusable) {
  Parsed p;
  feed(p, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}HTTP/1.1 200 OK\r\n");
  EXPECT_EQ(p.status, Status::complete);
  EXPECT_EQ(p.body, "{}");
  EXPECT_GT(p.parser.leftover_bytes(), 0u);
  EXPECT_FALSE(p.parser.reusable());
}

TEST(Http1ResponseParser, MalformedHeadsAreRefusedWithAReason) {
  const char* cases[] = {
      "<html>not http</html>\r\n\r\n",
      "HTTP/2 200\r\n\r\n",
      "HTTP/1.1 20 OK\r\n\r\n",
      "HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
      "HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n",
      "HTTP/1.1 200 OK\r\nX: a\r\n folded\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n",
      "HTTP/1.1 101 Switching Protocols\r\n\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1000000000000000\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n",
  };
  for (const char* wire : cases) {
    Parsed p;
    feed(p, wire);
    EXPECT_EQ(p.status, Status::malformed) << wire;
    EXPECT_FALSE(p.parser.error().empty()) << wire;
    EXPECT_FALSE(p.parser.reusable()) << wire;
  }
}

TEST(Http1ResponseParser, ABadHeaderLineLeavesNoStatusBehind) {
  // The status line parsed, a later header line did not: the caller must not
  // see a 200 from a head that was refused.
  Parsed p;
  feed(p, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nno colon\r\n\r\n{}");
  EXPECT_EQ(p.status, Status::malformed);
  EXPECT_FALSE(p.parser.head_complete());
}

TEST(Http1ResponseParser, HeadAndChunkLinesAreBounded) {
  Http1ResponseParser::Limits limits{128, 32};
  Http1ResponseParser endless(limits);
  Status s = Status::more;
  for (int i = 0; i < 1000 && s == Status::more; ++i)
    s = endless.feed("X-Header: value\r\n", [](const char*, size_t) { return true; });
  EXPECT_EQ(s, Status::malformed) << "a head that never ends is cut at the limit";

  Http1ResponseParser long_chunk_line(limits);
  s = long_chunk_line.feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;" + std::string(64, 'e'),
                           [](const char*, size_t) { return true; });
  EXPECT_EQ(s, Status::malformed);
}

TEST(Http1ResponseParser, TheSinkCanStopTheBody) {
  Http1ResponseParser p;
  size_t seen = 0;
  auto s = p.feed("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789", [&](const char*, size_t n) {
    seen += n;
    return false;
  });
  EXPECT_EQ(s, Status::stopped);
  EXPECT_EQ(seen, 10u);
  EXPECT_FALSE(p.reusable());
}

}  // namespace
}  // namespace keyward::http::test
