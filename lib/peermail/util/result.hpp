// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <peermail/util/error.hpp>

#include <cassert>
#include <type_traits>
#include <utility>
#include <variant>

namespace peermail {

// A subset of std::expected (C++23), API-compatible so that it can become an
// alias later: has_value, operator bool, operator*, operator->, value(),
// error(). Expected failures are returned, never thrown.
template<typename E> class Unexpected
{
public:
  explicit Unexpected(E e)
    : m_error(std::move(e))
  {
  }
  E&
  error()
  {
    return m_error;
  }

private:
  E m_error;
};

inline Unexpected<Error>
unexpected(Error e)
{
  return Unexpected<Error>(std::move(e));
}

// Shorthand: return unexpected(Error{...}).
inline Unexpected<Error>
fail(Errc code, std::string message, std::string check_id = {}, std::string fix = {})
{
  return Unexpected<Error>(Error(code, std::move(message), std::move(check_id), std::move(fix)));
}

template<typename T> class [[nodiscard]] Result
{
public:
  Result(T value)
    : m_v(std::in_place_index<0>, std::move(value))
  {
  }
  template<typename U,
           typename = std::enable_if_t<
             std::is_constructible_v<T, U&&> && !std::is_same_v<std::decay_t<U>, Result>>>
  Result(U&& value)
    : m_v(std::in_place_index<0>, T(std::forward<U>(value)))
  {
  }
  Result(Unexpected<Error> e)
    : m_v(std::in_place_index<1>, std::move(e.error()))
  {
  }

  bool
  has_value() const
  {
    return m_v.index() == 0;
  }
  explicit operator bool() const
  {
    return has_value();
  }
  T&
  value() &
  {
    assert(has_value());
    return std::get<0>(m_v);
  }
  const T&
  value() const&
  {
    assert(has_value());
    return std::get<0>(m_v);
  }
  T&&
  value() &&
  {
    assert(has_value());
    return std::get<0>(std::move(m_v));
  }
  T&
  operator*() &
  {
    return value();
  }
  const T&
  operator*() const&
  {
    return value();
  }
  T&&
  operator*() &&
  {
    return std::move(*this).value();
  }
  T*
  operator->()
  {
    return &value();
  }
  const T*
  operator->() const
  {
    return &value();
  }
  const Error&
  error() const
  {
    assert(!has_value());
    return std::get<1>(m_v);
  }
  Error&
  error()
  {
    assert(!has_value());
    return std::get<1>(m_v);
  }

private:
  std::variant<T, Error> m_v;
};

template<> class [[nodiscard]] Result<void>
{
public:
  Result() = default;
  Result(Unexpected<Error> e)
    : m_error(std::move(e.error())),
      m_ok(false)
  {
  }
  bool
  has_value() const
  {
    return m_ok;
  }
  explicit operator bool() const
  {
    return m_ok;
  }
  void
  value() const
  {
    assert(m_ok);
  }
  const Error&
  error() const
  {
    assert(!m_ok);
    return m_error;
  }
  Error&
  error()
  {
    assert(!m_ok);
    return m_error;
  }

private:
  Error m_error;
  bool m_ok = true;
};

} // namespace peermail

// Return the error of `expr` from the enclosing function if it failed.
#define PEERMAIL_TRY(expr)                                                                         \
  do {                                                                                             \
    auto peermail_try_r_ = (expr);                                                                 \
    if (!peermail_try_r_) {                                                                        \
      return ::peermail::unexpected(std::move(peermail_try_r_.error()));                           \
    }                                                                                              \
  } while (false)

#define PEERMAIL_CONCAT_(a, b) a##b
#define PEERMAIL_CONCAT(a, b) PEERMAIL_CONCAT_(a, b)

// Declare `var` from the value of `expr`, or return its error.
#define PEERMAIL_TRY_ASSIGN(var, expr)                                                             \
  auto PEERMAIL_CONCAT(peermail_r_, __LINE__) = (expr);                                            \
  if (!PEERMAIL_CONCAT(peermail_r_, __LINE__)) {                                                   \
    return ::peermail::unexpected(std::move(PEERMAIL_CONCAT(peermail_r_, __LINE__).error()));      \
  }                                                                                                \
  var = std::move(*PEERMAIL_CONCAT(peermail_r_, __LINE__))
