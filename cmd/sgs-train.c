/*
 * sgs-train: optimise 3D Gaussians for a scene's train views (Inria
 * 3DGS's recipe) and write the model as a splat file.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sgs_backend_opt.h"
#include "sgs_cli.h"
#include "sgs_kernels.h"
#include "sgs_hull.h"
#include "sgs_output.h"
#include "sgs_scene.h"
#include "sgs_splat.h"
#include "sgs_trainer.h"

struct train_args {
	const char *backend, *scene_path, *outpath, *logpath, *resume, *ckpt_path;
	const char *poses_path, *pseudo_path; /* -P, --pseudo */
	int pose_given, pseudo_given;         /* --pose-*, --pseudo-* options */
	char ckpt_default[4096];
	uint32_t ckpt_every, eval_every;
	int verbose;
	int recipe_given; /* an option that a checkpoint fixes was given */
	int no_depth;     /* --no-depth: every term against the prior off */
	int iterations_given;
	int preset;         /* --preset (PRESET_*), SGS_PRESET's default */
	int dropout_given, smooth_given; /* what the preset must not override */
	int hull_given;     /* --hull-res, --hull-dilate */
	struct sgs_trainer_opts o;
};

/* --preset sparse: the combination that won make bench-quality's
 * ablation (sgs-train(1)): Gaussian dropout and the edge-aware depth
 * smoothness, each unless given on its own. */
#define PRESET_SPARSE_DROPOUT 0.2f
#define PRESET_SPARSE_SMOOTH 0.1f
/* --preset auto picks sparse up to this many train views (the sparse-view
 * papers' range: 3 to 9). */
#define PRESET_AUTO_MAX_VIEWS 9u
enum { PRESET_AUTO, PRESET_SPARSE, PRESET_NONE };
static const char *const preset_names[] = {"auto", "sparse", "none"};

/* A preset's name as PRESET_*, -1 when unknown. */
static int preset_parse(const char *name)
{
	for (int i = 0; i < 3; i++)
		if (strcmp(name, preset_names[i]) == 0)
			return i;
	return -1;
}

static const char synopsis[] =
	"usage: sgs-train [-v] [-b backend] [-c every] [-I auto|seeds|random|depth|hull] [-l log]\n"
	"                 [-n iterations] [-N count] [-o file] [-S seed] [--checkpoint file]\n"
	"                 [--densify from:until:every] [--depth-weight w]\n"
	"                 [--depth-continuity-weight w] [--depth-patch-size n]\n"
	"                 [--depth-patch-weight w] [--depth-rank-weight w]\n"
	"                 [--depth-relative-weight w] [--depth-smooth-weight w]\n"
	"                 [--eval-every n] [--max-gaussians n] [--mcmc] [--no-depth]\n"
	"                 [--random-bg] [--reset every|never] [--resume file] [--sh degree]\n"
	"                 [--dropout rate] [--opacity-decay f] [--prune-floaters s[:k[:m[:c]]]]\n"
	"                 [--scale-max f] [--scale-max-weight w] [--scale-ratio r]\n"
	"                 [--scale-ratio-weight w] [--preset auto|sparse|none] [--coreg]\n"
	"                 [--coreg-start it] [--coreg-weight w]\n"
	"                 [--coprune every[:m[:d]]|never] [--unpool t[:k[:until]]] [-P file]\n"
	"                 [--refine-poses] [--pose-lr lr] [--pose-from n] [--pseudo scene]\n"
	"                 [--pseudo-weight w] [--pseudo-every k] [--warp]\n"
	"                 [--warp-baseline f] [--warp-start it] [--warp-weight w]\n"
	"                 [--train-masks] [--hull-res n] [--hull-dilate px] [scene]\n";

static void help(void)
{
	fputs(synopsis, stdout);
	printf("\n  -b backend          auto (default), cpu or cuda\n"
	       "  -c every            write a checkpoint every N iterations\n"
	       "  --checkpoint file   where (default: <-o file>.ckpt, or sgs-train.ckpt)\n"
	       "  -I init             auto (default: depth when the scene has depth\n"
	       "                      priors, else seeds when it has any, else random),\n"
	       "                      seeds, random, depth (prior pixels) or hull (a\n"
	       "                      visual hull of the train masks; --train-masks)\n"
	       "  -N count            Gaussians for random (and about as many for depth)\n"
	       "                      initialisation (default 100000)\n"
	       "  -l log              TSV log: iteration, view, one column per loss term,\n"
	       "                      l1 ssim loss psnr gaussians seconds [test_psnr test_ssim]\n"
	       "  -n iterations       default 1000 for at most 9 train views, else 30000\n"
	       "  -o file             output PLY (default stdout)\n"
	       "  -S seed             random seed (default 0)\n"
	       "  --densify f:u:e     densify from iteration f until u every e (an empty\n"
	       "                      part keeps the recipe's value)\n"
	       "  --depth-weight w    weight of the depth prior's Pearson term (default\n"
	       "                      0.05; used when the scene has depth priors)\n"
	       "  --depth-patch-weight w       local Pearson over random patches\n"
	       "  --depth-relative-weight w    L1 of patch-normalised depth and prior\n"
	       "  --depth-rank-weight w        hinge on the prior's depth order of pairs\n"
	       "  --depth-continuity-weight w  neighbours the prior joins keep together\n"
	       "  --depth-smooth-weight w      edge-aware depth smoothness (no prior needed)\n"
	       "                      (each default 0, off)\n"
	       "  --depth-patch-size n side of the patch terms' patches (4-1024, default 32)\n"
	       "  --eval-every n      score the test views every n iterations (log, -v)\n"
	       "  --max-gaussians n   cap (default: a quarter per train pixel, at least\n"
	       "                      twice the initial count)\n"
	       "  --reset every|never opacity reset period (default a third of the run,\n"
	       "                      300 to 3000)\n"
	       "  --mcmc              MCMC densification (relocation) up to --max-gaussians\n"
	       "                      (default 3x the initial count)\n"
	       "  --no-depth          ignore the scene's depth priors (every term against\n"
	       "                      them off)\n"
	       "  --random-bg         random background colour every iteration\n"
	       "  --resume file       continue from a checkpoint\n"
	       "  --sh degree         maximum SH degree (0-3, default 3)\n"
	       "  --dropout rate      DropGaussian: drop Gaussians at a rate rising to\n"
	       "                      this over the run (e.g. 0.2; default off)\n"
	       "  --opacity-decay f   opacities x f at each densification step instead\n"
	       "                      of the opacity resets (e.g. 0.995; default off)\n"
	       "  --prune-floaters s[:k[:m[:c]]]  at densification steps prune Gaussians\n"
	       "                      whose mean distance to their k nearest (20) is\n"
	       "                      above mean + s std, and those nearer than (1 - m)\n"
	       "                      (0.1) x a depth prior of confidence >= c (0.5)\n"
	       "  --scale-ratio-weight w  penalise largest / smallest scale above\n"
	       "  --scale-ratio r         r (default 10); default weight 0\n"
	       "  --scale-max-weight w    penalise a largest scale above f x the\n"
	       "  --scale-max f           scene radius (default 0.1); default weight 0\n"
	       "  --preset p          sparse: --dropout 0.2 --depth-smooth-weight 0.1\n"
	       "                      unless given (the best measured combination for\n"
	       "                      few views); none: neither; auto (default, or\n"
	       "                      $SGS_PRESET): sparse up to 9 train views\n"
	       "  --coreg             CoR-GS: two fields, pseudo-view co-regularisation and\n"
	       "                      co-pruning (the model written is the first field)\n"
	       "  --coreg-weight w    weight of the pseudo-view term (default 1)\n"
	       "  --coreg-start it    pseudo views from iteration it (default a fifth)\n"
	       "  --coprune every[:m[:d]]  co-prune every N iterations (500) Gaussians with\n"
	       "                      no counterpart within m (5) x the field's spacing\n"
	       "                      (median mean distance to the 8 nearest), or within\n"
	       "                      d; or never\n"
	       "  --unpool t[:k[:until]]  FSGS unpooling at densification steps (until\n"
	       "                      the window's end): midpoints to the k (3) nearest\n"
	       "                      farther than t x the median gap (t >= 1) or the\n"
	       "                      t-quantile of the gaps (t < 1)\n"
	       "  --refine-poses      refine the train views' poses (all but the first)\n"
	       "  --pose-lr lr        their Adam rate, radians and x the scene radius\n"
	       "                      (default 1e-4)\n"
	       "  --pose-from n       refine after iteration n (default 0)\n"
	       "  -P, --write-poses file  the scene with the refined train poses\n"
	       "  --pseudo scene      train on this scene's views too (sgs-render -p\n"
	       "                      between), every k-th iteration at weight w:\n"
	       "  --pseudo-weight w   (default 0.1; 0: as without)\n"
	       "  --pseudo-every k    (default 4)\n"
	       "  --warp              warp consistency (Binocular3DGS): a view moved by a\n"
	       "                      random baseline along the camera's x axis, warped\n"
	       "                      back with the rendered depth, L1 to the image\n"
	       "  --warp-weight w     its weight (default 0.5)\n"
	       "  --warp-baseline f   largest baseline, x the views' mean distance to the\n"
	       "                      scene (default 0.02)\n"
	       "  --warp-start it     from iteration it (default a fifth of the run)\n"
	       "  --train-masks       the train views' masks (or alpha) may shape the run\n"
	       "                      (not the DTU protocol, which keeps masks for\n"
	       "                      evaluation; default off)\n"
	       "  --hull-res n        -I hull: voxels along the longest side (16-512,\n"
	       "                      default 128)\n"
	       "  --hull-dilate px    -I hull: mask dilation (0-64, default 2)\n"
	       "  -v                  progress lines even when stderr is not a terminal\n");
}

