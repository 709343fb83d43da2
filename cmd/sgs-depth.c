/*
 * sgs-depth: add a depth prior (z-depth + confidence) to every train view
 * of a scene and write the scene to stdout.  The prior comes from one of
 * three modes, one function each: plane-sweep multi-view stereo between
 * the train views (mvs, mvs/sgs_mvs.h), external depth maps aligned to the
 * scene (import), or the expected depth of an existing splat model
 * (render).  --points fuses the confident depths into seed points.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "depth_align.h"
#include "depth_import.h"
#include "depth_render.h"
#include "sgs_backend_opt.h"
#include "sgs_cli.h"
#include "sgs_depth_files.h"
#include "sgs_mvs.h"
#include "sgs_progress.h"
#include "sgs_scene.h"
#include "sgs_splat.h"

enum depth_mode { MODE_MVS, MODE_IMPORT, MODE_RENDER };

struct depth_args {
	const char *backend;
	const char *scene_path;
	const char *maps_dir;    /* -i, import */
	const char *splat_path;  /* -s, render */
	const char *preview_dir; /* -o */
	int mode;                /* enum depth_mode */
	int disparity;
	int points;              /* --points: fuse the priors into seeds */
	int verbose;
	uint64_t seed;
};

/* What the modes share while they go through the train views. */
struct depth_job {
	const struct depth_args *a;
	const struct sgs_scene *scene;
	const struct sgs_backend *be;
	struct sgs_depth_renderer *renderer; /* render mode */
	struct sgs_progress progress;        /* a counter on a terminal */
};

/* One train view's new prior, kept aside until every view has one. */
struct view_prior {
	struct sgs_view *view;
	float *depth, *conf;
};

static const char synopsis[] =
	"usage: sgs-depth [-v] [-b backend] [-m mvs|import|render] [-i dir] [-s splat]\n"
	"                 [--disparity] [--points] [-o dir] [-S seed] [scene]\n";

static void help(void)
{
	fputs(synopsis, stdout);
	printf("\n"
	       "  scene         scene file (default or -: stdin); the scene with depth\n"
	       "                priors goes to stdout\n"
	       "  -m mode       mvs (default: plane-sweep stereo between the train\n"
	       "                views), import or render\n"
	       "  -i dir        import: one map per train view, NAME.tif/.tiff (float32)\n"
	       "                or NAME.png (16-bit gray)\n"
	       "  --disparity   import: the maps are inverse-depth-like\n"
	       "  -s splat      render: the model (PLY) whose depth becomes the prior\n"
	       "  -o dir        also write NAME_depth.tif, NAME_depth.png, NAME_conf.png\n"
	       "  --points      the confident depths, fused, replace the seed points\n"
	       "  -b backend    auto (default), cpu or cuda\n"
	       "  -S seed       seed of the import's robust fit (default 1)\n"
	       "  -v            report each view on stderr (a counter of the views\n"
	       "                shows anyway when stderr is a terminal)\n");
}

/* A usage error: its message is out, the synopsis follows. */
static _Noreturn void usage(void)
{
	fputs(synopsis, stderr);
	exit(SGS_EXIT_USAGE);
}

static int parse_mode(const char *word)
{
	if (!strcmp(word, "mvs"))
		return MODE_MVS;
	if (!strcmp(word, "import"))
		return MODE_IMPORT;
	if (!strcmp(word, "render"))
		return MODE_RENDER;
	sgs_warnx("-m: unknown mode '%s' (expected mvs, import or render)", word);
	usage();
}

/* Options that belong to one mode are refused with the others. */
static void check_mode_options(const struct depth_args *a)
{
	if (a->mode == MODE_IMPORT && !a->maps_dir) {
		sgs_warnx("-m import needs -i dir");
		usage();
	}
	if (a->mode == MODE_RENDER && !a->splat_path) {
		sgs_warnx("-m render needs -s splat");
		usage();
	}
	if (a->mode != MODE_IMPORT && (a->maps_dir || a->disparity)) {
		sgs_warnx("%s is for -m import", a->maps_dir ? "-i" : "--disparity");
		usage();
	}
	if (a->mode != MODE_RENDER && a->splat_path) {
		sgs_warnx("-s is for -m render");
		usage();
	}
	if (a->splat_path && !strcmp(a->splat_path, "-") && !strcmp(a->scene_path, "-")) {
		sgs_warnx("the scene and the splat cannot both come from stdin");
		usage();
	}
}

