#pragma once

/// @file actors/vcd_status.hpp
/// @brief Whether VCD is answering, as the process's VCD client sees it: written by the
/// component that watches every call's outcome (the controller's `vcd_health`), read by the
/// service actors to tell their Service when its work is held up by VCD.
///
/// Thread-safety: all members may be called from any thread; one mutex, held for a copy.
/// Ownership: shared (engine options, service deps, the writer).

#include <mutex>
#include <optional>
#include <string>

namespace vcdlb {

class vcd_status {
public:
  /// VCD stopped answering; `problem` is the last failure, for humans (no secrets).
  void set_down(std::string problem) {
    std::lock_guard guard{mtx_};
    problem_ = std::move(problem);
  }

  void set_up() {
    std::lock_guard guard{mtx_};
    problem_.reset();
  }

  /// The last failure while VCD is not answering; nothing while it answers.
  [[nodiscard]] std::optional<std::string> problem() const {
    std::lock_guard guard{mtx_};
    return problem_;
  }

private:
  mutable std::mutex mtx_;
  std::optional<std::string> problem_;
};

} // namespace vcdlb
