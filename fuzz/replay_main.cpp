// Runs fuzz inputs through a target without libFuzzer, so every compiler can replay the corpus
// (and any crash file) as an ordinary test: `<name>_replay <dir-or-file>...`. Directories are
// read recursively; each regular file is one input. It fails when no input was found, so a
// misplaced corpus cannot turn the test into one that always passes.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

bool run_file(const std::filesystem::path& file) {
  std::ifstream in{file, std::ios::binary};
  if (!in) {
    std::fprintf(stderr, "cannot read %s\n", file.c_str());
    return false;
  }
  std::vector<char> bytes{std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
  std::fprintf(stderr, "replay %s (%zu bytes)\n", file.c_str(), bytes.size());
  // A copy in an exactly sized heap block, so ASan sees reads past the end as libFuzzer would.
  auto* copy = new uint8_t[bytes.size() == 0 ? 1 : bytes.size()];
  std::copy(bytes.begin(), bytes.end(), copy);
  LLVMFuzzerTestOneInput(copy, bytes.size());
  delete[] copy;
  return true;
}

} // namespace

int main(int argc, char** argv) {
  size_t inputs = 0;
  bool ok = true;
  for (int i = 1; i < argc; ++i) {
    std::filesystem::path arg{argv[i]};
    std::error_code ec;
    if (std::filesystem::is_directory(arg, ec)) {
      std::vector<std::filesystem::path> files;
      for (auto it = std::filesystem::recursive_directory_iterator{arg, ec};
           !ec && it != std::filesystem::recursive_directory_iterator{}; it.increment(ec))
        if (it->is_regular_file())
          files.push_back(it->path());
      std::sort(files.begin(), files.end());
      for (const auto& f : files) {
        ok = run_file(f) && ok;
        ++inputs;
      }
    } else {
      ok = run_file(arg) && ok;
      ++inputs;
    }
  }
  // The empty input is always worth a run.
  LLVMFuzzerTestOneInput(nullptr, 0);
  if (inputs == 0) {
    std::fprintf(stderr, "no inputs found\n");
    return 1;
  }
  std::fprintf(stderr, "%zu inputs replayed\n", inputs);
  return ok ? 0 : 1;
}
