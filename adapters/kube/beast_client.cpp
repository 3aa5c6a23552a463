#include "adapters/kube/beast_client.hpp"

#include <atomic>
#include <charconv>
#include <mutex>
#include <strings.h>

#include <spdlog/spdlog.h>

#include "adapters/http/client.hpp"
#include "adapters/kube/detail/decode.hpp"
#include "adapters/kube/detail/encode.hpp"
#include "adapters/kube/detail/watch_decoder.hpp"
#include "adapters/kube/rate_limiter.hpp"
#include "adapters/kube/timer.hpp"
#include "protocol/errors.hpp"

namespace vcdlb::kube {

namespace {

using namespace std::chrono_literals;
using response_callback = std::function<void(caf::expected<http::response>)>;

constexpr std::string_view merge_patch = "application/merge-patch+json";
constexpr size_t max_error_body = size_t{64} << 10;

// -- paths --------------------------------------------------------------------------------------

std::string enc(std::string_view s) {
  return http::percent_encode(s);
}

template <class T>
std::string collection(std::string_view ns) {
  if constexpr (std::is_same_v<T, service_snapshot>)
    return ns.empty() ? "/api/v1/services" : "/api/v1/namespaces/" + enc(ns) + "/services";
  else if constexpr (std::is_same_v<T, node_snapshot>)
    return "/api/v1/nodes";
  else if constexpr (std::is_same_v<T, endpoint_slice_snapshot>)
    return ns.empty() ? "/apis/discovery.k8s.io/v1/endpointslices"
                      : "/apis/discovery.k8s.io/v1/namespaces/" + enc(ns) + "/endpointslices";
  else if constexpr (std::is_same_v<T, event>)
    return "/api/v1/namespaces/" + enc(ns) + "/events";
  else
    return "/apis/coordination.k8s.io/v1/namespaces/" + enc(ns) + "/leases";
}

struct query {
  std::string text;
  void add(std::string_view key, std::string_view value) {
    if (value.empty())
      return;
    text += text.empty() ? '?' : '&';
    text += key;
    text += '=';
    text += enc(value);
  }
};

std::string list_target(std::string path, const list_options& o) {
  query q;
  q.add("labelSelector", o.label_selector);
  q.add("fieldSelector", o.field_selector);
  q.add("resourceVersion", o.resource_version);
  if (o.limit > 0)
    q.add("limit", std::to_string(o.limit));
  q.add("continue", o.continue_token);
  return path + q.text;
}

std::string watch_target(std::string path, const watch_options& o) {
  query q;
  q.add("watch", "true");
  q.add("labelSelector", o.label_selector);
  q.add("fieldSelector", o.field_selector);
  q.add("resourceVersion", o.resource_version);
  if (o.allow_bookmarks)
    q.add("allowWatchBookmarks", "true");
  if (o.timeout.count() > 0)
    q.add("timeoutSeconds", std::to_string(o.timeout.count()));
  return path + q.text;
}

std::chrono::seconds parse_retry_after(const http::response& r) {
  auto h = r.header("Retry-After");
  if (!h)
    return std::chrono::seconds{-1};
  int64_t secs = 0;
  auto [p, ec] = std::from_chars(h->data(), h->data() + h->size(), secs);
  if (ec != std::errc{} || p != h->data() + h->size() || secs < 0)
    return std::chrono::seconds{-1};
  return std::chrono::seconds{std::min<int64_t>(secs, 600)};
}

} // namespace

// -- the shared core ----------------------------------------------------------------------------

struct beast_client::impl : std::enable_shared_from_this<impl> {
  impl(boost::asio::io_context& io, beast_client_options o)
    : opts(std::move(o)), timers(io),
      tokens(opts.connection.token, opts.connection.token_file, opts.token_refresh),
      bucket(opts.qps, opts.burst, token_bucket::clock::now()) {}

  beast_client_options opts;
  std::shared_ptr<http::client> http;
  asio_timer_queue timers;
  token_source tokens;
  std::mutex bucket_mtx;
  token_bucket bucket;
  std::atomic<bool> closed{false};
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> retries{0};
  std::atomic<uint64_t> throttled{0};

