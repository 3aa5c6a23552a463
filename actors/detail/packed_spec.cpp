#include "actors/detail/packed_spec.hpp"

#include <algorithm>
#include <cstring>

namespace vcdlb::detail {

namespace {

// Sizes and counts as LEB128 varints (one byte below 128).
void put_size(std::string& out, size_t n) {
  while (n >= 0x80) {
    out.push_back(static_cast<char>((n & 0x7f) | 0x80));
    n >>= 7;
  }
  out.push_back(static_cast<char>(n));
}

void put(std::string& out, const std::string& s) {
  put_size(out, s.size());
  out.append(s);
}

void put(std::string& out, int32_t x) {
  char buf[sizeof x];
  std::memcpy(buf, &x, sizeof x);
  out.append(buf, sizeof x);
}

void put_byte(std::string& out, uint8_t x) {
  out.push_back(static_cast<char>(x));
}

class reader {
public:
  explicit reader(std::string_view in) : in_(in) {}

  size_t size() {
    size_t n = 0;
    for (int shift = 0; pos_ < in_.size(); shift += 7) {
      auto b = static_cast<uint8_t>(in_[pos_++]);
      n |= static_cast<size_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0)
        break;
    }
    return n;
  }

  std::string str() {
    auto n = size(); // before reading pos_ below
    n = std::min(n, in_.size() - pos_);
    std::string s{in_.substr(pos_, n)};
    pos_ += n;
    return s;
  }

  int32_t i32() {
    int32_t x = 0;
    if (pos_ + sizeof x <= in_.size())
      std::memcpy(&x, in_.data() + pos_, sizeof x);
    pos_ = std::min(pos_ + sizeof x, in_.size());
    return x;
  }

  uint8_t byte() { return pos_ < in_.size() ? static_cast<uint8_t>(in_[pos_++]) : 0; }

private:
  std::string_view in_;
  size_t pos_ = 0;
};

} // namespace

std::string pack(const service_spec& spec) {
  std::string out;
  out.reserve(64 + spec.key.ns.size() + spec.key.name.size() + spec.uid.size()
              + 16 * spec.ports.size());
  put(out, spec.key.ns);
  put(out, spec.key.name);
  put(out, spec.uid);
  put_byte(out, static_cast<uint8_t>(spec.type));
  put(out, spec.load_balancer_class);
  put(out, spec.load_balancer_ip);
  put_size(out, spec.ports.size());
  for (const auto& p : spec.ports) {
    put(out, p.name);
    put_byte(out, static_cast<uint8_t>(p.protocol));
    put(out, p.port);
    put(out, p.node_port);
    put(out, p.app_protocol);
  }
  put(out, spec.annotations.ssl_ports);
  put(out, spec.annotations.ssl_cert_alias);
  put(out, spec.annotations.ssl_no_termination);
  put(out, spec.annotations.sharing_key);
  put(out, spec.annotations.source_ranges);
  put_byte(out,
           static_cast<uint8_t>((spec.deletion_requested ? 1 : 0) | (spec.has_finalizer ? 2 : 0)
                                | (spec.local_traffic_policy ? 4 : 0)));
  put_size(out, spec.ingress_ips.size());
  for (const auto& ip : spec.ingress_ips)
    put(out, ip);
  put_size(out, spec.load_balancer_source_ranges.size());
  for (const auto& r : spec.load_balancer_source_ranges)
    put(out, r);
  out.shrink_to_fit();
  return out;
}

service_spec unpack(std::string_view packed) {
  reader in{packed};
  service_spec spec;
  spec.key.ns = in.str();
  spec.key.name = in.str();
  spec.uid = in.str();
  spec.type = static_cast<service_type>(in.byte());
  spec.load_balancer_class = in.str();
  spec.load_balancer_ip = in.str();
  spec.ports.resize(std::min(in.size(), packed.size())); // bounded even if misused
  for (auto& p : spec.ports) {
    p.name = in.str();
    p.protocol = static_cast<ip_protocol>(in.byte());
    p.port = in.i32();
    p.node_port = in.i32();
    p.app_protocol = in.str();
  }
  spec.annotations.ssl_ports = in.str();
  spec.annotations.ssl_cert_alias = in.str();
  spec.annotations.ssl_no_termination = in.str();
  spec.annotations.sharing_key = in.str();
  spec.annotations.source_ranges = in.str();
  auto flags = in.byte();
  spec.deletion_requested = (flags & 1) != 0;
  spec.has_finalizer = (flags & 2) != 0;
  spec.local_traffic_policy = (flags & 4) != 0;
  spec.ingress_ips.resize(std::min(in.size(), packed.size()));
  for (auto& ip : spec.ingress_ips)
    ip = in.str();
  spec.load_balancer_source_ranges.resize(std::min(in.size(), packed.size()));
  for (auto& r : spec.load_balancer_source_ranges)
    r = in.str();
  return spec;
}

shared_packed_spec::shared_packed_spec(std::string_view packed) {
  auto size = static_cast<uint32_t>(packed.size());
  auto data = std::make_shared_for_overwrite<char[]>(sizeof size + size);
  std::memcpy(data.get(), &size, sizeof size);
  std::memcpy(data.get() + sizeof size, packed.data(), size);
  data_ = std::move(data);
}

std::string_view shared_packed_spec::bytes() const noexcept {
  if (!data_)
    return {};
  uint32_t size = 0;
  std::memcpy(&size, data_.get(), sizeof size);
  return {data_.get() + sizeof size, size};
}

} // namespace vcdlb::detail
