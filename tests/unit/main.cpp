// SPDX-License-Identifier: GPL-3.0-or-later
#define DOCTEST_CONFIG_IMPLEMENT
#include <peermail/init.hpp>

#include <doctest/doctest.h>

int
main(int argc, char** argv)
{
  if (!peermail::init()) {
    return 70;
  }
  doctest::Context ctx(argc, argv);
  return ctx.run();
}
