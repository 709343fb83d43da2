/* Error reporting for library code: functions return -1 (or NULL) and leave a
 * message here; only cmd/ prints it.  The buffer is per thread so OpenMP
 * workers cannot clobber each other's messages. */
#ifndef SGS_ERROR_H
#define SGS_ERROR_H

#if defined(__GNUC__)
#define SGS_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define SGS_PRINTF(a, b)
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Set the message (printf-style); always returns -1 so callers can
 * `return sgs_error_set(...)`. */
int sgs_error_set(const char *fmt, ...) SGS_PRINTF(1, 2);
/* Prefix the current message with more context: "ctx: old message". */
int sgs_error_prefix(const char *fmt, ...) SGS_PRINTF(1, 2);
/* The last message set on this thread ("" if none). */
const char *sgs_error_get(void);
void sgs_error_clear(void);

#ifdef __cplusplus
}
#endif

#endif
