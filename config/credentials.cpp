#include "config/credentials.hpp"

#include <cerrno>
#include <system_error>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

namespace vcdlb::config {

namespace {

namespace fs = std::filesystem;

struct file_read {
  bool exists = false;
  std::string text;
};

// Reads a whole small file. A missing file is not a problem; anything else that stops us from
// reading it is.
std::optional<file_read> read_small_file(const fs::path& file, std::vector<problem>& problems) {
  auto fail = [&](config_errc code, std::string message) {
    problems.push_back(problem{code, "", 0, 0, std::move(message), file.string()});
    return std::nullopt;
  };
  std::error_code ec;
  auto status = fs::status(file, ec);
  if (status.type() == fs::file_type::not_found)
    return file_read{};
  if (ec)
    return fail(config_errc::unreadable_file, "cannot read the secret file: " + ec.message());
  if (status.type() != fs::file_type::regular)
    return fail(config_errc::unreadable_file, "is not a regular file");
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return fail(config_errc::unreadable_file,
                "cannot read the secret file: " + std::generic_category().message(errno));
  std::string text;
  char buf[4096];
  bool too_large = false;
  bool error = false;
  int read_errno = 0;
  while (true) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      error = true;
      read_errno = errno;
      break;
    }
    if (n == 0)
      break;
    text.append(buf, static_cast<size_t>(n));
    if (text.size() > max_secret_file_size) {
      too_large = true;
      break;
    }
  }
  ::close(fd);
  // Scrub the stack copy of the last chunk.
  volatile char* p = buf;
  for (size_t i = 0; i < sizeof buf; ++i)
    p[i] = 0;
  if (error)
    return fail(config_errc::unreadable_file,
                "cannot read the secret file: " + std::generic_category().message(read_errno));
  if (too_large)
    return fail(config_errc::invalid_value, "the secret file is larger than "
                                              + std::to_string(max_secret_file_size) + " bytes");
  // Upstream trims one trailing "\n"; a CRLF file written on Windows loses its "\r" too.
  if (text.ends_with('\n'))
    text.pop_back();
  if (text.ends_with('\r'))
    text.pop_back();
  return file_read{true, std::move(text)};
}

} // namespace

std::string_view to_string(auth_method m) noexcept {
  return m == auth_method::refresh_token ? "refreshToken" : "password";
}

checked<secret_files> read_secret_files(const fs::path& dir) {
  std::vector<problem> problems;
  secret_files out;
  if (auto f = read_small_file(dir / "refreshToken", problems); f && f->exists)
    out.refresh_token = secret_string{std::move(f->text)};
  if (auto f = read_small_file(dir / "username", problems); f && f->exists)
    out.username = std::move(f->text);
  if (auto f = read_small_file(dir / "password", problems); f && f->exists)
    out.password = secret_string{std::move(f->text)};
  if (!problems.empty())
    return problems;
  return out;
}

checked<credentials> resolve_credentials(const secret_files& files, const vcd_section& vcd,
                                         const fs::path& dir) {
  std::vector<problem> problems;
  credentials out;
  out.refresh_token = files.refresh_token ? *files.refresh_token : vcd.refresh_token;
  out.password = files.password ? *files.password : vcd.secret;
  out.org = vcd.user_org.empty() ? vcd.org : vcd.user_org;

  // Where the user name came from, for messages. An empty `username` file is ignored in
  // favour of vcd.user, as upstream does (unlike an empty password or refresh token file).
  const bool user_from_file = files.username.has_value() && !files.username->empty();
  const std::string user_source = user_from_file ? (dir / "username").string() : "";
  const std::string user_key = user_from_file ? "" : "vcd.user";
  const std::string full_user = user_from_file ? *files.username : vcd.user;
  if (auto slash = full_user.find('/'); slash == std::string::npos) {
    out.user = full_user;
  } else if (full_user.find('/', slash + 1) != std::string::npos) {
    problems.push_back(problem{config_errc::invalid_value, user_key, 0, 0,
                               "the user name must be \"user\" or \"org/user\" (at most one '/')",
                               user_source});
  } else if (slash == 0 || slash + 1 == full_user.size()) {
    problems.push_back(problem{config_errc::invalid_value, user_key, 0, 0,
                               "the \"org/user\" form needs a non-empty org and user",
                               user_source});
  } else {
    out.org = full_user.substr(0, slash);
    out.user = full_user.substr(slash + 1);
  }
  if (!problems.empty())
    return problems;

  if (!out.refresh_token.empty()) {
    out.method = auth_method::refresh_token;
    out.password = secret_string{};
    return out;
  }
  std::string missing;
  auto need = [&](bool ok, std::string_view what) {
    if (!ok)
      missing += (missing.empty() ? "" : ", ") + std::string{what};
  };
  need(!out.user.empty(), "user (file username or vcd.user)");
  need(!out.org.empty(), "org (\"org/user\" in username, vcd.userorg or vcd.org)");
  need(!out.password.empty(), "password (file password or vcd.secret)");
  if (!missing.empty())
    return std::vector<problem>{
      problem{config_errc::missing_key, "", 0, 0,
              "unable to get a valid set of credentials: no refresh token, and missing " + missing,
              dir.string()}};
  out.method = auth_method::password;
  return out;
}

checked<credentials> load_credentials(const fs::path& dir, const vcd_section& vcd) {
  auto files = read_secret_files(dir);
  if (!files)
    return files.problems();
  return resolve_credentials(files.value(), vcd, dir);
}

std::string describe(const credentials& c) {
  if (c.method == auth_method::refresh_token)
    return "refresh token (org: " + (c.org.empty() ? std::string{"<unset>"} : c.org) + ")";
  return "password for user " + c.user + " (org: " + c.org + ")";
}

} // namespace vcdlb::config