static void parse_args(int argc, char **argv, struct depth_args *a)
{
	enum { OPT_DISPARITY = 256, OPT_POINTS };
	static const struct option longopts[] = {
		{"disparity", no_argument, NULL, OPT_DISPARITY},
		{"points", no_argument, NULL, OPT_POINTS},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	long v;
	int ch;
	while ((ch = sgs_cli_getopt(argc, argv, "b:hi:m:o:s:S:v", longopts)) != -1) {
		switch (ch) {
		case OPT_DISPARITY: a->disparity = 1; break;
		case OPT_POINTS: a->points = 1; break;
		case 'b': a->backend = optarg; break;
		case 'h': help(); exit(SGS_EXIT_OK);
		case 'i': a->maps_dir = optarg; break;
		case 'm': a->mode = parse_mode(optarg); break;
		case 'o': a->preview_dir = optarg; break;
		case 's': a->splat_path = optarg; break;
		case 'S':
			if (sgs_parse_long(optarg, 0, 2147483647L, "-S", &v) != 0)
				usage();
			a->seed = (uint64_t)v;
			break;
		case 'v': a->verbose = 1; break;
		default: usage();
		}
	}
	if (sgs_cli_operands(argc, argv, 0, 1) != 0)
		usage();
	if (optind < argc)
		a->scene_path = argv[optind];
	check_mode_options(a);
	if (isatty(STDOUT_FILENO)) {
		sgs_warnx("refusing to write a binary scene to a terminal; redirect stdout");
		usage();
	}
}

/* -m mvs: the plane sweep ran over all train views at once (start_job)
 * and left its depths in the scene; each view's are taken from there. */
static int prior_mvs(struct depth_job *job, const struct sgs_view *v, float *depth, float *conf)
{
	size_t npix = (size_t)v->cam.w * v->cam.h, covered = 0;
	if (!v->depth_prior || !v->depth_conf)
		return sgs_error_set("view '%s': no depth from the plane sweep", v->name);
	memcpy(depth, v->depth_prior, npix * sizeof(float));
	memcpy(conf, v->depth_conf, npix * sizeof(float));
	if (job->a->verbose) {
		for (size_t i = 0; i < npix; i++)
			covered += conf[i] > 0.0f;
		fprintf(stderr, "%s: %s: %.1f%% of the pixels with a consistent depth\n",
			sgs_cli_name(), v->name, 100.0 * (double)covered / (double)npix);
	}
	return 0;
}

/* -m import: the view's map aligned to the scene; the fit is reported. */
static int prior_import(struct depth_job *job, const struct sgs_view *v, float *depth, float *conf)
{
	struct sgs_align_opts o;
	struct sgs_align_fit fit;
	int source;
	sgs_align_defaults(&o);
	o.disparity = job->a->disparity;
	o.seed = job->a->seed + (uint64_t)(v - job->scene->views);
	if (sgs_depth_import_view(job->scene, v, job->a->maps_dir, &o, depth, conf, &fit, &source) != 0)
		return -1;
	fprintf(stderr,
		"%s: %s: %u anchors (%s), %u inliers, scale %.6g, shift %.6g, "
		"median relative residual %.4g\n",
		sgs_cli_name(), v->name, fit.anchors, source == SGS_ANCHORS_PRIOR ? "prior" : "seeds",
		fit.inliers, fit.scale, fit.shift, fit.median_rel);
	return 0;
}

/* -m render: the model's expected depth, its opacity as confidence. */
static int prior_render(struct depth_job *job, const struct sgs_view *v, float *depth, float *conf)
{
	if (sgs_depth_render(job->renderer, &v->cam, depth, conf) != 0)
		return sgs_error_prefix("view '%s'", v->name);
	if (job->a->verbose) {
		size_t npix = (size_t)v->cam.w * v->cam.h, covered = 0;
		for (size_t i = 0; i < npix; i++)
			covered += conf[i] > SGS_PRIOR_CONF_MIN;
		fprintf(stderr, "%s: %s: %.1f%% of the pixels confident\n", sgs_cli_name(), v->name,
			100.0 * (double)covered / (double)npix);
	}
	return 0;
}

typedef int (*prior_fn)(struct depth_job *, const struct sgs_view *, float *, float *);

/* The plane sweep's progress: a counter of the views swept. */
static void sweep_progress(void *arg, int done, int total, const char *view)
{
	struct sgs_progress *p = arg;
	p->total = (uint32_t)total;
	sgs_progress_step(p, (uint32_t)done, view);
}

static int start_job(struct depth_job *job, struct sgs_scene *scene)
{
	if (job->a->mode == MODE_MVS) {
		struct sgs_mvs_opts o;
		sgs_mvs_defaults(&o);
		o.progress = sweep_progress;
		o.progress_arg = &job->progress;
		sgs_progress_start(&job->progress, "plane sweep", 0, 1);
		int rc = sgs_mvs_depth(job->be, scene, &o);
		sgs_progress_end(&job->progress);
		return rc;
	}
	if (job->a->mode != MODE_RENDER)
		return 0;
	struct sgs_splats sp;
	sgs_splats_init(&sp);
	if (sgs_splat_load_valid(job->a->splat_path, &sp) != 0)
		return -1;
	job->renderer = sgs_depth_renderer_new(job->be, &sp);
	sgs_splats_free(&sp);
	return job->renderer ? 0 : -1;
}

static void free_priors(struct view_prior *p, uint32_t n)
{
	for (uint32_t k = 0; k < n; k++) {
		free(p[k].depth);
		free(p[k].conf);
	}
	free(p);
}

/* A prior for every train view, or none: on failure *out is NULL. */
static int compute_priors(struct depth_job *job, struct sgs_scene *s, struct view_prior **out,
			  uint32_t *count)
{
	static const prior_fn modes[] = {prior_mvs, prior_import, prior_render};
	uint32_t n = sgs_scene_count(s, SGS_SPLIT_TRAIN), k = 0;
	struct view_prior *p = calloc(n, sizeof *p);
	*out = NULL;
	if (!p)
		return sgs_error_set("out of memory");
	/* a counter where no line per view is printed: the plane sweep
	 * counted its views already, import reports every view */
	sgs_progress_start(&job->progress, "prior", n, job->a->mode == MODE_RENDER && !job->a->verbose);
	for (uint32_t i = 0; i < s->nviews; i++) {
		struct sgs_view *v = &s->views[i];
		if (v->split != SGS_SPLIT_TRAIN)
			continue;
		sgs_progress_step(&job->progress, k + 1, v->name);
		size_t npix = (size_t)v->cam.w * v->cam.h;
		p[k].view = v;
		p[k].depth = malloc(npix * sizeof(float));
		p[k].conf = malloc(npix * sizeof(float));
		k++;
		if (!p[k - 1].depth || !p[k - 1].conf) {
			sgs_progress_clear(&job->progress);
			free_priors(p, k);
			return sgs_error_set("out of memory");
		}
		if (modes[job->a->mode](job, v, p[k - 1].depth, p[k - 1].conf) != 0) {
			sgs_progress_clear(&job->progress);
			free_priors(p, k);
			return -1;
		}
	}
	sgs_progress_end(&job->progress);
	*out = p;
	*count = n;
	return 0;
}

static int write_previews(const char *dir, const struct view_prior *p, uint32_t n)
{
	if (sgs_mkdir_p(dir) != 0)
		return -1;
	for (uint32_t k = 0; k < n; k++) {
		const struct sgs_view *v = p[k].view;
		if (sgs_depth_preview_write(dir, v->name, v->cam.w, v->cam.h, p[k].depth, p[k].conf) != 0)
			return -1;
	}
	return 0;
}

/* The priors replace whatever the train views had. */
static void install_priors(struct view_prior *p, uint32_t n)
{
	for (uint32_t k = 0; k < n; k++) {
		struct sgs_view *v = p[k].view;
		free(v->depth_prior);
		free(v->depth_conf);
		v->depth_prior = p[k].depth;
		v->depth_conf = p[k].conf;
		p[k].depth = p[k].conf = NULL;
	}
}

/* --points: the confident depths become the scene's seed points. */
static int fuse_points(struct sgs_scene *scene, int verbose)
{
	struct sgs_mvs_fuse_opts o;
	uint64_t np = 0;
	sgs_mvs_fuse_defaults(&o);
	if (sgs_mvs_fuse_points(scene, &o, &np) != 0)
		return -1;
	if (verbose)
		fprintf(stderr, "%s: %llu seed points fused from the depth priors\n", sgs_cli_name(),
			(unsigned long long)np);
	return 0;
}

int main(int argc, char **argv)
{
	struct depth_args a = {.backend = "auto", .scene_path = "-", .mode = MODE_MVS, .seed = 1};
	struct depth_job job = {.a = &a};
	struct sgs_scene scene;
	struct view_prior *priors = NULL;
	uint32_t n = 0;
	int rc = SGS_EXIT_FAIL;

	sgs_cli_init(argv[0]);
	sgs_cli_passive_threads(argv);
	parse_args(argc, argv, &a);
	/* Settled before any work, as the other tools do. */
	job.be = sgs_backend_opt(a.backend, usage);
	if ((a.maps_dir && sgs_cli_check_dir(a.maps_dir) != 0) ||
	    sgs_cli_load_train_scene(a.scene_path, &scene) != 0)
		return SGS_EXIT_FAIL;
	job.scene = &scene;
	/* Everything is computed before the first file or byte is written. */
	if (start_job(&job, &scene) != 0 || compute_priors(&job, &scene, &priors, &n) != 0)
		sgs_cli_fail(NULL);
	else if (a.preview_dir && write_previews(a.preview_dir, priors, n) != 0)
		sgs_cli_fail(NULL);
	else {
		install_priors(priors, n);
		if (a.points && fuse_points(&scene, a.verbose) != 0)
			sgs_cli_fail(NULL);
		else if (sgs_scene_save("-", &scene) != 0)
			sgs_cli_fail(NULL);
		else
			rc = SGS_EXIT_OK;
	}
	if (priors)
		free_priors(priors, n);
	sgs_depth_renderer_free(job.renderer);
	sgs_scene_free(&scene);
	return rc;
}
