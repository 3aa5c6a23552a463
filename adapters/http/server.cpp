#include "adapters/http/server.hpp"

#include <atomic>
#include <deque>
#include <future>
#include <mutex>
#include <optional>
#include <set>
#include <utility>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>
#include <spdlog/spdlog.h>

#include "adapters/http/detail/tls_context.hpp"
#include "adapters/http/detail/transport.hpp"
#include "protocol/errors.hpp"

namespace vcdlb::http {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using boost::system::error_code;
using tcp = asio::ip::tcp;
using std::chrono::milliseconds;
using parser_type = bhttp::request_parser<bhttp::string_body>;

constexpr size_t read_chunk = 16 * 1024;
constexpr uint32_t header_limit = 64 * 1024;
// After a response with "Connection: close" the rest of the request is read and dropped for a
// while, so that the kernel does not reset the connection before the client read the answer.
constexpr milliseconds linger_time{1000};

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size()
         && std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
              return std::tolower(x) == std::tolower(y);
            });
}

std::string status_line(unsigned status) {
  auto reason = bhttp::obsolete_reason(bhttp::int_to_status(status));
  if (bhttp::int_to_status(status) == bhttp::status::unknown)
    reason = "Status";
  return "HTTP/1.1 " + std::to_string(status) + " " + std::string{reason} + "\r\n";
}

// The user's fields minus those the server owns (framing and connection management).
std::string user_fields(const header_list& fields, bool& wants_close) {
  std::string out;
  for (const auto& [name, value] : fields) {
    if (name.empty() || iequals(name, "Content-Length") || iequals(name, "Transfer-Encoding"))
      continue;
    if (iequals(name, "Connection")) {
      if (iequals(value, "close"))
        wants_close = true;
      continue;
    }
    out += name + ": " + value + "\r\n";
  }
  return out;
}

struct server_state;
class connection;

// The answer channel for the request a connection is serving.
class writer_impl : public response_writer, public std::enable_shared_from_this<writer_impl> {
public:
  enum phase_t : int { fresh, streaming, done };

  writer_impl(std::weak_ptr<connection> conn, asio::any_io_executor strand)
    : conn_(std::move(conn)), strand_(std::move(strand)) {}

  void respond(response r) override;
  void start_stream(unsigned status, header_list fields) override;
  bool write(std::string data) override;
  void finish() override;
  void abort() override;
  bool closed() const override { return closed_.load(); }
  void on_close(std::function<void()> f) override;

  // Connection side (on the connection's strand).
  void mark_ended() {
    closed_ = true;
    take_on_close(); // never called after a normal end: drop it (and what it captured) now
  }
  void connection_lost() {
    if (closed_.exchange(true))
      return;
    lost_ = true;
    phase_ = done;
    if (auto f = take_on_close())
      f();
  }
  // The connection is destroyed without having closed (its io_context stopped before the
  // posted close ran). The callback cannot run on a strand any more; it is dropped, because a
  // callback that captures this writer (the usual watch pattern) would otherwise keep the
  // writer -- and whatever else it captured -- alive forever.
  void connection_destroyed() {
    phase_ = done;
    std::function<void()> dropped;
    std::lock_guard lock{on_close_mutex_};
    closed_ = true; // under the lock: a racing on_close() then sees it and keeps nothing
    dropped = std::exchange(on_close_, nullptr);
  }

private:
  // Runs `f(connection&)` on the connection's strand if the connection still exists.
  template <class F>
  void post_to_connection(F f);

  // Moves the callback out under the lock, so it is destroyed (or run) outside of it.
  std::function<void()> take_on_close() {
    std::lock_guard lock{on_close_mutex_};
    return std::exchange(on_close_, nullptr);
  }

  std::weak_ptr<connection> conn_;
  asio::any_io_executor strand_;
  std::atomic<int> phase_{fresh};
  std::atomic<bool> closed_{false};
  bool lost_ = false; // strand only
  // Set on the strand; also taken by ~connection, which may run off the strand (io_context
  // shutdown, or the last reference dropped on the server's strand).
  std::mutex on_close_mutex_;
  std::function<void()> on_close_; // guarded by on_close_mutex_
  friend class connection;
};

