#include "adapters/http/tls.hpp"

#include <arpa/inet.h>

#include <boost/asio/ssl/context.hpp>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "adapters/http/detail/tls_context.hpp"
#include "protocol/errors.hpp"

namespace vcdlb::http {

namespace {

namespace ssl = boost::asio::ssl;

caf::error tls_error(std::string what) {
  unsigned long code = ERR_get_error();
  if (code != 0) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof(buf));
    what += ": ";
    what += buf;
  }
  ERR_clear_error();
  return caf::make_error(net_errc::tls_failed, std::move(what));
}

template <class T, void (*Free)(T*)>
struct openssl_deleter {
  void operator()(T* p) const { Free(p); }
};
template <class T, void (*Free)(T*)>
using openssl_ptr = std::unique_ptr<T, openssl_deleter<T, Free>>;

using pkey_ptr = openssl_ptr<EVP_PKEY, EVP_PKEY_free>;
using x509_ptr = openssl_ptr<X509, X509_free>;
using bio_ptr = openssl_ptr<BIO, BIO_free_all>;
using names_ptr = openssl_ptr<GENERAL_NAMES, GENERAL_NAMES_free>;

// Adds one v3 extension given in OpenSSL's config syntax ("critical,CA:TRUE").
bool add_extension(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr)
    return false;
  bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

std::string bio_to_string(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(len));
}

caf::error add_alt_names(X509* cert, const std::vector<std::string>& dns_names,
                         const std::vector<std::string>& ips) {
  names_ptr names{sk_GENERAL_NAME_new_null()};
  for (const auto& dns : dns_names) {
    auto* ia5 = ASN1_IA5STRING_new();
    ASN1_STRING_set(ia5, dns.data(), static_cast<int>(dns.size()));
    auto* gen = GENERAL_NAME_new();
    GENERAL_NAME_set0_value(gen, GEN_DNS, ia5);
    sk_GENERAL_NAME_push(names.get(), gen);
  }
  for (const auto& ip : ips) {
    unsigned char raw[16];
    int len = 0;
    if (inet_pton(AF_INET, ip.c_str(), raw) == 1)
      len = 4;
    else if (inet_pton(AF_INET6, ip.c_str(), raw) == 1)
      len = 16;
    else
      return caf::make_error(net_errc::tls_failed, "not an IP address: \"" + ip + "\"");
    auto* octets = ASN1_OCTET_STRING_new();
    ASN1_OCTET_STRING_set(octets, raw, len);
    auto* gen = GENERAL_NAME_new();
    GENERAL_NAME_set0_value(gen, GEN_IPADD, octets);
    sk_GENERAL_NAME_push(names.get(), gen);
  }
  if (X509_add1_ext_i2d(cert, NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT) != 1)
    return tls_error("cannot add subjectAltName");
  return {};
}

} // namespace

