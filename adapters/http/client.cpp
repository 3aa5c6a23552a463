#include "adapters/http/client.hpp"

#include <deque>
#include <optional>
#include <set>

#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <spdlog/spdlog.h>

#include "adapters/http/detail/proxy.hpp"
#include "adapters/http/detail/tls_context.hpp"
#include "adapters/http/detail/transport.hpp"
#include "protocol/errors.hpp"

namespace vcdlb::http {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using boost::system::error_code;
using std::chrono::milliseconds;
using steady = std::chrono::steady_clock;
using parser_type = bhttp::response_parser<bhttp::string_body>;

constexpr size_t read_chunk = 16 * 1024;
constexpr uint32_t header_limit = 64 * 1024;
// Like Go's IdleConnTimeout: older idle connections are likely closed by the server already.
constexpr auto idle_keep_alive_limit = std::chrono::seconds{90};

// RFC 9110 9.2.2: these may be sent again without changing the outcome.
bool is_idempotent(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "PUT" || method == "DELETE"
         || method == "OPTIONS" || method == "TRACE";
}

std::string host_port(const std::string& host, uint16_t port) {
  if (host.find(':') != std::string::npos)
    return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

// Host header value: the port only when it is not the scheme's default.
std::string host_header(const url& u) {
  std::string host = u.host.find(':') != std::string::npos ? "[" + u.host + "]" : u.host;
  bool default_port =
    (u.scheme == "http" && u.port == 80) || (u.scheme == "https" && u.port == 443);
  return default_port ? host : host + ":" + std::to_string(u.port);
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size()
         && std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
              return std::tolower(x) == std::tolower(y);
            });
}

bool is_closed_error(const error_code& ec) {
  return ec == asio::error::eof || ec == asio::error::connection_reset
         || ec == asio::error::broken_pipe || ec == asio::error::connection_aborted
         || ec == asio::ssl::error::stream_truncated || ec == bhttp::error::partial_message
         || ec == bhttp::error::end_of_stream;
}

// Feeds buffered bytes to the parser; true once the message is complete.
bool feed(parser_type& parser, beast::flat_buffer& buffer, error_code& ec) {
  while (buffer.size() > 0 && !parser.is_done()) {
    auto n = parser.put(buffer.data(), ec);
    buffer.consume(n);
    if (ec == bhttp::error::need_more) {
      ec = {};
      break;
    }
    if (ec)
      return false;
    if (n == 0)
      break;
  }
  return parser.is_done();
}

header_list fields_of(const parser_type& parser) {
  header_list out;
  for (const auto& f : parser.get())
    out.emplace_back(std::string{f.name_string()}, std::string{f.value()});
  return out;
}

// One TCP/TLS connection to the origin (possibly through a proxy). Used on the client strand only.
struct connection {
  explicit connection(const asio::any_io_executor& ex) : io(ex), timer(ex) {}

  // Closes the socket so that the pending operation completes; its handler reports `reason`.
  void abort(caf::error reason) {
    if (!abort_reason)
      abort_reason = std::move(reason);
    io.close();
  }

  detail::transport io;
  asio::steady_timer timer; // connect + handshake deadline
  beast::flat_buffer buffer;
  bool connected = false;
  bool reused = false; ///< finished at least one exchange
  steady::time_point idle_since;
  caf::error abort_reason;
};

using connection_ptr = std::shared_ptr<connection>;

// One queued or running request.
struct pending {
  pending(const asio::any_io_executor& ex, request r, client::callback cb)
    : req(std::move(r)), done(std::move(cb)), timer(ex) {}

  request req;
  client::callback done;
  asio::steady_timer timer;
  std::string wire;
  std::optional<parser_type> parser;
  connection_ptr conn;
  bool finished = false;
  bool retried = false;
  bool need_fresh = false;
  bool response_started = false;
};

using pending_ptr = std::shared_ptr<pending>;

class client_impl;

class stream_impl : public stream_handle, public std::enable_shared_from_this<stream_impl> {
public:
  stream_impl(std::shared_ptr<client_impl> owner, const asio::any_io_executor& ex)
    : timer(ex), owner_(std::move(owner)), strand_(ex) {}

  void cancel() override;

  request req;
  std::function<void(unsigned, const header_list&)> on_head;
  std::function<void(std::string_view)> on_data;
  std::function<void(const caf::error&)> on_end;
  milliseconds idle_timeout{0};
  asio::steady_timer timer;
  connection_ptr conn;
  std::optional<parser_type> parser;
  std::string wire;
  bool head_delivered = false;
  bool ended = false;

private:
  friend class client_impl;
  std::weak_ptr<client_impl> owner_;
  asio::any_io_executor strand_;
};