/* A usage error: its message is out, the synopsis follows. */
static _Noreturn void usage(void)
{
	fputs(synopsis, stderr);
	exit(SGS_EXIT_USAGE);
}

/* --densify from:until:every; an empty part keeps the recipe's value. */
static int parse_densify(const char *arg, struct sgs_trainer_opts *o)
{
	uint32_t *dst[3] = {&o->densify_from, &o->densify_until, &o->densify_every};
	static const char *what[3] = {"--densify from", "--densify until", "--densify every"};
	const char *p = arg;
	for (int k = 0; k < 3; k++) {
		const char *end = strchr(p, ':');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if ((k < 2) != (end != NULL)) {
			sgs_warnx("--densify: '%s' is not from:until:every", arg);
			return -1;
		}
		if (len > 0) {
			char buf[32];
			long v;
			if (len >= sizeof buf) {
				sgs_warnx("--densify: '%s' is not from:until:every", arg);
				return -1;
			}
			memcpy(buf, p, len);
			buf[len] = '\0';
			if (sgs_parse_long(buf, k == 2 ? 1 : 0, 100000000L, what[k], &v) != 0)
				return -1;
			*dst[k] = (uint32_t)v;
		}
		p = end ? end + 1 : p + len;
	}
	return 0;
}

/* --prune-floaters s[:k[:m[:c]]]: the outlier threshold in standard
 * deviations, neighbours, depth margin and confidence; an empty part
 * keeps its default. */
static int parse_floaters(const char *arg, struct sgs_trainer_opts *o)
{
	static const char *what[4] = {"--prune-floaters std", "--prune-floaters k",
				      "--prune-floaters margin", "--prune-floaters confidence"};
	static const double lo[4] = {0, 1, 0, 0}, hi[4] = {100, SGS_KNN_MAX, 0.99, 1e6};
	double v[4] = {0, SGS_FLOATER_KNN, SGS_FLOATER_MARGIN, SGS_FLOATER_CONF};
	const char *p = arg;
	for (int k = 0; k < 4 && p; k++) {
		const char *end = strchr(p, ':');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		char buf[32];
		if (len >= sizeof buf || (k == 0 && len == 0) || (k == 3 && end)) {
			sgs_warnx("--prune-floaters: '%s' is not std[:k[:margin[:confidence]]]", arg);
			return -1;
		}
		memcpy(buf, p, len);
		buf[len] = '\0';
		if (len > 0 && sgs_parse_double(buf, lo[k], hi[k], what[k], &v[k]) != 0)
			return -1;
		if (k == 1 && v[1] != floor(v[1])) {
			sgs_warnx("--prune-floaters k: %g is not a whole number", v[1]);
			return -1;
		}
		p = end ? end + 1 : NULL;
	}
	o->floater_std = (float)v[0];
	o->floater_knn = (uint32_t)v[1];
	o->floater_margin = (float)v[2];
	o->floater_conf = (float)v[3];
	return 0;
}

/* The regularisers' options with one number (k: their order in
 * parse_args's enum from OPT_DROPOUT), and --prune-floaters. */
static int parse_reg(int k, const char *arg, struct sgs_trainer_opts *o)
{
	static const char *name[] = {"--dropout", "--opacity-decay", "--prune-floaters",
				     "--scale-ratio-weight", "--scale-ratio",
				     "--scale-max-weight", "--scale-max"};
	static const double lo[] = {0, 0, 0, 0, 1, 0, 1e-6}, hi[] = {0.95, 0.999999, 0, 1e6, 1e6,
								       1e6, 1000};
	float *dst[] = {&o->dropout, &o->opacity_decay, NULL, &o->scale_ratio_weight,
			&o->scale_ratio, &o->scale_max_weight, &o->scale_max};
	double v;
	if (k == 2)
		return parse_floaters(arg, o);
	if (sgs_parse_double(arg, lo[k], hi[k], name[k], &v) != 0)
		return -1;
	*dst[k] = (float)v;
	return 0;
}

/* "a[:b[:c]]" into up to three numbers within [lo, hi] (v keeps its
 * value for an empty or absent part; the first part is required); wholes
 * flags the parts that must be whole numbers. */
static int parse_parts(const char *opt, const char *arg, const char *form, const double *lo,
		       const double *hi, int wholes, double v[3])
{
	const char *p = arg;
	for (int k = 0; k < 3 && p; k++) {
		const char *end = strchr(p, ':');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		char buf[32], what[64];
		if (len >= sizeof buf || (k == 0 && len == 0) || (k == 2 && end)) {
			sgs_warnx("%s: '%s' is not %s", opt, arg, form);
			return -1;
		}
		memcpy(buf, p, len);
		buf[len] = '\0';
		snprintf(what, sizeof what, "%s part %d", opt, k + 1);
		if (len > 0 && sgs_parse_double(buf, lo[k], hi[k], what, &v[k]) != 0)
			return -1;
		if ((wholes >> k & 1) && v[k] != floor(v[k])) {
			sgs_warnx("%s: %g is not a whole number", what, v[k]);
			return -1;
		}
		p = end ? end + 1 : NULL;
	}
	return 0;
}

/* --coreg-weight, --coreg-start, --coprune and --unpool (k: their order
 * in parse_args's enum from OPT_COREG_W). */
