#include "config/secret_string.hpp"

#include <ostream>

namespace vcdlb::config {

secret_string& secret_string::operator=(const secret_string& other) {
  if (this != &other) {
    wipe();
    value_ = other.value_;
  }
  return *this;
}

secret_string& secret_string::operator=(secret_string&& other) noexcept {
  if (this != &other) {
    wipe();
    value_ = std::move(other.value_);
    other.wipe();
  }
  return *this;
}

secret_string::~secret_string() {
  wipe();
}

void secret_string::wipe() noexcept {
  // Overwrite through a volatile pointer so the compiler cannot drop the stores as dead.
  volatile char* p = value_.data();
  for (size_t i = 0; i < value_.size(); ++i)
    p[i] = '\0';
  value_.clear();
}

std::string_view redacted(const secret_string& s) noexcept {
  return s.empty() ? "<unset>" : "<redacted>";
}

std::string to_string(const secret_string& s) {
  return std::string{redacted(s)};
}

std::ostream& operator<<(std::ostream& out, const secret_string& s) {
  return out << redacted(s);
}

} // namespace vcdlb::config
