/*
 * sgs-init: import a posed capture (COLMAP, Blender, instant-ngp, LLFF,
 * DTU, or the built-in synthetic scene) into a scene file, choosing the
 * train/test views by a sparse-view protocol; or print a scene's summary.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sgs_cli.h"
#include "sgs_colmap_export.h"
#include "sgs_import.h"
#include "sgs_points.h"
#include "sgs_scene.h"
#include "sgs_synthetic.h"

#define MAX_TRAIN 4096

enum { OPT_POINTS = 256, OPT_EXPORT_COLMAP };

static const char synopsis[] =
	"usage: sgs-init [-av] [-B white|black|r,g,b] [-f format] [-n views] [-o file]\n"
	"                [-p llff|blender|dtu|all] [-r factor] [-t id,...]\n"
	"                [--points file.ply] dir\n"
	"       sgs-init -f synthetic [-v] [-n train] [-N views] [-W width] [-H height] [-S seed]\n"
	"                [-o file] [--points file.ply]\n"
	"       sgs-init -i [scene]\n"
	"       sgs-init -x dir [-v] [scene]\n";

struct init_args {
	struct sgs_import_opts io;
	struct sgs_synthetic_opts so;
	long train_ids[MAX_TRAIN];
	const char *out;
	const char *points;     /* --points: seed points from this PLY file */
	const char *export_dir; /* -x: write the scene as a COLMAP model there */
	int info, synthetic, verbose;
	/* The last option seen of each kind, to refuse those that do not
	 * apply to the mode (import, -f synthetic, -i) instead of ignoring them. */
	int import_opt, synth_opt, write_opt;
};

static void help(void)
{
	fputs(synopsis, stdout);
	printf("\n"
	       "  -f format    colmap, blender, ngp, llff, dtu or synthetic (default: detect)\n"
	       "  -p protocol  llff, blender, dtu or all: which views train and test\n"
	       "  -n views     number of train views (protocol default otherwise)\n"
	       "  -t ids       explicit train view indices, comma-separated\n"
	       "  -r factor    downscale images by an integer factor (llff: use images_N)\n"
	       "  -B colour    background: white, black or r,g,b in [0,1] (default: white for\n"
	       "               RGBA images, black for opaque photographs)\n"
	       "  -a           keep the alpha channel instead of compositing\n"
	       "  -o file      write the scene here instead of stdout\n"
	       "  -i           print a summary of an existing scene\n"
	       "  -x dir       write an existing scene as a COLMAP text model (sparse/0/*.txt,\n"
	       "               images/*.png) into dir, a new folder (--export-colmap)\n"
	       "  -v           report what --points found, or what -x wrote, on stderr\n"
	       "  --points file  seed points from a PLY point cloud, replacing the capture's\n"
	       "  -W, -H, -N, -S  synthetic scene width, height, view count, seed\n"
	       "  -h           this help\n");
}

/* A usage error: its message is out, the synopsis follows. */
static _Noreturn void usage(void)
{
	fputs(synopsis, stderr);
	exit(SGS_EXIT_USAGE);
}

static const char *split_word(uint32_t s)
{
	return s == SGS_SPLIT_TRAIN ? "train" : s == SGS_SPLIT_TEST ? "test" : "-";
}

