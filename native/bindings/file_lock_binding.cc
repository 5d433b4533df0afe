// tryLockFile(fd) / unlockFile(fd): an exclusive advisory lock on an open file, for the per-folder
// lock of model.save (lib/io/folder-lock.ts). The operating system drops the lock when the process
// ends, however it ends (kill -9 included), so a killed holder never leaves a folder locked.
// Non-blocking: a waiter polls from JavaScript instead of holding a thread of libuv's pool.
#include <cerrno>
#include <cstring>
#include <string>

#ifdef _WIN32
#include <uv.h>
#include <windows.h>
#else
#include <sys/file.h>
#endif

#include "bindings/binding.h"

namespace dendrite::binding {
namespace {

constexpr int64_t kMaxFd = 0x7fffffff;

#ifdef _WIN32
HANDLE HandleOf(Napi::Env env, const char* function, int fd) {
  HANDLE handle = reinterpret_cast<HANDLE>(uv_get_osfhandle(fd));
  if (handle == INVALID_HANDLE_VALUE) ThrowValueError(env, std::string(function) + ": fd " + std::to_string(fd) + " is not an open file");
  return handle;
}
#endif

[[noreturn]] void ThrowSystemError(Napi::Env env, const char* function, int fd, int error) {
  ThrowNativeError(env, std::string(function) + ": fd " + std::to_string(fd) + ": " + std::strerror(error));
}

// tryLockFile(fd) -> true when the lock is taken, false when another open file holds it.
Napi::Value TryLockFile(const Napi::CallbackInfo& info) {
  Args args(info, "tryLockFile", 1);
  const int fd = static_cast<int>(args.Integer(0, "fd", 0, kMaxFd));
#ifdef _WIN32
  OVERLAPPED whole = {};
  if (LockFileEx(HandleOf(info.Env(), "tryLockFile", fd), LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &whole)) {
    return Napi::Boolean::New(info.Env(), true);
  }
  const DWORD error = GetLastError();
  if (error == ERROR_LOCK_VIOLATION || error == ERROR_IO_PENDING) return Napi::Boolean::New(info.Env(), false);
  ThrowNativeError(info.Env(), "tryLockFile: fd " + std::to_string(fd) + ": LockFileEx failed with error " + std::to_string(error));
#else
  for (;;) {
    if (flock(fd, LOCK_EX | LOCK_NB) == 0) return Napi::Boolean::New(info.Env(), true);
    if (errno == EWOULDBLOCK) return Napi::Boolean::New(info.Env(), false);
    if (errno != EINTR) ThrowSystemError(info.Env(), "tryLockFile", fd, errno);
  }
#endif
}

// unlockFile(fd): releases the lock (closing the file releases it too).
Napi::Value UnlockFile(const Napi::CallbackInfo& info) {
  Args args(info, "unlockFile", 1);
  const int fd = static_cast<int>(args.Integer(0, "fd", 0, kMaxFd));
#ifdef _WIN32
  OVERLAPPED whole = {};
  if (!UnlockFileEx(HandleOf(info.Env(), "unlockFile", fd), 0, 1, 0, &whole)) {
    ThrowNativeError(info.Env(), "unlockFile: fd " + std::to_string(fd) + ": UnlockFileEx failed with error " + std::to_string(GetLastError()));
  }
#else
  while (flock(fd, LOCK_UN) != 0) {
    if (errno != EINTR) ThrowSystemError(info.Env(), "unlockFile", fd, errno);
  }
#endif
  return info.Env().Undefined();
}

}  // namespace

void RegisterFileLock(Napi::Env env, Napi::Object exports) {
  exports.Set("tryLockFile", Napi::Function::New(env, TryLockFile, "tryLockFile"));
  exports.Set("unlockFile", Napi::Function::New(env, UnlockFile, "unlockFile"));
}

}  // namespace dendrite::binding
