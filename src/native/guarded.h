// Shared by the shim's C entry points: no C++ exception crosses into Rust.
#pragma once

#include <cstdlib>
#include <cstring>
#include <exception>

namespace colorize {

// Runs `body`; nullptr when it returns, else the exception's message (strdup'd), which the
// caller frees with colorize_free_error.
template <class F>
char* guarded(F&& body) {
  try {
    body();
    return nullptr;
  } catch (const std::exception& e) {
    return strdup(e.what());
  } catch (...) {
    return strdup("unknown C++ exception");
  }
}

}  // namespace colorize
