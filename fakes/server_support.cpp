#include "fakes/server_support.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace keyward::fakes {

ElasticPool::ElasticPool(std::size_t max_threads, std::size_t max_queue)
    : max_threads_(max_threads ? max_threads : 1), max_queue_(max_queue) {}

ElasticPool::~ElasticPool() { shutdown(); }

void ElasticPool::enqueue(std::function<void()> fn) {
  {
    std::unique_lock lock(mu_);
    if (!shutdown_ && jobs_.size() < max_queue_) {
      jobs_.push_back(std::move(fn));
      if (idle_ < jobs_.size() && threads_.size() < max_threads_) {
        threads_.emplace_back([this] { work(); });
      }
      cv_.notify_one();
      return;
    }
  }
  fn();  // back-pressure: the acceptor serves this one itself
}

void ElasticPool::shutdown() {
  std::vector<std::thread> threads;
  {
    std::unique_lock lock(mu_);
    shutdown_ = true;
    threads.swap(threads_);
  }
  cv_.notify_all();
  for (auto& t : threads) t.join();
}

void ElasticPool::work() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  for (;;) {
    std::function<void()> fn;
    {
      std::unique_lock lock(mu_);
      ++idle_;
      cv_.wait(lock, [&] { return shutdown_ || !jobs_.empty(); });
      --idle_;
      if (jobs_.empty()) return;  // shutdown with nothing left to serve
      fn = std::move(jobs_.front());
      jobs_.pop_front();
    }
    fn();
  }
}

namespace {

bool same_endpoint(const sockaddr_storage& ss, const std::string& addr, int port) {
  char buf[INET6_ADDRSTRLEN] = {0};
  int p = -1;
  if (ss.ss_family == AF_INET) {
    auto* a = reinterpret_cast<const sockaddr_in*>(&ss);
    inet_ntop(AF_INET, &a->sin_addr, buf, sizeof buf);
    p = ntohs(a->sin_port);
  } else if (ss.ss_family == AF_INET6) {
    auto* a = reinterpret_cast<const sockaddr_in6*>(&ss);
    inet_ntop(AF_INET6, &a->sin6_addr, buf, sizeof buf);
    p = ntohs(a->sin6_port);
  } else {
    return false;
  }
  return p == port && (addr.empty() || addr == buf);
}

template <typename Fn>
void for_each_tcp_connection(Fn fn) {
  DIR* dir = opendir("/proc/self/fd");
  if (!dir) return;
  int dir_fd = dirfd(dir);
  while (dirent* e = readdir(dir)) {
    char* end = nullptr;
    long fd = std::strtol(e->d_name, &end, 10);
    if (end == e->d_name || *end != '\0' || fd == dir_fd) continue;
    sockaddr_storage local{}, peer{};
    socklen_t ll = sizeof local, pl = sizeof peer;
    if (getsockname(static_cast<int>(fd), reinterpret_cast<sockaddr*>(&local), &ll) != 0) continue;
    if (local.ss_family != AF_INET && local.ss_family != AF_INET6) continue;
    if (getpeername(static_cast<int>(fd), reinterpret_cast<sockaddr*>(&peer), &pl) != 0) continue;
    if (!fn(static_cast<int>(fd), local, peer)) break;
  }
  closedir(dir);
}

int port_of(const sockaddr_storage& ss) {
  if (ss.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&ss)->sin_port);
  if (ss.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&ss)->sin6_port);
  return -1;
}

}  // namespace

void shutdown_connections(int port) {
  for_each_tcp_connection([port](int fd, const sockaddr_storage& local, const sockaddr_storage&) {
    if (port_of(local) == port) shutdown(fd, SHUT_RDWR);
    return true;
  });
}

bool drop_connection(const httplib::Request& req, bool reset) {
  // cpp-httplib does not hand the socket to handlers; find it by its address
  // pair among this process's descriptors (TLS: the SSL object knows it).
  int fd = -1;
  if (req.ssl) {
    fd = SSL_get_fd(req.ssl);
  } else {
    for_each_tcp_connection(
        [&](int candidate, const sockaddr_storage& local, const sockaddr_storage& peer) {
          if (same_endpoint(local, req.local_addr, req.local_port) &&
              same_endpoint(peer, req.remote_addr, req.remote_port)) {
            fd = candidate;
            return false;
          }
          return true;
        });
  }
  if (fd < 0) return false;
  if (reset) {
    // Linger with a zero timeout: close() then sends RST instead of FIN.
    linger lg{1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  } else {
    shutdown(fd, SHUT_RDWR);
  }
  // A socketpair end whose peer is already closed: every later write fails
  // at once (EPIPE) and reads see EOF, so cpp-httplib gives up quickly.
  int pair[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
    shutdown(fd, SHUT_RDWR);
    return true;
  }
  close(pair[1]);
  dup2(pair[0], fd);  // closes the connection (last reference), keeps fd valid
  close(pair[0]);
  return true;
}

namespace {
struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
};
}  // namespace

std::unique_ptr<httplib::Server> make_tls_server() {
  std::unique_ptr<EVP_PKEY, PkeyFree> key(EVP_EC_gen("P-256"));
  if (!key) throw std::runtime_error("TLS: cannot generate a key");
  std::unique_ptr<X509, X509Free> cert(X509_new());
  if (!cert) throw std::runtime_error("TLS: cannot allocate a certificate");
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 7L * 24 * 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("keyward fake"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, cert.get(), cert.get(), nullptr, nullptr, 0);
  if (X509_EXTENSION* ext =
          X509V3_EXT_conf_nid(nullptr, &v3, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1")) {
    X509_add_ext(cert.get(), ext, -1);
    X509_EXTENSION_free(ext);
  }
  if (!X509_sign(cert.get(), key.get(), EVP_sha256())) {
    throw std::runtime_error("TLS: cannot sign the certificate");
  }
  // SSLServer takes its own references (SSL_CTX_use_certificate/PrivateKey).
  auto svr = std::make_unique<httplib::SSLServer>(cert.get(), key.get());
  if (!svr->is_valid()) throw std::runtime_error("TLS: cannot set up the server context");
  return svr;
}

}  // namespace keyward::fakes
