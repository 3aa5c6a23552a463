#include "engine/engine.hpp"

#include "caf/scoped_actor.hpp"
#include "engine/detail/core.hpp"
#include "protocol/errors.hpp"
#include "spdlog/spdlog.h"

namespace vcdlb {

std::string_view to_string(engine_phase p) noexcept {
  switch (p) {
  case engine_phase::discovering:
    return "discovering";
  case engine_phase::seeding:
    return "seeding";
  case engine_phase::running:
    return "running";
  case engine_phase::failed:
    return "failed";
  case engine_phase::stopped:
    return "stopped";
  }
  return "unknown";
}

caf::expected<std::unique_ptr<engine>> engine::start(caf::actor_system& sys, engine_options opts) {
  if (!opts.vcd)
    return caf::make_error(config_errc::invalid_value, "engine_options.vcd: no VCD client given");
  if (!opts.sink)
    return caf::make_error(config_errc::invalid_value, "engine_options.sink: no status sink given");
  auto shared = std::make_shared<shared_state>();
  auto core = sys.spawn(detail::core_behavior, std::move(opts), shared);
  return std::unique_ptr<engine>{new engine(sys, std::move(core), std::move(shared))};
}

engine::engine(caf::actor_system& sys, caf::actor core, std::shared_ptr<shared_state> shared)
  : sys_(sys), core_(std::move(core)), shared_(std::move(shared)) {}

engine::~engine() {
  stop();
}

void engine::replace_services(std::vector<service_spec> all) {
  caf::anon_send(core_, std::move(all));
}

void engine::upsert_service(service_spec spec) {
  caf::anon_send(core_, std::move(spec));
}

void engine::delete_service(service_key key) {
  caf::anon_send(core_, remove_atom::value, std::move(key));
}

void engine::resync() {
  caf::anon_send(core_, resync_atom::value);
}

void engine::replace_nodes(std::vector<node_description> all) {
  caf::anon_send(core_, std::move(all));
}

void engine::upsert_node(node_description node) {
  caf::anon_send(core_, std::move(node));
}

void engine::delete_node(std::string name) {
  caf::anon_send(core_, remove_atom::value, std::move(name));
}

void engine::replace_endpoint_slices(std::vector<endpoint_slice_info> all) {
  caf::anon_send(core_, std::move(all));
}

void engine::upsert_endpoint_slice(endpoint_slice_info slice) {
  caf::anon_send(core_, std::move(slice));
}

void engine::delete_endpoint_slice(endpoint_slice_info slice) {
  caf::anon_send(core_, remove_atom::value, std::move(slice));
}

caf::expected<engine_stats> engine::stats(std::chrono::milliseconds timeout) const {
  engine_stats result;
  caf::error failure;
  caf::scoped_actor self{sys_};
  self->request(core_, timeout, caf::get_atom::value)
    .receive(
      [&](uint64_t actors, const pool_stats& pool) {
        result.service_actors = actors;
        result.pool = pool;
      },
      [&](caf::error& err) { failure = std::move(err); });
  if (failure)
    return failure;
  result.phase = phase();
  std::lock_guard guard{shared_->mutex};
  result.gateway_id = shared_->gateway_id;
  result.api_version = shared_->api_version;
  return result;
}

void engine::stop(std::chrono::milliseconds grace) {
  if (stopped_)
    return;
  stopped_ = true;
  caf::scoped_actor self{sys_};
  // The gateway finishes its mutation in flight (bounded by `grace`); anything left is
  // picked up by the next start, which rebuilds its view from VCD.
  auto deadline = std::chrono::steady_clock::now() + grace;
  self->request(core_, grace, drain_atom::value)
    .receive([](caf::ok_atom) {},
             [](caf::error& err) {
               spdlog::warn("engine stop: the gateway did not drain: {}", describe(err));
             });
  // The core quits only after every actor it spawned is down (none holds the client or the
  // sink after that); they end at once, so the bound below is never the normal case.
  self->monitor(core_);
  self->send_exit(core_, caf::exit_reason::user_shutdown);
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
    deadline - std::chrono::steady_clock::now());
  self->receive([](const caf::down_msg&) {},
                caf::after(std::max(left, std::chrono::milliseconds{5000})) >> [] {});
  shared_->phase = engine_phase::stopped;
}

} // namespace vcdlb
