/* C++ (Itanium ABI) function names made readable for the reports, at
 * analysis time: the bundle keeps the mangled name the capture read (the
 * capture, next to a hostile target, runs no demangler).
 *
 * A small, bounded demangler of our own rather than __cxa_demangle: it
 * writes the qualified name only ("v8::internal::JSReceiver::GetCreationContext",
 * template arguments as "<…>", parameters left out), never expands
 * substitutions, reads each input byte at most a bounded number of times
 * (input at most DEMANGLE_IN_MAX bytes, nesting at most 64) and writes at
 * most DEMANGLE_OUT_MAX bytes. What it does not understand it leaves
 * mangled. Fuzzed by tests/fuzz/fuzz_analyze_demangle.c. */
#ifndef CASEFILE_ANALYZE_DEMANGLE_H
#define CASEFILE_ANALYZE_DEMANGLE_H

#include <stddef.h>

#define DEMANGLE_IN_MAX 2048
#define DEMANGLE_OUT_MAX 512

/* Writes the readable name of the mangled NAME ("_Z...") into OUT (LEN
 * bytes, NUL-terminated). Returns 0, or -1 (OUT untouched but for a NUL)
 * when NAME is not a mangled name this demangler reads. */
int demangle(const char *name, char *out, size_t len);

/* NAME demangled (malloc'd), or a copy of NAME when it is not mangled or not
 * understood; NULL only when out of memory or NAME is NULL. */
char *demangle_dup(const char *name);

#endif
