#include "adapters/vcd/sim/simulator.hpp"

#include <boost/asio/steady_timer.hpp>

#include "adapters/asio/io_runner.hpp"
#include "adapters/http/server.hpp"

namespace vcdlb::vcd::sim {

struct simulator::impl {
  std::shared_ptr<sim::core> core;
  std::unique_ptr<asio_bridge::io_runner> io;
  std::unique_ptr<http::server> server;
  std::string url;
  std::string ca_pem;
  uint16_t port = 0;
};

namespace {

// Runs the core on the io thread (it only takes a mutex briefly), then applies the transport
// faults: a delayed answer through a timer, or a dropped connection.
http::handler make_handler(std::shared_ptr<core> c, boost::asio::io_context& io) {
  return [c = std::move(c), &io](http::request req, std::shared_ptr<http::response_writer> w) {
    auto result = c->handle(req);
    if (result.drop) {
      w->abort();
      return;
    }
    if (result.delay.count() <= 0) {
      w->respond(std::move(result.response));
      return;
    }
    auto timer = std::make_shared<boost::asio::steady_timer>(io, result.delay);
    timer->async_wait([timer, w, r = std::move(result.response)](const auto&) mutable {
      w->respond(std::move(r));
    });
  };
}

} // namespace

caf::expected<std::unique_ptr<simulator>> simulator::start(simulator_options opts) {
  auto p = std::make_unique<impl>();
  p->core = std::make_shared<sim::core>(std::move(opts.core));
  p->io = std::make_unique<asio_bridge::io_runner>("vcd-sim-io", std::max(1u, opts.io_threads));
  http::server_options so;
  so.listen = opts.listen;
  so.tls = !opts.plain_http;
  so.certificate = std::move(opts.certificate);
  auto srv =
    http::server::start(p->io->context(), std::move(so), make_handler(p->core, p->io->context()));
  if (!srv) {
    p->io->stop();
    return srv.error();
  }
  p->server = std::move(*srv);
  p->url = p->server->url();
  p->ca_pem = p->server->ca_pem();
  p->port = p->server->port();
  p->core->set_base_url(p->url);
  return std::unique_ptr<simulator>{new simulator(std::move(p))};
}

simulator::simulator(std::unique_ptr<impl> p) : impl_(std::move(p)) {
  // nop
}

simulator::~simulator() {
  stop();
}

std::string simulator::url() const {
  return impl_->url;
}

uint16_t simulator::port() const {
  return impl_->port;
}

std::string simulator::ca_pem() const {
  return impl_->ca_pem;
}

core& simulator::core() noexcept {
  return *impl_->core;
}

void simulator::stop() {
  if (impl_->server)
    impl_->server->stop();
  if (impl_->io)
    impl_->io->stop();
  impl_->server.reset();
}

} // namespace vcdlb::vcd::sim
