/*
 * sgs-render: render a splat file from a scene's views or a camera path.
 * Placeholder command line until the rasterizer lands.
 */
#include <getopt.h>
#include <stdio.h>

#include "sgs_cli.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: sgs-render [-adv] [-b backend] [-B r,g,b] [-o dir] [-p orbit|spiral] [-N frames]\n"
		   "                  [-r factor] [-s train|test|all] [-W width] [-H height] scene splat\n");
}

int main(int argc, char **argv)
{
	int ch;
	sgs_cli_init(argv[0]);
	while ((ch = getopt(argc, argv, "ab:B:dhH:N:o:p:r:s:vW:")) != -1) {
		switch (ch) {
		case 'h': usage(stdout); return SGS_EXIT_OK;
		case '?': usage(stderr); return SGS_EXIT_USAGE;
		default: break;
		}
	}
	if (argc - optind != 2) {
		usage(stderr);
		return SGS_EXIT_USAGE;
	}
	sgs_warnx("not implemented yet: the rasterizer arrives in a later release");
	return SGS_EXIT_FAIL;
}