static void print_summary(const char *name, const struct sgs_scene *s)
{
	uint32_t nmask = 0, ndgt = 0, ndpri = 0, nimg = 0;
	for (uint32_t i = 0; i < s->nviews; i++) {
		const struct sgs_view *v = &s->views[i];
		nimg += v->image.data != NULL;
		nmask += v->mask != NULL;
		ndgt += v->depth_gt != NULL;
		ndpri += v->depth_prior != NULL;
	}
	printf("scene       %s\n", name);
	printf("source      %s\n", s->source[0] ? s->source : "-");
	printf("protocol    %s\n", s->protocol[0] ? s->protocol : "-");
	printf("views       %u (%u train, %u test)\n", s->nviews, sgs_scene_count(s, SGS_SPLIT_TRAIN),
	       sgs_scene_count(s, SGS_SPLIT_TEST));
	printf("background  %g %g %g\n", s->background[0], s->background[1], s->background[2]);
	printf("seed points %llu\n", (unsigned long long)s->nseeds);
	printf("chunks      HEAD 1, VIEW %u, IMAG %u, MASK %u, DGT %u, DPRI %u, SEED %u",
	       s->nviews, nimg, nmask, ndgt, ndpri, s->nseeds > 0);
	for (uint32_t i = 0; i < s->nextra; i++)
		printf(", %.4s (%llu bytes, kept)", s->extra[i].tag, (unsigned long long)s->extra[i].length);
	printf("\n\n");
	printf("%4s  %-20s %-5s %5s %9s %10s %10s %9s %9s %9s %9s %s\n", "#", "name", "split", "id",
	       "size", "fx", "fy", "cx", "cy", "near", "far", "data");
	for (uint32_t i = 0; i < s->nviews; i++) {
		const struct sgs_view *v = &s->views[i];
		char size[24];
		snprintf(size, sizeof size, "%ux%u", v->cam.w, v->cam.h);
		printf("%4u  %-20s %-5s %5u %9s %10.3f %10.3f %9.3f %9.3f %9.4g %9.4g %s%s%s%s\n", i,
		       v->name, split_word(v->split), v->id, size, v->cam.fx, v->cam.fy, v->cam.cx,
		       v->cam.cy, v->near, v->far,
		       v->image.data ? (v->image.c == 4 ? "rgba" : "rgb") : "-", v->mask ? ",mask" : "",
		       v->depth_gt ? ",depth" : "", v->depth_prior ? ",prior" : "");
	}
}

static int summarize(const char *path)
{
	struct sgs_scene s;
	const char *name = strcmp(path, "-") == 0 ? "<stdin>" : path;
	/* A scene the other tools refuse is refused here too, not summarised
	 * as if it were fine. */
	if (sgs_cli_load_scene(path, &s) != 0)
		return SGS_EXIT_FAIL;
	print_summary(name, &s);
	sgs_scene_free(&s);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		sgs_warnx("<stdout>: write error");
		return SGS_EXIT_FAIL;
	}
	return SGS_EXIT_OK;
}

static int parse_background(const char *arg, float bg[3])
{
	double v[3];
	if (strcmp(arg, "white") == 0) {
		bg[0] = bg[1] = bg[2] = 1.f;
		return 0;
	}
	if (strcmp(arg, "black") == 0) {
		bg[0] = bg[1] = bg[2] = 0.f;
		return 0;
	}
	if (sgs_parse_doubles(arg, 3, "-B", v) != 0)
		return -1;
	for (int i = 0; i < 3; i++) {
		if (v[i] < 0 || v[i] > 1) {
			sgs_warnx("-B: colour components must lie in [0, 1]");
			return -1;
		}
		bg[i] = (float)v[i];
	}
	return 0;
}

/* -t: an id given twice is a malformed list, known before any file is read. */
static int check_unique(const long *ids, int n)
{
	for (int k = 1; k < n; k++)
		for (int j = 0; j < k; j++)
			if (ids[j] == ids[k]) {
				sgs_warnx("-t: view id %ld given twice", ids[k]);
				return -1;
			}
	return 0;
}

/* A valid option given where it has no meaning: a usage error. */
static _Noreturn void misplaced(int opt, const char *mode)
{
	if (opt == OPT_POINTS)
		sgs_warnx("--points: not used with %s", mode);
	else
		sgs_warnx("-%c: not used with %s", opt, mode);
	usage();
}