using stream_ptr = std::shared_ptr<stream_impl>;

class client_impl : public client {
public:
  client_impl(asio::io_context& io, client_options opts, url base,
              std::optional<detail::proxy_endpoint> proxy, std::shared_ptr<asio::ssl::context> tls)
    : strand_(asio::make_strand(io)), opts_(std::move(opts)), base_(std::move(base)),
      proxy_(std::move(proxy)), tls_(std::move(tls)) {
    if (opts_.max_connections == 0)
      opts_.max_connections = 1;
    server_name_ = opts_.tls.server_name.empty() ? base_.host : opts_.tls.server_name;
  }

  ~client_impl() override {
    for (auto& c : idle_)
      c->io.close();
  }

  void async_request(request req, callback done, milliseconds timeout) override {
    if (timeout.count() <= 0)
      timeout = opts_.request_timeout;
    auto p = std::make_shared<pending>(strand_, std::move(req), std::move(done));
    asio::post(strand_, [self = self(), p, timeout] { self->submit(p, timeout); });
  }

  std::shared_ptr<stream_handle>
  async_stream(request req, std::function<void(unsigned, const header_list&)> on_head,
               std::function<void(std::string_view)> on_data,
               std::function<void(const caf::error&)> on_end, milliseconds idle_timeout) override {
    auto s = std::make_shared<stream_impl>(self(), strand_);
    s->req = std::move(req);
    s->on_head = std::move(on_head);
    s->on_data = std::move(on_data);
    s->on_end = std::move(on_end);
    s->idle_timeout = idle_timeout;
    asio::post(strand_, [self = self(), s] { self->start_stream(s); });
    return s;
  }

  void shutdown() override {
    asio::post(strand_, [self = self()] { self->do_shutdown(); });
  }

  void cancel_stream(const stream_ptr& s) {
    if (s->ended)
      return;
    if (s->conn)
      s->conn->abort(caf::make_error(net_errc::cancelled, "stream cancelled"));
    else
      end_stream(s, caf::make_error(net_errc::cancelled, "stream cancelled"));
  }

private:
  std::shared_ptr<client_impl> self() {
    return std::static_pointer_cast<client_impl>(shared_from_this());
  }

  // --- connections ----------------------------------------------------------------------------

  // Connects `c` (resolve, TCP, proxy tunnel, TLS) within connect_timeout, then calls `done`.
  void establish(const connection_ptr& c, std::function<void(caf::error)> done) {
    if (opts_.connect_timeout.count() > 0) {
      c->timer.expires_after(opts_.connect_timeout);
      c->timer.async_wait([c, ms = opts_.connect_timeout.count(),
                           target = host_port(base_.host, base_.port)](const error_code& ec) {
        if (!ec && !c->connected)
          c->abort(caf::make_error(net_errc::timeout, "connecting to " + target
                                                        + " timed out after " + std::to_string(ms)
                                                        + " ms"));
      });
    }
    const std::string& host = proxy_ ? proxy_->host : base_.host;
    uint16_t port = proxy_ ? proxy_->port : base_.port;
    auto finish = [c, done = std::move(done)](caf::error err) {
      c->timer.cancel();
      if (c->abort_reason)
        err = c->abort_reason;
      if (!err)
        c->connected = true;
      done(std::move(err));
    };
    c->io.async_resolve(
      host, port,
      [this, self = self(), c, host, port, finish](const error_code& ec,
                                                   std::vector<asio::ip::tcp::endpoint> eps) {
        if (c->abort_reason)
          return finish(c->abort_reason);
        if (ec || eps.empty())
          return finish(caf::make_error(net_errc::resolve_failed,
                                        "cannot resolve \"" + host + "\": " + ec.message()));
        c->io.async_connect(eps, [this, self, c, host, port, finish](const error_code& ec) {
          if (c->abort_reason)
            return finish(c->abort_reason);
          if (ec)
            return finish(
              caf::make_error(net_errc::connect_failed,
                              "connect to " + host_port(host, port) + ": " + ec.message()));
          c->io.set_no_delay();
          if (proxy_ && base_.scheme == "https")
            return open_tunnel(c, finish);
          handshake(c, finish);
        });
      });
  }

