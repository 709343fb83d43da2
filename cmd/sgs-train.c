/*
 * sgs-train: optimise Gaussians for a scene's train views and write a
 * splat file.  Only the command line exists so far; the optimiser lands
 * with its own issue.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "sgs_cli.h"
#include "sgs_kernels.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: sgs-train [-v] [-b backend] [-c every] [-I seeds|random] [-l log] [-n iterations]\n"
		   "                 [-N count] [-o file] [-S seed] [--resume file] [--sh degree] [scene]\n");
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
	static const struct option longopts[] = {
		{"resume", required_argument, NULL, 'R'},
		{"sh", required_argument, NULL, 'D'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *backend = "auto";
	long v;
	int ch, rc;
	sgs_cli_init(argv[0]);
	argv[0] = (char *)sgs_cli_name(); /* getopt's own messages then start with the tool name */
	while ((ch = getopt_long(argc, argv, "b:c:hI:l:n:N:o:S:v", longopts, NULL)) != -1) {
		switch (ch) {
		case 'b': backend = optarg; break;
		case 'I':
			if (strcmp(optarg, "seeds") != 0 && strcmp(optarg, "random") != 0) {
				sgs_warnx("-I: unknown initialisation '%s' (expected seeds or random)", optarg);
				return SGS_EXIT_USAGE;
			}
			break;
		case 'l': case 'o': case 'R': case 'v': break;
		case 'c': case 'n': case 'N':
			if (sgs_parse_long(optarg, 1, 100000000L, ch == 'c' ? "-c" : ch == 'n' ? "-n" : "-N", &v) != 0)
				return SGS_EXIT_USAGE;
			break;
		case 'D':
			if (sgs_parse_long(optarg, 0, 3, "--sh", &v) != 0)
				return SGS_EXIT_USAGE;
			break;
		case 'S':
			if (sgs_parse_long(optarg, 0, 2147483647L, "-S", &v) != 0)
				return SGS_EXIT_USAGE;
			break;
		case 'h':
			usage(stdout);
			printf("\n  -b backend     auto, cpu or cuda\n"
			       "  -c every       checkpoint every N iterations\n"
			       "  -I init        seeds (scene's seed points) or random\n"
			       "  -l log         TSV training log\n"
			       "  -n iterations  default 30000\n"
			       "  -N count       random initial Gaussians\n"
			       "  -o file        output PLY (default stdout)\n"
			       "  -S seed        random seed\n"
			       "  --resume file  continue from a checkpoint\n"
			       "  --sh degree    maximum SH degree (0-3, default 3)\n"
			       "  -v             progress lines even when stderr is not a terminal\n");
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
	sgs_warnx("not implemented yet: the optimiser arrives in a later release");
	return SGS_EXIT_FAIL;
}