static int parse_coreg(int k, const char *arg, struct sgs_trainer_opts *o)
{
	double v[3];
	if (k == 0) {
		if (sgs_parse_double(arg, 0, 1e6, "--coreg-weight", &v[0]) != 0)
			return -1;
		o->coreg_weight = (float)v[0];
		return 0;
	}
	if (k == 1) {
		long it;
		if (sgs_parse_long(arg, 0, 100000000L, "--coreg-start", &it) != 0)
			return -1;
		o->coreg_start = (uint32_t)it;
		return 0;
	}
	if (k == 2) {
		static const double lo[3] = {1, 1e-6, 0}, hi[3] = {1e8, 1e6, 1e30};
		if (strcmp(arg, "never") == 0) {
			o->coprune_every = SGS_NEVER;
			return 0;
		}
		v[0] = SGS_COPRUNE_EVERY, v[1] = o->coprune_mult, v[2] = o->coprune_dist;
		if (parse_parts("--coprune", arg, "every[:multiple[:distance]]", lo, hi, 1, v) != 0)
			return -1;
		o->coprune_every = (uint32_t)v[0];
		o->coprune_mult = (float)v[1];
		o->coprune_dist = (float)v[2];
		return 0;
	}
	static const double lo[3] = {1e-6, 1, 0}, hi[3] = {1e6, SGS_KNN_MAX, 1e8};
	v[0] = 0, v[1] = SGS_UNPOOL_KNN, v[2] = -1;
	if (parse_parts("--unpool", arg, "threshold[:k[:until]]", lo, hi, 6, v) != 0)
		return -1;
	o->unpool = (float)v[0];
	o->unpool_knn = (uint32_t)v[1];
	o->unpool_until = v[2] < 0 ? SGS_RECIPE : (uint32_t)v[2];
	return 0;
}

/* Long options; the depth weights in parse_weight's order. */
enum { OPT_RESUME = 256, OPT_SH, OPT_RANDOM_BG, OPT_MAX_G, OPT_CKPT, OPT_MCMC, OPT_DENSIFY,
       OPT_RESET, OPT_EVAL, OPT_NO_DEPTH, OPT_DEPTH_PATCH_SIZE, OPT_DEPTH_W, OPT_DEPTH_PATCH_W,
       OPT_DEPTH_REL_W, OPT_DEPTH_RANK_W, OPT_DEPTH_CONT_W, OPT_DEPTH_SMOOTH_W,
       /* the regularisers in parse_reg's order */
       OPT_DROPOUT, OPT_DECAY, OPT_FLOATERS, OPT_SCALE_RW, OPT_SCALE_R, OPT_SCALE_MW,
       OPT_SCALE_M, OPT_PRESET,
       /* co-regularisation and unpooling, parse_coreg's order from OPT_COREG_W */
       OPT_COREG, OPT_COREG_W, OPT_COREG_START, OPT_COPRUNE, OPT_UNPOOL,
       /* pose refinement and pseudo views, in parse_pose's order from OPT_POSE_LR */
       OPT_REFINE, OPT_POSE_LR, OPT_POSE_FROM, OPT_PSEUDO, OPT_PSEUDO_W, OPT_PSEUDO_EVERY,
       /* warp consistency, parse_warp's order from OPT_WARP_W */
       OPT_WARP, OPT_WARP_W, OPT_WARP_B, OPT_WARP_START,
       /* ---- masks in training and the visual hull ---- */
       OPT_TRAIN_MASKS = 400, OPT_HULL_RES, OPT_HULL_DILATE,
       /* ---- end of masks in training ---- */
};
#define OPT_WEIGHT_FIRST OPT_DEPTH_W

/* A --depth-*-weight option: 0 to 1000000. */
static void parse_weight(int ch, struct train_args *a)
{
	enum { N = 6 };
	static const char *const names[N] = {"--depth-weight",        "--depth-patch-weight",
					     "--depth-relative-weight", "--depth-rank-weight",
					     "--depth-continuity-weight", "--depth-smooth-weight"};
	float *dst[N] = {&a->o.depth_weight,      &a->o.depth_patch_weight,
			 &a->o.depth_relative_weight, &a->o.depth_rank_weight,
			 &a->o.depth_continuity_weight, &a->o.depth_smooth_weight};
	const int k = ch - OPT_WEIGHT_FIRST;
	double d;
	if (k < 0 || k >= N || sgs_parse_double(optarg, 0.0, 1e6, names[k], &d) != 0)
		usage();
	*dst[k] = (float)d;
	a->recipe_given = 1;
}

/* The command line, then what follows from it: the scene operand, stdout
 * for "-o -", the default checkpoint name. */
/* --pose-lr, --pose-from, --pseudo-weight, --pseudo-every (k: their order
 * from OPT_POSE_LR, --pseudo between). */
static int parse_pose(int k, const char *arg, struct sgs_trainer_opts *o)
{
	static const char *name[] = {"--pose-lr", "--pose-from", "", "--pseudo-weight",
				     "--pseudo-every"};
	double v;
	long n;
	if (k == 0 || k == 3) {
		if (sgs_parse_double(arg, k == 0 ? 1e-9 : 0, k == 0 ? 1 : 1000, name[k], &v) != 0)
			return -1;
		*(k == 0 ? &o->pose_lr : &o->pseudo_weight) = (float)v;
		return 0;
	}
	if (sgs_parse_long(arg, k == 1 ? 0 : 1, 100000000L, name[k], &n) != 0)
		return -1;
	*(k == 1 ? &o->pose_from : &o->pseudo_every) = (uint32_t)n;
	return 0;
}

/* --warp-weight, --warp-baseline, --warp-start (k: their order from
 * OPT_WARP_W). */
static int parse_warp(int k, const char *arg, struct sgs_trainer_opts *o)
{
	double v;
	long it;
	if (k == 2) {
		if (sgs_parse_long(arg, 0, 100000000L, "--warp-start", &it) != 0)
			return -1;
		o->warp_start = (uint32_t)it;
		return 0;
	}
	if (sgs_parse_double(arg, 0, k == 0 ? 1e6 : 1, k == 0 ? "--warp-weight" : "--warp-baseline",
			     &v) != 0)
		return -1;
	*(k == 0 ? &o->warp_weight : &o->warp_baseline) = (float)v;
	return 0;
}