  // CONNECT host:port through the proxy (RFC 9110 9.3.6).
  void open_tunnel(const connection_ptr& c, std::function<void(caf::error)> finish) {
    auto target = host_port(base_.host, base_.port);
    auto wire = std::make_shared<std::string>("CONNECT " + target + " HTTP/1.1\r\nHost: " + target
                                              + "\r\nUser-Agent: " + opts_.user_agent + "\r\n");
    if (!proxy_->authorization.empty())
      *wire += "Proxy-Authorization: " + proxy_->authorization + "\r\n";
    *wire += "\r\n";
    c->io.async_write(
      asio::buffer(*wire), [this, self = self(), c, wire, finish](const error_code& ec, size_t) {
        if (c->abort_reason)
          return finish(c->abort_reason);
        if (ec)
          return finish(
            caf::make_error(net_errc::connect_failed, "proxy connection failed: " + ec.message()));
        auto parser = std::make_shared<parser_type>();
        parser->skip(true); // a 2xx answer to CONNECT has no body
        read_tunnel_reply(c, parser, finish);
      });
  }

  void read_tunnel_reply(const connection_ptr& c, std::shared_ptr<parser_type> parser,
                         std::function<void(caf::error)> finish) {
    c->io.async_read_some(c->buffer.prepare(read_chunk), [this, self = self(), c, parser,
                                                          finish](const error_code& ec, size_t n) {
      c->buffer.commit(n);
      if (c->abort_reason)
        return finish(c->abort_reason);
      if (ec)
        return finish(caf::make_error(net_errc::connect_failed,
                                      "proxy closed the connection: " + ec.message()));
      error_code pec;
      feed(*parser, c->buffer, pec);
      if (pec)
        return finish(
          caf::make_error(net_errc::connect_failed, "bad answer from the proxy: " + pec.message()));
      if (!parser->is_header_done())
        return read_tunnel_reply(c, parser, finish);
      auto status = parser->get().result_int();
      if (status / 100 != 2)
        return finish(caf::make_error(net_errc::connect_failed, "proxy refused CONNECT with status "
                                                                  + std::to_string(status)));
      c->buffer.clear();
      handshake(c, finish);
    });
  }

  void handshake(const connection_ptr& c, std::function<void(caf::error)> finish) {
    if (base_.scheme != "https")
      return finish({});
    c->io.async_client_handshake(
      *tls_, server_name_, opts_.tls.verify,
      [c, finish, target = host_port(base_.host, base_.port)](const error_code& ec) {
        if (c->abort_reason)
          return finish(c->abort_reason);
        if (!ec)
          return finish({});
        std::string why = c->io.verify_error().empty()
                            ? ec.message()
                            : "certificate verification failed: " + c->io.verify_error();
        finish(caf::make_error(net_errc::tls_failed,
                               "TLS handshake with " + target + " failed: " + why));
      });
  }

  connection_ptr take_idle() {
    while (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      if (steady::now() - c->idle_since < idle_keep_alive_limit && !c->io.idle_connection_dead())
        return c;
      c->io.close();
      --total_;
    }
    return nullptr;
  }

  void release(const connection_ptr& c, bool keep_alive) {
    if (keep_alive && !shut_ && c->buffer.size() == 0 && c->io.is_open()) {
      c->reused = true;
      c->idle_since = steady::now();
      idle_.push_back(c);
    } else {
      c->io.close();
      --total_;
    }
  }

  // --- requests -------------------------------------------------------------------------------

  void submit(const pending_ptr& p, milliseconds timeout) {
    if (shut_)
      return finish(p, caf::make_error(net_errc::cancelled, "client is shut down"));
    if (timeout.count() > 0) {
      p->timer.expires_after(timeout);
      p->timer.async_wait([this, self = self(), p, timeout](const error_code& ec) {
        if (ec || p->finished)
          return;
        auto err = caf::make_error(net_errc::timeout, p->req.method + " " + p->req.target
                                                        + " timed out after "
                                                        + std::to_string(timeout.count()) + " ms");
        if (p->conn)
          return p->conn->abort(std::move(err));
        std::erase(queue_, p);
        finish(p, std::move(err));
      });
    }
    queue_.push_back(p);
    pump();
  }

