#pragma once

/// @file adapters/http/detail/transport.hpp
/// @brief One TCP connection, optionally wrapped in TLS, behind a non-template interface.
///
/// The client and the server drive every socket through this class, so the Asio and OpenSSL
/// stream templates are instantiated once (in transport.cpp) instead of once per caller and per
/// stream type. Completion handlers run on the executor given at construction (a strand).
/// Not thread-safe: use it from that strand only.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>

namespace boost::asio::ssl {
class context;
} // namespace boost::asio::ssl

namespace vcdlb::http::detail {

class transport {
public:
  using handler = std::function<void(const boost::system::error_code&)>;
  using io_handler = std::function<void(const boost::system::error_code&, size_t)>;
  using resolve_handler = std::function<void(const boost::system::error_code&,
                                             std::vector<boost::asio::ip::tcp::endpoint>)>;

  explicit transport(const boost::asio::any_io_executor& ex);
  transport(const transport&) = delete;
  transport& operator=(const transport&) = delete;
  ~transport();

  [[nodiscard]] boost::asio::ip::tcp::socket& socket();
  [[nodiscard]] bool tls() const;

  void async_resolve(const std::string& host, uint16_t port, resolve_handler h);
  /// Tries the endpoints in order.
  void async_connect(const std::vector<boost::asio::ip::tcp::endpoint>& endpoints, handler h);
  /// Wraps the connected socket in TLS and runs the client handshake. With `verify`, checks the
  /// chain against `ctx`'s trust store and `server_name` against the certificate (SNI is sent
  /// for names, not for IP addresses).
  void async_client_handshake(boost::asio::ssl::context& ctx, const std::string& server_name,
                              bool verify, handler h);
  void async_server_handshake(boost::asio::ssl::context& ctx, handler h);
  /// Why certificate verification failed in the last handshake, or "".
  [[nodiscard]] const std::string& verify_error() const;

  void async_read_some(boost::asio::mutable_buffer buffer, io_handler h);
  /// Writes all of `buffer`; the caller keeps the bytes alive until `h` runs.
  void async_write(boost::asio::const_buffer buffer, io_handler h);

  /// Disables Nagle's algorithm: small writes (stream chunks, request heads) go out at once.
  void set_no_delay();
  /// Sends FIN (plain TCP) so the peer reads the rest of a response before the close.
  void shutdown_send();
  /// Cancels pending operations (they complete with operation_aborted) and closes. Idempotent.
  void close();
  [[nodiscard]] bool is_open() const;

  /// True when an idle connection's peer has closed it or sent unexpected bytes.
  [[nodiscard]] bool idle_connection_dead();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace vcdlb::http::detail
