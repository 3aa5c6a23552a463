#pragma once

/// @file engine/detail/rde_sink.hpp
/// @brief A status_sink in front of the embedder's that also hands the Service Events upstream
/// records in `status.cpi` (created, failed, deleted) to the RDE writer. Never blocks: one
/// message to the actor per such Event.

#include <chrono>
#include <ctime>
#include <memory>
#include <string>

#include "actors/rde/rde_actor.hpp"
#include "caf/send.hpp"
#include "engine/status_sink.hpp"

namespace vcdlb::detail {

/// Now as RFC 3339 UTC ("2026-12-08T01:02:03Z"): the `occurredAt` of RDE events.
inline std::string rfc3339_now() {
  auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

class rde_event_sink final : public status_sink {
public:
  rde_event_sink(std::shared_ptr<status_sink> inner, rde_actor rde)
    : inner_(std::move(inner)), rde_(std::move(rde)) {}

  void write_status(const service_status& status, done_fn done) override {
    inner_->write_status(status, std::move(done));
  }

  void record_event(const service_event& event) override {
    inner_->record_event(event);
    if (auto note = note_for_event(event.reason, event.message, event.key.ns + "/" + event.key.name,
                                   rfc3339_now()))
      caf::anon_send(rde_, std::move(*note));
  }

private:
  std::shared_ptr<status_sink> inner_;
  rde_actor rde_;
};

} // namespace vcdlb::detail
