#include "adapters/http/detail/transport.hpp"

#include <sys/socket.h>

#include <optional>

#include <boost/asio/connect.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <openssl/err.h>
#include <openssl/x509_vfy.h>

namespace vcdlb::http::detail {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;

struct transport::impl {
  explicit impl(const asio::any_io_executor& ex) : socket(ex), resolver(ex) {}

  tcp::socket socket;
  tcp::resolver resolver;
  std::optional<ssl::stream<tcp::socket&>> tls;
  std::string verify_error;
};

transport::transport(const asio::any_io_executor& ex) : impl_(std::make_unique<impl>(ex)) {}

transport::~transport() = default;

tcp::socket& transport::socket() {
  return impl_->socket;
}

bool transport::tls() const {
  return impl_->tls.has_value();
}

void transport::async_resolve(const std::string& host, uint16_t port, resolve_handler h) {
  error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (!ec) {
    // A literal address needs no lookup; complete through the executor like any operation.
    asio::post(impl_->socket.get_executor(), [h = std::move(h), address, port] {
      h(error_code{}, {tcp::endpoint{address, port}});
    });
    return;
  }
  impl_->resolver.async_resolve(
    host, std::to_string(port), tcp::resolver::numeric_service,
    [h = std::move(h)](const error_code& ec, const tcp::resolver::results_type& results) {
      std::vector<tcp::endpoint> endpoints;
      for (const auto& entry : results)
        endpoints.push_back(entry.endpoint());
      h(ec, std::move(endpoints));
    });
}

void transport::async_connect(const std::vector<tcp::endpoint>& endpoints, handler h) {
  asio::async_connect(impl_->socket, endpoints,
                      [h = std::move(h)](const error_code& ec, const tcp::endpoint&) { h(ec); });
}

void transport::async_client_handshake(ssl::context& ctx, const std::string& server_name,
                                       bool verify, handler h) {
  auto& stream = impl_->tls.emplace(impl_->socket, ctx);
  impl_->verify_error.clear();
  error_code ec;
  asio::ip::make_address(server_name, ec);
  // RFC 6066: SNI carries host names only, never literal addresses.
  if (ec && !server_name.empty())
    SSL_set_tlsext_host_name(stream.native_handle(), server_name.c_str());
  if (verify) {
    stream.set_verify_mode(ssl::verify_peer);
    stream.set_verify_callback(
      [this, server_name, check = ssl::host_name_verification(server_name)](
        bool preverified, ssl::verify_context& vctx) mutable {
        X509_STORE_CTX* store = vctx.native_handle();
        if (!preverified) {
          if (impl_->verify_error.empty())
            impl_->verify_error = X509_verify_cert_error_string(X509_STORE_CTX_get_error(store));
          return false;
        }
        if (X509_STORE_CTX_get_error_depth(store) == 0 && !check(preverified, vctx)) {
          // Record the mismatch as the verification error so the handshake failure says why.
          X509_STORE_CTX_set_error(store, X509_V_ERR_HOSTNAME_MISMATCH);
          impl_->verify_error = "certificate is not valid for host '" + server_name + "'";
          return false;
        }
        return true;
      });
  } else {
    stream.set_verify_mode(ssl::verify_none);
  }
  stream.async_handshake(ssl::stream_base::client,
                         [h = std::move(h)](const error_code& ec) { h(ec); });
}

void transport::async_server_handshake(ssl::context& ctx, handler h) {
  auto& stream = impl_->tls.emplace(impl_->socket, ctx);
  stream.async_handshake(ssl::stream_base::server,
                         [h = std::move(h)](const error_code& ec) { h(ec); });
}

const std::string& transport::verify_error() const {
  return impl_->verify_error;
}

void transport::async_read_some(asio::mutable_buffer buffer, io_handler h) {
  if (impl_->tls)
    impl_->tls->async_read_some(buffer, std::move(h));
  else
    impl_->socket.async_read_some(buffer, std::move(h));
}

void transport::async_write(asio::const_buffer buffer, io_handler h) {
  if (impl_->tls)
    asio::async_write(*impl_->tls, buffer, std::move(h));
  else
    asio::async_write(impl_->socket, buffer, std::move(h));
}

void transport::set_no_delay() {
  error_code ec;
  impl_->socket.set_option(tcp::no_delay(true), ec);
}

void transport::shutdown_send() {
  error_code ec;
  impl_->socket.shutdown(tcp::socket::shutdown_send, ec);
}

void transport::close() {
  error_code ec;
  impl_->resolver.cancel();
  impl_->socket.shutdown(tcp::socket::shutdown_both, ec);
  impl_->socket.close(ec);
}

bool transport::is_open() const {
  return impl_->socket.is_open();
}

bool transport::idle_connection_dead() {
  if (!impl_->socket.is_open())
    return true;
  char byte = 0;
  auto n = ::recv(impl_->socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n == 0)
    return true; // orderly close by the peer
  if (n > 0)
    return true; // a TLS close_notify or an unsolicited response: unusable for a new request
  return errno != EAGAIN && errno != EWOULDBLOCK;
}

} // namespace vcdlb::http::detail
