#include "adapters/kube/sim/api_server.hpp"

#include <atomic>
#include <cstdio>
#include <fstream>
#include <random>

#include <sys/stat.h>

#include <boost/asio/post.hpp>

#include <spdlog/spdlog.h>

#include "adapters/kube/sim/detail/base64.hpp"
#include "protocol/errors.hpp"

namespace vcdlb::kube::sim {

namespace {

std::string random_token() {
  std::random_device rd;
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 40; ++i)
    out += hex[rd() & 0xf];
  return out;
}

// Written to a temporary file, then renamed: readers never see half a kubeconfig. Mode 0600
// because it holds the token.
caf::expected<void> write_private_file(const std::string& path, const std::string& content) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out{tmp, std::ios::trunc};
    if (!out)
      return caf::make_error(config_errc::unreadable_file, "cannot write " + tmp);
    ::chmod(tmp.c_str(), 0600);
    out << content;
    if (!out.flush())
      return caf::make_error(config_errc::unreadable_file, "cannot write " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0)
    return caf::make_error(config_errc::unreadable_file, "cannot rename " + tmp + " to " + path);
  return caf::unit;
}

} // namespace

std::string make_kubeconfig(const std::string& url, const std::string& ca_pem,
                            const std::string& token) {
  std::string y;
  y += "apiVersion: v1\n";
  y += "kind: Config\n";
  y += "clusters:\n";
  y += "- name: kube-sim\n";
  y += "  cluster:\n";
  y += "    server: " + url + "\n";
  if (!ca_pem.empty())
    y += "    certificate-authority-data: " + detail::base64_encode(ca_pem) + "\n";
  y += "contexts:\n";
  y += "- name: kube-sim\n";
  y += "  context:\n";
  y += "    cluster: kube-sim\n";
  y += "    user: kube-sim\n";
  y += "    namespace: default\n";
  y += "current-context: kube-sim\n";
  y += "preferences: {}\n";
  y += "users:\n";
  y += "- name: kube-sim\n";
  y += "  user:\n";
  if (!token.empty())
    y += "    token: " + token + "\n";
  else
    y += "    {}\n";
  return y;
}

api_server::api_server(boost::asio::io_context& io, api_server_options opts)
  : io_(io), opts_(std::move(opts)), stopped_(std::make_shared<std::atomic<bool>>(false)) {
  // nop
}

caf::expected<std::unique_ptr<api_server>> api_server::start(boost::asio::io_context& io,
                                                             api_server_options opts) {
  std::unique_ptr<api_server> self{new api_server(io, std::move(opts))};
  auto& o = self->opts_;
  if (o.auth)
    self->token_ = o.core.token.empty() ? random_token() : o.core.token;
  o.core.token = self->token_;
  http::server_options so;
  so.listen = o.listen;
  so.tls = o.tls;
  auto* raw = self.get();
  auto srv = http::server::start(
    io, so, [raw](http::request req, std::shared_ptr<http::response_writer> out) {
      raw->on_request(std::move(req), std::move(out));
    });
  if (!srv)
    return std::move(srv.error());
  self->server_ = std::move(*srv);
  // /api advertises the address clients reach us at.
  auto url = self->server_->url();
  auto scheme_end = url.find("://");
  o.core.server_address = scheme_end == std::string::npos ? url : url.substr(scheme_end + 3);
  self->core_ = std::make_unique<api_core>(o.core);
  if (!o.kubeconfig_path.empty()) {
    if (auto ok = write_private_file(o.kubeconfig_path, self->kubeconfig()); !ok) {
      self->server_->stop();
      return std::move(ok.error());
    }
    self->kubeconfig_path_ = o.kubeconfig_path;
  }
  self->ticker_ = std::make_shared<boost::asio::steady_timer>(io);
  self->schedule_tick();
  return self;
}

api_server::~api_server() {
  stop();
}

void api_server::stop() {
  if (stopped_->exchange(true))
    return;
  if (ticker_) {
    // The timer's handler checks `stopped_` too, so a tick already queued does nothing.
    boost::asio::post(ticker_->get_executor(), [t = ticker_] { t->cancel(); });
  }
  if (core_)
    core_->finish_watches();
  if (server_)
    server_->stop();
}

void api_server::schedule_tick() {
  ticker_->expires_after(opts_.tick_interval);
  ticker_->async_wait([this, stopped = stopped_](const boost::system::error_code& ec) {
    if (ec || *stopped)
      return;
    core_->tick();
    schedule_tick();
  });
}

void api_server::on_request(http::request req, std::shared_ptr<http::response_writer> out) {
  if (!core_ || *stopped_) {
    out->respond(http::response{503, {{"Content-Type", "text/plain"}}, "starting\n"});
    return;
  }
  auto latency = core_->faults().latency;
  if (latency.count() <= 0) {
    core_->handle(req, std::move(out));
    return;
  }
  auto timer = std::make_shared<boost::asio::steady_timer>(io_, latency);
  timer->async_wait([this, timer, stopped = stopped_, req = std::move(req),
                     out = std::move(out)](const boost::system::error_code&) {
    if (*stopped) {
      out->abort();
      return;
    }
    core_->handle(req, out);
  });
}

std::string api_server::url() const {
  return server_->url();
}

std::string api_server::ca_pem() const {
  return server_->ca_pem();
}

std::string api_server::kubeconfig() const {
  return make_kubeconfig(server_->url(), server_->ca_pem(), token_);
}

} // namespace vcdlb::kube::sim
