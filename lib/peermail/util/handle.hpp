// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// The one deleter template for C library handles: std::unique_ptr whose
// deleter calls the library's release function, e.g.
//   using Ctx = util::Handle<gpgme_context, gpgme_release>;

#include <memory>

namespace peermail::util {

// Calls `Release` on a non-null pointer.
template<auto Release> struct Deleter
{
  template<class T>
  void
  operator()(T* p) const
  {
    if (p != nullptr) {
      Release(p);
    }
  }
};

// A std::unique_ptr<T> released with `Release`.
template<class T, auto Release> using Handle = std::unique_ptr<T, Deleter<Release>>;

} // namespace peermail::util
