#pragma once
// An incident as the JSON document the store keeps (one column) and the
// cluster link shares: the resolved alert after a restart still knows when
// the incident began, and its dedup set survives.
#include <nlohmann/json.hpp>

#include "router/core/alert_outbox.h"

namespace keyward::store {

nlohmann::json incident_to_json(const IncidentRecord& r);
// False on a malformed document (*out untouched).
bool incident_from_json(const nlohmann::json& j, IncidentRecord* out);

}  // namespace keyward::store
