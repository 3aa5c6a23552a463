#pragma once

/// @file adapters/vcd/sim/simulator.hpp
/// @brief The VCD simulator served over HTTP or HTTPS on its own io thread(s): what
/// `vcdlb vcd-sim` runs, and what integration tests and benchmarks start in-process.
///
/// Usage:
/// @code
///   auto sim = vcd::sim::simulator::start({});          // HTTPS on 127.0.0.1, free port
///   client_options o{.base_url = (*sim)->url()};
///   o.tls.ca_pem = (*sim)->ca_pem();
///   ... (*sim)->core().stats(), (*sim)->core().dump(), (*sim)->core().set_faults(...)
/// @endcode
///
/// Thread-safety: all members may be called from any thread except an io thread of the
/// simulator (`stop` joins them). Owns its io threads, its server socket and its core.

#include <cstdint>
#include <memory>
#include <string>

#include "adapters/http/tls.hpp"
#include "adapters/vcd/sim/core.hpp"
#include "caf/expected.hpp"

namespace vcdlb::vcd::sim {

struct simulator_options {
  core_options core;                  ///< scenario, faults, seed, clock
  std::string listen = "127.0.0.1:0"; ///< HOST:PORT; port 0 picks a free one
  bool plain_http = false;            ///< serve HTTP instead of HTTPS
  http::key_pair certificate;         ///< empty: a self-signed one made at start
  unsigned io_threads = 1;
};

class simulator {
public:
  /// Binds the socket and starts serving; the `Location`/`Link` base URL is the served URL.
  /// Fails with the server's error (net_errc) when the address cannot be bound.
  [[nodiscard]] static caf::expected<std::unique_ptr<simulator>> start(simulator_options opts);

  ~simulator();
  simulator(const simulator&) = delete;
  simulator& operator=(const simulator&) = delete;

  /// "https://127.0.0.1:PORT" (or http://).
  [[nodiscard]] std::string url() const;
  [[nodiscard]] uint16_t port() const;
  /// The PEM certificate clients should trust; "" for plain HTTP.
  [[nodiscard]] std::string ca_pem() const;
  /// The state, inspection and fault knobs (see core.hpp).
  [[nodiscard]] sim::core& core() noexcept;

  /// Closes the listener and every connection and joins the io threads. Idempotent.
  void stop();

private:
  struct impl;
  explicit simulator(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

} // namespace vcdlb::vcd::sim
