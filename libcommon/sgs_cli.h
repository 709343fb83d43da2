/* The command-line dialect all five tools share (sgs(7)): messages start
 * with the tool's name, option errors read like OpenBSD getopt's, numbers
 * are parsed whole and range-checked (no atoi), library errors are
 * reported one way.  These print, so only cmd/ may call them; none exits:
 * the tool decides the exit status (SGS_EXIT_*) and prints its usage. */
#ifndef SGS_CLI_H
#define SGS_CLI_H

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>

#include "sgs_error.h"
#include "sgs_output.h"

/* Exit codes documented in sgs(7). */
enum { SGS_EXIT_OK = 0, SGS_EXIT_FAIL = 1, SGS_EXIT_USAGE = 2, SGS_EXIT_BACKEND = 3 };

/* Name every message after argv[0]'s last component, and silence getopt:
 * sgs_cli_getopt() reports option errors itself. */
void sgs_cli_init(const char *argv0);
/* Make the tool's OpenMP threads sleep while they wait for work instead
 * of spinning (OMP_WAIT_POLICY=PASSIVE) unless the environment already
 * says: libgomp reads the variable once, as it loads, so the tool sets it
 * and runs itself again (once; if that fails it goes on as it is).
 * Spinning took 7 % of a training run's cycles next to another job on a
 * two-core machine and gained nothing measurable alone. */
void sgs_cli_passive_threads(char **argv);

/* bytes for a message, in buf: "4.6 TiB", "22.8 GiB", "512.0 KiB", "12 bytes". */
const char *sgs_human_bytes(uint64_t bytes, char *buf, size_t n);

/* 0 when path is a folder; else -1 with "tool: path: why" on stderr. */
int sgs_cli_check_dir(const char *path);
/* 1 when paths a and b name one file, existing or to be made ("out.ply"
 * and "./out.ply"); "-" (a stream) and NULL name none. */
int sgs_cli_same_file(const char *a, const char *b);

struct sgs_scene;
/* Every tool reads scenes through these, so that all refuse the same
 * scenes (sgs_scene_validate) with "tool: file: problem".
 * Validate a scene read from `name`: 0, or the exit status after the
 * message, the scene freed. */
int sgs_cli_check_scene(const char *name, struct sgs_scene *scene);
/* Load and validate the scene at path ("-": stdin): 0, or the exit status
 * after the message (nothing to free). */
int sgs_cli_load_scene(const char *path, struct sgs_scene *scene);
/* The same, insisting on train views. */
int sgs_cli_load_train_scene(const char *path, struct sgs_scene *scene);
const char *sgs_cli_name(void);

/* getopt_long() in the tools' dialect; optstring without a leading ':'.
 * A bad option is reported and returned as '?', for the caller's usage():
 *	tool: unknown option -- q
 *	tool: option requires an argument -- n
 *	tool: unknown option -- bogus           (--bogus)
 *	tool: ambiguous option -- r             (--r: --random-bg or --resume?)
 *	tool: option doesn't take an argument -- mcmc   (--mcmc=1)
 * Options that are only long take values >= 256: a letter's value would
 * make "--name=x" look like a short option. */
int sgs_cli_getopt(int argc, char *const argv[], const char *optstring,
		   const struct option *longopts);

/* The operands left after the options, argv[optind..argc-1], number
 * between min and max; otherwise "tool: missing operand" or "tool: extra
 * operand 'x'" and -1, for the caller's usage(). */
int sgs_cli_operands(int argc, char *const argv[], int min, int max);

/* "tool: message\n" on stderr. */
void sgs_warnx(const char *fmt, ...) SGS_PRINTF(1, 2);

/* The library's last error (sgs_error_get()) on stderr: "tool: context:
 * error", or "tool: error" when fmt is NULL because the message names its
 * file already.  Returns SGS_EXIT_FAIL. */
int sgs_cli_fail(const char *fmt, ...) SGS_PRINTF(1, 2);

/* Parse a whole string as a number within [lo, hi]; on failure prints
 * "tool: -X: ..." and returns -1.  `opt` names the option in messages. */
int sgs_parse_long(const char *s, long lo, long hi, const char *opt, long *out);
int sgs_parse_double(const char *s, double lo, double hi, const char *opt, double *out);
/* Comma-separated list of n doubles / of longs (count returned in *n). */
int sgs_parse_doubles(const char *s, int n, const char *opt, double *out);
int sgs_parse_longs(const char *s, long lo, long hi, int max, const char *opt, long *out, int *n);

#endif
