/*
 * sgs-render: render a splat file from a scene's views or along a camera
 * path, to PNG files (plus depth TIFFs and alpha PNGs) or to a scene
 * stream on stdout that sgs-eval reads from a pipe; or convert the splat
 * file for the web viewers (--export splat, no scene needed).
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sgs_backend_opt.h"
#include "sgs_camera.h"
#include "sgs_campath.h"
#include "sgs_cli.h"
#include "sgs_kernels.h"
#include "sgs_output.h"
#include "sgs_progress.h"
#include "sgs_scene.h"
#include "sgs_splat.h"
#include "sgs_splat_web.h"

struct render_opts {
	const char *backend;
	const char *scene_path, *splat_path;
	const char *outdir;     /* NULL: scene stream on stdout */
	const char *scene_out;  /* --scene-out: the scene stream to this file */
	uint32_t split;         /* SGS_SPLIT_* (NONE = all) */
	int path_kind;          /* -1: the scene's views */
	uint32_t nframes;
	uint32_t width, height; /* 0: keep */
	uint32_t factor;        /* -r */
	int bg_given;
	float bg[3];
	int want_depth, want_alpha, verbose;
	const char *export_path; /* --export splat FILE: convert, render nothing */
	int render_opt;          /* the last rendering option seen, refused with --export */
};

/* The long options without a short one. */
enum { OPT_SCENE_OUT = 256, OPT_EXPORT };

/* What one rendered frame is called and seen from. */
struct frame {
	char name[SGS_NAME_MAX];
	struct sgs_camera cam;
	const struct sgs_view *view; /* NULL for path frames */
};

static const char synopsis[] =
	"usage: sgs-render [-adv] [-b backend] [-B r,g,b] [-o dir] [-p orbit|spiral|between]\n"
	"                  [-N frames] [-r factor] [-s train|test|all] [-W width] [-H height]\n"
	"                  [--scene-out file] scene splat\n"
	"       sgs-render --export splat file splat\n";

static void help(void)
{
	fputs(synopsis, stdout);
	printf("\n"
	       "  -s split      views to render: train, test (default) or all\n"
	       "  -p path       render a camera path instead: orbit, spiral, or between\n"
	       "                (through the train views: pseudo views for sgs-train)\n"
	       "  -N frames     frames along the path (default 120)\n"
	       "  -o dir        write <view>.png there (default: a scene stream on stdout);\n"
	       "                with -p also transforms.json (sgs-init -f ngp reads it)\n"
	       "  --scene-out file  write the scene stream to file (also with -o)\n"
	       "  -d            also write <view>.tiff, float32 depth (expected z / alpha)\n"
	       "  -a            also write <view>_alpha.png\n"
	       "  -W, -H        output size (intrinsics scaled); -r divides the size\n"
	       "  -B r,g,b      background colour in [0,1] (default: the scene's)\n"
	       "  -b backend    auto (default), cpu or cuda\n"
	       "  -v            print milliseconds per frame and frames per second\n"
	       "                (without -v a counter when stderr is a terminal)\n"
	       "  --export splat file  write the model as a web viewer's .splat file\n"
	       "                (\"-\": stdout) instead of rendering; no scene operand\n");
}

