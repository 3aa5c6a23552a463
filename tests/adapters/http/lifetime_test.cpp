// Object lifetimes of the server's streams: a watch-style handler that keeps its writer and
// registers an on_close capturing it must not leave a reference cycle behind, whether the
// connection closes normally or the io_context stops before the server could close it.
// (Under LeakSanitizer a cycle also shows up as a leak at exit.)

#include <condition_variable>
#include <mutex>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>

#include "fixture.hpp"

namespace {

using namespace vcdlb;
using namespace vcdlb::http;
using namespace vcdlb::http::test;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// Handler-owned state of one watch, like the Kubernetes API double's watchers: it keeps the
// writer, its on_close captures the writer, and a timer writes an event periodically.
struct watch_state : std::enable_shared_from_this<watch_state> {
  explicit watch_state(asio::io_context& io) : timer(io) {}

  void serve(std::shared_ptr<response_writer> w) {
    {
      std::lock_guard lock{m};
      writer = w;
      weak_writer = w;
    }
    w->on_close([self = shared_from_this(), w] {
      // The writer is captured on purpose: the pattern that used to form a cycle.
      std::lock_guard lock{self->m};
      self->closed = w->closed();
      self->cv.notify_all();
    });
    w->start_stream(200, {{"Content-Type", "application/json"}});
    tick(w);
  }

  void tick(const std::shared_ptr<response_writer>& w) {
    if (!w->write("{\"type\":\"BOOKMARK\"}\n"))
      return;
    timer.expires_after(10ms);
    timer.async_wait([self = shared_from_this(), w](const boost::system::error_code& ec) {
      if (!ec)
        self->tick(w);
    });
  }

  std::weak_ptr<response_writer> wait_writer() {
    std::unique_lock lock{m};
    cv.wait_for(lock, bound, [&] { return !weak_writer.expired(); });
    return weak_writer;
  }

  std::mutex m;
  std::condition_variable cv;
  asio::steady_timer timer; // used on the io thread only
  std::shared_ptr<response_writer> writer;
  std::weak_ptr<response_writer> weak_writer;
  bool closed = false;
};

// Opens a stream with a blocking socket and waits for the first event.
bool open_stream(tcp::socket& s, uint16_t port) {
  boost::system::error_code ec;
  s.connect({asio::ip::make_address("127.0.0.1"), port}, ec);
  if (ec)
    return false;
  std::string req = "GET /api/v1/services?watch=true HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  asio::write(s, asio::buffer(req), ec);
  std::string got;
  char buf[1024];
  while (!ec && got.find("BOOKMARK") == std::string::npos) {
    auto n = s.read_some(asio::buffer(buf), ec);
    got.append(buf, n);
  }
  return !ec;
}

// The server is stopped only after its io_context stopped: the posted closes never run, so
// on_close never fires. Everything must still be released once the io_context is gone.
TEST(http_server_lifetime, stream_open_when_io_context_stops_leaves_no_cycle) {
  std::weak_ptr<response_writer> weak_writer;
  std::weak_ptr<watch_state> weak_state;
  {
    asio::io_context io;
    auto guard = asio::make_work_guard(io);
    auto state = std::make_shared<watch_state>(io);
    weak_state = state;
    server_options opts;
    opts.tls = false;
    auto srv = server::start(io, opts, [state](request, std::shared_ptr<response_writer> w) {
      state->serve(std::move(w));
    });
    ASSERT_TRUE(srv) << describe(srv.error());
    state.reset(); // owned by the handler only, as in a real server
    std::thread runner{[&] { io.run(); }};

    asio::io_context client_io;
    tcp::socket s{client_io};
    bool opened = open_stream(s, (*srv)->port());
    if (auto st = weak_state.lock())
      weak_writer = st->wait_writer();
    io.stop();
    runner.join();
    ASSERT_TRUE(opened);
    ASSERT_FALSE(weak_writer.expired());
    (*srv)->stop();
    srv->reset();
  } // ~io_context destroys the pending handlers, and with them the connection
  EXPECT_TRUE(weak_writer.expired()) << "writer kept alive by its own on_close callback";
  EXPECT_TRUE(weak_state.expired()) << "handler state kept alive by the writer";
}

// The normal path: stop() with the stream open fires on_close, which is then released.
TEST(http_server_lifetime, stop_with_open_stream_fires_and_releases_on_close) {
  std::weak_ptr<response_writer> weak_writer;
  std::weak_ptr<watch_state> weak_state;
  {
    asio::io_context io;
    auto guard = asio::make_work_guard(io);
    auto state = std::make_shared<watch_state>(io);
    weak_state = state;
    server_options opts;
    opts.tls = false;
    auto srv = server::start(io, opts, [state](request, std::shared_ptr<response_writer> w) {
      state->serve(std::move(w));
    });
    ASSERT_TRUE(srv) << describe(srv.error());
    std::thread runner{[&] { io.run(); }};

    asio::io_context client_io;
    tcp::socket s{client_io};
    bool opened = open_stream(s, (*srv)->port());
    weak_writer = state->wait_writer();
    (*srv)->stop();
    bool fired = false;
    {
      std::unique_lock lock{state->m};
      fired = state->cv.wait_for(lock, bound, [&] { return state->closed; });
      state->writer.reset(); // what a watch does when it ends
    }
    // The periodic write sees the closed writer and stops; the connection is released.
    EXPECT_TRUE(eventually([&] { return weak_writer.expired(); }))
      << "writer kept alive after its connection closed";
    io.stop();
    runner.join();
    EXPECT_TRUE(opened);
    EXPECT_TRUE(fired);
    srv->reset();
    state.reset();
  }
  EXPECT_TRUE(weak_writer.expired());
  EXPECT_TRUE(weak_state.expired());
}

} // namespace
