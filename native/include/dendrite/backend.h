// The per-instance backend: the CPU's ISAs, the chosen kernel table and the thread pool.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "dendrite/kernels.h"
#include "dendrite/thread_pool.h"

namespace dendrite {

// The ISAs this CPU (and OS) can run, detected by feature bits, best last.
std::vector<Isa> AvailableIsas();
// Parses "scalar" | "avx2" | "avx512" | "neon"; false for anything else.
bool ParseIsa(const std::string& name, Isa* isa);
// The table for `isa`: reference kernels first, then that ISA's overrides.
KernelTable MakeKernelTable(Isa isa);

struct Backend {
  Isa isa;
  std::vector<Isa> available;
  KernelTable kernels;
  std::unique_ptr<ThreadPool> pool;
};

// Builds a backend from the environment (DENDRITE_ISA, DENDRITE_NUM_THREADS). On a bad value,
// returns null and sets *error to a message naming the variable, the value and what is allowed.
std::unique_ptr<Backend> CreateBackend(const char* isa_env, const char* threads_env, std::string* error);

// Parses a thread count in [1, kMaxThreads]; false otherwise.
constexpr int kMaxThreads = 1024;
bool ParseThreadCount(const char* text, int* threads);

}  // namespace dendrite
