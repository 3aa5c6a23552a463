#include "controller/detail/vcd_health.hpp"

#include <spdlog/spdlog.h>

#include "protocol/errors.hpp"

namespace vcdlb::detail {

vcd_health::vcd_health(std::shared_ptr<const runtime::vcdlb_metrics> metrics,
                       std::shared_ptr<vcd_status> status, std::chrono::seconds log_interval,
                       steady_clock now, wall_clock wall)
  : metrics_(std::move(metrics)), status_(std::move(status)), log_interval_(log_interval),
    now_(std::move(now)), wall_(std::move(wall)) {
  metrics_->vcd_up.with()->set(0); // unknown until the first call
  metrics_->vcd_last_success.with()->set(0);
}

bool vcd_health::means_down(const caf::error& err) {
  if (err.category() != caf::atom("vcd"))
    return err.category() == caf::atom("net"); // a transport error the client did not map
  switch (static_cast<vcd_errc>(err.code())) {
  case vcd_errc::unavailable:
  case vcd_errc::server_error:
  case vcd_errc::bad_response:
  case vcd_errc::tls_failed:
  case vcd_errc::unauthorized:
    return true;
  default:
    return false;
  }
}

void vcd_health::record(std::string_view operation, const caf::error* failed) {
  bool down = failed != nullptr && means_down(*failed);
  auto now = now_();
  enum class say { nothing, went_down, still_down, came_back } what = say::nothing;
  std::chrono::steady_clock::duration outage{};
  uint64_t count = 0;
  uint64_t since_log = 0;
  {
    std::lock_guard guard{mtx_};
    if (!down) {
      if (!up_) {
        what = say::came_back;
        outage = now - down_since_;
        count = failures_;
      }
      up_ = true;
      failures_ = 0;
    } else {
      ++failures_;
      if (up_) {
        up_ = false;
        down_since_ = now;
        last_log_ = now;
        failures_at_log_ = failures_;
        what = say::went_down;
      } else if (now - last_log_ >= log_interval_) {
        what = say::still_down;
        outage = now - down_since_;
        since_log = failures_ - failures_at_log_;
        last_log_ = now;
        failures_at_log_ = failures_;
      }
    }
  }
  if (status_) {
    if (down)
      status_->set_down(describe(*failed));
    else if (what == say::came_back)
      status_->set_up();
  }
  if (!down) {
    metrics_->vcd_up.with()->set(1);
    metrics_->vcd_last_success.with()->set(
      std::chrono::duration<double>(wall_().time_since_epoch()).count());
  } else {
    metrics_->vcd_up.with()->set(0);
  }
  auto secs = [](std::chrono::steady_clock::duration d) {
    return std::chrono::duration_cast<std::chrono::seconds>(d).count();
  };
  switch (what) {
  case say::went_down:
    spdlog::warn("vcd: not answering ({} failed: {}); load balancer changes wait until it "
                 "answers again",
                 operation, describe(*failed));
    break;
  case say::still_down:
    spdlog::warn("vcd: still not answering after {} s ({} more failed requests, last {}: {})",
                 secs(outage), since_log, operation, describe(*failed));
    break;
  case say::came_back:
    spdlog::info("vcd: answering again after {} s ({} failed requests)", secs(outage), count);
    break;
  case say::nothing:
    break;
  }
}

bool vcd_health::up() const {
  std::lock_guard guard{mtx_};
  return up_;
}

uint64_t vcd_health::failures() const {
  std::lock_guard guard{mtx_};
  return failures_;
}

} // namespace vcdlb::detail
