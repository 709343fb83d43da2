/*
 * sgs-depth: add depth priors (plane-sweep multi-view stereo between the
 * train views, or external monocular maps) to a scene.  Only the command
 * line exists so far; the computation lands with its own issue.
 */
#include <getopt.h>
#include <stdio.h>

#include "sgs_cli.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: sgs-depth [-b backend] [-m dir] [-o file] [-S seed] [-v] [scene]\n");
}

int main(int argc, char **argv)
{
	long v;
	int ch;
	sgs_cli_init(argv[0]);
	while ((ch = getopt(argc, argv, "b:hm:o:S:v")) != -1) {
		switch (ch) {
		case 'b': case 'm': case 'o': case 'v': break;
		case 'S':
			if (sgs_parse_long(optarg, 0, 2147483647L, "-S", &v) != 0)
				return SGS_EXIT_USAGE;
			break;
		case 'h':
			usage(stdout);
			printf("\n  -b backend  auto, cpu or cuda\n"
			       "  -m dir      monocular depth maps (TIFF or 16-bit PNG) named after the views\n"
			       "  -o file     output scene (default stdout)\n"
			       "  -S seed     random seed\n  -v          progress on stderr\n");
			return SGS_EXIT_OK;
		default: usage(stderr); return SGS_EXIT_USAGE;
		}
	}
	if (argc - optind > 1) {
		usage(stderr);
		return SGS_EXIT_USAGE;
	}
	sgs_warnx("not implemented yet: depth priors arrive in a later release");
	return SGS_EXIT_FAIL;
}
