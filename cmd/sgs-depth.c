/*
 * sgs-depth: add depth priors (plane-sweep multi-view stereo between the
 * train views, or external monocular maps) to a scene.  Only the command
 * line exists so far; the computation lands with its own issue.
 */
#include <stdio.h>
#include <stdlib.h>

#include "sgs_backend_opt.h"
#include "sgs_cli.h"

struct depth_args {
	const char *backend;
};

static const char synopsis[] =
	"usage: sgs-depth [-v] [-b backend] [-m dir] [-o file] [-S seed] [scene]\n";

static void help(void)
{
	fputs(synopsis, stdout);
	printf("\n  -b backend  auto, cpu or cuda\n"
	       "  -m dir      monocular depth maps (TIFF or 16-bit PNG) named after the views\n"
	       "  -o file     output scene (default stdout)\n"
	       "  -S seed     random seed\n  -v          progress on stderr\n");
}

/* A usage error: its message is out, the synopsis follows. */
static _Noreturn void usage(void)
{
	fputs(synopsis, stderr);
	exit(SGS_EXIT_USAGE);
}

static void parse_args(int argc, char **argv, struct depth_args *a)
{
	static const struct option longopts[] = {
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	long v;
	int ch;
	while ((ch = sgs_cli_getopt(argc, argv, "b:hm:o:S:v", longopts)) != -1) {
		switch (ch) {
		case 'b': a->backend = optarg; break;
		case 'm': case 'o': case 'v': break;
		case 'S':
			if (sgs_parse_long(optarg, 0, 2147483647L, "-S", &v) != 0)
				usage();
			break;
		case 'h': help(); exit(SGS_EXIT_OK);
		default: usage();
		}
	}
	if (sgs_cli_operands(argc, argv, 0, 1) != 0)
		usage();
}

int main(int argc, char **argv)
{
	struct depth_args a = {.backend = "auto"};
	sgs_cli_init(argv[0]);
	parse_args(argc, argv, &a);
	/* Settled before any work, as the other tools do. */
	sgs_backend_opt(a.backend, usage);
	sgs_warnx("not implemented yet: depth priors arrive in a later release");
	return SGS_EXIT_FAIL;
}
