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

// dendrite_native_tests [name-part]: runs every test, or those whose name contains name-part.
int main(int argc, char** argv) {
  using namespace dendrite::test;
  const std::string filter = argc > 1 ? argv[1] : "";
  int passed = 0, failed = 0;
  for (const TestCase& test : Registry()) {
    if (std::string(test.name).find(filter) == std::string::npos) continue;
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
