#include "router/cluster/redis_connection.h"

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <cerrno>
#include <csignal>
#include <cstring>

namespace keyward::cluster {

namespace {

timeval to_timeval(Millis d) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(d.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((d.count() % 1000) * 1000);
  return tv;
}

RedisReply convert(const redisReply* r) {
  RedisReply out;
  switch (r->type) {
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::integer;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_STRING:
      out.type = RedisReply::Type::string;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = RedisReply::Type::status;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = RedisReply::Type::error;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::array;
      for (size_t i = 0; i < r->elements; ++i) out.elements.push_back(convert(r->element[i]));
      break;
    default:
      out.type = RedisReply::Type::nil;
  }
  return out;
}

std::string context_error(redisContext* c) {
  if (!c) return "out of memory";
  std::string e = c->errstr[0] ? c->errstr : "connection error";
  return e;
}

}  // namespace

std::unique_ptr<RedisConnection> RedisConnection::connect(const RedisUrl& url, Millis timeout, std::string* error) {
  // hiredis writes with write(2): a Redis that went away must be an error
  // value, not SIGPIPE killing the router (serve ignores it too).
  static const bool sigpipe_ignored = [] {
    std::signal(SIGPIPE, SIG_IGN);
    return true;
  }();
  (void)sigpipe_ignored;
  timeval tv = to_timeval(timeout);
  redisContext* c = url.kind == RedisUrl::Kind::unix_socket ? redisConnectUnixWithTimeout(url.path.c_str(), tv)
                                                            : redisConnectWithTimeout(url.host.c_str(), url.port, tv);
  if (!c || c->err) {
    *error = "cannot connect to " + url.display() + ": " + context_error(c);
    if (c) redisFree(c);
    return nullptr;
  }
  std::unique_ptr<RedisConnection> conn(new RedisConnection(c));
  conn->timeout_ = timeout;
  redisSetTimeout(c, tv);
  if (!url.password.empty()) {
    auto r = conn->command({"AUTH", url.password}, error);
    if (!r) return nullptr;
    if (r->is_error()) {
      *error = "Redis at " + url.display() + " refused the password: " + r->str;
      return nullptr;
    }
  }
  if (url.db != 0) {
    auto r = conn->command({"SELECT", std::to_string(url.db)}, error);
    if (!r) return nullptr;
    if (r->is_error()) {
      *error = "Redis at " + url.display() + " refused SELECT " + std::to_string(url.db) + ": " + r->str;
      return nullptr;
    }
  }
  return conn;
}

RedisConnection::~RedisConnection() {
  if (c_) redisFree(c_);
}

std::optional<RedisReply> RedisConnection::read_reply(std::string* error) {
  void* raw = nullptr;
  if (redisGetReply(c_, &raw) != REDIS_OK || !raw) {
    broken_ = true;
    *error = context_error(c_);
    return std::nullopt;
  }
  RedisReply out = convert(static_cast<redisReply*>(raw));
  freeReplyObject(raw);
  return out;
}

std::optional<RedisReply> RedisConnection::command(const std::vector<std::string>& argv, std::string* error) {
  if (broken_) {
    *error = "connection is broken";
    return std::nullopt;
  }
  std::vector<const char*> args;
  std::vector<size_t> lens;
  for (const auto& a : argv) {
    args.push_back(a.data());
    lens.push_back(a.size());
  }
  if (redisAppendCommandArgv(c_, static_cast<int>(args.size()), args.data(), lens.data()) != REDIS_OK) {
    broken_ = true;
    *error = context_error(c_);
    return std::nullopt;
  }
  return read_reply(error);
}

std::optional<RedisReply> RedisConnection::next_push(Millis timeout, bool* timed_out, std::string* error) {
  *timed_out = false;
  if (broken_) {
    *error = "connection is broken";
    return std::nullopt;
  }
  // A reply may already be buffered; otherwise wait on the socket.
  void* raw = nullptr;
  if (redisGetReplyFromReader(c_, &raw) != REDIS_OK) {
    broken_ = true;
    *error = context_error(c_);
    return std::nullopt;
  }
  if (!raw) {
    redisSetTimeout(c_, to_timeval(timeout));
    int rc = redisBufferRead(c_);
    redisSetTimeout(c_, to_timeval(timeout_));
    if (rc != REDIS_OK) {
      if (c_->err == REDIS_ERR_IO && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        // hiredis marks a read timeout as an I/O error: clear it, the socket is fine.
        c_->err = 0;
        c_->errstr[0] = '\0';
        *timed_out = true;
        return std::nullopt;
      }
      broken_ = true;
      *error = context_error(c_);
      return std::nullopt;
    }
    if (redisGetReplyFromReader(c_, &raw) != REDIS_OK) {
      broken_ = true;
      *error = context_error(c_);
      return std::nullopt;
    }
    if (!raw) {
      *timed_out = true;  // part of a message: the rest comes with the next read
      return std::nullopt;
    }
  }
  RedisReply out = convert(static_cast<redisReply*>(raw));
  freeReplyObject(raw);
  return out;
}

}  // namespace keyward::cluster