/* The options, then the operands and options that the mode allows. */
static void parse_args(int argc, char **argv, struct init_args *a)
{
	static const struct option longopts[] = {
		{"help", no_argument, NULL, 'h'},
		{"points", required_argument, NULL, OPT_POINTS},
		{"export-colmap", required_argument, NULL, 'x'},
		{NULL, 0, NULL, 0},
	};
	long v;
	int ch;
	while ((ch = sgs_cli_getopt(argc, argv, "aB:f:hH:in:N:o:p:r:S:t:vW:x:", longopts)) != -1) {
		if (ch < 256 && strchr("aBprt", ch))
			a->import_opt = ch;
		else if (ch < 256 && strchr("WHNS", ch))
			a->synth_opt = ch;
		else if (ch == OPT_POINTS || (ch < 256 && strchr("fno", ch)))
			a->write_opt = ch;
		switch (ch) {
		case 'a': a->io.keep_alpha = 1; break;
		case 'B':
			a->io.background_set = 1;
			if (parse_background(optarg, a->io.background) != 0)
				usage();
			break;
		case 'f':
			if (strcmp(optarg, "synthetic") != 0 && !sgs_import_format_known(optarg)) {
				sgs_warnx("-f: unknown format '%s' (expected colmap, blender, ngp, llff, "
					  "dtu or synthetic)", optarg);
				usage();
			}
			a->io.format = optarg;
			break;
		case 'h': help(); exit(SGS_EXIT_OK);
		case 'i': a->info = 1; break;
		case 'n':
			if (sgs_parse_long(optarg, 1, 100000, "-n", &v) != 0)
				usage();
			a->io.nviews = (int)v;
			a->so.ntrain = (uint32_t)v;
			break;
		case 'o': a->out = optarg; break;
		case 'v': a->verbose = 1; break;
		case 'x':
			if (!*optarg) {
				sgs_warnx("-x: an empty folder name");
				usage();
			}
			a->export_dir = optarg;
			break;
		case OPT_POINTS: a->points = optarg; break;
		case 'p':
			if (!sgs_protocol_known(optarg)) {
				sgs_warnx("-p: unknown protocol '%s' (expected llff, blender, dtu or all)",
					  optarg);
				usage();
			}
			a->io.protocol = optarg;
			break;
		case 'r':
			if (sgs_parse_long(optarg, 1, 64, "-r", &v) != 0)
				usage();
			a->io.downscale = (uint32_t)v;
			break;
		case 't':
			if (sgs_parse_longs(optarg, 0, 10000000, MAX_TRAIN, "-t", a->train_ids,
					    &a->io.ntrain) != 0 || check_unique(a->train_ids, a->io.ntrain) != 0)
				usage();
			a->io.train_ids = a->train_ids;
			break;
		case 'W': case 'H': case 'N':
			if (sgs_parse_long(optarg, ch == 'N' ? 1 : 8, ch == 'N' ? 1000 : 8192,
					   ch == 'W' ? "-W" : ch == 'H' ? "-H" : "-N", &v) != 0)
				usage();
			*(ch == 'W' ? &a->so.width : ch == 'H' ? &a->so.height : &a->so.nviews) = (uint32_t)v;
			break;
		case 'S':
			if (sgs_parse_long(optarg, 0, 2147483647L, "-S", &v) != 0)
				usage();
			a->so.seed = (uint64_t)v;
			break;
		default: usage();
		}
	}

	if (a->info || a->export_dir) {
		const char *mode = a->info ? "-i" : "-x";
		int other = a->import_opt ? a->import_opt : a->synth_opt ? a->synth_opt : a->write_opt;
		if (a->info && a->export_dir)
			misplaced('x', "-i");
		/* -x reports what it wrote with -v; -i has nothing more to say. */
		if (!other && a->info && a->verbose)
			other = 'v';
		if (other)
			misplaced(other, mode);
		if (sgs_cli_operands(argc, argv, 0, 1) != 0)
			usage();
		return;
	}
	a->synthetic = a->io.format && strcmp(a->io.format, "synthetic") == 0;
	if (a->synthetic && a->import_opt)
		misplaced(a->import_opt, "-f synthetic");
	if (!a->synthetic && a->synth_opt)
		misplaced(a->synth_opt, "a dataset import (it is for -f synthetic)");
	if (sgs_cli_operands(argc, argv, !a->synthetic, !a->synthetic) != 0)
		usage();
	/* As sgs-train, sgs-render and sgs-depth refuse: binary on a
	 * terminal is garbage and can upset it. */
	if ((!a->out || strcmp(a->out, "-") == 0) && isatty(STDOUT_FILENO)) {
		sgs_warnx("refusing to write a binary scene to a terminal; use -o file");
		usage();
	}
	if (a->synthetic && a->so.ntrain >= a->so.nviews) {
		sgs_warnx("-n %u: must be below the %u views of -N, so that a view is left to test",
			  a->so.ntrain, a->so.nviews);
		usage();
	}
}

/* Make the scene: the built-in one, or an import of `dir`. */
static int make_scene(const struct init_args *a, const char *dir, struct sgs_scene *s)
{
	if (a->synthetic)
		return sgs_synthetic_scene(&a->so, s);
	return sgs_import(dir, &a->io, s);
}

/* --points: the file's points replace the seeds, once at least one of them
 * is in view of a train camera (points in another coordinate frame, the
 * usual mistake, are seen by none). */
