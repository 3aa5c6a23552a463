#include "adapters/kube/sim/api_server.hpp"

#include <atomic>
#include <cstdio>
#include <fstream>
#include <random>

#include <sys/stat.h>

#include <boost/asio/post.hpp>

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

api_server::api_server(api_server_options opts) : opts_(std::move(opts)) {
  // nop
}

caf::expected<std::unique_ptr<api_server>> api_server::start(boost::asio::io_context& io,
                                                             api_server_options opts) {
  std::unique_ptr<api_server> self{new api_server(std::move(opts))};
  auto& o = self->opts_;
  if (o.auth)
    self->token_ = o.core.token.empty() ? random_token() : o.core.token;
  o.core.token = self->token_;
  auto st = std::make_shared<shared_state>(io);
  st->tick_interval = o.tick_interval;
  self->shared_ = st;
  http::server_options so;
  so.listen = o.listen;
  so.tls = o.tls;
  auto srv = http::server::start(
    io, so, [st](http::request req, std::shared_ptr<http::response_writer> out) {
      on_request(st, std::move(req), std::move(out));
    });
  if (!srv)
    return std::move(srv.error());
  self->server_ = std::move(*srv);
  // /api advertises the address clients reach us at.
  auto url = self->server_->url();
  auto scheme_end = url.find("://");
  o.core.server_address = scheme_end == std::string::npos ? url : url.substr(scheme_end + 3);
  std::atomic_store(&st->core, std::make_shared<api_core>(o.core));
  if (!o.kubeconfig_path.empty()) {
    if (auto ok = write_private_file(o.kubeconfig_path, self->kubeconfig()); !ok) {
      self->stop();
      return std::move(ok.error());
    }
    self->kubeconfig_path_ = o.kubeconfig_path;
  }
  boost::asio::post(st->ticker.get_executor(), [st] { schedule_tick(st); });
  return self;
}

api_server::~api_server() {
  stop();
}

void api_server::stop() {
  if (!shared_ || shared_->stopped.exchange(true))
    return;
  // A tick already queued sees `stopped` and does nothing; the timer lives on a strand, so the
  // cancel is posted there rather than racing a running tick.
  boost::asio::post(shared_->ticker.get_executor(), [st = shared_] { st->ticker.cancel(); });
  if (auto core = std::atomic_load(&shared_->core))
    core->finish_watches();
  if (server_)
    server_->stop();
}

void api_server::schedule_tick(const std::shared_ptr<shared_state>& st) {
  if (st->stopped)
    return;
  st->ticker.expires_after(st->tick_interval);
  st->ticker.async_wait([st](const boost::system::error_code& ec) {
    if (ec || st->stopped)
      return;
    std::atomic_load(&st->core)->tick();
    schedule_tick(st);
  });
}

void api_server::on_request(const std::shared_ptr<shared_state>& st, http::request req,
                            std::shared_ptr<http::response_writer> out) {
  auto core = std::atomic_load(&st->core);
  if (!core || st->stopped) {
    out->respond(http::response{503, {{"Content-Type", "text/plain"}}, "not serving\n"});
    return;
  }
  auto latency = core->faults().latency;
  if (latency.count() <= 0) {
    core->handle(req, std::move(out));
    return;
  }
  auto timer = std::make_shared<boost::asio::steady_timer>(st->io, latency);
  timer->async_wait([st, core, timer, req = std::move(req),
                     out = std::move(out)](const boost::system::error_code&) {
    if (st->stopped) {
      out->abort();
      return;
    }
    core->handle(req, out);
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