static void parse_args(int argc, char **argv, struct train_args *a)
{
	static const struct option longopts[] = {
		{"resume", required_argument, NULL, OPT_RESUME},
		{"sh", required_argument, NULL, OPT_SH},
		{"random-bg", no_argument, NULL, OPT_RANDOM_BG},
		{"max-gaussians", required_argument, NULL, OPT_MAX_G},
		{"checkpoint", required_argument, NULL, OPT_CKPT},
		{"mcmc", no_argument, NULL, OPT_MCMC},
		{"densify", required_argument, NULL, OPT_DENSIFY},
		{"reset", required_argument, NULL, OPT_RESET},
		{"eval-every", required_argument, NULL, OPT_EVAL},
		{"depth-weight", required_argument, NULL, OPT_DEPTH_W},
		{"no-depth", no_argument, NULL, OPT_NO_DEPTH},
		{"dropout", required_argument, NULL, OPT_DROPOUT},
		{"preset", required_argument, NULL, OPT_PRESET},
		{"refine-poses", no_argument, NULL, OPT_REFINE},
		{"pose-lr", required_argument, NULL, OPT_POSE_LR},
		{"pose-from", required_argument, NULL, OPT_POSE_FROM},
		{"write-poses", required_argument, NULL, 'P'},
		{"pseudo", required_argument, NULL, OPT_PSEUDO},
		{"pseudo-weight", required_argument, NULL, OPT_PSEUDO_W},
		{"pseudo-every", required_argument, NULL, OPT_PSEUDO_EVERY},
		{"opacity-decay", required_argument, NULL, OPT_DECAY},
		{"prune-floaters", required_argument, NULL, OPT_FLOATERS},
		{"scale-ratio-weight", required_argument, NULL, OPT_SCALE_RW},
		{"scale-ratio", required_argument, NULL, OPT_SCALE_R},
		{"scale-max-weight", required_argument, NULL, OPT_SCALE_MW},
		{"scale-max", required_argument, NULL, OPT_SCALE_M},
		{"depth-patch-weight", required_argument, NULL, OPT_DEPTH_PATCH_W},
		{"depth-relative-weight", required_argument, NULL, OPT_DEPTH_REL_W},
		{"depth-rank-weight", required_argument, NULL, OPT_DEPTH_RANK_W},
		{"depth-continuity-weight", required_argument, NULL, OPT_DEPTH_CONT_W},
		{"depth-smooth-weight", required_argument, NULL, OPT_DEPTH_SMOOTH_W},
		{"depth-patch-size", required_argument, NULL, OPT_DEPTH_PATCH_SIZE},
		{"coreg", no_argument, NULL, OPT_COREG},
		{"coreg-weight", required_argument, NULL, OPT_COREG_W},
		{"coreg-start", required_argument, NULL, OPT_COREG_START},
		{"coprune", required_argument, NULL, OPT_COPRUNE},
		{"unpool", required_argument, NULL, OPT_UNPOOL},
		{"warp", no_argument, NULL, OPT_WARP},
		{"warp-weight", required_argument, NULL, OPT_WARP_W},
		{"warp-baseline", required_argument, NULL, OPT_WARP_B},
		{"warp-start", required_argument, NULL, OPT_WARP_START},
		/* masks in training and the visual hull */
		{"train-masks", no_argument, NULL, OPT_TRAIN_MASKS},
		{"hull-res", required_argument, NULL, OPT_HULL_RES},
		{"hull-dilate", required_argument, NULL, OPT_HULL_DILATE},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	long v;
	int ch, coreg_opts = 0, warp_opts = 0, preset_given = 0;
	while ((ch = sgs_cli_getopt(argc, argv, "b:c:hI:l:n:N:o:P:S:v", longopts)) != -1) {
		switch (ch) {
		case 'b': a->backend = optarg; break;
		case 'c':
			if (sgs_parse_long(optarg, 1, 100000000L, "-c", &v) != 0)
				usage();
			a->ckpt_every = (uint32_t)v;
			break;
		case 'I':
			if (strcmp(optarg, "auto") == 0)
				a->o.init = SGS_INIT_AUTO;
			else if (strcmp(optarg, "seeds") == 0)
				a->o.init = SGS_INIT_SEEDS;
			else if (strcmp(optarg, "random") == 0)
				a->o.init = SGS_INIT_RANDOM;
			else if (strcmp(optarg, "depth") == 0)
				a->o.init = SGS_INIT_DEPTH;
			else if (strcmp(optarg, "hull") == 0)
				a->o.init = SGS_INIT_HULL;
			else {
				sgs_warnx("-I: unknown initialisation '%s' (expected auto, seeds, random, "
					  "depth or hull)", optarg);
				usage();
			}
			a->recipe_given = 1;
			break;
		case 'l': a->logpath = optarg; break;
		case 'n':
			if (sgs_parse_long(optarg, 1, 100000000L, "-n", &v) != 0)
				usage();
			a->o.iterations = (uint32_t)v;
			a->iterations_given = 1;
			break;
		case 'N':
			if (sgs_parse_long(optarg, 1, 50000000L, "-N", &v) != 0)
				usage();
			a->o.init_count = (uint32_t)v;
			a->recipe_given = 1;
			break;
		case 'o': a->outpath = optarg; break;
		case 'S':
			if (sgs_parse_long(optarg, 0, 2147483647L, "-S", &v) != 0)
				usage();
			a->o.seed = (uint64_t)v;
			a->recipe_given = 1;
			break;
		case 'v': a->verbose = 1; break;
		case OPT_RESUME: a->resume = optarg; break;
		case OPT_CKPT: a->ckpt_path = optarg; break;
		case OPT_SH:
			if (sgs_parse_long(optarg, 0, 3, "--sh", &v) != 0)
				usage();
			a->o.sh_degree = (int)v;
			a->recipe_given = 1;
			break;
		case OPT_RANDOM_BG:
			a->o.random_bg = 1;
			a->recipe_given = 1;
			break;
		case OPT_DENSIFY:
			if (parse_densify(optarg, &a->o) != 0)
				usage();
			a->recipe_given = 1;
			break;
		case OPT_RESET:
			if (strcmp(optarg, "never") == 0)
				a->o.reset_every = SGS_NEVER;
			else if (sgs_parse_long(optarg, 1, 100000000L, "--reset", &v) == 0)
				a->o.reset_every = (uint32_t)v;
			else
				usage();
			a->recipe_given = 1;
			break;
		case OPT_EVAL:
			if (sgs_parse_long(optarg, 1, 100000000L, "--eval-every", &v) != 0)
				usage();
			a->eval_every = (uint32_t)v;
			break;
		case OPT_DEPTH_W:
		case OPT_DEPTH_PATCH_W:
		case OPT_DEPTH_REL_W:
		case OPT_DEPTH_RANK_W:
		case OPT_DEPTH_CONT_W:
		case OPT_DEPTH_SMOOTH_W:
			parse_weight(ch, a);
			a->smooth_given |= ch == OPT_DEPTH_SMOOTH_W;
			break;
		case OPT_PRESET:
			if ((a->preset = preset_parse(optarg)) < 0) {
				sgs_warnx("--preset: unknown preset '%s' (expected auto, sparse or none)",
					  optarg);
				usage();
			}
			a->recipe_given = preset_given = 1;
			break;
		case OPT_DEPTH_PATCH_SIZE:
			if (sgs_parse_long(optarg, SGS_DEPTH_PATCH_MIN, SGS_DEPTH_PATCH_MAX,
					   "--depth-patch-size", &v) != 0)
				usage();
			a->o.depth_patch_size = (uint32_t)v;
			a->recipe_given = 1;
			break;
		case OPT_NO_DEPTH:
			a->no_depth = 1;
			a->recipe_given = 1;
			break;
		case OPT_MCMC:
			a->o.mcmc = 1;
			a->recipe_given = 1;
			break;
		case OPT_DROPOUT: case OPT_DECAY: case OPT_SCALE_RW: case OPT_SCALE_R:
		case OPT_SCALE_MW: case OPT_SCALE_M: case OPT_FLOATERS:
			if (parse_reg(ch - OPT_DROPOUT, optarg, &a->o) != 0)
				usage();
			a->dropout_given |= ch == OPT_DROPOUT;
			a->recipe_given = 1;
			break;
		case OPT_COREG:
			a->o.coreg = 1;
			a->o.fields = 2;
			a->recipe_given = 1;
			break;
		case OPT_COREG_W: case OPT_COREG_START: case OPT_COPRUNE: case OPT_UNPOOL:
			if (parse_coreg(ch - OPT_COREG_W, optarg, &a->o) != 0)
				usage();
			coreg_opts |= ch != OPT_UNPOOL;
			a->recipe_given = 1;
			break;
		case OPT_WARP:
			a->o.warp = 1;
			a->recipe_given = 1;
			break;
		case OPT_WARP_W: case OPT_WARP_B: case OPT_WARP_START:
			if (parse_warp(ch - OPT_WARP_W, optarg, &a->o) != 0)
				usage();
			warp_opts = 1;
			a->recipe_given = 1;
			break;
		case OPT_REFINE:
			a->o.refine_poses = 1;
			a->recipe_given = 1;
			break;
		case OPT_POSE_LR: case OPT_POSE_FROM: case OPT_PSEUDO_W: case OPT_PSEUDO_EVERY:
			if (parse_pose(ch - OPT_POSE_LR, optarg, &a->o) != 0)
				usage();
			*(ch < OPT_PSEUDO ? &a->pose_given : &a->pseudo_given) = 1;
			a->recipe_given = 1;
			break;
		case 'P': a->poses_path = optarg; break;
		case OPT_TRAIN_MASKS:
			a->o.train_masks = 1;
			a->recipe_given = 1;
			break;
		case OPT_HULL_RES: case OPT_HULL_DILATE:
			if (ch == OPT_HULL_RES ? sgs_parse_long(optarg, SGS_HULL_RES_MIN, SGS_HULL_RES_MAX,
								"--hull-res", &v) != 0
					       : sgs_parse_long(optarg, 0, SGS_HULL_DILATE_MAX,
								"--hull-dilate", &v) != 0)
				usage();
			*(ch == OPT_HULL_RES ? &a->o.hull_res : &a->o.hull_dilate) = (uint32_t)v;
			a->hull_given = a->recipe_given = 1;
			break;
		case OPT_PSEUDO: a->pseudo_path = optarg; break;
		case OPT_MAX_G:
			if (sgs_parse_long(optarg, 1, SGS_MAX_GAUSSIANS, "--max-gaussians", &v) != 0)
				usage();
			a->o.max_gaussians = (uint32_t)v;
			a->recipe_given = 1;
			break;
		case 'h': help(); exit(SGS_EXIT_OK);
		default: usage();
		}
	}
	if (sgs_cli_operands(argc, argv, 0, 1) != 0)
		usage();
	/* SGS_PRESET is the default that an explicit --preset replaces, so it
	 * is read after the options: a bad value is still an error, but not
	 * one that stops -h or a run that names its preset. */
	const char *preset_env = getenv("SGS_PRESET");
	if (!preset_given && preset_env && *preset_env &&
	    (a->preset = preset_parse(preset_env)) < 0) {
		sgs_warnx("SGS_PRESET: unknown preset '%s' (expected auto, sparse or none)", preset_env);
		usage();
	}
	if (coreg_opts && !a->o.coreg) {
		sgs_warnx("--coreg-weight, --coreg-start and --coprune need --coreg");
		usage();
	}
	if (warp_opts && !a->o.warp) {
		sgs_warnx("--warp-weight, --warp-baseline and --warp-start need --warp");
		usage();
	}
	if (a->resume && a->recipe_given) {
		sgs_warnx("--resume: -I, -N, -S, --densify, --depth-*, --max-gaussians, --mcmc, "
			  "--no-depth, --preset, --random-bg, --reset, --sh, the regularisers' (--coreg, "
			  "--unpool and --warp too), the pose and the pseudo views' options, --train-masks and "
			  "--hull-* come from the checkpoint");
		usage();
	}
	if (a->o.init == SGS_INIT_HULL && !a->o.train_masks) {
		sgs_warnx("-I hull: carving a visual hull uses the train views' masks, which the "
			  "DTU protocol keeps for evaluation; give --train-masks to allow it");
		usage();
	}
	if (a->hull_given && a->o.init != SGS_INIT_HULL) {
		sgs_warnx("--hull-res, --hull-dilate: without -I hull");
		usage();
	}
	if (a->pose_given && !a->o.refine_poses) {
		sgs_warnx("--pose-lr, --pose-from: without --refine-poses");
		usage();
	}
	if (a->pseudo_given && !a->pseudo_path) {
		sgs_warnx("--pseudo-weight, --pseudo-every: without --pseudo");
		usage();
	}
	if (a->poses_path && !a->resume && !a->o.refine_poses) {
		sgs_warnx("-P: without --refine-poses the poses are the scene's");
		usage();
	}
	if (a->no_depth) /* whatever order the options came in */
		a->o.depth_weight = a->o.depth_patch_weight = a->o.depth_relative_weight =
			a->o.depth_rank_weight = a->o.depth_continuity_weight = 0.0f;
	const char *env = getenv("SGS_TEST_INJECT_NAN_AT");
	if (env && *env) {
		if (sgs_parse_long(env, 1, 100000000L, "SGS_TEST_INJECT_NAN_AT", &v) != 0)
			usage();
		a->o.inject_nan_at = (uint32_t)v;
	}

	a->scene_path = optind < argc ? argv[optind] : "-";
	if (a->pseudo_path && !strcmp(a->pseudo_path, "-") && !strcmp(a->scene_path, "-")) {
		sgs_warnx("the scene and the pseudo scene cannot both come from stdin");
		usage();
	}
	if (a->outpath && strcmp(a->outpath, "-") == 0)
		a->outpath = NULL;
	if (!a->outpath && isatty(STDOUT_FILENO)) {
		sgs_warnx("refusing to write a binary model to a terminal; use -o file");
		usage();
	}
	if (a->poses_path && !strcmp(a->poses_path, "-") && !a->outpath) {
		sgs_warnx("-P -: the model goes to standard output; use -o file");
		usage();
	}
	if (!a->ckpt_path) {
		snprintf(a->ckpt_default, sizeof a->ckpt_default, "%s.ckpt",
			 a->outpath ? a->outpath : "sgs-train");
		a->ckpt_path = a->ckpt_default;
	}
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Progress on stderr: a line rewritten in place on a terminal, plain
 * lines with -v otherwise; at most twice a second. */
struct progress {
	int on, tty;
	double t_start, t_last;
	uint32_t it_start;
	double ema_loss, ema_mse;
};

static void format_eta(double s, char *buf, size_t n)
{
	long v = s > 0 && s < 1e8 ? (long)(s + 0.5) : 0;
	if (v >= 3600)
		snprintf(buf, n, "%ld:%02ld:%02ld", v / 3600, v / 60 % 60, v % 60);
	else
		snprintf(buf, n, "%ld:%02ld", v / 60, v % 60);
}

static void progress_update(struct progress *p, const struct sgs_step_info *in, uint32_t total,
			    int last)
{
	/* Inria's smoothing of the displayed loss. */
	int first = in->iteration == p->it_start + 1;
	p->ema_loss = first ? in->loss : 0.4 * in->loss + 0.6 * p->ema_loss;
	p->ema_mse = first ? in->mse : 0.4 * in->mse + 0.6 * p->ema_mse;
	double t = now_s();
	if (!p->on || (!last && t - p->t_last < 0.5))
		return;
	p->t_last = t;
	double rate = (in->iteration - p->it_start) / (t - p->t_start > 1e-9 ? t - p->t_start : 1e-9);
	char eta[32];
	format_eta((total - in->iteration) / rate, eta, sizeof eta);
	fprintf(stderr, "%s%s: %u/%u  loss %.4f  psnr %.2f dB  %u Gaussians  %.1f it/s  ETA %s%s",
		p->tty ? "\r" : "", sgs_cli_name(), in->iteration, total, p->ema_loss,
		p->ema_mse > 0 ? -10 * log10(p->ema_mse) : 99.0, in->gaussians, rate, eta,
		p->tty ? "\033[K" : "\n");
	if (p->tty && last)
		fputc('\n', stderr);
}

/* The log's header line for this run (without the newline). */
static void log_header(const struct sgs_trainer *t, const struct train_args *a, char *buf,
		       size_t n)
{
	const char *names[SGS_MAX_TERMS];
	int k = sgs_trainer_term_names(t, names), len = snprintf(buf, n, "iteration\tview");
	for (int i = 0; i < k; i++)
		len += snprintf(buf + len, n - len, "\t%s", names[i]);
	snprintf(buf + len, n - len, "\tl1\tssim\tloss\tpsnr\tgaussians\tseconds%s",
		 a->eval_every ? "\ttest_psnr\ttest_ssim" : "");
}

/* A resumed run continues its log: the header must be this run's, and
 * rows past the checkpoint (or a row cut short by a kill) are dropped, so
 * that every iteration appears once. */
static int trim_log(const char *path, const char *header, uint32_t iteration)
{
	FILE *f = fopen(path, "r+");
	char line[4096];
	long keep = 0;
	if (!f)
		return errno == ENOENT ? 0 : (sgs_warnx("%s: %s", path, strerror(errno)), -1);
	if (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = '\0';
		if (strcmp(line, header) != 0) {
			fclose(f);
			sgs_warnx("%s: the log has other columns than this run's (--eval-every, "
				  "--mcmc?); use another -l file", path);
			return -1;
		}
		keep = ftell(f);
		while (fgets(line, sizeof line, f)) {
			size_t len = strlen(line);
			if (len == 0 || line[len - 1] != '\n' || strtoul(line, NULL, 10) > iteration)
				break;
			keep = ftell(f);
		}
	}
	int rc = fclose(f) == 0 && truncate(path, keep) == 0 ? 0 : -1;
	if (rc != 0)
		sgs_warnx("%s: %s", path, strerror(errno));
	return rc;
}

/* The -l log while the run writes it.  It lives under its own name, so
 * that a killed run leaves its rows for --resume.  A run that fails cuts
 * it back to a state --resume continues, leaving nothing half-written:
 * the rows up to its last checkpoint, else the rows a resumed log had,
 * else (a fresh log without checkpoints) no file at all. */
struct run_log {
	FILE *f;
	const char *path;
	long keep;   /* bytes kept on failure; -1: remove the file */
	int regular; /* a regular file: a pipe or device cannot be undone */
};

static int open_log(const struct sgs_trainer *t, const struct train_args *a, struct run_log *l)
{
	char header[1024];
	struct stat st;
	int existed = stat(a->logpath, &st) == 0;
	log_header(t, a, header, sizeof header);
	if (a->resume && trim_log(a->logpath, header, sgs_trainer_iteration(t)) != 0)
		return -1;
	FILE *f = fopen(a->logpath, a->resume ? "a" : "w");
	if (!f) {
		sgs_warnx("%s: %s", a->logpath, strerror(errno));
		return -1;
	}
	l->f = f;
	l->path = a->logpath;
	l->regular = fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode);
	/* ftell is -1 on a pipe: a fresh log there gets its header too */
	long at = ftell(f);
	l->keep = a->resume && existed && at > 0 ? at : -1;
	if (!a->resume || at <= 0)
		fprintf(f, "%s\n", header);
	return 0;
}

/* Close the log; on failure (the run's or the log's own) undo it.
 * Returns ok, cleared when the log could not be written. */
static int close_log(struct run_log *l, int ok)
{
	if (!l->f)
		return ok;
	int bad = fflush(l->f) != 0 || ferror(l->f), e = errno;
	if (fclose(l->f) != 0 && !bad)
		bad = 1, e = errno;
	l->f = NULL;
	if (bad && ok) {
		sgs_warnx("%s: write error: %s", l->path, strerror(e));
		ok = 0;
	}
	if (ok || !l->regular)
		return ok;
	if (l->keep < 0 ? unlink(l->path) != 0 : truncate(l->path, l->keep) != 0)
		sgs_warnx("%s: cannot undo the log of the failed run: %s", l->path, strerror(errno));
	return ok;
}

/* A checkpoint was written: on failure the log keeps the rows up to it,
 * which is where --resume continues. */
static void mark_log(struct run_log *l)
{
	long at = l->f ? ftell(l->f) : -1;
	if (at > 0)
		l->keep = at;
}

/* Everything written so far reached the file (a full disk shows here). */
static int flush_log(const struct run_log *l)
{
	if (!l->f || (fflush(l->f) == 0 && !ferror(l->f)))
		return 0;
	sgs_warnx("%s: write error: %s", l->path, strerror(errno));
	return -1;
}

static void log_row(FILE *log, const struct sgs_step_info *in, const struct sgs_eval_result *ev,
		    int eval_columns)
{
	fprintf(log, "%u\t%u", in->iteration, in->view);
	for (int k = 0; k < in->nterms; k++)
		fprintf(log, isnan(in->terms[k]) ? "\t" : "\t%.6f", in->terms[k]);
	fprintf(log, "\t%.6f\t%.6f\t%.6f\t%.4f\t%u\t%.3f", in->l1, in->ssim, in->loss, in->psnr,
		in->gaussians, in->seconds);
	if (eval_columns && ev && ev->views)
		fprintf(log, "\t%.4f\t%.6f", ev->psnr, ev->ssim);
	else if (eval_columns)
		fprintf(log, "\t\t");
	fputc('\n', log);
	if (in->iteration % 100 == 0) /* a killed run still leaves its log */
		fflush(log);
}

/* On a terminal the progress line is rewritten in place; clear it before
 * a line of its own. */
static void progress_clear(const struct progress *p)
{
	if (p->on && p->tty)
		fputs("\r\033[K", stderr);
}

/* Warnings when the run heads past what it can finish: at densification
 * steps, the time left at the pace since the previous step, against the
 * projection after the first 100 iterations; and the cap reached. */
struct pace {
	uint32_t it_mark;
	double t_mark, baseline, warned; /* projected seconds left */
	int capped;
};

static void pace_check(struct pace *p, const struct sgs_trainer *t, const struct sgs_step_info *in,
		       const struct progress *pr)
{
	const uint32_t total = sgs_trainer_iterations(t), cap = sgs_trainer_get_opts(t)->max_gaussians;
	char left[32], then[32];
	if (in->iteration == p->it_mark + 100 && p->baseline == 0) {
		p->baseline = p->warned = (in->seconds - p->t_mark) / 100 * (total - in->iteration);
		p->it_mark = in->iteration, p->t_mark = in->seconds;
		return;
	}
	/* pruning follows densifying in the same step, so the count after a
	 * step the cap limited is below it; the step's own numbers tell */
	const struct sgs_densify_stats *d = &in->dstats;
	if (in->densified && !p->capped &&
	    ((uint64_t)d->n_before + d->cloned + d->split >= cap || in->gaussians >= cap)) {
		p->capped = 1;
		progress_clear(pr);
		sgs_warnx("warning: iteration %u: reached the cap of %u Gaussians (--max-gaussians)",
			  in->iteration, cap);
	}
	if (!in->densified || p->baseline == 0 || in->iteration == p->it_mark)
		return;
	double rate = (in->seconds - p->t_mark) / (in->iteration - p->it_mark);
	double eta = rate * (total - in->iteration);
	p->it_mark = in->iteration, p->t_mark = in->seconds;
	if (eta > 2 * p->warned) {
		p->warned = eta;
		format_eta(eta, left, sizeof left);
		format_eta(p->baseline, then, sizeof then);
		progress_clear(pr);
		sgs_warnx("warning: iteration %u: %u Gaussians at %.2f s per iteration, about %s left "
			  "(%s projected at iteration 100)",
			  in->iteration, in->gaussians, rate, left, then);
	}
}

/* Run to the end, checkpointing and scoring the test views on the way. */
static int train(struct sgs_trainer *t, const struct train_args *a, struct run_log *l)
{
	FILE *log = l->f;
	struct sgs_step_info in;
	struct sgs_eval_result ev;
	uint32_t total = sgs_trainer_iterations(t);
	struct progress p = {a->verbose || isatty(STDERR_FILENO), isatty(STDERR_FILENO), now_s(), 0,
			     sgs_trainer_iteration(t), 0, 0};
	struct pace pc = {sgs_trainer_iteration(t), 0, 0, 0, 0};
	while (sgs_trainer_iteration(t) < total) {
		if (sgs_trainer_step(t, &in) != 0) {
			if (p.on && p.tty)
				fputc('\n', stderr);
			sgs_warnx("%s; no model written", sgs_error_get());
			return -1;
		}
		if (pc.it_mark == in.iteration - 1 && pc.baseline == 0 && pc.t_mark == 0)
			pc.t_mark = in.seconds; /* the first iteration sets the clock */
		int scored = a->eval_every && (in.iteration % a->eval_every == 0 || in.iteration == total);
		if (scored && sgs_trainer_evaluate(t, SGS_SPLIT_TEST, &ev) != 0) {
			sgs_cli_fail(NULL);
			return -1;
		}
		if (log)
			log_row(log, &in, scored ? &ev : NULL, a->eval_every != 0);
		progress_update(&p, &in, total, in.iteration == total);
		if (scored && ev.views && p.on && (progress_clear(&p), 1))
			fprintf(stderr, "%s: iteration %u: %u test views: PSNR %.2f dB, SSIM %.4f\n",
				sgs_cli_name(), in.iteration, ev.views, ev.psnr, ev.ssim);
		if (in.coprune_pass && p.on && (progress_clear(&p), 1))
			fprintf(stderr, "%s: iteration %u: co-pruning: %u and %u Gaussians without a "
				"counterpart\n", sgs_cli_name(), in.iteration, in.copruned[0],
				in.copruned[1]);
		if (in.unpooled && p.on && (progress_clear(&p), 1))
			fprintf(stderr, "%s: iteration %u: unpooling: %u Gaussians added\n",
				sgs_cli_name(), in.iteration, in.unpooled);
		if (in.floater_pass && p.on && (progress_clear(&p), 1))
			fprintf(stderr, "%s: iteration %u: floaters: %u kNN outliers, %u in front of "
				"the depth prior\n", sgs_cli_name(), in.iteration, in.floaters[0],
				in.floaters[1]);
		pace_check(&pc, t, &in, &p);
		/* the log is flushed with each checkpoint: a resumed run finds
		 * every row up to it */
		if (a->ckpt_every && in.iteration % a->ckpt_every == 0 && in.iteration < total) {
			if (flush_log(l) != 0)
				return -1;
			if (sgs_trainer_checkpoint(t, a->ckpt_path) != 0) {
				sgs_cli_fail(NULL);
				return -1;
			}
			mark_log(l);
		}
	}
	return flush_log(l); /* before the model: a failed log fails the run */
}

/* The model into o, opened on outpath (NULL: stdout), uncommitted. */
static int write_model(const struct sgs_trainer *t, const char *outpath, struct sgs_output *o)
{
	const char *name = outpath ? outpath : "<stdout>";
	struct sgs_splats sp;
	int rc = -1;
	if (sgs_trainer_export(t, &sp) != 0)
		sgs_cli_fail(NULL);
	else if (sgs_splat_validate(&sp) != 0) /* a model the run broke */
		sgs_cli_fail("%s: not written", name);
	else if (sgs_splat_write(o->f, &sp) != 0)
		sgs_cli_fail("%s", name);
	else
		rc = 0;
	sgs_splats_free(&sp);
	return rc;
}

/* -o, -P, -l and --checkpoint are each a file of their own: one written
 * over another would silently lose it (the model replaced by the poses'
 * scene, the log renamed away). */
static void check_distinct_outputs(const struct train_args *a)
{
	const char *path[4] = {a->outpath, a->poses_path, a->logpath, a->ckpt_path};
	const char *flag[4] = {"-o", "-P", "-l", "--checkpoint"};
	for (int i = 0; i < 4; i++)
		for (int j = i + 1; j < 4; j++)
			if (sgs_cli_same_file(path[i], path[j])) {
				sgs_warnx("%s %s, %s %s: the same file; each output needs its own",
					  flag[i], path[i], flag[j], path[j]);
				usage();
			}
}

/* -v: the regularisers that are on, one line. */
static void print_regularisers(const struct sgs_trainer_opts *o)
{
	char buf[1024];
	int n = 0;
#define ADD(...) (n += snprintf(buf + n, n < (int)sizeof buf ? sizeof buf - n : 0, __VA_ARGS__))
	if (o->dropout > 0)
		ADD(", dropout rising to %g", o->dropout);
	if (o->opacity_decay > 0)
		ADD(", opacity decay %g", o->opacity_decay);
	if (o->scale_ratio_weight > 0)
		ADD(", scale ratio above %g (weight %g)", o->scale_ratio, o->scale_ratio_weight);
	if (o->scale_max_weight > 0)
		ADD(", largest scale above %g x radius (weight %g)", o->scale_max, o->scale_max_weight);
	if (o->floater_std > 0)
		ADD(", floaters: %u-NN distance above mean + %g std", o->floater_knn, o->floater_std);
	if (o->floater_margin > 0)
		ADD(", floaters: %g in front of priors of confidence %g", o->floater_margin,
		    o->floater_conf);
	if (o->coreg) {
		ADD(", co-regularisation: pseudo views from iteration %u (weight %g)",
		    sgs_coreg_start(o), o->coreg_weight);
		if (o->coprune_every == SGS_NEVER)
			ADD(", no co-pruning");
		else if (o->coprune_dist > 0)
			ADD(", co-pruning every %u beyond %g", o->coprune_every, o->coprune_dist);
		else
			ADD(", co-pruning every %u beyond %g x the median spacing", o->coprune_every,
			    o->coprune_mult);
	}
	if (o->unpool >= 1)
		ADD(", unpooling: midpoints to the %u nearest beyond %g x the median gap",
		    o->unpool_knn, o->unpool);
	else if (o->unpool > 0)
		ADD(", unpooling: midpoints to the %u nearest beyond the %g quantile of the gaps",
		    o->unpool_knn, o->unpool);
	if (o->warp)
		ADD(", warp consistency from iteration %u (weight %g, baseline up to %g x the "
		    "views' distance)", sgs_warp_start(o), o->warp_weight, o->warp_baseline);
#undef ADD
	if (n > 0)
		fprintf(stderr, "%s: regularisers: %s\n", sgs_cli_name(), buf + 2);
	if (o->refine_poses)
		fprintf(stderr, "%s: pose refinement: train views but the first, after iteration %u "
			"at rate %g\n", sgs_cli_name(), o->pose_from, o->pose_lr);
}

/* What -I hull carved, and that masks shaped the run. */
static void print_hull(const struct sgs_trainer *t)
{
	const struct sgs_hull_info *h = sgs_trainer_hull(t);
	if (sgs_trainer_get_opts(t)->train_masks)
		fprintf(stderr, "%s: --train-masks: the train views' masks may shape the run (not the "
			"DTU protocol)\n", sgs_cli_name());
	if (h)
		fprintf(stderr, "%s: visual hull from %u masks: %ux%ux%u voxels of %g, %llu kept, "
			"%llu on the surface, %llu points\n", sgs_cli_name(), h->views, h->n[0], h->n[1],
			h->n[2], h->voxel, (unsigned long long)h->kept, (unsigned long long)h->surface,
			(unsigned long long)h->points);
}

/* --random-bg on a scene whose train images are opaque (composited at
 * import): the network of Gaussians must then paint the background too,
 * which on an object capture becomes a fog in front of it.  Said once,
 * since it is legitimate on real scenes (it forbids transparent holes). */
static void warn_opaque_random_bg(const struct sgs_scene *scene, const char *path)
{
	for (uint32_t i = 0; i < scene->nviews; i++)
		if (scene->views[i].split == SGS_SPLIT_TRAIN && scene->views[i].image.c == 4)
			return;
	sgs_warnx("%s: --random-bg: no train image has an alpha channel, so the background is "
		  "learnt as part of the scene (sgs-init -a keeps alpha)",
		  strcmp(path, "-") == 0 ? "<stdin>" : path);
}

/* A new trainer, or one resumed from --resume's checkpoint; its pseudo
 * views. */
/* --preset: auto resolved by the scene's train views (said on stderr, as
 * it changes the recipe unasked), then the preset's options unless given
 * themselves.  A resumed run's recipe is the checkpoint's. */
static void apply_preset(struct train_args *a, const struct sgs_scene *scene)
{
	if (a->resume)
		return;
	uint32_t ntrain = sgs_scene_count(scene, SGS_SPLIT_TRAIN);
	if (a->preset == PRESET_AUTO) {
		a->preset = ntrain <= PRESET_AUTO_MAX_VIEWS ? PRESET_SPARSE : PRESET_NONE;
		if (a->preset == PRESET_SPARSE)
			fprintf(stderr, "%s: %u train views: --preset sparse (--preset none: without)\n",
				sgs_cli_name(), ntrain);
	}
	if (a->preset == PRESET_SPARSE && !a->dropout_given)
		a->o.dropout = PRESET_SPARSE_DROPOUT;
	if (a->preset == PRESET_SPARSE && !a->smooth_given)
		a->o.depth_smooth_weight = PRESET_SPARSE_SMOOTH;
}

static int start_trainer(const struct sgs_backend *be, const struct sgs_scene *scene,
			 const struct sgs_scene *pseudo, const struct train_args *a,
			 struct sgs_trainer **t)
{
	/* A resume's messages name the checkpoint; a new run's are about
	 * the scene (no seed points, a cap below its initial count). */
	if (a->resume && sgs_trainer_resume(be, scene, a->resume,
					    a->iterations_given ? a->o.iterations : 0, t) != 0)
		return sgs_cli_fail(NULL);
	if (!a->resume && sgs_trainer_new(be, scene, &a->o, t) != 0)
		return sgs_cli_fail("%s", strcmp(a->scene_path, "-") == 0 ? "<stdin>" : a->scene_path);
	if (a->resume)
		sgs_trainer_set_inject_nan(*t, a->o.inject_nan_at);
	if (sgs_trainer_set_pseudo(*t, pseudo) != 0)
		return sgs_cli_fail("%s", pseudo ? a->pseudo_path : a->resume);
	if (a->poses_path && !sgs_trainer_get_opts(*t)->refine_poses) {
		sgs_warnx("-P: %s was made without --refine-poses", a->resume);
		usage();
	}
	if (sgs_trainer_get_opts(*t)->random_bg)
		warn_opaque_random_bg(scene, a->scene_path);
	if (a->verbose) {
		const struct sgs_trainer_opts *o = sgs_trainer_get_opts(*t);
		const struct sgs_schedule *sc = sgs_trainer_schedule(*t);
		char reset[48] = "never";
		if (!sc->resets)
			snprintf(reset, sizeof reset, "never (opacity decay %g)", o->opacity_decay);
		else if (sc->reset_interval != SGS_NEVER)
			snprintf(reset, sizeof reset, "every %u", sc->reset_interval);
		fprintf(stderr,
			"%s: %u train views, %u Gaussians (%s), %u iterations on %s (%s)\n"
			"%s: %s densification from %u until %u every %u, cap %u, opacity reset %s\n",
			sgs_cli_name(), sgs_scene_count(scene, SGS_SPLIT_TRAIN), sgs_trainer_gaussians(*t),
			o->init == SGS_INIT_SEEDS   ? "seed points"
			: o->init == SGS_INIT_DEPTH ? "depth prior pixels"
			: o->init == SGS_INIT_HULL  ? "visual hull surface"
						    : "random",
			sgs_trainer_iterations(*t),
			be->name, be->device_name, sgs_cli_name(), o->mcmc ? "MCMC" : "Inria",
			sc->densify_from, sc->densify_until, sc->densify_interval, o->max_gaussians, reset);
		if (sgs_trainer_uses_prior(o) || o->depth_smooth_weight > 0.0f)
			fprintf(stderr,
				"%s: depth terms: pearson %g, patch %g, relative %g (%u px patches), "
				"rank %g, continuity %g, smooth %g\n",
				sgs_cli_name(), o->depth_weight, o->depth_patch_weight,
				o->depth_relative_weight, o->depth_patch_size, o->depth_rank_weight,
				o->depth_continuity_weight, o->depth_smooth_weight);
		print_regularisers(o);
		print_hull(*t);
		if (o->pseudo_weight > 0)
			fprintf(stderr, "%s: pseudo views: %u from %s, weight %g, every %u iterations\n",
				sgs_cli_name(), pseudo->nviews, a->pseudo_path, o->pseudo_weight,
				o->pseudo_every);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct train_args a = {.backend = "auto"};
	const struct sgs_backend *be;
	struct sgs_trainer *t = NULL;
	struct sgs_scene scene, pseudo;
	struct sgs_output model_out = {0}, poses_out = {0};
	struct run_log log = {0};
	int rc = SGS_EXIT_FAIL;

	sgs_cli_init(argv[0]);
	sgs_cli_passive_threads(argv);
	sgs_trainer_defaults(&a.o);
	parse_args(argc, argv, &a);
	check_distinct_outputs(&a);
	be = sgs_backend_opt(a.backend, usage);
	sgs_scene_init(&pseudo);
	/* The outputs are opened before the work starts, so that an
	 * unwritable -o or -P fails now, not after the whole run; each
	 * appears under its name only once complete. */
	if (sgs_output_open(&model_out, a.outpath) != 0 ||
	    (a.poses_path && sgs_output_open(&poses_out, a.poses_path) != 0)) {
		sgs_cli_fail(NULL);
		sgs_output_abort(&model_out);
		return SGS_EXIT_FAIL;
	}
	if (sgs_cli_load_train_scene(a.scene_path, &scene) != 0) {
		sgs_output_abort(&model_out);
		sgs_output_abort(&poses_out);
		return SGS_EXIT_FAIL;
	}
	if (a.pseudo_path && sgs_scene_load(a.pseudo_path, &pseudo) != 0) {
		sgs_cli_fail(NULL);
		goto done;
	}
	if (a.pseudo_path && sgs_scene_validate(&pseudo) != 0) {
		sgs_cli_fail("%s", a.pseudo_path);
		goto done;
	}
	apply_preset(&a, &scene);
	if (start_trainer(be, &scene, a.pseudo_path ? &pseudo : NULL, &a, &t) != 0)
		goto done;
	if (a.logpath && open_log(t, &a, &log) != 0)
		goto done;
	if (train(t, &a, &log) != 0 || write_model(t, a.outpath, &model_out) != 0)
		goto done;
	if (a.poses_path && sgs_trainer_write_poses(t, poses_out.f) != 0) {
		sgs_cli_fail("%s", strcmp(a.poses_path, "-") == 0 ? "<stdout>" : a.poses_path);
		goto done;
	}
	/* Both are written: the model first into place, then the poses. */
	if (sgs_output_commit(&model_out) != 0 || sgs_output_commit(&poses_out) != 0) {
		sgs_cli_fail(NULL);
		goto done;
	}
	rc = SGS_EXIT_OK;
done:
	sgs_output_abort(&model_out); /* after a commit: nothing */
	sgs_output_abort(&poses_out);
	if (!close_log(&log, rc == SGS_EXIT_OK))
		rc = SGS_EXIT_FAIL;
	sgs_trainer_free(t);
	sgs_scene_free(&scene);
	sgs_scene_free(&pseudo);
	return rc;
}