struct server_state : std::enable_shared_from_this<server_state> {
  server_state(asio::io_context& ctx, server_options o, handler h)
    : io(ctx), strand(asio::make_strand(ctx)), acceptor(strand), opts(std::move(o)),
      on_request(std::move(h)) {}

  void accept();
  void remove(const std::shared_ptr<connection>& c) {
    std::lock_guard lock{mutex};
    connections.erase(c);
  }

  asio::io_context& io;
  asio::any_io_executor strand;
  tcp::acceptor acceptor;
  server_options opts;
  handler on_request;
  std::shared_ptr<asio::ssl::context> tls;
  std::mutex mutex;
  std::set<std::shared_ptr<connection>> connections; // guarded by mutex
  std::atomic<bool> stopped{false};
  std::atomic<uint64_t> accepted{0};
};

class connection : public std::enable_shared_from_this<connection> {
public:
  connection(std::shared_ptr<server_state> srv, const asio::any_io_executor& strand)
    : srv_(std::move(srv)), strand_(strand), io_(strand), timer_(strand), write_timer_(strand) {}

  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;
  // Normally close() ran and released the writer. When the io_context stopped first, the
  // handler may still hold the writer, and the writer its on_close callback (which usually
  // captures the writer itself): break that cycle here.
  ~connection() {
    if (current_)
      current_->connection_destroyed();
  }

  detail::transport& io() { return io_; }
  const asio::any_io_executor& strand() const { return strand_; }

  void start() {
    if (srv_->stopped)
      return close();
    io_.set_no_delay();
    if (!srv_->tls)
      return begin();
    arm_timer(timer_, srv_->opts.idle_timeout);
    io_.async_server_handshake(*srv_->tls, [self = shared_from_this()](const error_code& ec) {
      if (ec) {
        spdlog::debug("http server: TLS handshake failed: {}", ec.message());
        return self->close();
      }
      self->begin();
    });
  }

  // Closes at once; an unfinished response's writer sees on_close. Idempotent.
  void close() {
    if (closed_)
      return;
    closed_ = true;
    io_.close();
    timer_.cancel();
    write_timer_.cancel();
    // out_ is left alone: a cancelled write may still refer to its front until it completes.
    if (current_)
      current_->connection_lost();
    current_.reset();
    srv_->remove(shared_from_this());
  }

  // --- called by writer_impl on the strand ----------------------------------------------------

  void send_response(const std::shared_ptr<writer_impl>& w, response r) {
    if (closed_ || w != current_)
      return;
    bool wants_close = false;
    std::string out = status_line(r.status) + user_fields(r.fields, wants_close);
    if (wants_close)
      keep_alive_ = false;
    bool no_body = r.status / 100 == 1 || r.status == 204 || r.status == 304;
    if (!no_body)
      out += "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
    if (!keep_alive_)
      out += "Connection: close\r\n";
    out += "\r\n";
    if (!head_request_ && !no_body)
      out += r.body;
    enqueue(std::move(out));
    end_pending_ = true;
    write_next();
  }

  void send_stream_head(const std::shared_ptr<writer_impl>& w, unsigned status,
                        const header_list& fields) {
    if (closed_ || w != current_)
      return;
    bool wants_close = false;
    std::string out = status_line(status) + user_fields(fields, wants_close);
    if (wants_close)
      keep_alive_ = false;
    // HTTP/1.0 has no chunked encoding: the body then ends with the connection.
    chunked_ = http11_;
    if (chunked_)
      out += "Transfer-Encoding: chunked\r\n";
    else
      keep_alive_ = false;
    if (!keep_alive_)
      out += "Connection: close\r\n";
    out += "\r\n";
    enqueue(std::move(out));
    if (head_request_) {
      end_pending_ = true;
      w->phase_ = writer_impl::done;
    }
    write_next();
  }

