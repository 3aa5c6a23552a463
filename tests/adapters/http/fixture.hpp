#pragma once

// Shared helpers for the HTTP adapter tests: an io_runner, blocking wrappers with generous
// bounds around the asynchronous client, and a server with a swappable handler.

#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <string>

#include <gtest/gtest.h>

#include "adapters/asio/io_runner.hpp"
#include "adapters/http/client.hpp"
#include "adapters/http/server.hpp"
#include "protocol/errors.hpp"

namespace vcdlb::http::test {

using namespace std::chrono_literals;

constexpr auto bound = std::chrono::seconds{10}; // far above any expected wait

class http_test : public ::testing::Test {
protected:
  http_test() : io_("http-test", 2) {}
  ~http_test() override {
    if (server_)
      server_->stop();
    io_.stop();
  }

  boost::asio::io_context& io() { return io_.context(); }

  // Starts a server whose requests go to `handler_` (replaceable by each test).
  void start_server(server_options opts = {}) {
    auto s =
      server::start(io(), std::move(opts), [this](request req, std::shared_ptr<response_writer> w) {
        std::function<void(request, std::shared_ptr<response_writer>)> h;
        {
          std::lock_guard lock{mutex_};
          h = handler_;
        }
        h(std::move(req), std::move(w));
      });
    ASSERT_TRUE(s) << describe(s.error());
    server_ = std::move(*s);
  }

  void set_handler(std::function<void(request, std::shared_ptr<response_writer>)> h) {
    std::lock_guard lock{mutex_};
    handler_ = std::move(h);
  }

  std::shared_ptr<client> make_client(client_options opts) {
    auto c = client::make(io(), std::move(opts));
    EXPECT_TRUE(c) << describe(c.error());
    return c ? *c : nullptr;
  }

  // A client for the running server that trusts its certificate.
  std::shared_ptr<client> client_for_server(client_options opts = {}) {
    opts.base_url = server_->url();
    opts.tls.ca_pem = server_->ca_pem();
    opts.proxy_from_environment = false;
    return make_client(std::move(opts));
  }

  static caf::expected<response> fetch(client& c, request req,
                                       std::chrono::milliseconds timeout = 0ms) {
    auto done = std::make_shared<std::promise<caf::expected<response>>>();
    auto fut = done->get_future();
    c.async_request(
      std::move(req), [done](caf::expected<response> r) { done->set_value(std::move(r)); },
      timeout);
    if (fut.wait_for(bound) != std::future_status::ready)
      return caf::make_error(net_errc::timeout, "test bound exceeded");
    return fut.get();
  }

  static request get(std::string target) {
    request r;
    r.target = std::move(target);
    return r;
  }

  asio_bridge::io_runner io_;
  std::unique_ptr<server> server_;
  std::mutex mutex_;
  std::function<void(request, std::shared_ptr<response_writer>)> handler_ =
    [](request req, std::shared_ptr<response_writer> w) {
      w->respond(response{
        200, {{"Content-Type", "text/plain"}}, req.method + " " + req.target + " " + req.body});
    };
};

// Waits (bounded) until `pred` holds; for conditions only observable by polling, e.g. the
// server's connection count after the peer closed.
template <class Pred>
bool eventually(Pred pred) {
  auto deadline = std::chrono::steady_clock::now() + bound;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred())
      return true;
    std::this_thread::sleep_for(5ms);
  }
  return pred();
}

} // namespace vcdlb::http::test
