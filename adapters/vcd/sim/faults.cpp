#include "adapters/vcd/sim/faults.hpp"

#include <boost/json.hpp>

#include "protocol/errors.hpp"

namespace vcdlb::vcd::sim {

namespace json = boost::json;

std::string to_json(const fault_settings& f) {
  json::object o;
  o["latency_ms"] = f.latency.count();
  o["task_ms"] = f.task_duration.count();
  o["health_delay_ms"] = f.health_delay.count();
  o["task_failure_rate"] = f.task_failure_rate;
  o["rate_429"] = f.rate_429;
  o["rate_500"] = f.rate_500;
  o["rate_503"] = f.rate_503;
  o["drop_rate"] = f.drop_rate;
  o["token_ttl_s"] = f.token_ttl.count();
  o["gateway_lock"] = f.gateway_lock;
  return json::serialize(o);
}

caf::expected<fault_settings> apply_json(fault_settings base, std::string_view text) {
  json::error_code ec;
  auto v = json::parse(text, ec);
  if (ec || !v.is_object())
    return caf::make_error(config_errc::invalid_value, "faults: expected a JSON object");
  auto bad = [](const std::string& key, const char* why) {
    return caf::make_error(config_errc::invalid_value, "faults: " + key + ": " + why);
  };
  for (const auto& [key_sv, value] : v.as_object()) {
    std::string key{key_sv};
    if (key == "gateway_lock") {
      if (!value.is_bool())
        return bad(key, "expected true or false");
      base.gateway_lock = value.get_bool();
      continue;
    }
    if (!value.is_number())
      return bad(key, "expected a number");
    double x = value.is_double()  ? value.as_double()
               : value.is_int64() ? static_cast<double>(value.as_int64())
                                  : static_cast<double>(value.as_uint64());
    if (x < 0)
      return bad(key, "must not be negative");
    auto ms = std::chrono::milliseconds{static_cast<int64_t>(x)};
    if (key == "latency_ms")
      base.latency = ms;
    else if (key == "task_ms")
      base.task_duration = ms;
    else if (key == "health_delay_ms")
      base.health_delay = ms;
    else if (key == "token_ttl_s")
      base.token_ttl = std::chrono::seconds{static_cast<int64_t>(x)};
    else {
      double* rate = key == "task_failure_rate" ? &base.task_failure_rate
                     : key == "rate_429"        ? &base.rate_429
                     : key == "rate_500"        ? &base.rate_500
                     : key == "rate_503"        ? &base.rate_503
                     : key == "drop_rate"       ? &base.drop_rate
                                                : nullptr;
      if (rate == nullptr)
        return bad(key, "unknown key");
      if (x > 1)
        return bad(key, "a rate must be within [0, 1]");
      *rate = x;
    }
  }
  return base;
}

} // namespace vcdlb::vcd::sim
