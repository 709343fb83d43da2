/* Progress of long work through a list (frames, views) as one counter
 * line on stderr, rewritten in place: "tool: what 3/10 NAME".  Shown
 * only when stderr is a terminal (sgs(7)), so logs and the tests' stderr
 * stay as they are.  It prints: only cmd/ may call these. */
#ifndef SGS_PROGRESS_H
#define SGS_PROGRESS_H

#include <stdint.h>

struct sgs_progress {
	int on;          /* stderr is a terminal */
	int shown;       /* a counter line is on the screen */
	uint32_t total;
	const char *what;
};

/* on: isatty(stderr) and `enable`, which the tool's own wishes decide
 * (off where -v prints a line per item already). */
void sgs_progress_start(struct sgs_progress *p, const char *what, uint32_t total, int enable);
/* Item `done` of total (1-based) is under way, or finished; name may be NULL. */
void sgs_progress_step(struct sgs_progress *p, uint32_t done, const char *name);
/* Erase the counter before another line goes to stderr. */
void sgs_progress_clear(struct sgs_progress *p);
/* Leave the last counter on its own line. */
void sgs_progress_end(struct sgs_progress *p);

#endif
