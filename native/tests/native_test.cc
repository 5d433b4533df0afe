#include "native_test.h"

namespace dendrite::test {

static int failures = 0;

std::vector<TestCase>& Registry() {
  static std::vector<TestCase> registry;  // test binary only, never in the addon
  return registry;
}

void Fail(const char* file, int line, const std::string& message) {
  ++failures;
  std::fprintf(stderr, "  FAIL %s:%d: %s\n", file, line, message.c_str());
}

void ForEachIsa(const std::function<void(const KernelTable&)>& body) {
  for (Isa isa : AvailableIsas()) body(MakeKernelTable(isa));
}

}  // namespace dendrite::test

int main() {
  using namespace dendrite::test;
  int passed = 0, failed = 0;
  for (const TestCase& test : Registry()) {
    int before = failures;
    test.run();
    if (failures == before) {
      ++passed;
    } else {
      ++failed;
      std::fprintf(stderr, "FAILED %s\n", test.name);
    }
  }
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
