#pragma once
// The HTTP control API of a fake provider, under /_fake/ (JSON in and out).
// Every route is a thin wrapper over a public FakeProvider method, so the
// scenario runner can do the same in-process.
//
//   GET    /_fake/state                      name, kind, keys (masked), faults, clock, limits
//   POST   /_fake/keys            {"key","state","variant"?}   set a key's state
//   DELETE /_fake/keys            {"key"}                      forget a key (default state)
//   POST   /_fake/default_key_state {"state"}
//   POST   /_fake/error_variant   {"variant":0|1}              Mistral's first or second shapes
//   GET    /_fake/faults                     {"faults":[{"id":1,"kind":...,"fired":n},...]}
//   POST   /_fake/faults          {fault}    -> 201 {"id":n}   (fields: faults/fault.h)
//   DELETE /_fake/faults/{id}                remove one (404 if unknown)
//   DELETE /_fake/faults                     remove all
//   GET    /_fake/clock                      {"now","now_ms","adjustable"}
//   POST   /_fake/clock           {"advance_ms":n} | {"set":"2025-11-18T08:00:00Z"} | {"set_ms":n}
//                                            409 when the fake does not own its clock
//   POST   /_fake/reset                      back to the start options, journal cleared
//   GET    /_fake/journal?after=SEQ&limit=N  {"entries":[...],"last_seq":n}
//   GET    /_fake/counters                   {"requests","per_status","per_key":[...]}
// Errors: {"error":{"code":"<code>","message":"..."}} with the status of the
// one table in control_api.cpp (bad_json 400, bad_field 400, not_found 404,
// clock_not_adjustable 409, limit_reached 409, unknown_route 404).
#include <httplib.h>

namespace keyward::fakes {

class FakeProvider;

// Registers the /_fake/ routes on `svr` (before the provider's catch-all).
void install_control_api(httplib::Server& svr, FakeProvider& provider);

}  // namespace keyward::fakes
