// A minimal test registry for the native unit tests (the JS tests through vitest are the gate;
// these run the kernels without Node, e.g. under sanitizers or a debugger).
#pragma once

#include <cmath>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "dendrite/backend.h"

namespace dendrite::test {

struct TestCase {
  const char* name;
  void (*run)();
};
std::vector<TestCase>& Registry();
// Failures are counted, not fatal: a test keeps going and reports every mismatch.
void Fail(const char* file, int line, const std::string& message);

struct Register {
  Register(const char* name, void (*run)()) { Registry().push_back({name, run}); }
};

// Runs `body(table)` once per ISA this CPU has (the kernel table for that ISA).
void ForEachIsa(const std::function<void(const KernelTable&)>& body);

}  // namespace dendrite::test

#define DN_TEST(name)                                                  \
  static void name();                                                  \
  static ::dendrite::test::Register name##_registration(#name, name); \
  static void name()

#define DN_EXPECT(condition)                                                          \
  do {                                                                                \
    if (!(condition)) ::dendrite::test::Fail(__FILE__, __LINE__, "expected " #condition); \
  } while (0)
