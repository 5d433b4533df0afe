#include "dendrite/backend.h"

#include <cerrno>
#include <cstdlib>

namespace dendrite {

const char* IsaName(Isa isa) {
  switch (isa) {
    case Isa::kScalar: return "scalar";
    case Isa::kAvx2: return "avx2";
    case Isa::kAvx512: return "avx512";
    case Isa::kNeon: return "neon";
  }
  return "unknown";
}

bool ParseIsa(const std::string& name, Isa* isa) {
  for (int i = 0; i < kIsaCount; ++i) {
    if (name == IsaName(static_cast<Isa>(i))) {
      *isa = static_cast<Isa>(i);
      return true;
    }
  }
  return false;
}

std::vector<Isa> AvailableIsas() {
  std::vector<Isa> isas{Isa::kScalar};
#if defined(__x86_64__) || defined(__i386__)
  // Feature bits only (libgcc also checks XCR0, i.e. that the OS saves the vector state),
  // never the CPU model: a CPU newer than this code must still get its best kernels.
  __builtin_cpu_init();
  bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (avx2) isas.push_back(Isa::kAvx2);
  if (avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl")) {
    isas.push_back(Isa::kAvx512);
  }
#endif
  return isas;
}

KernelTable MakeKernelTable(Isa isa) {
  KernelTable table;
  ref::Fill(&table);
#if defined(DENDRITE_HAVE_X86_KERNELS)
  if (isa == Isa::kAvx2 || isa == Isa::kAvx512) avx2::Fill(&table);
  if (isa == Isa::kAvx512) avx512::Fill(&table);
#endif
  table.isa = isa;
  return table;
}

bool ParseThreadCount(const char* text, int* threads) {
  if (text == nullptr || *text == '\0') return false;
  char* end = nullptr;
  errno = 0;
  long value = std::strtol(text, &end, 10);
  if (errno != 0 || *end != '\0' || value < 1 || value > kMaxThreads) return false;
  *threads = static_cast<int>(value);
  return true;
}

static std::string Join(const std::vector<Isa>& isas) {
  std::string text;
  for (Isa isa : isas) text += (text.empty() ? "" : ", ") + std::string(IsaName(isa));
  return text;
}

std::unique_ptr<Backend> CreateBackend(const char* isa_env, const char* threads_env, std::string* error) {
  auto backend = std::make_unique<Backend>();
  backend->available = AvailableIsas();
  backend->isa = backend->available.back();
  if (isa_env != nullptr && *isa_env != '\0') {
    Isa wanted;
    if (!ParseIsa(isa_env, &wanted)) {
      *error = "DENDRITE_ISA: expected one of scalar, avx2, avx512, neon, got '" + std::string(isa_env) + "'";
      return nullptr;
    }
    bool present = false;
    for (Isa isa : backend->available) present = present || isa == wanted;
    if (!present) {
      *error = "DENDRITE_ISA: this CPU cannot run the '" + std::string(isa_env) +
               "' kernels; it supports: " + Join(backend->available);
      return nullptr;
    }
    backend->isa = wanted;
  }
  int threads = ThreadPool::DefaultThreadCount();
  if (threads_env != nullptr && *threads_env != '\0' && !ParseThreadCount(threads_env, &threads)) {
    *error = "DENDRITE_NUM_THREADS: expected an integer from 1 to " + std::to_string(kMaxThreads) + ", got '" +
             std::string(threads_env) + "'";
    return nullptr;
  }
  backend->kernels = MakeKernelTable(backend->isa);
  backend->pool = std::make_unique<ThreadPool>(threads);
  return backend;
}

}  // namespace dendrite
