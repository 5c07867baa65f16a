/* Recognisers for the variable parts of log text: addresses, ids, emails,
 * host names, tokens. Shared by message fingerprints (which mask them) and
 * redaction (which replaces them with pseudonyms).
 *
 * Each scan_X(s, len) looks at s[0..len) and returns the length of the X that
 * starts exactly at s, or 0 when none does. They never read past len and
 * accept any bytes (invalid UTF-8, NULs). Callers check that the match is not
 * glued to a preceding word character themselves (textscan_boundary()).
 */
#ifndef CASEFILE_TEXTSCAN_H
#define CASEFILE_TEXTSCAN_H

#include <stddef.h>

/* Whether s[-1] (when at > 0) leaves a word boundary before s[at]. */
int textscan_boundary(const char *s, size_t at);

/* 8-4-4-4-12 hex digits. */
size_t scan_uuid(const char *s, size_t len);
/* Dotted quad with each part 0..255, optional ":port". */
size_t scan_ipv4(const char *s, size_t len);
/* IPv6 with "::" or at least 5 colons (so clock times "12:00:00" are not
 * addresses), validated with inet_pton; optional "[...]:port" form and
 * "%zone". */
size_t scan_ipv6(const char *s, size_t len);
/* local@domain.tld */
size_t scan_email(const char *s, size_t len);
/* "0x" followed by hex digits. */
size_t scan_hex0x(const char *s, size_t len);
/* A run of >= minlen hex digits containing at least one decimal digit,
 * ended by a non-word character (commit ids, trace ids, addresses). */
size_t scan_hexrun(const char *s, size_t len, size_t minlen);
/* A DNS name: >= 2 labels ending in a known top-level domain (public ones
 * and internal ones such as "local", "internal", "svc", "cluster"), not a
 * file name ("config.yaml") and not mixed case (Java class names). */
size_t scan_hostname(const char *s, size_t len);
/* Token-like: a run of [A-Za-z0-9+=_.-] of >= 16 bytes with digits and
 * upper- and lower-case letters, or all hex, or >= 32 bytes with digits and
 * letters (API keys, JWTs, session ids). */
size_t scan_token(const char *s, size_t len);

#endif
