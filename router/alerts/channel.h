#pragma once
// One delivery channel (email, Telegram, webhook). send() is called only by
// the dispatcher's thread, never on the request path; it must honour its
// timeouts and never throw.
#include <string>

#include "router/core/alert_outbox.h"

namespace keyward::alerts {

struct DeliveryResult {
  bool ok = false;
  std::string error;  // for logs and the outbox row; never contains a secret
  static DeliveryResult success() { return {true, ""}; }
  static DeliveryResult failure(std::string e) { return {false, std::move(e)}; }
};

class AlertChannel {
 public:
  virtual ~AlertChannel() = default;
  virtual Channel kind() const = 0;
  virtual DeliveryResult send(const Alert& alert) = 0;
};

}  // namespace keyward::alerts
