// Fuzzes the VCD error detail format (adapters/vcd/errors.hpp): parse_error_info must read any
// detail text without failing, and recover exactly what make_http_error / make_task_error wrote.
// Input: 4 bytes (status, Retry-After or task major code), then minor code '\0' message '\0'
// free detail text.
#include <cstddef>
#include <cstdint>
#include <string>

#include "adapters/vcd/errors.hpp"
#include "fuzz/fuzz_support.hpp"
#include "protocol/errors.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vcdlb;
  using namespace vcdlb::vcd;
  if (size < 4)
    return 0;
  unsigned status = ((unsigned{data[0]} << 8) | data[1]) % 1000;
  int32_t number = static_cast<int32_t>((unsigned{data[2]} << 8) | data[3]) - 1;
  auto fields = fuzz::split_fields(fuzz::as_text(data + 4, size - 4), 3);
  std::string minor{fields[0]};
  std::string message{fields[1]};

  // Any detail text in the vcd category parses without trouble.
  auto free_form = parse_error_info(caf::make_error(vcd_errc::bad_request, std::string{fields[2]}));
  // Text not in one of the two structured shapes comes back whole as the message.
  if (!fields[2].starts_with("HTTP ") && !fields[2].starts_with("task "))
    FUZZ_CHECK(free_form.message == fields[2]);

  // The minor code is one token in the detail; codes VCD sends never hold ' ', ':' or a lone '-'.
  bool token = minor.find_first_of(" :") == std::string::npos && minor != "-";

  auto http = make_http_error(status, minor, message, number, (data[0] & 1) != 0);
  FUZZ_CHECK(static_cast<bool>(http));
  auto info = parse_error_info(http);
  if (token) {
    FUZZ_CHECK(info.http_status == status);
    FUZZ_CHECK(info.minor_error_code == minor);
    FUZZ_CHECK(info.message == message);
    FUZZ_CHECK(info.retry_after_seconds == (number >= 0 ? number : -1));
    FUZZ_CHECK(!info.from_task);
  }

  task t;
  t.id = "urn:vcloud:task:fuzz";
  t.status = task_status::error;
  t.error.major_error_code = number;
  t.error.minor_error_code = minor;
  t.error.message = message;
  auto task_err = make_task_error(t);
  FUZZ_CHECK(has_code(task_err, vcd_errc::busy_entity)
             || has_code(task_err, vcd_errc::task_failed));
  auto task_info = parse_error_info(task_err);
  if (token && number >= 0 && !message.empty()) {
    FUZZ_CHECK(task_info.from_task);
    FUZZ_CHECK(task_info.http_status == static_cast<unsigned>(number));
    FUZZ_CHECK(task_info.minor_error_code == minor);
    FUZZ_CHECK(task_info.message == message);
  }
  return 0;
}
