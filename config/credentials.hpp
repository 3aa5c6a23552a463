#pragma once

/// @file config/credentials.hpp
/// @brief VCD credentials from the basic-auth secret files, with upstream's precedence.
///
/// The upstream deployment mounts Secret `vcloud-basic-auth` at
/// /etc/kubernetes/vcloud/basic-auth with files `refreshToken`, `username` and `password`.
/// A file that exists overrides the matching `vcd:` value of the config (even when it is
/// empty), except an empty `username` file, which keeps `vcd.user` as upstream does; a
/// missing file keeps the config value; a file that exists but cannot be read is an
/// error. `username` is `user` or `org/user`. A non-empty refresh token wins; otherwise user,
/// org and password are all needed. Secret values live in `secret_string` and never appear in
/// problems or in `describe`. Reads files only in `read_secret_files`/`load_credentials`;
/// thread-safe.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "config/problem.hpp"
#include "config/secret_string.hpp"

namespace vcdlb::config {

enum class auth_method {
  refresh_token, ///< API token: POST /oauth/provider/token, then /oauth/tenant/<org>/token
  password,      ///< session login as user@org
};

[[nodiscard]] std::string_view to_string(auth_method m) noexcept;

/// What the secrets directory held; a member is empty when its file does not exist.
struct secret_files {
  std::optional<secret_string> refresh_token;
  std::optional<std::string> username;
  std::optional<secret_string> password;
};

/// Secret files larger than this are rejected.
inline constexpr size_t max_secret_file_size = 64 * 1024;

/// Reads `dir`/{refreshToken,username,password}, each without one trailing newline.
/// Problems (file set, no position): a file that exists but is unreadable, not a regular file
/// or too large.
[[nodiscard]] checked<secret_files> read_secret_files(const std::filesystem::path& dir);

/// The credentials vcdlb logs in with.
struct credentials {
  auth_method method = auth_method::password;
  std::string user;            ///< may be empty with a refresh token
  std::string org;             ///< the user's org ("org/user" prefix, vcd.userorg, else vcd.org)
  secret_string password;      ///< set for auth_method::password
  secret_string refresh_token; ///< set for auth_method::refresh_token
};

/// Combines the files with the config's `vcd:` values (see the file comment). `dir` only
/// names the files in problems.
[[nodiscard]] checked<credentials> resolve_credentials(const secret_files& files,
                                                       const vcd_section& vcd,
                                                       const std::filesystem::path& dir);

/// read_secret_files + resolve_credentials.
[[nodiscard]] checked<credentials> load_credentials(const std::filesystem::path& dir,
                                                    const vcd_section& vcd);

/// "refresh token (org: acme)" or "password for user alice (org: acme)"; no secret values.
[[nodiscard]] std::string describe(const credentials& c);

} // namespace vcdlb::config