  http::request make_request(std::string method, std::string target, std::string body = {},
                             std::string_view content_type = "application/json") {
    http::request req;
    req.method = std::move(method);
    req.target = std::move(target);
    req.fields.emplace_back("Accept", "application/json");
    if (!body.empty())
      req.fields.emplace_back("Content-Type", std::string{content_type});
    req.body = std::move(body);
    return req;
  }

  // Runs `f` once the token bucket allows one more request.
  void throttle(std::function<void()> f) {
    std::chrono::nanoseconds wait;
    {
      std::lock_guard guard{bucket_mtx};
      wait = bucket.reserve(token_bucket::clock::now());
    }
    if (wait.count() > 0)
      ++throttled;
    timers.schedule(std::chrono::ceil<std::chrono::milliseconds>(wait), std::move(f));
  }

  void authorize(http::request& req) {
    std::erase_if(req.fields, [](const auto& f) {
      return f.first.size() == 13 && strncasecmp(f.first.c_str(), "Authorization", 13) == 0;
    });
    if (auto t = tokens.current(); !t.empty())
      req.fields.emplace_back("Authorization", "Bearer " + t);
  }

  struct exchange {
    http::request req;
    response_callback done;
    int retries = 0;
    bool reauthenticated = false;
  };

  void send(http::request req, response_callback done) {
    auto ex = std::make_shared<exchange>();
    ex->req = std::move(req);
    ex->done = std::move(done);
    submit(std::move(ex));
  }

  void submit(std::shared_ptr<exchange> ex) {
    std::weak_ptr<impl> weak = shared_from_this();
    throttle([weak, ex] {
      if (auto self = weak.lock())
        self->issue(ex);
    });
  }

  void retry_after(std::shared_ptr<exchange> ex, std::chrono::milliseconds delay) {
    ++retries;
    ++ex->retries;
    std::weak_ptr<impl> weak = shared_from_this();
    timers.schedule(delay, [weak, ex] {
      if (auto self = weak.lock())
        self->submit(ex);
    });
  }

  void issue(std::shared_ptr<exchange> ex) {
    if (closed) {
      ex->done(caf::make_error(net_errc::cancelled));
      return;
    }
    authorize(ex->req);
    ++requests;
    std::weak_ptr<impl> weak = shared_from_this();
    auto req = ex->req;
    http->async_request(
      std::move(req),
      [weak, ex, observer = opts.observer,
       sent = std::chrono::steady_clock::now()](caf::expected<http::response> r) {
        if (observer)
          observer->request_done(ex->req.method, r ? r->status : 0u,
                                 std::chrono::steady_clock::now() - sent, false);
        auto self = weak.lock();
        if (!self) {
          ex->done(caf::make_error(net_errc::cancelled));
          return;
        }
        self->on_response(ex, std::move(r));
      },
      opts.request_timeout);
  }

  void on_response(std::shared_ptr<exchange> ex, caf::expected<http::response> r) {
    if (!r) {
      // client-go retries only GETs whose connection broke before an answer.
      if (!closed && ex->req.method == "GET" && has_code(r.error(), net_errc::connection_closed)
          && ex->retries < opts.max_retries) {
        retry_after(ex, 1s);
        return;
      }
      ex->done(std::move(r));
      return;
    }
    if (r->status == 401 && !opts.connection.token_file.empty() && !ex->reauthenticated) {
      // The token file may have rotated since we read it.
      ex->reauthenticated = true;
      tokens.invalidate();
      retry_after(ex, 0ms);
      return;
    }
    if ((r->status == 429 || r->status >= 500) && !closed && ex->retries < opts.max_retries) {
      if (auto after = parse_retry_after(*r); after.count() >= 0) {
        retry_after(ex, after);
        return;
      }
    }
    ex->done(std::move(r));
  }

  // One typed request: 2xx bodies go through `decode`, others become kube_errc errors.
  template <class T, class Decode>
  void call(http::request req, callback<T> done, Decode decode) {
    send(std::move(req), [done = std::move(done), decode](caf::expected<http::response> r) {
      if (!r) {
        done(r.error());
        return;
      }
      if (r->status < 200 || r->status >= 300) {
        done(detail::error_from_response(r->status, r->body));
        return;
      }
      done(decode(r->body));
    });
  }

  template <class T>
  void get(std::string target, callback<T> done) {
    call<T>(make_request("GET", std::move(target)), std::move(done),
            [](std::string_view body) { return detail::decode_object<T>(body); });
  }

