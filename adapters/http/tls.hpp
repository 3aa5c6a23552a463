#pragma once

/// @file adapters/http/tls.hpp
/// @brief TLS settings and certificate helpers for the HTTPS client and server.

#include <chrono>
#include <string>
#include <vector>

#include "caf/expected.hpp"

namespace vcdlb::http {

/// How a client verifies (and authenticates to) a server. Verification is on by default.
struct tls_client_options {
  bool verify = true;  ///< false only when a user explicitly asked for it
  std::string ca_file; ///< PEM bundle file; with `ca_pem` empty too: system trust store
  std::string ca_pem;  ///< PEM bundle in memory (e.g. kubeconfig certificate-authority-data)
  std::string client_cert_pem; ///< client certificate for mutual TLS (kubeconfig), optional
  std::string client_key_pem;
  std::string server_name; ///< name to verify and send as SNI; default: the URL's host
};

/// A certificate and its private key, PEM encoded.
struct key_pair {
  std::string cert_pem;
  std::string key_pem;
};

/// Makes a self-signed certificate (EC P-256, SHA-256) valid for the given DNS names and IP
/// addresses, usable both as server certificate and as the CA a client trusts.
[[nodiscard]] caf::expected<key_pair>
make_self_signed(const std::vector<std::string>& dns_names, const std::vector<std::string>& ips,
                 std::chrono::hours validity = std::chrono::hours{24 * 365});

} // namespace vcdlb::http
