/* Helpers shared by the tools' main()s: messages prefixed with the tool
 * name and checked number parsing (no atoi).  These print, so only cmd/
 * may call them. */
#ifndef SGS_CLI_H
#define SGS_CLI_H

#include <stdio.h>

#include "sgs_error.h"
#include "sgs_output.h"

/* Exit codes documented in sgs(7). */
enum { SGS_EXIT_OK = 0, SGS_EXIT_FAIL = 1, SGS_EXIT_USAGE = 2, SGS_EXIT_BACKEND = 3 };

void sgs_cli_init(const char *progname);
const char *sgs_cli_name(void);
/* "tool: message\n" on stderr. */
void sgs_warnx(const char *fmt, ...) SGS_PRINTF(1, 2);
/* "tool: message: <library error>\n" on stderr. */
void sgs_warn_lib(const char *fmt, ...) SGS_PRINTF(1, 2);

/* Parse a whole string as a number within [lo, hi]; on failure prints
 * "tool: -X: ..." and returns -1.  `opt` names the option in messages. */
int sgs_parse_long(const char *s, long lo, long hi, const char *opt, long *out);
int sgs_parse_double(const char *s, double lo, double hi, const char *opt, double *out);
/* Comma-separated list of n doubles / of longs (count returned in *n). */
int sgs_parse_doubles(const char *s, int n, const char *opt, double *out);
int sgs_parse_longs(const char *s, long lo, long hi, int max, const char *opt, long *out, int *n);

#endif