  template <class T>
  void list(const list_options& o, callback<list_result<T>> done) {
    call<list_result<T>>(make_request("GET", list_target(collection<T>(o.ns), o)), std::move(done),
                         [](std::string_view body) { return detail::decode_list<T>(body); });
  }

  template <class T>
  void write(std::string method, std::string target, std::string body,
             std::string_view content_type, callback<T> done) {
    call<T>(make_request(std::move(method), std::move(target), std::move(body), content_type),
            std::move(done), [](std::string_view b) { return detail::decode_object<T>(b); });
  }

  template <class T>
  watch_ptr watch(const watch_options& o, watch_handler<T> h);
};

// -- watches ------------------------------------------------------------------------------------

namespace {

template <class T>
class beast_watch : public watch_handle, public std::enable_shared_from_this<beast_watch<T>> {
public:
  beast_watch(std::weak_ptr<beast_client::impl> owner, watch_handler<T> h)
    : owner_(std::move(owner)), handler_(std::move(h)) {}

  void start(http::request req, std::chrono::milliseconds idle_timeout,
             const std::shared_ptr<beast_client::impl>& core) {
    std::weak_ptr<beast_watch> weak = this->shared_from_this();
    core->throttle([weak, req = std::move(req), idle_timeout]() mutable {
      if (auto self = weak.lock())
        self->open(std::move(req), idle_timeout);
    });
  }

  void cancel() override {
    std::shared_ptr<http::stream_handle> stream;
    {
      std::lock_guard guard{mtx_};
      if (cancelled_ || ended_)
        return;
      cancelled_ = true;
      stream = stream_;
      if (!stream) {
        // Not opened yet (waiting for the rate limiter): end here, off this call stack.
        ended_ = true;
        if (auto core = owner_.lock()) {
          auto h = handler_;
          core->timers.schedule(0ms, [h] { h.on_end(caf::make_error(net_errc::cancelled)); });
        }
        return;
      }
    }
    stream->cancel();
  }

private:
  void open(http::request req, std::chrono::milliseconds idle_timeout) {
    auto core = owner_.lock();
    std::lock_guard guard{mtx_};
    if (ended_)
      return;
    if (cancelled_ || !core || core->closed) {
      ended_ = true;
      auto h = handler_;
      if (core)
        core->timers.schedule(0ms, [h] { h.on_end(caf::make_error(net_errc::cancelled)); });
      return;
    }
    core->authorize(req);
    ++core->requests;
    observer_ = core->opts.observer;
    opened_at_ = std::chrono::steady_clock::now();
    std::weak_ptr<beast_watch> weak = this->shared_from_this();
    stream_ = core->http->async_stream(
      std::move(req),
      [weak](unsigned status, const http::header_list&) {
        if (auto self = weak.lock()) {
          self->status_ = status;
          self->report(status);
        }
      },
      [weak](std::string_view piece) {
        if (auto self = weak.lock())
          self->on_data(piece);
      },
      [weak](const caf::error& err) {
        if (auto self = weak.lock())
          self->on_end(err);
      },
      idle_timeout);
  }

  void on_data(std::string_view piece) {
    if (status_ != 200) {
      if (error_body_.size() < max_error_body)
        error_body_.append(piece.substr(0, max_error_body - error_body_.size()));
      return;
    }
    decoder_.feed(piece, [this](caf::expected<watch_event<T>> ev) { deliver(std::move(ev)); });
  }

  void deliver(caf::expected<watch_event<T>> ev) {
    if (cancelled_ || bad_)
      return;
    if (!ev) {
      // An undecodable line: stop reading; the informer relists or re-watches.
      bad_ = ev.error();
      std::shared_ptr<http::stream_handle> stream;
      {
        std::lock_guard guard{mtx_};
        stream = stream_;
      }
      if (stream)
        stream->cancel();
      return;
    }
    handler_.on_event(std::move(*ev));
  }

  // The watch's exchange for the observer: once, when its head arrived or it ended without.
  void report(unsigned status) {
    if (observer_ && !reported_.exchange(true))
      observer_->request_done("GET", status, std::chrono::steady_clock::now() - opened_at_, true);
  }