  void pump() {
    while (!queue_.empty()) {
      auto p = queue_.front();
      connection_ptr c;
      if (!p->need_fresh)
        c = take_idle();
      if (!c) {
        if (total_ >= opts_.max_connections) {
          if (!p->need_fresh || idle_.empty())
            break;
          // A retry needs a fresh connection: make room by closing an idle one.
          idle_.front()->io.close();
          idle_.erase(idle_.begin());
          --total_;
        }
        c = std::make_shared<connection>(strand_);
        track(c);
        ++total_;
      }
      queue_.pop_front();
      p->conn = c;
      if (c->connected) {
        send(p);
      } else {
        establish(c, [this, self = self(), p](caf::error err) {
          if (err) {
            release(p->conn, false);
            finish(p, std::move(err));
            return pump();
          }
          send(p);
        });
      }
    }
  }

  std::string request_target(const std::string& target) const {
    std::string path = base_.path + (target.empty() ? "/" : target);
    if (proxy_ && base_.scheme == "http")
      return "http://" + host_header(base_) + path; // absolute-form for a forward proxy
    return path;
  }

  std::string serialize(const request& req) const {
    std::string out = req.method + " " + request_target(req.target) + " HTTP/1.1\r\n";
    if (!req.header("Host"))
      out += "Host: " + host_header(base_) + "\r\n";
    if (!req.header("User-Agent"))
      out += "User-Agent: " + opts_.user_agent + "\r\n";
    for (const auto& [name, value] : req.fields) {
      if (name.empty() || iequals(name, "Content-Length") || iequals(name, "Transfer-Encoding"))
        continue;
      out += name + ": " + value + "\r\n";
    }
    // Like Go: methods that carry a body always say how long it is, even when empty.
    if (!req.body.empty() || req.method == "POST" || req.method == "PUT" || req.method == "PATCH")
      out += "Content-Length: " + std::to_string(req.body.size()) + "\r\n";
    if (proxy_ && base_.scheme == "http" && !proxy_->authorization.empty())
      out += "Proxy-Authorization: " + proxy_->authorization + "\r\n";
    out += "\r\n";
    out += req.body;
    return out;
  }

  void new_parser(std::optional<parser_type>& parser, const std::string& method,
                  std::optional<uint64_t> body_limit) {
    parser.emplace();
    parser->header_limit(header_limit);
    if (body_limit)
      parser->body_limit(*body_limit);
    else
      parser->body_limit(boost::none);
    parser->eager(true);
    if (method == "HEAD")
      parser->skip(true);
  }

  void send(const pending_ptr& p) {
    p->wire = serialize(p->req);
    new_parser(p->parser, p->req.method, opts_.max_response_bytes);
    p->response_started = false;
    p->conn->io.async_write(asio::buffer(p->wire),
                            [this, self = self(), p](const error_code& ec, size_t) {
                              if (ec)
                                return exchange_failed(p, ec);
                              read_response(p);
                            });
  }

  void read_response(const pending_ptr& p) {
    auto& c = *p->conn;
    c.io.async_read_some(c.buffer.prepare(read_chunk),
                         [this, self = self(), p](const error_code& ec, size_t n) {
                           auto& c = *p->conn;
                           c.buffer.commit(n);
                           if (n > 0)
                             p->response_started = true;
                           error_code pec;
                           bool done = feed(*p->parser, c.buffer, pec);
                           // put_eof needs some bytes; an EOF before the first byte is a plain
                           // close (below).
                           if (!pec && !done && ec == asio::error::eof && p->parser->got_some()) {
                             p->parser->put_eof(pec);
                             done = !pec && p->parser->is_done();
                           }
                           if (pec)
                             return exchange_failed(p, pec);
                           if (done) {
                             auto status = p->parser->get().result_int();
                             if (status >= 100 && status < 200 && status != 101) {
                               // An interim response (e.g. 100 Continue): the real one follows.
                               new_parser(p->parser, p->req.method, opts_.max_response_bytes);
                               if (c.buffer.size() > 0)
                                 return read_response_buffered(p);
                               return read_response(p);
                             }
                             return complete(p);
                           }
                           if (ec)
                             return exchange_failed(p, ec);
                           read_response(p);
                         });
  }

  // Parses what is already buffered before reading more.
  void read_response_buffered(const pending_ptr& p) {
    error_code pec;
    if (feed(*p->parser, p->conn->buffer, pec))
      return complete(p);
    if (pec)
      return exchange_failed(p, pec);
    read_response(p);
  }

  void complete(const pending_ptr& p) {
    auto& msg = p->parser->get();
    response r;
    r.status = msg.result_int();
    r.fields = fields_of(*p->parser);
    r.body = std::move(msg.body());
    bool keep_alive = p->parser->keep_alive();
    p->parser.reset();
    release(p->conn, keep_alive);
    p->conn.reset();
    finish(p, std::move(r));
    pump();
  }

