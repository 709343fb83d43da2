/*
 * sgs-depth: add depth priors (plane-sweep multi-view stereo between the
 * train views, or external monocular maps) to a scene.  Only the command
 * line exists so far; the computation lands with its own issue.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "sgs_cli.h"
#include "sgs_kernels.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: sgs-depth [-b backend] [-m dir] [-o file] [-S seed] [-v] [scene]\n");
}

/* The backend is settled before any work, as sgs-render does: a
 * misspelt name is a usage error, an unavailable CUDA exits 3. */
static int check_backend(const char *name)
{
	if (sgs_backend_get(name))
		return SGS_EXIT_OK;
	sgs_warnx("-b %s: %s", name, sgs_error_get());
	return strcmp(name, "cuda") == 0 ? SGS_EXIT_BACKEND : SGS_EXIT_USAGE;
}

int main(int argc, char **argv)
{
	const char *backend = "auto";
	long v;
	int ch, rc;
	sgs_cli_init(argv[0]);
	argv[0] = (char *)sgs_cli_name(); /* getopt's own messages then start with the tool name */
	while ((ch = getopt(argc, argv, "b:hm:o:S:v")) != -1) {
		switch (ch) {
		case 'b': backend = optarg; break;
		case 'm': case 'o': case 'v': break;
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
	if ((rc = check_backend(backend)) != SGS_EXIT_OK)
		return rc;
	sgs_warnx("not implemented yet: depth priors arrive in a later release");
	return SGS_EXIT_FAIL;
}
