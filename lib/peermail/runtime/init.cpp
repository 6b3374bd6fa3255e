// SPDX-License-Identifier: GPL-3.0-or-later
#include "init.hpp"

#include <curl/curl.h>
#include <fmt/core.h>
#include <gmime/gmime.h>
#include <gpgme.h>

#include <clocale>
#include <mutex>

namespace peermail::runtime {

Result<void>
init()
{
  static std::once_flag once;
  static Result<void> result;
  std::call_once(once, [] {
    std::setlocale(LC_ALL, "");
    if (gpgme_check_version("1.18.0") == nullptr) {
      result = fail(Errc::internal, "GPGME 1.18 or newer is required");
      return;
    }
    gpgme_set_locale(nullptr, LC_CTYPE, std::setlocale(LC_CTYPE, nullptr));
    if (const auto rc = curl_global_init(CURL_GLOBAL_DEFAULT); rc != CURLE_OK) {
      result = fail(Errc::internal, fmt::format("libcurl: {}", curl_easy_strerror(rc)));
      return;
    }
    g_mime_init();
  });
  return result;
}

} // namespace peermail::runtime