  void send_chunk(const std::shared_ptr<writer_impl>& w, std::string data) {
    if (closed_ || w != current_ || end_pending_ || data.empty())
      return;
    if (!chunked_)
      return enqueue_and_write(std::move(data));
    char size[20];
    int len = std::snprintf(size, sizeof(size), "%zx\r\n", data.size());
    std::string out{size, static_cast<size_t>(len)};
    out += data;
    out += "\r\n";
    enqueue_and_write(std::move(out));
  }

  void send_end(const std::shared_ptr<writer_impl>& w) {
    if (closed_ || w != current_ || end_pending_)
      return;
    if (chunked_)
      enqueue("0\r\n\r\n");
    end_pending_ = true;
    write_next();
  }

  void drop(const std::shared_ptr<writer_impl>& w) {
    if (w == current_)
      close();
  }

private:
  // --- reading --------------------------------------------------------------------------------

  void begin() {
    new_parser();
    arm_timer(timer_, srv_->opts.idle_timeout);
    read();
  }

  void new_parser() {
    parser_.emplace();
    parser_->header_limit(header_limit);
    parser_->body_limit(srv_->opts.max_request_bytes);
    parser_->eager(true);
    checked_head_ = false;
  }

  void read() {
    // Back-pressure: one parsed request may wait behind the current one; then stop reading.
    if (reading_ || closed_ || waiting_)
      return;
    reading_ = true;
    io_.async_read_some(buffer_.prepare(read_chunk),
                        [self = shared_from_this()](const error_code& ec, size_t n) {
                          self->reading_ = false;
                          self->buffer_.commit(n);
                          self->on_read(ec);
                        });
  }

  void on_read(const error_code& ec) {
    if (closed_)
      return;
    if (lingering_) {
      buffer_.clear();
      if (ec)
        return close();
      return read();
    }
    if (ec) {
      // The peer went away (or the idle timer closed the socket).
      return close();
    }
    if (!current_)
      arm_timer(timer_, srv_->opts.idle_timeout); // idle means no byte for idle_timeout
    parse();
    if (!closed_)
      read();
  }

  void parse() {
    while (!closed_ && !waiting_ && !lingering_ && buffer_.size() > 0) {
      error_code ec;
      auto n = parser_->put(buffer_.data(), ec);
      buffer_.consume(n);
      if (ec == bhttp::error::need_more)
        break;
      if (ec == bhttp::error::body_limit)
        return reject(413, "request body too large");
      if (ec)
        return reject(400, "malformed request: " + ec.message());
      if (parser_->is_header_done() && !checked_head_) {
        checked_head_ = true;
        auto& msg = parser_->get();
        if (auto len = parser_->content_length(); len && *len > srv_->opts.max_request_bytes)
          return reject(413, "request body too large");
        auto expect = msg[bhttp::field::expect];
        if (iequals(expect, "100-continue") && !current_ && !parser_->is_done()) {
          // curl sends large bodies only after this interim answer (or a 1 s pause).
          enqueue("HTTP/1.1 100 Continue\r\n\r\n");
          write_next();
        }
      }
      if (parser_->is_done()) {
        queue_request();
        new_parser();
      } else if (n == 0) {
        break;
      }
    }
    dispatch();
  }

  void queue_request() {
    auto& msg = parser_->get();
    request req;
    req.method = std::string{msg.method_string()};
    req.target = std::string{msg.target()};
    for (const auto& f : msg)
      req.fields.emplace_back(std::string{f.name_string()}, std::string{f.value()});
    req.body = std::move(msg.body());
    waiting_.emplace(std::move(req), parser_->keep_alive(), msg.version() >= 11);
  }

