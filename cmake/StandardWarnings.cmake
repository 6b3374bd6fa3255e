# SPDX-License-Identifier: GPL-3.0-or-later
add_library(peermail_warnings INTERFACE)
target_compile_options(peermail_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Woverloaded-virtual)
if(PEERMAIL_DEV_MODE)
  target_compile_options(peermail_warnings INTERFACE -Werror)
endif()