static int use_points(const struct init_args *a, struct sgs_points *pts, struct sgs_scene *s)
{
	const char *name = strcmp(a->points, "-") == 0 ? "<stdin>" : a->points;
	unsigned long long n = pts->n, seen = sgs_points_seen(pts, s);
	if (pts->nonfinite)
		sgs_warnx("%s: skipped %llu %s with a non-finite coordinate", name,
			  (unsigned long long)pts->nonfinite, pts->nonfinite == 1 ? "vertex" : "vertices");
	if (seen == 0) {
		sgs_warnx("%s: %llu point%s, none in view of a train camera (in front of it and "
			  "inside its image); are they in the scene's world coordinates?", name, n,
			  n == 1 ? "" : "s");
		return -1;
	}
	if (a->verbose || isatty(STDERR_FILENO))
		fprintf(stderr, "%s: %s: %llu seed point%s%s, %.1f%% in view of a train camera\n",
			sgs_cli_name(), name, n, n == 1 ? "" : "s",
			pts->has_colour ? "" : " (no colour: grey)", 100.0 * (double)seen / (double)n);
	sgs_points_to_seeds(pts, s);
	return 0;
}

/* The scene with its seeds; a --points file is read first, so that a bad
 * one fails before a long import. */
static int build_scene(const struct init_args *a, const char *dir, struct sgs_scene *s)
{
	struct sgs_points pts;
	sgs_points_init(&pts);
	if (a->points && sgs_points_load(a->points, &pts) != 0)
		return sgs_cli_fail(NULL);
	if (make_scene(a, dir, s) != 0) {
		sgs_points_free(&pts);
		return sgs_cli_fail(NULL);
	}
	if (a->points && use_points(a, &pts, s) != 0) {
		sgs_points_free(&pts);
		sgs_scene_free(s);
		return SGS_EXIT_FAIL;
	}
	return SGS_EXIT_OK;
}

/* The output is opened before the work starts, so an unwritable -o fails
 * fast; it appears under its name only once complete. */
static int build_and_write(const struct init_args *a, const char *dir)
{
	const char *out = a->out && strcmp(a->out, "-") != 0 ? a->out : "<stdout>";
	struct sgs_output o;
	struct sgs_scene s;
	if (sgs_output_open(&o, a->out) != 0)
		return sgs_cli_fail(NULL);
	int rc = build_scene(a, dir, &s);
	if (rc != SGS_EXIT_OK) {
		sgs_output_abort(&o);
		return rc;
	}
	rc = sgs_scene_write(o.f, &s);
	sgs_scene_free(&s);
	if (rc != 0) {
		sgs_output_abort(&o);
		return sgs_cli_fail("%s", out);
	}
	if (sgs_output_commit(&o) != 0)
		return sgs_cli_fail(NULL);
	return SGS_EXIT_OK;
}

/* -x: an existing scene as a COLMAP text model in a new folder. */
static int export_colmap(const struct init_args *a, const char *path)
{
	struct sgs_colmap_export_stats st;
	struct sgs_scene s;
	if (sgs_cli_load_scene(path, &s) != 0)
		return SGS_EXIT_FAIL;
	int rc = sgs_colmap_export(&s, a->export_dir, &st);
	sgs_scene_free(&s);
	if (rc != 0)
		return sgs_cli_fail("%s", strcmp(path, "-") == 0 ? "<stdin>" : path);
	if (a->verbose)
		fprintf(stderr, "%s: %s: %u images, %llu points, %llu observations\n", sgs_cli_name(),
			a->export_dir, st.nimages, (unsigned long long)st.npoints,
			(unsigned long long)st.nobservations);
	return SGS_EXIT_OK;
}

/* The importer's warnings, as the tool's messages. */
static void warn_line(const char *message) { sgs_warnx("%s", message); }

int main(int argc, char **argv)
{
	static struct init_args a; /* the -t list is large */

	sgs_cli_init(argv[0]);
	sgs_synthetic_defaults(&a.so);
	a.io.downscale = 0; /* protocol default */
	a.io.background[0] = a.io.background[1] = a.io.background[2] = 1.f;
	a.io.warn = warn_line;
	parse_args(argc, argv, &a);
	if (a.info)
		return summarize(optind < argc ? argv[optind] : "-");
	if (a.export_dir)
		return export_colmap(&a, optind < argc ? argv[optind] : "-");
	return build_and_write(&a, a.synthetic ? NULL : argv[optind]);
}