/* A usage error: its message is out, the synopsis follows. */
static _Noreturn void usage(void)
{
	fputs(synopsis, stderr);
	exit(SGS_EXIT_USAGE);
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Scale the camera to the requested output size. */
static int resize_camera(struct sgs_camera *c, const struct render_opts *o)
{
	uint32_t w = c->w, h = c->h;
	if (o->width || o->height) {
		/* One given: keep the aspect ratio. */
		w = o->width ? o->width : (uint32_t)lround((double)c->w * o->height / c->h);
		h = o->height ? o->height : (uint32_t)lround((double)c->h * o->width / c->w);
	}
	w /= o->factor;
	h /= o->factor;
	if (w == 0 || h == 0)
		return sgs_error_set("output size %ux%u is empty", w, h);
	double sx = (double)w / c->w, sy = (double)h / c->h;
	c->fx *= sx;
	c->cx *= sx;
	c->fy *= sy;
	c->cy *= sy;
	c->w = w;
	c->h = h;
	return 0;
}

static int collect_frames(const struct sgs_scene *s, const struct render_opts *o,
			  struct frame **frames, uint32_t *nframes)
{
	uint32_t n = o->path_kind >= 0 ? o->nframes : sgs_scene_count(s, o->split);
	struct frame *f = calloc(n ? n : 1, sizeof *f);
	if (!f)
		return sgs_error_set("out of memory");
	if (o->path_kind >= 0) {
		struct sgs_camera *cams = calloc(n, sizeof *cams);
		if (!cams || sgs_camera_path(s, o->path_kind, n, cams) != 0) {
			if (!cams)
				sgs_error_set("out of memory");
			free(cams);
			free(f);
			return -1;
		}
		for (uint32_t k = 0; k < n; k++) {
			snprintf(f[k].name, sizeof f[k].name, "frame_%04u", k);
			f[k].cam = cams[k];
		}
		free(cams);
	} else {
		uint32_t k = 0;
		for (uint32_t i = 0; i < s->nviews; i++) {
			const struct sgs_view *v = &s->views[i];
			if (o->split != SGS_SPLIT_NONE && v->split != o->split)
				continue;
			memcpy(f[k].name, v->name, sizeof f[k].name);
			f[k].cam = v->cam;
			f[k].view = v;
			k++;
		}
	}
	for (uint32_t k = 0; k < n; k++)
		if (resize_camera(&f[k].cam, o) != 0) {
			free(f);
			return -1;
		}
	*frames = f;
	*nframes = n;
	return 0;
}

static uint8_t to_u8(float v)
{
	v = v < 0 ? 0 : v > 1 ? 1 : v;
	return (uint8_t)lrintf(v * 255.f);
}

/* Host copies of one frame's outputs. */
struct host_frame {
	float *rgb, *alpha, *depth;
};

/* One file of a frame: "dir/NAME" + suffix, a path that stays inside dir
 * (sgs_stem_path refuses a name that would leave it). */
static int write_png_file(const char *dir, const char *name, const char *suffix,
			  const struct sgs_image *img)
{
	char *path = sgs_stem_path(dir, name, suffix);
	int rc = path ? sgs_png_write(path, img) : -1;
	free(path);
	return rc;
}

static int write_files(const char *dir, const struct frame *fr, const struct host_frame *hf,
		       const struct render_opts *o)
{
	uint32_t w = fr->cam.w, h = fr->cam.h;
	size_t npix = (size_t)w * h;
	struct sgs_image img;
	int rc;

	if (sgs_image_alloc(&img, w, h, 3, 8) != 0)
		return -1;
	for (size_t i = 0; i < 3 * npix; i++)
		((uint8_t *)img.data)[i] = to_u8(hf->rgb[i]);
	rc = write_png_file(dir, fr->name, ".png", &img);
	sgs_image_free(&img);
	if (rc == 0 && o->want_alpha) {
		if (sgs_image_alloc(&img, w, h, 1, 8) != 0)
			return -1;
		for (size_t i = 0; i < npix; i++)
			((uint8_t *)img.data)[i] = to_u8(hf->alpha[i]);
		rc = write_png_file(dir, fr->name, "_alpha.png", &img);
		sgs_image_free(&img);
	}
	if (rc == 0 && o->want_depth) {
		/* Expected depth normalised by alpha: the z of the surface the
		 * pixel sees; 0 where nothing was hit. */
		float *d = malloc(npix * sizeof *d);
		char *path = sgs_stem_path(dir, fr->name, ".tiff");
		if (!d || !path) {
			free(d);
			free(path);
			return path ? sgs_error_set("out of memory") : -1;
		}
		for (size_t i = 0; i < npix; i++)
			d[i] = hf->alpha[i] > 1e-4f ? hf->depth[i] / hf->alpha[i] : 0.f;
		rc = sgs_tiff_write_float(path, w, h, 1, d);
		free(d);
		free(path);
	}
	return rc;
}

/* Append the frame to the scene stream being built. */
static int add_to_stream(struct sgs_scene *out, const struct frame *fr, const struct host_frame *hf)
{
	struct sgs_view *v = sgs_scene_add_views(out, 1);
	if (!v)
		return -1;
	memcpy(v->name, fr->name, sizeof v->name);
	v->cam = fr->cam;
	if (fr->view) {
		v->id = fr->view->id;
		v->split = fr->view->split;
		v->near = fr->view->near;
		v->far = fr->view->far;
	}
	if (sgs_image_alloc(&v->image, fr->cam.w, fr->cam.h, 3, 8) != 0)
		return -1;
	for (size_t i = 0; i < 3 * (size_t)fr->cam.w * fr->cam.h; i++)
		((uint8_t *)v->image.data)[i] = to_u8(hf->rgb[i]);
	return 0;
}

/* The path's cameras as an instant-ngp transforms.json beside its PNGs
 * (camera-to-world in OpenGL axes, intrinsics and size per frame), so that
 * sgs-init -f ngp rebuilds the scene from the PNGs after another tool has
 * rewritten them. */
static int write_transforms(const char *dir, const struct frame *frames, uint32_t n)
{
	char path[4096];
	struct sgs_output out;
	snprintf(path, sizeof path, "%s/transforms.json", dir);
	if (sgs_output_open(&out, path) != 0)
		return -1;
	fprintf(out.f, "{\n  \"frames\": [");
	for (uint32_t k = 0; k < n; k++) {
		const struct sgs_camera *c = &frames[k].cam;
		double C[3];
		sgs_camera_center(c, C);
		fprintf(out.f, "%s\n    {\"file_path\": \"%s.png\", \"w\": %u, \"h\": %u, "
			"\"fl_x\": %.17g, \"fl_y\": %.17g, \"cx\": %.17g, \"cy\": %.17g,\n"
			"     \"transform_matrix\": [", k ? "," : "", frames[k].name, c->w, c->h, c->fx,
			c->fy, c->cx, c->cy);
		for (int r = 0; r < 3; r++) /* columns x, -y, -z of R^T, then the centre */
			fprintf(out.f, "[%.17g, %.17g, %.17g, %.17g], ", c->R[r], -c->R[3 + r],
				-c->R[6 + r], C[r]);
		fprintf(out.f, "[0, 0, 0, 1]]}");
	}
	fprintf(out.f, "\n  ]\n}\n");
	return sgs_output_commit(&out);
}

static int render_all(const struct sgs_backend *be, const struct sgs_splats *sp, const struct frame *frames,
		      uint32_t nframes, const struct render_opts *o, struct sgs_scene *stream)
{
	struct sgs_gaussians host = {(uint32_t)sp->n, (int)sp->sh_degree, (int)sp->sh_degree, sp->means,
				     sp->log_scales, sp->quats, sp->logit_opacity, sp->sh};
	struct sgs_gaussians g;
	struct sgs_raster_ctx *ctx = NULL;
	struct sgs_render_out out = {0};
	struct host_frame hf = {0};
	struct sgs_raster_opts ro = {.bg = {o->bg[0], o->bg[1], o->bg[2]}, .antialias = 0};
	struct sgs_progress pr;
	double total = 0;
	int rc = -1, cur_w = 0, cur_h = 0;

	/* -v prints a line per frame instead */
	sgs_progress_start(&pr, "rendered", nframes, !o->verbose);

	if (sgs_gaussians_alloc(be, &g, (uint32_t)sp->n, (int)sp->sh_degree) != 0)
		return -1;
	if (sgs_gaussians_upload(be, &g, &host) != 0 || !(ctx = be->ctx_new()))
		goto done;
	for (uint32_t k = 0; k < nframes; k++) {
		const struct frame *fr = &frames[k];
		struct sgs_cam cam;
		size_t npix = (size_t)fr->cam.w * fr->cam.h;
		if ((int)fr->cam.w != cur_w || (int)fr->cam.h != cur_h) {
			sgs_render_out_free(be, &out);
			free(hf.rgb);
			free(hf.alpha);
			free(hf.depth);
			hf.rgb = malloc(3 * npix * sizeof(float));
			hf.alpha = malloc(npix * sizeof(float));
			hf.depth = malloc(npix * sizeof(float));
			if (!hf.rgb || !hf.alpha || !hf.depth) {
				sgs_error_set("out of memory");
				goto done;
			}
			if (sgs_render_out_alloc(be, &out, (int)fr->cam.w, (int)fr->cam.h, 1) != 0)
				goto done;
			cur_w = (int)fr->cam.w;
			cur_h = (int)fr->cam.h;
		}
		sgs_cam_from_camera(&fr->cam, &cam);
		double t0 = now_ms();
		if (sgs_render(ctx, &g, &cam, &ro, &out) != 0 || be->sync() != 0)
			goto done;
		double ms = now_ms() - t0;
		total += ms;
		if (be->download(hf.rgb, out.rgb, 3 * npix * sizeof(float)) != 0 ||
		    be->download(hf.alpha, out.alpha, npix * sizeof(float)) != 0 ||
		    be->download(hf.depth, out.depth, npix * sizeof(float)) != 0)
			goto done;
		if (o->verbose)
			fprintf(stderr, "%s: %s: %ux%u, %.2f ms\n", sgs_cli_name(), fr->name, fr->cam.w,
				fr->cam.h, ms);
		if ((o->outdir && write_files(o->outdir, fr, &hf, o) != 0) ||
		    ((!o->outdir || o->scene_out) && add_to_stream(stream, fr, &hf) != 0))
			goto done;
		sgs_progress_step(&pr, k + 1, fr->name);
	}
	sgs_progress_end(&pr);
	if (o->verbose && nframes > 0)
		fprintf(stderr, "%s: %u frames on %s (%s), %.2f ms/frame, %.1f frames/s\n", sgs_cli_name(),
			nframes, be->name, be->device_name, total / nframes, 1e3 * nframes / total);
	rc = 0;
done:
	sgs_progress_clear(&pr); /* before the caller's error message */
	free(hf.rgb);
	free(hf.alpha);
	free(hf.depth);
	sgs_render_out_free(be, &out);
	if (ctx)
		be->ctx_free(ctx);
	sgs_gaussians_free(be, &g);
	return rc;
}

/* --export FORMAT FILE: the option's argument names the format, the
 * argument after it the output file, which getopt then steps over. */
static void parse_export(int argc, char **argv, struct render_opts *o)
{
	if (strcmp(optarg, "splat") != 0) {
		sgs_warnx("--export: unknown format '%s' (expected splat)", optarg);
		usage();
	}
	/* An option there is a forgotten file name ("./-x" names such a file). */
	if (optind >= argc || (argv[optind][0] == '-' && argv[optind][1] != '\0')) {
		sgs_warnx("--export splat: missing the output file");
		usage();
	}
	o->export_path = argv[optind++];
}

/* An export reads the model alone: rendering options and a scene operand
 * would be ignored, so they are refused. */
static void check_export_args(int argc, char **argv, struct render_opts *o)
{
	if (o->render_opt) {
		if (o->render_opt < 256)
			sgs_warnx("-%c: not used with --export", o->render_opt);
		else
			sgs_warnx("rendering options are not used with --export");
		usage();
	}
	if (argc - optind == 2) {
		sgs_warnx("--export: give the model alone; a splat export needs no scene");
		usage();
	}
	if (sgs_cli_operands(argc, argv, 1, 1) != 0)
		usage();
	o->splat_path = argv[optind];
	if (!strcmp(o->export_path, "-") && isatty(STDOUT_FILENO)) {
		sgs_warnx("refusing to write a binary .splat file to a terminal; give a file name");
		usage();
	}
}

static void parse_args(int argc, char **argv, struct render_opts *o)
{
	static const struct option longopts[] = {
		{"help", no_argument, NULL, 'h'},
		{"scene-out", required_argument, NULL, OPT_SCENE_OUT},
		{"export", required_argument, NULL, OPT_EXPORT},
		{NULL, 0, NULL, 0},
	};
	double bg[3];
	long v;
	int ch;
	while ((ch = sgs_cli_getopt(argc, argv, "ab:B:dhH:N:o:p:r:s:vW:", longopts)) != -1) {
		if (ch != OPT_EXPORT && ch != 'h' && ch != '?')
			o->render_opt = ch;
		switch (ch) {
		case OPT_EXPORT: parse_export(argc, argv, o); break;
		case 'a': o->want_alpha = 1; break;
		case 'b': o->backend = optarg; break;
		case 'B':
			if (sgs_parse_doubles(optarg, 3, "-B", bg) != 0)
				usage();
			for (int i = 0; i < 3; i++) {
				if (bg[i] < 0 || bg[i] > 1) {
					sgs_warnx("-B: colour components must lie in [0, 1]");
					usage();
				}
				o->bg[i] = (float)bg[i];
			}
			o->bg_given = 1;
			break;
		case 'd': o->want_depth = 1; break;
		case 'h': help(); exit(SGS_EXIT_OK);
		case 'H': case 'W':
			if (sgs_parse_long(optarg, 1, 16384, ch == 'W' ? "-W" : "-H", &v) != 0)
				usage();
			*(ch == 'W' ? &o->width : &o->height) = (uint32_t)v;
			break;
		case 'N':
			if (sgs_parse_long(optarg, 1, 100000, "-N", &v) != 0)
				usage();
			o->nframes = (uint32_t)v;
			break;
		case 'o': o->outdir = optarg; break;
		case 'p':
			if (sgs_path_parse(optarg, &o->path_kind) != 0) {
				sgs_cli_fail("-p");
				usage();
			}
			break;
		case 'r':
			if (sgs_parse_long(optarg, 1, 64, "-r", &v) != 0)
				usage();
			o->factor = (uint32_t)v;
			break;
		case 's':
			if (sgs_split_parse(optarg, &o->split) != 0) {
				sgs_cli_fail("-s");
				usage();
			}
			break;
		case 'v': o->verbose = 1; break;
		case OPT_SCENE_OUT: o->scene_out = optarg; break;
		default: usage();
		}
	}
	if (o->export_path) {
		check_export_args(argc, argv, o);
		return;
	}
	if (sgs_cli_operands(argc, argv, 2, 2) != 0)
		usage();
	o->scene_path = argv[optind];
	o->splat_path = argv[optind + 1];
	if (!strcmp(o->scene_path, "-") && !strcmp(o->splat_path, "-")) {
		sgs_warnx("the scene and the splat cannot both come from stdin");
		usage();
	}
	if (sgs_cli_same_file(o->outdir, o->scene_out)) {
		sgs_warnx("-o %s, --scene-out %s: a folder and a file cannot have one name",
			  o->outdir, o->scene_out);
		usage();
	}
	if (!o->outdir && (!o->scene_out || !strcmp(o->scene_out, "-")) && isatty(STDOUT_FILENO)) {
		sgs_warnx("refusing to write a binary scene stream to a terminal; use -o dir");
		usage();
	}
}

/* The scene and the splat; both or neither are loaded. */
static int load_inputs(const struct render_opts *o, struct sgs_scene *scene, struct sgs_splats *sp)
{
	if (sgs_cli_load_scene(o->scene_path, scene) != 0)
		return SGS_EXIT_FAIL;
	if (sgs_splat_load_valid(o->splat_path, sp) != 0) {
		int rc = sgs_cli_fail(NULL);
		sgs_scene_free(scene);
		return rc;
	}
	return 0;
}

/* The memory the frames need against what there is, before anything is
 * allocated: a size that cannot fit (-W/-H up to 16384, -N up to 100000,
 * or a scene's own cameras) is refused with the numbers, rather than met
 * frames into the run.  On the backend: the model and one frame's
 * buffers; on the host: the frame's copy and, for a scene stream, every
 * rendered image, kept until the stream is written. */
static int check_memory(const struct sgs_backend *be, const struct sgs_splats *sp,
			const struct frame *frames, uint32_t n, int to_stream)
{
	const struct sgs_backend *host_be = sgs_backend_cpu();
	uint64_t maxpix = 0, images = 0, avail[2];
	uint32_t w = 0, h = 0;
	for (uint32_t k = 0; k < n; k++) {
		uint64_t np = (uint64_t)frames[k].cam.w * frames[k].cam.h;
		if (np > maxpix)
			maxpix = np, w = frames[k].cam.w, h = frames[k].cam.h;
		images += 3 * np;
	}
	uint64_t need[2] = {sgs_render_memory(sp->n, (int)sp->sh_degree, maxpix),
			    5 * maxpix * sizeof(float) + (to_stream ? images : 0)};
	const struct sgs_backend *side[2] = {be, host_be};
	if (be == host_be) /* one memory for both */
		need[0] += need[1], need[1] = 0;
	for (int i = 0; i < 2; i++) {
		if (!need[i] || !side[i]->mem_available || side[i]->mem_available(&avail[i]) != 0 ||
		    need[i] <= avail[i])
			continue;
		char total[32], img[32], have[32];
		return sgs_error_set("%u frames of up to %ux%u need about %s%s (%" PRIu64
				     " Gaussians%s%s) but the %s backend has %s available; "
				     "lower -W/-H or -N, or raise -r%s",
				     n, w, h, sgs_human_bytes(need[i], total, sizeof total),
				     i == 0 && be != host_be ? " on the device" : "", (uint64_t)sp->n,
				     to_stream && (i == 1 || be == host_be) ? ", a scene stream holding every image: " : "",
				     to_stream && (i == 1 || be == host_be) ? sgs_human_bytes(images, img, sizeof img) : "",
				     side[i]->name, sgs_human_bytes(avail[i], have, sizeof have),
				     to_stream ? ", or write PNGs with -o" : "");
	}
	return 0;
}

/* Render the frames, to files in -o's folder or into a scene stream on
 * stdout. */
static int render(const struct sgs_backend *be, const struct sgs_scene *scene,
		  const struct sgs_splats *sp, const struct render_opts *o)
{
	struct sgs_scene stream;
	struct sgs_output so = {0};
	struct frame *frames = NULL;
	uint32_t nframes = 0;
	int rc = SGS_EXIT_FAIL, to_stream = !o->outdir || o->scene_out;
	const char *so_name = o->scene_out && strcmp(o->scene_out, "-") ? o->scene_out : "<stdout>";

	sgs_scene_init(&stream);
	/* The stream's output is opened before the work, so that an
	 * unwritable --scene-out fails before any frame is rendered. */
	if (to_stream && sgs_output_open(&so, o->scene_out) != 0) {
		sgs_cli_fail(NULL);
		goto done;
	}
	if (collect_frames(scene, o, &frames, &nframes) != 0) {
		sgs_cli_fail("%s", o->scene_path);
		goto done;
	}
	if (nframes == 0) {
		sgs_warnx("%s: no %s views to render", o->scene_path,
			  o->split == SGS_SPLIT_TRAIN ? "train" : o->split == SGS_SPLIT_TEST ? "test" : "");
		goto done;
	}
	if (check_memory(be, sp, frames, nframes, to_stream) != 0) {
		sgs_cli_fail("%s", o->scene_path);
		goto done;
	}
	if (o->outdir && sgs_mkdir_p(o->outdir) != 0) {
		sgs_cli_fail(NULL);
		goto done;
	}
	snprintf(stream.source, sizeof stream.source, "render");
	memcpy(stream.protocol, scene->protocol, sizeof stream.protocol);
	if (o->path_kind >= 0) /* path frames: split none, the path's name */
		snprintf(stream.protocol, sizeof stream.protocol, "%s", sgs_path_name(o->path_kind));
	memcpy(stream.background, o->bg, sizeof o->bg);
	if (render_all(be, sp, frames, nframes, o, &stream) != 0 ||
	    (o->outdir && o->path_kind >= 0 && write_transforms(o->outdir, frames, nframes) != 0)) {
		sgs_cli_fail(NULL);
		goto done;
	}
	if (to_stream && sgs_scene_write(so.f, &stream) != 0) {
		sgs_cli_fail("%s", so_name);
		goto done;
	}
	if (to_stream && sgs_output_commit(&so) != 0) {
		sgs_cli_fail(NULL);
		goto done;
	}
	rc = SGS_EXIT_OK;
done:
	sgs_output_abort(&so); /* after a commit: nothing */
	free(frames);
	sgs_scene_free(&stream);
	return rc;
}

/* --export splat: the model converted; nothing is rendered. */
static int export_splat(const struct render_opts *o)
{
	struct sgs_splats sp;
	if (sgs_splat_load_valid(o->splat_path, &sp) != 0)
		return sgs_cli_fail(NULL);
	/* A model the format cannot hold is the input's fault: say so with
	 * its name, before an output is opened. */
	int rc = sgs_web_splat_check(&sp) != 0 ? sgs_cli_fail("%s", o->splat_path)
	       : sgs_web_splat_save(o->export_path, &sp) != 0 ? sgs_cli_fail(NULL)
							     : SGS_EXIT_OK;
	sgs_splats_free(&sp);
	return rc;
}

int main(int argc, char **argv)
{
	struct render_opts o = {.backend = "auto", .split = SGS_SPLIT_TEST, .path_kind = -1,
				.nframes = 120, .factor = 1};
	const struct sgs_backend *be;
	struct sgs_scene scene;
	struct sgs_splats sp;
	int rc;

	sgs_cli_init(argv[0]);
	sgs_cli_passive_threads(argv);
	parse_args(argc, argv, &o);
	if (o.export_path)
		return export_splat(&o);
	be = sgs_backend_opt(o.backend, usage);
	if (load_inputs(&o, &scene, &sp) != 0)
		return SGS_EXIT_FAIL;
	if (!o.bg_given)
		memcpy(o.bg, scene.background, sizeof o.bg);
	rc = render(be, &scene, &sp, &o);
	sgs_scene_free(&scene);
	sgs_splats_free(&sp);
	return rc;
}