  void exchange_failed(const pending_ptr& p, const error_code& ec) {
    auto c = std::move(p->conn);
    release(c, false);
    if (c->abort_reason) {
      finish(p, c->abort_reason);
      return pump();
    }
    // A keep-alive connection the server closed while it sat idle: nothing of the response
    // arrived, so an idempotent request can safely go out again on a fresh connection.
    if (c->reused && !p->response_started && !p->retried && !shut_ && is_idempotent(p->req.method)
        && ec != bhttp::error::body_limit) {
      spdlog::debug("http: retrying {} {} on a fresh connection after: {}", p->req.method,
                    p->req.target, ec.message());
      p->retried = true;
      p->need_fresh = true;
      queue_.push_front(p);
      return pump();
    }
    finish(p, map_error(ec, p->req.method + " " + p->req.target));
    pump();
  }

  static caf::error map_error(const error_code& ec, const std::string& what) {
    if (ec == bhttp::error::body_limit)
      return caf::make_error(net_errc::body_too_large,
                             what + ": response body exceeds the configured limit");
    if (is_closed_error(ec))
      return caf::make_error(net_errc::connection_closed,
                             what + ": connection closed before the response was complete ("
                               + ec.message() + ")");
    if (ec.category() == asio::error::get_ssl_category())
      // E.g. a TLS 1.3 server rejecting our (missing) client certificate after the handshake.
      return caf::make_error(net_errc::tls_failed, what + ": TLS error (" + ec.message() + ")");
    if (ec.category() == bhttp::make_error_code(bhttp::error::need_more).category())
      return caf::make_error(net_errc::protocol_error,
                             what + ": malformed response (" + ec.message() + ")");
    return caf::make_error(net_errc::connection_closed, what + ": " + ec.message());
  }

  void finish(const pending_ptr& p, caf::expected<response> result) {
    if (p->finished)
      return;
    p->finished = true;
    p->timer.cancel();
    auto done = std::move(p->done);
    p->done = nullptr;
    if (done)
      done(std::move(result));
  }

  // --- streams --------------------------------------------------------------------------------

  void start_stream(const stream_ptr& s) {
    if (shut_)
      return end_stream(s, caf::make_error(net_errc::cancelled, "client is shut down"));
    streams_.insert(s);
    s->conn = std::make_shared<connection>(strand_);
    track(s->conn);
    if (opts_.request_timeout.count() > 0) {
      // Until the head arrives the stream is bounded like a request; afterwards by idle_timeout.
      s->timer.expires_after(opts_.request_timeout);
      s->timer.async_wait([s, ms = opts_.request_timeout.count()](const error_code& ec) {
        if (!ec && !s->ended && !s->head_delivered)
          s->conn->abort(caf::make_error(net_errc::timeout,
                                         "no response head within " + std::to_string(ms) + " ms"));
      });
    }
    establish(s->conn, [this, self = self(), s](caf::error err) {
      if (err)
        return end_stream(s, std::move(err));
      s->wire = serialize(s->req);
      new_parser(s->parser, s->req.method, std::nullopt);
      s->conn->io.async_write(asio::buffer(s->wire), [this, self, s](const error_code& ec, size_t) {
        if (ec)
          return stream_failed(s, ec);
        read_stream(s);
      });
    });
  }

  void arm_idle_timer(const stream_ptr& s) {
    if (s->idle_timeout.count() <= 0)
      return;
    s->timer.expires_after(s->idle_timeout);
    s->timer.async_wait([s, ms = s->idle_timeout.count()](const error_code& ec) {
      if (!ec && !s->ended)
        s->conn->abort(
          caf::make_error(net_errc::timeout, "stream idle for " + std::to_string(ms) + " ms"));
    });
  }

  void read_stream(const stream_ptr& s) {
    auto& c = *s->conn;
    c.io.async_read_some(c.buffer.prepare(read_chunk),
                         [this, self = self(), s](const error_code& ec, size_t n) {
                           if (s->ended)
                             return;
                           s->conn->buffer.commit(n);
                           on_stream_bytes(s, ec, n);
                         });
  }

