# SPDX-License-Identifier: GPL-3.0-or-later
add_library(peermail_warnings INTERFACE)
target_compile_options(peermail_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Woverloaded-virtual)
if(PEERMAIL_DEV_MODE)
  target_compile_options(peermail_warnings INTERFACE -Werror)
  # GCC 12's flow warnings misfire inside libstdc++'s std::string at -O2/-O3
  # (GCC PR 105329, PR 105651, fixed in GCC 13): they stay visible as
  # warnings but do not fail the build.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    target_compile_options(peermail_warnings INTERFACE
      -Wno-error=restrict -Wno-error=array-bounds -Wno-error=stringop-overflow
      -Wno-error=maybe-uninitialized -Wno-error=stringop-overread)
  endif()
endif()
