/*
 * sgs-train: optimise 3D Gaussians for a scene's train views (Inria
 * 3DGS's recipe) and write the model as a splat file.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sgs_backend_opt.h"
#include "sgs_cli.h"
#include "sgs_kernels.h"
#include "sgs_scene.h"
#include "sgs_splat.h"
#include "sgs_trainer.h"

struct train_args {
	const char *backend, *scene_path, *outpath, *logpath, *resume, *ckpt_path;
	char ckpt_default[4096];
	uint32_t ckpt_every;
	int verbose;
	int recipe_given; /* an option that a checkpoint fixes was given */
	int iterations_given;
	struct sgs_trainer_opts o;
};

static const char synopsis[] =
	"usage: sgs-train [-v] [-b backend] [-c every] [-I seeds|random] [-l log] [-n iterations]\n"
	"                 [-N count] [-o file] [-S seed] [--checkpoint file] [--max-gaussians n]\n"
	"                 [--mcmc] [--random-bg] [--resume file] [--sh degree] [scene]\n";

static void help(void)
{
	fputs(synopsis, stdout);
	printf("\n  -b backend          auto (default), cpu or cuda\n"
	       "  -c every            write a checkpoint every N iterations\n"
	       "  --checkpoint file   where (default: <-o file>.ckpt, or sgs-train.ckpt)\n"
	       "  -I init             seeds (the scene's seed points, default) or random\n"
	       "  -N count            Gaussians for -I random (default 100000)\n"
	       "  -l log              TSV log: iteration l1 ssim loss psnr gaussians seconds\n"
	       "  -n iterations       default 30000 (shorter runs scale the schedule)\n"
	       "  -o file             output PLY (default stdout)\n"
	       "  -S seed             random seed (default 0)\n"
	       "  --max-gaussians n   stop densifying at n Gaussians\n"
	       "  --mcmc              MCMC densification (relocation) up to --max-gaussians\n"
	       "                      (default 3x the initial count)\n"
	       "  --random-bg         random background colour every iteration\n"
	       "  --resume file       continue from a checkpoint\n"
	       "  --sh degree         maximum SH degree (0-3, default 3)\n"
	       "  -v                  progress lines even when stderr is not a terminal\n");
}

/* A usage error: its message is out, the synopsis follows. */
static _Noreturn void usage(void)
{
	fputs(synopsis, stderr);
	exit(SGS_EXIT_USAGE);
}

/* The command line, then what follows from it: the scene operand, stdout
 * for "-o -", the default checkpoint name. */
