#include <stdio.h>
#include <unistd.h>

#include "sgs_cli.h"
#include "sgs_progress.h"

void sgs_progress_start(struct sgs_progress *p, const char *what, uint32_t total, int enable)
{
	p->on = enable && isatty(STDERR_FILENO);
	p->shown = 0;
	p->total = total;
	p->what = what;
}

void sgs_progress_step(struct sgs_progress *p, uint32_t done, const char *name)
{
	if (!p->on)
		return;
	/* \r and erase-to-end: a shorter line leaves nothing of the last */
	fprintf(stderr, "\r%s: %s %u/%u%s%s\033[K", sgs_cli_name(), p->what, done, p->total,
		name ? " " : "", name ? name : "");
	fflush(stderr);
	p->shown = 1;
}

void sgs_progress_clear(struct sgs_progress *p)
{
	if (p->shown)
		fputs("\r\033[K", stderr);
	p->shown = 0;
}

void sgs_progress_end(struct sgs_progress *p)
{
	if (p->shown)
		fputc('\n', stderr);
	p->shown = 0;
}