  void dispatch() {
    if (closed_ || current_ || !waiting_)
      return;
    auto [req, keep_alive, http11] = std::move(*waiting_);
    waiting_.reset();
    current_ = std::make_shared<writer_impl>(weak_from_this(), strand_);
    keep_alive_ = keep_alive && !srv_->stopped;
    http11_ = http11;
    head_request_ = req.method == "HEAD";
    chunked_ = false;
    end_pending_ = false;
    timer_.cancel();
    auto writer = current_;
    try {
      srv_->on_request(std::move(req), writer);
    } catch (const std::exception& e) {
      spdlog::error("http server: handler threw: {}", e.what());
      writer->respond(response{500, {{"Content-Type", "text/plain"}}, "internal error\n"});
    }
    read(); // keep reading: an EOF tells a long-running handler that the client left
  }

  // Answers a request that cannot be parsed or accepted, then closes.
  void reject(unsigned status, const std::string& why) {
    spdlog::debug("http server: rejecting request with {}: {}", status, why);
    if (current_)
      return close(); // mid-response on this connection: nothing sensible can be sent
    std::string body = why + "\n";
    enqueue(status_line(status) + "Content-Type: text/plain\r\nContent-Length: "
            + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
    close_after_write_ = true;
    write_next();
  }

  // --- writing --------------------------------------------------------------------------------

  void enqueue(std::string data) { out_.push_back(std::move(data)); }

  void enqueue_and_write(std::string data) {
    enqueue(std::move(data));
    write_next();
  }

  void write_next() {
    if (writing_ || closed_)
      return;
    if (out_.empty()) {
      if (end_pending_ && current_)
        return response_done();
      if (close_after_write_)
        return linger();
      return;
    }
    writing_ = true;
    // A client that stops reading must not pin the connection forever.
    arm_timer(write_timer_, srv_->opts.idle_timeout);
    io_.async_write(asio::buffer(out_.front()),
                    [self = shared_from_this()](const error_code& ec, size_t) {
                      self->writing_ = false;
                      self->write_timer_.cancel();
                      if (self->closed_)
                        return;
                      if (ec)
                        return self->close();
                      self->out_.pop_front();
                      self->write_next();
                    });
  }

  void response_done() {
    current_->mark_ended();
    current_.reset();
    end_pending_ = false;
    if (!keep_alive_ || srv_->stopped)
      return linger();
    arm_timer(timer_, srv_->opts.idle_timeout);
    dispatch();
    if (!closed_ && !current_)
      parse(); // bytes of a next request may already be buffered
    read();
  }

  // Half-closes and drains the peer's remaining bytes for a moment before closing.
  void linger() {
    if (lingering_ || closed_)
      return;
    lingering_ = true;
    io_.shutdown_send();
    buffer_.clear();
    arm_timer(timer_, linger_time);
    read();
  }

  void arm_timer(asio::steady_timer& timer, milliseconds d) {
    if (d.count() <= 0) {
      timer.cancel();
      return;
    }
    timer.expires_after(d);
    timer.async_wait([weak = weak_from_this()](const error_code& ec) {
      if (ec)
        return;
      if (auto self = weak.lock())
        self->close();
    });
  }

  std::shared_ptr<server_state> srv_;
  asio::any_io_executor strand_;
  detail::transport io_;
  asio::steady_timer timer_;       // handshake, idle, linger
  asio::steady_timer write_timer_; // one write
  beast::flat_buffer buffer_;
  std::optional<parser_type> parser_;
  bool checked_head_ = false;
  std::optional<std::tuple<request, bool, bool>> waiting_; // request, keep-alive, HTTP/1.1
  std::shared_ptr<writer_impl> current_;
  std::deque<std::string> out_;
  bool reading_ = false;
  bool writing_ = false;
  bool closed_ = false;
  bool lingering_ = false;
  bool close_after_write_ = false;
  bool end_pending_ = false;
  bool keep_alive_ = true;
  bool http11_ = true;
  bool head_request_ = false;
  bool chunked_ = false;
};

// --- writer_impl ------------------------------------------------------------------------------

template <class F>
void writer_impl::post_to_connection(F f) {
  asio::post(strand_, [self = shared_from_this(), f = std::move(f)]() mutable {
    if (auto c = self->conn_.lock())
      f(*c, self);
  });
}

void writer_impl::respond(response r) {
  int expected = fresh;
  if (!phase_.compare_exchange_strong(expected, done))
    return;
  post_to_connection([r = std::move(r)](connection& c, const auto& self) mutable {
    c.send_response(self, std::move(r));
  });
}

void writer_impl::start_stream(unsigned status, header_list fields) {
  int expected = fresh;
  if (!phase_.compare_exchange_strong(expected, streaming))
    return;
  post_to_connection([status, fields = std::move(fields)](connection& c, const auto& self) {
    c.send_stream_head(self, status, fields);
  });
}

bool writer_impl::write(std::string data) {
  if (closed_ || phase_ != streaming)
    return false;
  post_to_connection([data = std::move(data)](connection& c, const auto& self) mutable {
    c.send_chunk(self, std::move(data));
  });
  return true;
}

void writer_impl::finish() {
  int expected = streaming;
  if (!phase_.compare_exchange_strong(expected, done))
    return;
  post_to_connection([](connection& c, const auto& self) { c.send_end(self); });
}

void writer_impl::abort() {
  phase_ = done;
  post_to_connection([](connection& c, const auto& self) { c.drop(self); });
}

void writer_impl::on_close(std::function<void()> f) {
  asio::post(strand_, [self = shared_from_this(), f = std::move(f)]() mutable {
    if (self->lost_)
      return f();
    std::lock_guard lock{self->on_close_mutex_};
    if (!self->closed_) // else it ended normally (or the connection is gone): never called
      self->on_close_ = std::move(f);
  });
}

void server_state::accept() {
  auto c = std::make_shared<connection>(shared_from_this(), asio::make_strand(io));
  acceptor.async_accept(c->io().socket(), [self = shared_from_this(), c](const error_code& ec) {
    if (self->stopped || !self->acceptor.is_open())
      return;
    if (ec) {
      spdlog::warn("http server: accept failed: {}", ec.message());
    } else {
      ++self->accepted;
      {
        std::lock_guard lock{self->mutex};
        self->connections.insert(c);
      }
      asio::post(c->strand(), [c] { c->start(); });
    }
    self->accept();
  });
}

// Splits "HOST:PORT" / "[V6]:PORT".
caf::expected<std::pair<std::string, uint16_t>> parse_listen(const std::string& text) {
  auto fail = [&] {
    return caf::make_error(net_errc::protocol_error,
                           "invalid listen address \"" + text + "\" (want HOST:PORT)");
  };
  std::string host;
  std::string port_text;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return fail();
    host = text.substr(1, close - 1);
    port_text = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string::npos)
      return fail();
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
  }
  if (port_text.empty() || port_text.size() > 5
      || port_text.find_first_not_of("0123456789") != std::string::npos)
    return fail();
  auto port = std::stoul(port_text); // digits only, at most 5: cannot throw
  if (port > 65535)
    return fail();
  if (host.empty())
    host = "0.0.0.0";
  return std::pair{host, static_cast<uint16_t>(port)};
}

