#pragma once

// A scripted in-process `http::client` for the VCD client's tests: every request is recorded
// and answered by a handler, synchronously. No sockets, no threads.

#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "adapters/http/client.hpp"
#include "protocol/errors.hpp"

namespace vcdlb::vcd::test {

class scripted_http final : public http::client {
public:
  /// Returns the response, or an error (a transport failure).
  using handler = std::function<caf::expected<http::response>(const http::request&)>;

  explicit scripted_http(handler h) : handler_(std::move(h)) {
    // Nothing else.
  }

  void async_request(http::request req, callback done, std::chrono::milliseconds) override {
    requests.push_back(req);
    done(handler_(req));
  }

  std::shared_ptr<http::stream_handle>
  async_stream(http::request, std::function<void(unsigned, const http::header_list&)>,
               std::function<void(std::string_view)>, std::function<void(const caf::error&)> on_end,
               std::chrono::milliseconds) override {
    on_end(caf::make_error(net_errc::protocol_error, std::string{"streams are not scripted"}));
    return nullptr;
  }

  void shutdown() override {
    // Nothing to close.
  }

  void set_handler(handler h) { handler_ = std::move(h); }

  std::vector<http::request> requests;

private:
  handler handler_;
};

} // namespace vcdlb::vcd::test