  void on_end(const caf::error& err) {
    report(status_);
    caf::error final_err;
    if (bad_) {
      final_err = bad_;
    } else if (status_ != 0 && status_ != 200) {
      final_err = detail::error_from_response(status_, error_body_);
      if (status_ == 401)
        if (auto core = owner_.lock())
          core->tokens.invalidate();
    } else if (err) {
      final_err = err;
    } else {
      decoder_.finish([this](caf::expected<watch_event<T>> ev) { deliver(std::move(ev)); });
      final_err = bad_;
    }
    {
      std::lock_guard guard{mtx_};
      if (ended_)
        return;
      ended_ = true;
      if (cancelled_)
        final_err = caf::make_error(net_errc::cancelled);
    }
    handler_.on_end(final_err);
  }

  std::weak_ptr<beast_client::impl> owner_;
  watch_handler<T> handler_;
  std::mutex mtx_;
  bool ended_ = false;
  std::atomic<bool> cancelled_{false};
  std::shared_ptr<http::stream_handle> stream_;
  // Touched only by the stream's callbacks, which never run concurrently.
  std::atomic<unsigned> status_{0};
  // Set in open(), before the stream's callbacks can run.
  std::shared_ptr<request_observer> observer_;
  std::chrono::steady_clock::time_point opened_at_;
  std::atomic<bool> reported_{false};
  std::string error_body_;
  detail::watch_decoder<T> decoder_;
  caf::error bad_;
};

} // namespace

template <class T>
watch_ptr beast_client::impl::watch(const watch_options& o, watch_handler<T> h) {
  auto w = std::make_shared<beast_watch<T>>(weak_from_this(), std::move(h));
  // The server ends the watch after timeoutSeconds; a silent connection well past that is dead.
  auto idle = o.timeout.count() > 0 ? std::chrono::milliseconds{o.timeout + 60s} : 0ms;
  w->start(make_request("GET", watch_target(collection<T>(o.ns), o)), idle, shared_from_this());
  return w;
}

// -- beast_client -------------------------------------------------------------------------------

caf::expected<std::shared_ptr<beast_client>> beast_client::make(boost::asio::io_context& io,
                                                                beast_client_options opts) {
  http::client_options ho;
  ho.base_url = opts.connection.server;
  ho.tls = opts.connection.tls;
  ho.connect_timeout = opts.connect_timeout;
  ho.request_timeout = opts.request_timeout;
  ho.max_connections = opts.max_connections;
  ho.proxy_from_environment = opts.proxy_from_environment;
  ho.user_agent = opts.user_agent;
  auto h = http::client::make(io, std::move(ho));
  if (!h)
    return h.error();
  auto core = std::make_shared<impl>(io, std::move(opts));
  core->http = std::move(*h);
  spdlog::info("kube client: {} at {} (qps {}, burst {})", core->opts.connection.source,
               core->opts.connection.server, core->opts.qps, core->opts.burst);
  return std::shared_ptr<beast_client>{new beast_client(std::move(core))};
}

beast_client::beast_client(std::shared_ptr<impl> p) : impl_(std::move(p)) {}

beast_client::~beast_client() {
  shutdown();
}

void beast_client::shutdown() {
  if (impl_->closed.exchange(true))
    return;
  impl_->http->shutdown();
}

beast_client_stats beast_client::stats() const {
  return {impl_->requests.load(), impl_->retries.load(), impl_->throttled.load()};
}

void beast_client::list_services(list_options opts, callback<list_result<service_snapshot>> done) {
  impl_->list<service_snapshot>(opts, std::move(done));
}

watch_ptr beast_client::watch_services(watch_options opts, watch_handler<service_snapshot> h) {
  return impl_->watch<service_snapshot>(opts, std::move(h));
}

void beast_client::get_service(service_key key, callback<service_snapshot> done) {
  impl_->get<service_snapshot>(collection<service_snapshot>(key.ns) + "/" + enc(key.name),
                               std::move(done));
}

void beast_client::patch_service_status(service_key key, std::vector<lb_ingress> ingress,
                                        callback<service_snapshot> done) {
  impl_->write<service_snapshot>(
    "PATCH", collection<service_snapshot>(key.ns) + "/" + enc(key.name) + "/status",
    detail::encode_status_patch(ingress), merge_patch, std::move(done));
}

void beast_client::patch_service_finalizers(service_key key, std::vector<std::string> finalizers,
                                            std::string resource_version,
                                            callback<service_snapshot> done) {
  impl_->write<service_snapshot>(
    "PATCH", collection<service_snapshot>(key.ns) + "/" + enc(key.name),
    detail::encode_finalizers_patch(finalizers, resource_version), merge_patch, std::move(done));
}

void beast_client::create_service(service_snapshot svc, callback<service_snapshot> done) {
  auto path = collection<service_snapshot>(svc.ns);
  impl_->write<service_snapshot>("POST", std::move(path), detail::encode_service(svc),
                                 "application/json", std::move(done));
}

void beast_client::list_nodes(list_options opts, callback<list_result<node_snapshot>> done) {
  opts.ns.clear();
  impl_->list<node_snapshot>(opts, std::move(done));
}

watch_ptr beast_client::watch_nodes(watch_options opts, watch_handler<node_snapshot> h) {
  opts.ns.clear();
  return impl_->watch<node_snapshot>(opts, std::move(h));
}

void beast_client::get_node(std::string name, callback<node_snapshot> done) {
  impl_->get<node_snapshot>(collection<node_snapshot>("") + "/" + enc(name), std::move(done));
}

void beast_client::list_endpoint_slices(list_options opts,
                                        callback<list_result<endpoint_slice_snapshot>> done) {
  impl_->list<endpoint_slice_snapshot>(opts, std::move(done));
}

watch_ptr beast_client::watch_endpoint_slices(watch_options opts,
                                              watch_handler<endpoint_slice_snapshot> h) {
  return impl_->watch<endpoint_slice_snapshot>(opts, std::move(h));
}

void beast_client::create_event(event ev, callback<event> done) {
  auto path = collection<event>(ev.ns);
  impl_->write<event>("POST", std::move(path), detail::encode_event(ev), "application/json",
                      std::move(done));
}

void beast_client::patch_event(service_key key, int32_t count, std::string last_timestamp,
                               std::string message, callback<event> done) {
  impl_->write<event>("PATCH", collection<event>(key.ns) + "/" + enc(key.name),
                      detail::encode_event_patch(count, last_timestamp, message), merge_patch,
                      std::move(done));
}

void beast_client::get_lease(service_key key, callback<lease> done) {
  impl_->get<lease>(collection<lease>(key.ns) + "/" + enc(key.name), std::move(done));
}

void beast_client::create_lease(lease l, callback<lease> done) {
  auto path = collection<lease>(l.ns);
  impl_->write<lease>("POST", std::move(path), detail::encode_lease(l), "application/json",
                      std::move(done));
}

void beast_client::update_lease(lease l, callback<lease> done) {
  auto path = collection<lease>(l.ns) + "/" + enc(l.name);
  impl_->write<lease>("PUT", std::move(path), detail::encode_lease(l), "application/json",
                      std::move(done));
}

// -- node_client --------------------------------------------------------------------------------

namespace {
constexpr std::string_view strategic_merge_patch = "application/strategic-merge-patch+json";
} // namespace

void beast_client::patch_node(std::string name, node_update u, callback<node_snapshot> done) {
  impl_->write<node_snapshot>("PATCH", collection<node_snapshot>("") + "/" + enc(name),
                              encode_node_update(u), strategic_merge_patch, std::move(done));
}

void beast_client::patch_node_addresses(std::string name, std::vector<node_address> addresses,
                                        std::string hostname, callback<node_snapshot> done) {
  impl_->write<node_snapshot>("PATCH", collection<node_snapshot>("") + "/" + enc(name) + "/status",
                              encode_node_addresses(addresses, hostname), strategic_merge_patch,
                              std::move(done));
}

void beast_client::delete_node(std::string name, std::string uid, callback<caf::unit_t> done) {
  auto body = encode_node_delete_options(uid);
  // The answer (the deleted Node, or a Status) is not needed: success is the 2xx.
  impl_->call<caf::unit_t>(
    impl_->make_request("DELETE", collection<node_snapshot>("") + "/" + enc(name), std::move(body)),
    std::move(done), [](std::string_view) -> caf::expected<caf::unit_t> { return caf::unit; });
}

} // namespace vcdlb::kube