class server_impl : public server {
public:
  explicit server_impl(std::shared_ptr<server_state> state, std::string ca_pem)
    : state_(std::move(state)), ca_pem_(std::move(ca_pem)) {
    auto ep = state_->acceptor.local_endpoint();
    port_ = ep.port();
    auto address = ep.address();
    if (address.is_unspecified())
      address = address.is_v4() ? asio::ip::address{asio::ip::address_v4::loopback()}
                                : asio::ip::address{asio::ip::address_v6::loopback()};
    auto host = address.to_string();
    if (address.is_v6())
      host = "[" + host + "]";
    url_ = std::string{state_->tls ? "https" : "http"} + "://" + host + ":" + std::to_string(port_);
  }

  ~server_impl() override { stop(); }

  uint16_t port() const override { return port_; }
  std::string url() const override { return url_; }
  std::string ca_pem() const override { return ca_pem_; }
  uint64_t accepted_connections() const override { return state_->accepted; }
  size_t open_connections() const override {
    std::lock_guard lock{state_->mutex};
    return state_->connections.size();
  }

  void stop() override {
    if (state_->stopped.exchange(true))
      return;
    auto state = state_;
    auto work = [state] {
      error_code ec;
      state->acceptor.close(ec);
      // Taken out of the set: the state no longer owns them, so a connection whose close never
      // runs (the io_context stopped first) does not keep a state<->connection cycle alive.
      std::set<std::shared_ptr<connection>> connections;
      {
        std::lock_guard lock{state->mutex};
        connections.swap(state->connections);
      }
      for (auto& c : connections)
        asio::post(c->strand(), [c] { c->close(); });
    };
    if (state->io.stopped()) {
      work(); // no handler can run concurrently
      return;
    }
    if (state->io.get_executor().running_in_this_thread()) {
      asio::post(state->strand, work); // never block an I/O thread
      return;
    }
    // From another thread: wait until the listener is closed, so the port can be reused.
    auto done = std::make_shared<std::promise<void>>();
    auto future = done->get_future();
    asio::post(state->strand, [work, done] {
      work();
      done->set_value();
    });
    future.wait_for(std::chrono::seconds{5});
  }

private:
  std::shared_ptr<server_state> state_;
  std::string ca_pem_;
  std::string url_;
  uint16_t port_ = 0;
};

} // namespace