static void parse_args(int argc, char **argv, struct train_args *a)
{
	enum { OPT_RESUME = 256, OPT_SH, OPT_RANDOM_BG, OPT_MAX_G, OPT_CKPT, OPT_MCMC };
	static const struct option longopts[] = {
		{"resume", required_argument, NULL, OPT_RESUME},
		{"sh", required_argument, NULL, OPT_SH},
		{"random-bg", no_argument, NULL, OPT_RANDOM_BG},
		{"max-gaussians", required_argument, NULL, OPT_MAX_G},
		{"checkpoint", required_argument, NULL, OPT_CKPT},
		{"mcmc", no_argument, NULL, OPT_MCMC},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	long v;
	int ch;
	while ((ch = sgs_cli_getopt(argc, argv, "b:c:hI:l:n:N:o:S:v", longopts)) != -1) {
		switch (ch) {
		case 'b': a->backend = optarg; break;
		case 'c':
			if (sgs_parse_long(optarg, 1, 100000000L, "-c", &v) != 0)
				usage();
			a->ckpt_every = (uint32_t)v;
			break;
		case 'I':
			if (strcmp(optarg, "seeds") != 0 && strcmp(optarg, "random") != 0) {
				sgs_warnx("-I: unknown initialisation '%s' (expected seeds or random)", optarg);
				usage();
			}
			a->o.init = strcmp(optarg, "random") == 0 ? SGS_INIT_RANDOM : SGS_INIT_SEEDS;
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
		case OPT_MCMC:
			a->o.mcmc = 1;
			a->recipe_given = 1;
			break;
		case OPT_MAX_G:
			if (sgs_parse_long(optarg, 1, 2000000000L, "--max-gaussians", &v) != 0)
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
	if (a->resume && a->recipe_given) {
		sgs_warnx("--resume: -I, -N, -S, --sh, --random-bg, --mcmc and --max-gaussians come from the checkpoint");
		usage();
	}
	const char *env = getenv("SGS_TEST_INJECT_NAN_AT");
	if (env && *env) {
		if (sgs_parse_long(env, 1, 100000000L, "SGS_TEST_INJECT_NAN_AT", &v) != 0)
			usage();
		a->o.inject_nan_at = (uint32_t)v;
	}

	a->scene_path = optind < argc ? argv[optind] : "-";
	if (a->outpath && strcmp(a->outpath, "-") == 0)
		a->outpath = NULL;
	if (!a->outpath && isatty(STDOUT_FILENO)) {
		sgs_warnx("refusing to write a binary model to a terminal; use -o file");
		usage();
	}
	if (!a->ckpt_path) {
		snprintf(a->ckpt_default, sizeof a->ckpt_default, "%s.ckpt",
			 a->outpath ? a->outpath : "sgs-train");
		a->ckpt_path = a->ckpt_default;
	}
}

/* The backend and its training ops, or exit 2 or 3 (sgs_backend_opt).
 * "auto" falls back to the CPU when the GPU backend has no training ops
 * in this build. */
static const struct sgs_train_ops *pick_backend(const char *name, const struct sgs_backend **be)
{
	const struct sgs_train_ops *ops;
	*be = sgs_backend_opt(name, usage);
	ops = sgs_trainer_ops(*be);
	if (!ops && strcmp(name, "auto") == 0 && strcmp((*be)->name, "cpu") != 0) {
		*be = sgs_backend_cpu();
		ops = sgs_trainer_ops(*be);
	}
	if (!ops) {
		sgs_cli_fail("-b %s", name);
		exit(SGS_EXIT_BACKEND);
	}
	return ops;
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

static FILE *open_log(const char *path, int resumed)
{
	FILE *f = fopen(path, resumed ? "a" : "w");
	if (!f) {
		sgs_warnx("%s: %s", path, strerror(errno));
		return NULL;
	}
	if (ftell(f) == 0)
		fprintf(f, "iteration\tl1\tssim\tloss\tpsnr\tgaussians\tseconds\n");
	return f;
}

/* Run to the end, checkpointing on the way. */
static int train(struct sgs_trainer *t, const struct train_args *a, FILE *log)
{
	struct sgs_step_info in;
	uint32_t total = sgs_trainer_iterations(t);
	struct progress p = {a->verbose || isatty(STDERR_FILENO), isatty(STDERR_FILENO), now_s(), 0,
			     sgs_trainer_iteration(t), 0, 0};
	while (sgs_trainer_iteration(t) < total) {
		if (sgs_trainer_step(t, &in) != 0) {
			if (p.on && p.tty)
				fputc('\n', stderr);
			sgs_warnx("%s; no model written", sgs_error_get());
			return -1;
		}
		if (log) {
			fprintf(log, "%u\t%.6f\t%.6f\t%.6f\t%.4f\t%u\t%.3f\n", in.iteration, in.l1, in.ssim,
				in.loss, in.psnr, in.gaussians, in.seconds);
			if (in.iteration % 100 == 0) /* a killed run still leaves its log */
				fflush(log);
		}
		progress_update(&p, &in, total, in.iteration == total);
		if (a->ckpt_every && in.iteration % a->ckpt_every == 0 && in.iteration < total &&
		    sgs_trainer_checkpoint(t, a->ckpt_path) != 0) {
			sgs_cli_fail(NULL);
			return -1;
		}
	}
	if (log && (fflush(log) != 0 || ferror(log))) {
		sgs_warnx("%s: write error: %s", a->logpath, strerror(errno));
		return -1;
	}
	return 0;
}

static int write_model(const struct sgs_trainer *t, const char *outpath)
{
	struct sgs_splats sp;
	if (sgs_trainer_export(t, &sp) != 0 || sgs_splat_validate(&sp) != 0 ||
	    sgs_splat_save(outpath ? outpath : "-", &sp) != 0) {
		sgs_cli_fail(NULL);
		sgs_splats_free(&sp);
		return -1;
	}
	sgs_splats_free(&sp);
	return 0;
}

/* A valid scene with train views; nothing to free on failure. */
static int load_scene(const char *path, struct sgs_scene *scene)
{
	int rc = 0;
	if (sgs_scene_load(path, scene) != 0)
		return sgs_cli_fail(NULL);
	if (sgs_scene_validate(scene) != 0)
		rc = sgs_cli_fail("%s", path);
	else if (sgs_scene_count(scene, SGS_SPLIT_TRAIN) == 0) {
		sgs_warnx("%s: the scene has no train views", path);
		rc = SGS_EXIT_FAIL;
	}
	if (rc != 0)
		sgs_scene_free(scene);
	return rc;
}

/* A new trainer, or one resumed from --resume's checkpoint. */
static int start_trainer(const struct sgs_backend *be, const struct sgs_train_ops *ops,
			 const struct sgs_scene *scene, const struct train_args *a,
			 struct sgs_trainer **t)
{
	if (a->resume ? sgs_trainer_resume(be, ops, scene, a->resume,
					   a->iterations_given ? a->o.iterations : 0, t)
		      : sgs_trainer_new(be, ops, scene, &a->o, t))
		return sgs_cli_fail(NULL);
	if (a->resume)
		sgs_trainer_set_inject_nan(*t, a->o.inject_nan_at);
	if (a->verbose)
		fprintf(stderr, "%s: %u train views, %u Gaussians, %u iterations on %s (%s)\n",
			sgs_cli_name(), sgs_scene_count(scene, SGS_SPLIT_TRAIN), sgs_trainer_gaussians(*t),
			sgs_trainer_iterations(*t), be->name, be->device_name);
	return 0;
}

int main(int argc, char **argv)
{
	struct train_args a = {.backend = "auto"};
	const struct sgs_backend *be;
	const struct sgs_train_ops *ops;
	struct sgs_trainer *t = NULL;
	struct sgs_scene scene;
	FILE *log = NULL;
	int rc = SGS_EXIT_FAIL;

	sgs_cli_init(argv[0]);
	sgs_trainer_defaults(&a.o);
	parse_args(argc, argv, &a);
	ops = pick_backend(a.backend, &be);
	if (load_scene(a.scene_path, &scene) != 0)
		return SGS_EXIT_FAIL;
	if (start_trainer(be, ops, &scene, &a, &t) != 0)
		goto done;
	if (a.logpath && !(log = open_log(a.logpath, a.resume != NULL)))
		goto done;
	if (train(t, &a, log) != 0 || write_model(t, a.outpath) != 0)
		goto done;
	rc = SGS_EXIT_OK;
done:
	if (log && fclose(log) != 0 && rc == SGS_EXIT_OK) {
		sgs_warnx("%s: write error: %s", a.logpath, strerror(errno));
		rc = SGS_EXIT_FAIL;
	}
	sgs_trainer_free(t);
	sgs_scene_free(&scene);
	return rc;
}
