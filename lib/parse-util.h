/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Strict parsers: decimal digits only, no sign, no surrounding space, the whole
 * string consumed, overflow detected. atoi(), bare strtol() and iniparser's typed
 * getters are not used anywhere in corral (iniparser 4.1 reads "042" as 34 and
 * "10G" as 10, and crashes on a section name: CVE-2023-33461).
 * Each returns 0, -EINVAL (malformed) or -ERANGE (out of range) and writes
 * ret only on success.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

int parse_u64(const char *s, uint64_t *ret);
int parse_u32(const char *s, uint32_t *ret);
/* Bytes with an optional binary suffix K, M, G or T (1K = 1024). */
int parse_size(const char *s, uint64_t *ret);
/* "yes"/"no"/"true"/"false", exact and lower case. */
int parse_bool(const char *s, bool *ret);
/* A duration: "5" or "5s" (seconds), "250ms", "2m"; result in milliseconds. */
int parse_duration_ms(const char *s, uint64_t *ret);
/* A uid or gid; (uid_t)-1 is refused (CVE-2019-14287). */
int parse_uid(const char *s, uid_t *ret);
int parse_pid(const char *s, pid_t *ret);
/* Undo the octal escapes of /proc/self/mountinfo (\040 for a space) in place. */
void unescape_octal(char *s);