caf::expected<std::unique_ptr<server>> server::start(asio::io_context& io, server_options opts,
                                                     handler h) {
  auto listen = parse_listen(opts.listen);
  if (!listen)
    return listen.error();
  // Plain variables, not a structured binding: clang 14 cannot capture bindings in lambdas.
  auto host = listen->first;
  auto port = listen->second;
  error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (ec) {
    tcp::resolver resolver{io};
    auto results = resolver.resolve(host, std::to_string(port), ec);
    if (ec || results.empty())
      return caf::make_error(net_errc::resolve_failed,
                             "cannot resolve listen host \"" + host + "\": " + ec.message());
    address = results.begin()->endpoint().address();
  }
  auto state = std::make_shared<server_state>(io, std::move(opts), std::move(h));
  std::string ca_pem;
  if (state->opts.tls) {
    if (state->opts.certificate.cert_pem.empty()) {
      std::vector<std::string> dns{"localhost"};
      std::vector<std::string> ips{"127.0.0.1", "::1"};
      if (!address.is_unspecified() && !address.is_loopback())
        ips.push_back(address.to_string());
      if (host != address.to_string() && host != "localhost")
        dns.push_back(host);
      auto pair = make_self_signed(dns, ips);
      if (!pair)
        return pair.error();
      state->opts.certificate = std::move(*pair);
    }
    auto ctx = detail::make_server_context(state->opts.certificate, state->opts.client_ca_pem);
    if (!ctx)
      return ctx.error();
    state->tls = std::move(*ctx);
    ca_pem = state->opts.certificate.cert_pem;
  }
  tcp::endpoint endpoint{address, port};
  auto& acceptor = state->acceptor;
  auto fail = [&](const char* what) {
    return caf::make_error(net_errc::connect_failed,
                           std::string{"cannot "} + what + " " + endpoint.address().to_string()
                             + ":" + std::to_string(port) + ": " + ec.message());
  };
  if (acceptor.open(endpoint.protocol(), ec); ec)
    return fail("open a socket for");
  if (acceptor.set_option(tcp::acceptor::reuse_address(true), ec); ec)
    return fail("set SO_REUSEADDR for");
  if (acceptor.bind(endpoint, ec); ec)
    return fail("bind");
  if (acceptor.listen(asio::socket_base::max_listen_connections, ec); ec)
    return fail("listen on");
  auto result = std::make_unique<server_impl>(state, std::move(ca_pem));
  asio::post(state->strand, [state] { state->accept(); });
  return std::unique_ptr<server>{std::move(result)};
}

} // namespace vcdlb::http
