// SPDX-License-Identifier: GPL-3.0-or-later
#define DOCTEST_CONFIG_IMPLEMENT
#include <peermail/runtime/init.hpp>

#include <doctest/doctest.h>

int
main(int argc, char** argv)
{
  if (!peermail::runtime::init()) {
    return 70;
  }
  doctest::Context ctx(argc, argv);
  return ctx.run();
}