caf::expected<key_pair> make_self_signed(const std::vector<std::string>& dns_names,
                                         const std::vector<std::string>& ips,
                                         std::chrono::hours validity) {
  if (dns_names.empty() && ips.empty())
    return caf::make_error(net_errc::tls_failed, "a certificate needs at least one name or IP");
  pkey_ptr key{EVP_EC_gen("P-256")};
  if (!key)
    return tls_error("cannot generate an EC P-256 key");
  x509_ptr cert{X509_new()};
  X509_set_version(cert.get(), 2); // v3
  unsigned char serial_bytes[16];
  if (RAND_bytes(serial_bytes, sizeof(serial_bytes)) != 1)
    return tls_error("cannot draw a serial number");
  serial_bytes[0] &= 0x7F; // positive
  auto* serial = BN_bin2bn(serial_bytes, sizeof(serial_bytes), nullptr);
  BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(cert.get()));
  BN_free(serial);
  // Backdated an hour so that small clock differences between peers do not matter.
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()),
                  static_cast<long>(std::chrono::seconds{validity}.count()));
  X509_set_pubkey(cert.get(), key.get());
  const std::string common_name = dns_names.empty() ? ips.front() : dns_names.front();
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("vcdlb"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
                             0);
  X509_set_issuer_name(cert.get(), name);
  // CA:TRUE lets clients put this very certificate in their trust store.
  if (!add_extension(cert.get(), NID_basic_constraints, "critical,CA:TRUE")
      || !add_extension(cert.get(), NID_key_usage, "critical,digitalSignature,keyCertSign")
      || !add_extension(cert.get(), NID_ext_key_usage, "serverAuth,clientAuth")
      || !add_extension(cert.get(), NID_subject_key_identifier, "hash"))
    return tls_error("cannot add certificate extensions");
  if (auto err = add_alt_names(cert.get(), dns_names, ips))
    return err;
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0)
    return tls_error("cannot sign the certificate");
  bio_ptr cert_bio{BIO_new(BIO_s_mem())};
  bio_ptr key_bio{BIO_new(BIO_s_mem())};
  if (PEM_write_bio_X509(cert_bio.get(), cert.get()) != 1
      || PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr)
           != 1)
    return tls_error("cannot encode the certificate");
  return key_pair{bio_to_string(cert_bio.get()), bio_to_string(key_bio.get())};
}

namespace detail {

caf::expected<std::shared_ptr<ssl::context>> make_client_context(const tls_client_options& opts) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2
                   | ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  boost::system::error_code ec;
  if (!opts.ca_pem.empty()) {
    ctx->add_certificate_authority(boost::asio::buffer(opts.ca_pem), ec);
    if (ec)
      return tls_error("cannot load the CA certificates from memory (" + ec.message() + ")");
  }
  if (!opts.ca_file.empty()) {
    ctx->load_verify_file(opts.ca_file, ec);
    if (ec)
      return tls_error("cannot load the CA file \"" + opts.ca_file + "\" (" + ec.message() + ")");
  }
  if (opts.ca_pem.empty() && opts.ca_file.empty()) {
    ctx->set_default_verify_paths(ec);
    if (ec)
      return tls_error("cannot load the system trust store (" + ec.message() + ")");
  }
  if (!opts.client_cert_pem.empty() || !opts.client_key_pem.empty()) {
    ctx->use_certificate_chain(boost::asio::buffer(opts.client_cert_pem), ec);
    if (ec)
      return tls_error("cannot load the client certificate (" + ec.message() + ")");
    ctx->use_private_key(boost::asio::buffer(opts.client_key_pem), ssl::context::pem, ec);
    if (ec)
      // The key itself never appears in the message.
      return tls_error("cannot load the client key (" + ec.message() + ")");
  }
  ERR_clear_error();
  return ctx;
}

caf::expected<std::shared_ptr<ssl::context>> make_server_context(const key_pair& pair,
                                                                 const std::string& client_ca_pem) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2
                   | ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1
                   | ssl::context::single_dh_use);
  boost::system::error_code ec;
  ctx->use_certificate_chain(boost::asio::buffer(pair.cert_pem), ec);
  if (ec)
    return tls_error("cannot load the server certificate (" + ec.message() + ")");
  ctx->use_private_key(boost::asio::buffer(pair.key_pem), ssl::context::pem, ec);
  if (ec)
    return tls_error("cannot load the server key (" + ec.message() + ")");
  if (!client_ca_pem.empty()) {
    ctx->add_certificate_authority(boost::asio::buffer(client_ca_pem), ec);
    if (ec)
      return tls_error("cannot load the client CA certificates (" + ec.message() + ")");
    ctx->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
  }
  // No TLS 1.3 session tickets: the project's clients never resume sessions (they keep
  // connections alive instead), so tickets would only be bytes on every new connection.
  SSL_CTX_set_num_tickets(ctx->native_handle(), 0);
  ERR_clear_error();
  return ctx;
}

} // namespace detail

} // namespace vcdlb::http
