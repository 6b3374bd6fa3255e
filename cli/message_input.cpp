// SPDX-License-Identifier: GPL-3.0-or-later
#include "message_input.hpp"

#include "app.hpp"
#include "output.hpp"

#include <peermail/protect/message.hpp>
#include <peermail/util/fs.hpp>

#include <CLI/CLI.hpp>

#include <cstdio>
#include <utility>

namespace peermail::cli {

Result<std::string>
read_message_input(const std::string& path)
{
  if (path.empty() || path == "-") {
    return util::read_stdin();
  }
  return util::read_file(path);
}

Result<ProtectInput>
read_protect_input(const std::string& input, const GlobalOptions& g)
{
  PEERMAIL_TRY_ASSIGN(auto cfg, g.load_config());
  PEERMAIL_TRY_ASSIGN(auto message, read_message_input(input));
  return ProtectInput{std::move(cfg), std::move(message)};
}

Result<void>
write_stdout(std::string_view data)
{
  if (std::fwrite(data.data(), 1, data.size(), stdout) != data.size() || std::fflush(stdout) != 0) {
    return fail(Errc::io, "cannot write to standard output");
  }
  return {};
}

void
add_force_flag(CLI::App& sub, bool& force)
{
  sub.add_flag(
    "--force", force, "replace the -o file if it exists (else exit 73, nothing written)");
}

util::Overwrite
overwrite_for(bool force)
{
  return force ? util::Overwrite::replace : util::Overwrite::refuse;
}

Result<void>
check_output(const std::string& path, util::Overwrite overwrite)
{
  if (path.empty() || path == "-") {
    return {};
  }
  return util::check_output_file(path, overwrite);
}

Result<void>
write_output(const std::string& path, std::string_view data, util::Overwrite overwrite)
{
  if (path == "-") {
    return write_stdout(data);
  }
  return util::write_output_file(path, data, 0600, overwrite);
}

int
protect_to_stdout(const GlobalOptions& g,
                  const config::Config& cfg,
                  const std::string& message,
                  const std::vector<std::string>& recipients,
                  protect::ProtectOptions po,
                  protect::Protocol protocol)
{
  auto out = protect::protect_message(cfg, g.gnupg_home_dir(), message, recipients, po, protocol);
  if (!out) {
    return print_error(out.error());
  }
  for (const auto& w : out->warnings) {
    print_warn(w);
  }
  if (auto w = write_stdout(out->result.message); !w) {
    return print_error(w.error());
  }
  return 0;
}

} // namespace peermail::cli
