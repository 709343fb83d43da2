/* -b for the tools that compute (sgs-depth, sgs-train, sgs-render).  A
 * header rather than a libcommon function because it calls the kernels,
 * a floor above libcommon, and exits, which only cmd/ may do; each tool
 * is linked from its own object alone, so it cannot be a cmd/ .c file. */
#ifndef SGS_BACKEND_OPT_H
#define SGS_BACKEND_OPT_H

#include <stdlib.h>
#include <string.h>

#include "sgs_cli.h"
#include "sgs_kernels.h"

/* The backend that -b names, settled before any work (sgs(7)).  A name
 * other than auto, cpu and cuda is a usage error: the message, then the
 * tool's usage(), which exits 2.  A backend asked for that this build or
 * machine lacks exits 3; nothing runs on another one instead. */
static inline const struct sgs_backend *sgs_backend_opt(const char *name, void (*usage)(void))
{
	const struct sgs_backend *be = sgs_backend_get(name);
	if (be)
		return be;
	if (strcmp(name, "auto") != 0 && strcmp(name, "cpu") != 0 && strcmp(name, "cuda") != 0) {
		sgs_cli_fail("-b");
		usage();
		exit(SGS_EXIT_USAGE); /* not reached: usage() exits */
	}
	sgs_cli_fail("-b %s", name);
	exit(SGS_EXIT_BACKEND);
}

#endif