  void on_stream_bytes(const stream_ptr& s, const error_code& ec, size_t n) {
    auto& c = *s->conn;
    error_code pec;
    bool done = feed(*s->parser, c.buffer, pec);
    // put_eof needs some bytes; an EOF before the first byte is a plain close (below).
    if (!pec && !done && ec == asio::error::eof && s->parser->got_some()) {
      s->parser->put_eof(pec);
      done = !pec && s->parser->is_done();
    }
    if (!pec && s->parser->is_header_done()) {
      auto status = s->parser->get().result_int();
      if (status >= 100 && status < 200 && status != 101 && done) {
        // An interim response: the real head follows, maybe already buffered.
        new_parser(s->parser, s->req.method, std::nullopt);
        return on_stream_bytes(s, ec, n);
      }
      if (!s->head_delivered) {
        s->head_delivered = true;
        s->timer.cancel();
        if (s->on_head)
          s->on_head(status, fields_of(*s->parser));
      }
      auto& body = s->parser->get().body();
      if (!body.empty() && !s->ended) {
        if (s->on_data)
          s->on_data(body);
        body.clear();
      }
    }
    if (s->ended)
      return;
    if (pec)
      return stream_failed(s, pec);
    if (done)
      return end_stream(s, caf::error{});
    if (ec)
      return stream_failed(s, ec);
    if (s->head_delivered)
      arm_idle_timer(s);
    read_stream(s);
  }

  void stream_failed(const stream_ptr& s, const error_code& ec) {
    if (s->conn->abort_reason)
      return end_stream(s, s->conn->abort_reason);
    end_stream(s, map_error(ec, "stream " + s->req.method + " " + s->req.target));
  }

  void end_stream(const stream_ptr& s, caf::error err) {
    if (s->ended)
      return;
    s->ended = true;
    s->timer.cancel();
    if (s->conn)
      s->conn->io.close();
    streams_.erase(s);
    auto on_end = std::move(s->on_end);
    s->on_end = nullptr;
    s->on_head = nullptr;
    s->on_data = nullptr;
    if (on_end)
      on_end(err);
  }

  // --- shutdown -------------------------------------------------------------------------------

  void do_shutdown() {
    if (shut_)
      return;
    shut_ = true;
    auto queued = std::move(queue_);
    queue_.clear();
    for (auto& p : queued)
      finish(p, caf::make_error(net_errc::cancelled, "client is shut down"));
    for (auto& c : idle_)
      c->io.close();
    total_ -= idle_.size();
    idle_.clear();
    // Running requests and streams: closing their connections makes the pending operation's
    // handler report the reason.
    for (auto& w : all_connections_)
      if (auto c = w.lock())
        c->abort(caf::make_error(net_errc::cancelled, "client is shut down"));
    all_connections_.clear();
  }

  // Every connection registers here so that shutdown can reach it.
  void track(const connection_ptr& c) {
    std::erase_if(all_connections_, [](const auto& w) { return w.expired(); });
    all_connections_.push_back(c);
  }

private:
  asio::any_io_executor strand_;
  client_options opts_;
  url base_;
  std::optional<detail::proxy_endpoint> proxy_;
  std::shared_ptr<asio::ssl::context> tls_;
  std::string server_name_;

  std::deque<pending_ptr> queue_;
  std::vector<connection_ptr> idle_;
  std::vector<std::weak_ptr<connection>> all_connections_;
  std::set<stream_ptr> streams_;
  size_t total_ = 0; ///< idle + busy + connecting pool connections
  bool shut_ = false;
};

void stream_impl::cancel() {
  auto owner = owner_.lock();
  if (!owner)
    return;
  asio::post(strand_, [owner, self = shared_from_this()] { owner->cancel_stream(self); });
}

} // namespace

caf::expected<std::shared_ptr<client>> client::make(asio::io_context& io, client_options opts) {
  auto base = parse_url(opts.base_url);
  if (!base)
    return base.error();
  std::optional<detail::proxy_endpoint> proxy;
  if (opts.proxy_from_environment) {
    auto selected = detail::select_proxy(detail::proxy_settings::from_environment(), *base);
    if (!selected)
      return selected.error();
    proxy = std::move(*selected);
  }
  std::shared_ptr<asio::ssl::context> tls;
  if (base->scheme == "https") {
    auto ctx = detail::make_client_context(opts.tls);
    if (!ctx)
      return ctx.error();
    tls = std::move(*ctx);
  }
  std::shared_ptr<client> result = std::make_shared<client_impl>(
    io, std::move(opts), std::move(*base), std::move(proxy), std::move(tls));
  return result;
}

} // namespace vcdlb::http
