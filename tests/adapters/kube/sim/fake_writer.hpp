#pragma once

// A recording http::response_writer, so the double's core is tested without sockets.

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>

#include "adapters/http/server.hpp"
#include "adapters/kube/sim/api_core.hpp"

namespace vcdlb::kube::sim::test {

class fake_writer : public http::response_writer {
public:
  void respond(http::response r) override {
    std::lock_guard g{mtx_};
    response = std::move(r);
    ended = true;
  }
  void start_stream(unsigned s, http::header_list fields) override {
    std::lock_guard g{mtx_};
    stream_status = s;
    stream_fields = std::move(fields);
  }
  bool write(std::string data) override {
    std::lock_guard g{mtx_};
    if (ended || disconnected)
      return false;
    chunks.push_back(std::move(data));
    return true;
  }
  void finish() override {
    std::lock_guard g{mtx_};
    finished = true;
    ended = true;
  }
  void abort() override {
    std::lock_guard g{mtx_};
    aborted = true;
    ended = true;
  }
  bool closed() const override {
    std::lock_guard g{mtx_};
    return ended || disconnected;
  }
  void on_close(std::function<void()>) override {
    // nop: the core never registers one
  }

  /// Parsed watch events so far.
  std::vector<boost::json::object> events() const {
    std::lock_guard g{mtx_};
    std::vector<boost::json::object> out;
    for (const auto& c : chunks)
      out.push_back(boost::json::parse(c).as_object());
    return out;
  }
  boost::json::object body() const {
    std::lock_guard g{mtx_};
    return boost::json::parse(response->body).as_object();
  }
  /// A response header (exact name), "" when absent.
  std::string header(std::string_view name) const {
    std::lock_guard g{mtx_};
    for (const auto& [k, v] : response->fields)
      if (k == name)
        return v;
    return "";
  }
  unsigned status() const {
    std::lock_guard g{mtx_};
    return response ? response->status : stream_status;
  }

  mutable std::mutex mtx_;
  std::optional<http::response> response;
  unsigned stream_status = 0;
  http::header_list stream_fields;
  std::vector<std::string> chunks;
  bool finished = false;
  bool aborted = false;
  bool ended = false;
  bool disconnected = false;
};

/// Sends one request to `core` and returns what it wrote.
inline std::shared_ptr<fake_writer> call(api_core& core, std::string method, std::string target,
                                         std::string body = {},
                                         std::string content_type = "application/json",
                                         std::string token = {}) {
  http::request req;
  req.method = std::move(method);
  req.target = std::move(target);
  req.body = std::move(body);
  req.fields.emplace_back("Content-Type", std::move(content_type));
  if (!token.empty())
    req.fields.emplace_back("Authorization", "Bearer " + token);
  auto w = std::make_shared<fake_writer>();
  core.handle(req, w);
  return w;
}

} // namespace vcdlb::kube::sim::test
