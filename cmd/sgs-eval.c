/*
 * sgs-eval: compare rendered views with a scene's ground truth and print
 * PSNR, SSIM (Inria 3DGS or scikit-image convention), the DTU masked rule,
 * and depth AbsRel/RMSE, as TSV or JSON; with --prior, score the scene's
 * own depth priors against its ground-truth depth instead.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sgs_cli.h"
#include "sgs_colormap.h"
#include "sgs_compare.h"
#include "sgs_depth_files.h"
#include "sgs_image.h"
#include "sgs_metrics.h"
#include "sgs_scene.h"

struct eval_opts {
	uint32_t split;
	int json;
	int ssim_mode;          /* enum sgs_ssim_mode */
	int use_mask;
	int prior;              /* --prior: score the depth priors */
	const char *errdir;     /* -e */
	const char *cmpdir;     /* -g */
	const char *depthdir;   /* -D */
	const char *baseline;   /* --baseline: another model's renders, for -g */
	const char *renders;    /* folder, or NULL for a scene stream on stdin */
	const char *scene_path;
	const char *scene_name; /* for messages */
};

struct view_result {
	const char *name;
	double psnr, ssim;
	int masked;
	int has_depth;
	double absrel, rmse;
	double base_psnr;       /* --baseline's render of the view */
	struct sgs_image thumb; /* -g: the comparison, shrunk for the index */
};

static const char synopsis[] =
	"usage: sgs-eval [-j] [-D dir] [-e dir] [-g dir] [-m mask|nomask] [-s train|test|all]\n"
	"                [--baseline dir] [--ssim-crop] scene [renders]\n"
	"       sgs-eval --prior [-j] [-s train|test|all] scene\n";

static void help(void)
{
	fputs(synopsis, stdout);
	printf("\n"
	       "  scene          scene file with the ground truth (- for stdin)\n"
	       "  renders        folder of <view>.png, or - / absent: a scene stream on stdin\n"
	       "                 whose images are the renders, matched by view name\n"
	       "  -s split       views to evaluate: train, test (default) or all\n"
	       "  -j             print JSON instead of TSV\n"
	       "  -e dir         write <view>_error.png colour-mapped error images into dir\n"
	       "  -g dir         write <view>_compare.png (ground truth | render | error |\n"
	       "                 depth, with the scores) and index.png, all views, into dir\n"
	       "  --baseline dir with -g: another model's renders of the same views, a\n"
	       "                 panel and a PSNR beside the render's, both titled by\n"
	       "                 their folder's name\n"
	       "  -D dir         depth maps <view>.tiff or <view>.depth.tiff (float32)\n"
	       "                 for AbsRel and RMSE\n"
	       "  -m mask        DTU rule where a view has a mask (default)\n"
	       "  -m nomask      ignore masks\n"
	       "  --ssim-crop    scikit-image SSIM (reflect, 5-pixel border cropped)\n"
	       "                 instead of the 3DGS one (zero padding, every pixel)\n"
	       "  --prior        score the scene's depth priors against its ground-truth\n"
	       "                 depth (absrel, delta1, completeness over confident\n"
	       "                 pixels); default split train\n"
	       "  -h             this help\n");
}

/* A usage error: its message is out, the synopsis follows. */
static _Noreturn void usage(void)
{
	fputs(synopsis, stderr);
	exit(SGS_EXIT_USAGE);
}

static int is_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The render of view v as float RGB from folder dir, or from the scene
 * stream rs when dir is NULL; its size must match the camera. */
static int load_render(const char *dir, const struct sgs_scene *gt, const struct sgs_scene *rs,
		       const struct sgs_view *v, float **rgb)
{
	const struct sgs_camera *c = &v->cam;
	if (!dir) {
		for (uint32_t i = 0; i < rs->nviews; i++) {
			const struct sgs_view *r = &rs->views[i];
			if (strcmp(r->name, v->name) != 0)
				continue;
			if (!r->image.data) {
				sgs_warnx("<stdin>: view '%s' has no image", v->name);
				return -1;
			}
			if (r->image.w != c->w || r->image.h != c->h) {
				sgs_warnx("<stdin>: render of '%s' is %ux%u, the view is %ux%u", v->name,
					  r->image.w, r->image.h, c->w, c->h);
				return -1;
			}
			if (sgs_image_to_rgbf(&r->image, rs->background, rgb) != 0) {
				sgs_cli_fail("<stdin>: view '%s'", v->name);
				return -1;
			}
			return 0;
		}
		sgs_warnx("<stdin>: no render for view '%s'", v->name);
		return -1;
	}
	char *path = sgs_stem_path(dir, v->name, ".png");
	struct sgs_image img;
	int rc = -1;
	if (!path) {
		sgs_cli_fail("%s", dir);
		return -1;
	}
	if (!is_file(path))
		sgs_warnx("%s: missing render of view '%s'", path, v->name);
	else if (sgs_png_read(path, &img) != 0)
		sgs_cli_fail(NULL);
	else {
		if (img.w != c->w || img.h != c->h)
			sgs_warnx("%s: render is %ux%u, view '%s' is %ux%u", path, img.w, img.h,
				  v->name, c->w, c->h);
		else if (sgs_image_to_rgbf(&img, gt->background, rgb) != 0)
			sgs_cli_fail("%s", path);
		else
			rc = 0;
		sgs_image_free(&img);
	}
	free(path);
	return rc;
}

/* Write img to path and free it; sgs_png_write leaves no partial file. */
static int save_png(const char *path, struct sgs_image *img)
{
	int rc = sgs_png_write(path, img) != 0 ? (sgs_cli_fail(NULL), -1) : 0;
	sgs_image_free(img);
	return rc;
}

/* The path stays inside dir (sgs_stem_path). */
static int write_error_map(const char *dir, const char *name, const float *a, const float *b,
			   uint32_t w, uint32_t h)
{
	struct sgs_image img;
	char *path = sgs_stem_path(dir, name, "_error.png");
	int rc = -1;
	if (!path)
		sgs_cli_fail("%s", dir);
	else if (sgs_error_map(a, b, w, h, 3, &img) != 0)
		sgs_cli_fail("%s", path);
	else
		rc = save_png(path, &img);
	free(path);
	return rc;
}

/* The folder a view's depth map is read from: -D's, else with -g the
 * renders folder, where sgs-render -d puts it; NULL for none. */
static const char *depth_dir(const struct eval_opts *o, const struct sgs_view *v)
{
	if (o->depthdir && (v->depth_gt || o->cmpdir))
		return o->depthdir;
	return o->cmpdir ? o->renders : NULL;
}

/* <dir>/<view>.tiff or the <view>.depth.tiff that sgs-render -d writes,
 * first channel, into *depth; *depth stays NULL when neither exists. */
static int load_depth(const char *dir, const struct sgs_view *v, float **depth)
{
	*depth = NULL;
	char *path = sgs_stem_path(dir, v->name, ".tiff");
	if (path && !is_file(path)) {
		free(path);
		path = sgs_stem_path(dir, v->name, ".depth.tiff");
	}
	if (!path)
		return sgs_cli_fail("%s", dir);
	int rc = 0;
	uint32_t w, h, c;
	float *d = NULL;
	if (!is_file(path))
		;
	else if (sgs_tiff_read_float(path, &w, &h, &c, &d) != 0)
		rc = sgs_cli_fail(NULL);
	else if (w != v->cam.w || h != v->cam.h) {
		sgs_warnx("%s: depth map is %ux%u, view '%s' is %ux%u", path, w, h, v->name,
			  v->cam.w, v->cam.h);
		rc = -1;
	} else {
		/* first channel if the TIFF has several */
		for (size_t i = 1; c > 1 && i < (size_t)w * h; i++)
			d[i] = d[i * c];
		*depth = d;
		d = NULL;
	}
	free(d);
	free(path);
	return rc;
}

/* AbsRel / RMSE of -D's depth map when the view has ground truth. */
static void eval_depth(const struct eval_opts *o, const struct sgs_view *v, const float *d,
		       struct view_result *r)
{
	size_t count;
	if (!o->depthdir || !v->depth_gt || !d)
		return;
	if (sgs_depth_metrics(d, v->depth_gt, (size_t)v->cam.w * v->cam.h, &r->absrel, &r->rmse,
			      &count) == 0)
		r->has_depth = 1;
	else
		sgs_cli_fail("%s: view '%s': depth metrics left out", o->depthdir, v->name);
}

/* A folder's name for a panel title: its last component. */
static void folder_title(const char *dir, char *buf, size_t n)
{
	size_t len = strlen(dir);
	while (len > 1 && dir[len - 1] == '/')
		len--;
	size_t start = len;
	while (start > 0 && dir[start - 1] != '/')
		start--;
	snprintf(buf, n, "%.*s", (int)(len - start), dir + start);
}

/* -g: the view's comparison image, written, and its thumbnail kept for
 * the index.  a is the render, b the ground truth, base --baseline's
 * render (or NULL), as the metrics saw them; depth may be NULL. */
static int write_comparison(const struct eval_opts *o, const struct sgs_view *v, const float *a,
			    const float *b, const float *base, const float *depth,
			    struct view_result *r)
{
	uint32_t w = v->cam.w, h = v->cam.h;
	size_t n = (size_t)w * h;
	struct sgs_image gt = {0}, rd = {0}, err = {0}, dp = {0}, bs = {0}, cmp = {0};
	float *conf = depth ? malloc(n * sizeof *conf) : NULL;
	char caption[SGS_NAME_MAX + 200], *path = sgs_stem_path(o->cmpdir, v->name, "_compare.png");
	char base_title[64] = "", render_title[64] = "render";
	int rc = -1;
	for (size_t i = 0; conf && i < n; i++)
		conf[i] = 1.0f; /* every pixel with a positive depth is shown */
	if (base) {
		folder_title(o->baseline, base_title, sizeof base_title);
		if (o->renders)
			folder_title(o->renders, render_title, sizeof render_title);
		snprintf(caption, sizeof caption, "%s  %s %.2f dB  %s %.2f dB  SSIM %.4f%s", v->name,
			 base_title, r->base_psnr, render_title, r->psnr, r->ssim,
			 r->masked ? "  (masked)" : "");
	} else {
		snprintf(caption, sizeof caption, "%s  PSNR %.2f dB  SSIM %.4f%s", v->name, r->psnr,
			 r->ssim, r->masked ? "  (masked)" : "");
	}
	/* ground truth | baseline | render | error | depth; the baseline's
	 * panel only with --baseline */
	const struct sgs_image *panels[] = {&gt, &bs, &rd, &err, depth ? &dp : NULL};
	const char *titles[] = {"ground truth", base_title, render_title, "error", "depth"};
	if (!base) {
		panels[1] = panels[0];
		titles[1] = titles[0];
	}
	if (!path)
		sgs_cli_fail("%s", o->cmpdir);
	else if ((depth && !conf && sgs_error_set("out of memory")) || sgs_rgbf_to_image(b, w, h, &gt) != 0 ||
		 sgs_rgbf_to_image(a, w, h, &rd) != 0 || sgs_error_map(a, b, w, h, 3, &err) != 0 ||
		 (base && sgs_rgbf_to_image(base, w, h, &bs) != 0) ||
		 (depth && sgs_depth_colorize(depth, conf, w, h, 0.0f, &dp) != 0) ||
		 sgs_compare_panels(panels + !base, titles + !base, 5 - !base, caption, &cmp) != 0 ||
		 sgs_thumbnail(&cmp, &r->thumb) != 0)
		sgs_cli_fail("%s", path);
	else
		rc = save_png(path, &cmp);
	sgs_image_free(&gt);
	sgs_image_free(&rd);
	sgs_image_free(&err);
	sgs_image_free(&dp);
	sgs_image_free(&bs);
	sgs_image_free(&cmp);
	free(conf);
	free(path);
	return rc;
}

static int eval_view(const struct eval_opts *o, const struct sgs_scene *gt,
		     const struct sgs_scene *rs, const struct sgs_view *v, struct view_result *r)
{
	uint32_t w = v->cam.w, h = v->cam.h;
	float *ref = NULL, *out = NULL, *cref = NULL, *cout = NULL, *depth = NULL;
	float *base = NULL, *cbase = NULL;
	const char *ddir = depth_dir(o, v);
	int rc = -1;
	memset(r, 0, sizeof *r);
	r->name = v->name;
	if (!v->image.data) {
		sgs_warnx("%s: view '%s' has no ground-truth image", o->scene_name, v->name);
		return -1;
	}
	if (v->image.w != w || v->image.h != h) {
		sgs_warnx("%s: view '%s': image is %ux%u, camera is %ux%u", o->scene_name, v->name,
			  v->image.w, v->image.h, w, h);
		return -1;
	}
	if (sgs_image_to_rgbf(&v->image, gt->background, &ref) != 0) {
		sgs_cli_fail("%s: view '%s'", o->scene_name, v->name);
		return -1;
	}
	if (load_render(o->renders, gt, rs, v, &out) != 0)
		goto done;
	r->masked = o->use_mask && v->mask != NULL;
	if (r->masked) {
		if (sgs_masked_psnr(out, ref, v->mask, w, h, 3, &r->psnr) != 0 ||
		    sgs_masked_ssim(out, ref, v->mask, w, h, 3, o->ssim_mode, &r->ssim) != 0) {
			sgs_cli_fail("%s: view '%s'", o->scene_name, v->name);
			goto done;
		}
		/* The error map shows what the metrics saw: white outside. */
		cref = sgs_composite_white(ref, v->mask, w, h, 3);
		cout = sgs_composite_white(out, v->mask, w, h, 3);
		if (!cref || !cout) {
			sgs_cli_fail("view '%s'", v->name);
			goto done;
		}
	} else {
		r->psnr = sgs_psnr(out, ref, (size_t)w * h * 3);
		if (sgs_ssim(out, ref, w, h, 3, o->ssim_mode, &r->ssim) != 0) {
			sgs_cli_fail("%s: view '%s'", o->scene_name, v->name);
			goto done;
		}
	}
	if (o->errdir && write_error_map(o->errdir, v->name, cout ? cout : out,
					 cref ? cref : ref, w, h) != 0)
		goto done;
	if (ddir && load_depth(ddir, v, &depth) != 0)
		goto done;
	eval_depth(o, v, depth, r);
	/* --baseline: the other model's render, scored by the same rule */
	if (o->baseline && load_render(o->baseline, gt, rs, v, &base) != 0)
		goto done;
	if (base && r->masked) {
		if (sgs_masked_psnr(base, ref, v->mask, w, h, 3, &r->base_psnr) != 0 ||
		    !(cbase = sgs_composite_white(base, v->mask, w, h, 3))) {
			sgs_cli_fail("%s: view '%s'", o->baseline, v->name);
			goto done;
		}
	} else if (base) {
		r->base_psnr = sgs_psnr(base, ref, (size_t)w * h * 3);
	}
	if (o->cmpdir && write_comparison(o, v, cout ? cout : out, cref ? cref : ref,
					  cbase ? cbase : base, depth, r) != 0)
		goto done;
	rc = 0;
done:
	free(ref);
	free(out);
	free(cref);
	free(cout);
	free(base);
	free(cbase);
	free(depth);
	return rc;
}

struct means {
	double psnr, ssim, absrel, rmse;
	uint32_t n, ndepth, nmasked;
};

static struct means average(const struct view_result *r, uint32_t n)
{
	struct means m = {0, 0, 0, 0, n, 0, 0};
	for (uint32_t i = 0; i < n; i++) {
		m.psnr += r[i].psnr;
		m.ssim += r[i].ssim;
		m.nmasked += r[i].masked != 0;
		if (r[i].has_depth) {
			m.absrel += r[i].absrel;
			m.rmse += r[i].rmse;
			m.ndepth++;
		}
	}
	m.psnr /= n;
	m.ssim /= n;
	m.absrel = m.ndepth ? m.absrel / m.ndepth : NAN;
	m.rmse = m.ndepth ? m.rmse / m.ndepth : NAN;
	return m;
}

static void print_cell(double v, const char *fmt)
{
	putchar('\t');
	if (isnan(v))
		putchar('-');
	else
		printf(fmt, v);
}

static void print_tsv(const struct eval_opts *o, const struct view_result *r, uint32_t n)
{
	struct means m = average(r, n);
	int depth = o->depthdir != NULL, masks = m.nmasked > 0;
	printf("view\tpsnr\tssim%s%s\n", depth ? "\tabsrel\trmse" : "", masks ? "\tmasked" : "");
	for (uint32_t i = 0; i <= n; i++) {
		int mean = i == n;
		printf("%s\t%.4f\t%.6f", mean ? "mean" : r[i].name, mean ? m.psnr : r[i].psnr,
		       mean ? m.ssim : r[i].ssim);
		if (depth) {
			int has = mean ? m.ndepth > 0 : r[i].has_depth;
			print_cell(has ? (mean ? m.absrel : r[i].absrel) : NAN, "%.6f");
			print_cell(has ? (mean ? m.rmse : r[i].rmse) : NAN, "%.6f");
		}
		if (masks)
			printf("\t%s", mean ? (m.nmasked == n ? "yes" : "mixed") : r[i].masked ? "yes" : "no");
		putchar('\n');
	}
}

static const char *split_word(uint32_t s)
{
	return s == SGS_SPLIT_TRAIN ? "train" : s == SGS_SPLIT_TEST ? "test" : "all";
}

/* Length of the valid UTF-8 sequence at s (1 to 4), 0 when there is none:
 * overlong forms, surrogates and code points above U+10FFFF are invalid. */
static int utf8_length(const unsigned char *s)
{
	if (s[0] < 0x80)
		return 1;
	int len = s[0] >= 0xc2 && s[0] <= 0xdf ? 2 : s[0] >= 0xe0 && s[0] <= 0xef ? 3
		: s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : 0;
	unsigned lo = s[0] == 0xe0 ? 0xa0 : s[0] == 0xf0 ? 0x90 : 0x80,
		 hi = s[0] == 0xed ? 0x9f : s[0] == 0xf4 ? 0x8f : 0xbf;
	for (int i = 1; i < len; i++)
		if (s[i] < (i == 1 ? lo : 0x80) || s[i] > (i == 1 ? hi : 0xbf))
			return 0;
	return len;
}

/* A view name as a JSON string: names are bytes and JSON text is UTF-8,
 * so a byte that is not part of a valid sequence becomes U+FFFD (a name
 * in Latin-1 would otherwise make the whole document unreadable). */
static const char *json_name(const char *name, char *buf, size_t n)
{
	size_t o = 0;
	for (const unsigned char *s = (const unsigned char *)name; *s && o + 4 < n;) {
		int len = utf8_length(s);
		if (len) {
			memcpy(buf + o, s, (size_t)len);
			o += (size_t)len, s += len;
		} else {
			memcpy(buf + o, "\xef\xbf\xbd", 3);
			o += 3, s++;
		}
	}
	buf[o] = '\0';
	return buf;
}

/* Print a JSON document on stdout and free it. */
static int print_document(cJSON *root)
{
	char *text = cJSON_Print(root);
	cJSON_Delete(root);
	if (!text) {
		sgs_warnx("out of memory");
		return -1;
	}
	puts(text);
	free(text);
	return 0;
}

/* Non-finite numbers (PSNR of identical images) become null: JSON has no inf. */
static int print_json(const struct eval_opts *o, const struct view_result *r, uint32_t n)
{
	struct means m = average(r, n);
	cJSON *root = cJSON_CreateObject(), *views = cJSON_CreateArray(), *mean = cJSON_CreateObject();
	if (!root || !views || !mean) {
		cJSON_Delete(root);
		cJSON_Delete(views);
		cJSON_Delete(mean);
		sgs_warnx("out of memory");
		return -1;
	}
	cJSON_AddItemToObject(root, "views", views);
	cJSON_AddItemToObject(root, "mean", mean);
	cJSON_AddStringToObject(root, "ssim", o->ssim_mode == SGS_SSIM_SKIMAGE ? "skimage" : "3dgs");
	cJSON_AddStringToObject(root, "split", split_word(o->split));
	char name[3 * SGS_NAME_MAX]; /* every byte replaced at worst */
	for (uint32_t i = 0; i < n; i++) {
		cJSON *v = cJSON_CreateObject();
		cJSON_AddItemToArray(views, v);
		cJSON_AddStringToObject(v, "view", json_name(r[i].name, name, sizeof name));
		cJSON_AddNumberToObject(v, "psnr", r[i].psnr);
		cJSON_AddNumberToObject(v, "ssim", r[i].ssim);
		cJSON_AddBoolToObject(v, "masked", r[i].masked);
		if (o->depthdir) {
			if (r[i].has_depth) {
				cJSON_AddNumberToObject(v, "absrel", r[i].absrel);
				cJSON_AddNumberToObject(v, "rmse", r[i].rmse);
			} else {
				cJSON_AddNullToObject(v, "absrel");
				cJSON_AddNullToObject(v, "rmse");
			}
		}
	}
	cJSON_AddNumberToObject(mean, "psnr", m.psnr);
	cJSON_AddNumberToObject(mean, "ssim", m.ssim);
	if (o->depthdir) {
		cJSON_AddNumberToObject(mean, "absrel", m.absrel);
		cJSON_AddNumberToObject(mean, "rmse", m.rmse);
		cJSON_AddNumberToObject(mean, "depth_views", m.ndepth);
	}
	cJSON_AddNumberToObject(mean, "views", n);
	cJSON_AddNumberToObject(mean, "masked_views", m.nmasked);
	return print_document(root);
}

/* --prior: one view's prior scores; has is 0 where the view lacks a
 * prior (absrel and delta1 are NaN where it lacks ground-truth depth). */
struct prior_result {
	const char *name;
	int has;
	struct sgs_prior_scores sc;
};

struct prior_means {
	double absrel, delta1, completeness;
	uint32_t scored, confident; /* views with scores, with confident pixels */
};

static struct prior_means prior_average(const struct prior_result *r, uint32_t n)
{
	struct prior_means m = {0, 0, 0, 0, 0};
	for (uint32_t i = 0; i < n; i++) {
		if (!r[i].has)
			continue;
		m.scored++;
		m.completeness += r[i].sc.completeness;
		if (r[i].sc.scored) {
			m.confident++;
			m.absrel += r[i].sc.absrel;
			m.delta1 += r[i].sc.delta1;
		}
	}
	m.completeness = m.scored ? m.completeness / m.scored : NAN;
	m.absrel = m.confident ? m.absrel / m.confident : NAN;
	m.delta1 = m.confident ? m.delta1 / m.confident : NAN;
	return m;
}

static void print_prior_tsv(const struct prior_result *r, uint32_t n)
{
	struct prior_means m = prior_average(r, n);
	printf("view\tabsrel\tdelta1\tcompleteness\n");
	for (uint32_t i = 0; i <= n; i++) {
		int mean = i == n, has = mean || r[i].has;
		fputs(mean ? "mean" : r[i].name, stdout);
		print_cell(!has ? NAN : mean ? m.absrel : r[i].sc.absrel, "%.6f");
		print_cell(!has ? NAN : mean ? m.delta1 : r[i].sc.delta1, "%.6f");
		print_cell(!has ? NAN : mean ? m.completeness : r[i].sc.completeness, "%.6f");
		putchar('\n');
	}
}

/* A number, or null where it is undefined (JSON has no NaN). */
static void add_number_or_null(cJSON *obj, const char *key, double v)
{
	if (isfinite(v))
		cJSON_AddNumberToObject(obj, key, v);
	else
		cJSON_AddNullToObject(obj, key);
}

static int print_prior_json(const struct eval_opts *o, const struct prior_result *r, uint32_t n)
{
	struct prior_means m = prior_average(r, n);
	cJSON *root = cJSON_CreateObject(), *views = cJSON_CreateArray(), *mean = cJSON_CreateObject();
	if (!root || !views || !mean) {
		cJSON_Delete(root);
		cJSON_Delete(views);
		cJSON_Delete(mean);
		sgs_warnx("out of memory");
		return -1;
	}
	cJSON_AddItemToObject(root, "views", views);
	cJSON_AddItemToObject(root, "mean", mean);
	cJSON_AddStringToObject(root, "split", split_word(o->split));
	cJSON_AddNumberToObject(root, "conf_min", SGS_PRIOR_CONF_MIN);
	char name[3 * SGS_NAME_MAX]; /* every byte replaced at worst */
	for (uint32_t i = 0; i < n; i++) {
		cJSON *v = cJSON_CreateObject();
		cJSON_AddItemToArray(views, v);
		cJSON_AddStringToObject(v, "view", json_name(r[i].name, name, sizeof name));
		add_number_or_null(v, "absrel", r[i].has ? r[i].sc.absrel : NAN);
		add_number_or_null(v, "delta1", r[i].has ? r[i].sc.delta1 : NAN);
		add_number_or_null(v, "completeness", r[i].has ? r[i].sc.completeness : NAN);
	}
	add_number_or_null(mean, "absrel", m.absrel);
	add_number_or_null(mean, "delta1", m.delta1);
	add_number_or_null(mean, "completeness", m.completeness);
	cJSON_AddNumberToObject(mean, "views", n);
	cJSON_AddNumberToObject(mean, "prior_views", m.scored);
	return print_document(root);
}

/* --prior: every view of the split that has a prior is scored (its
 * completeness alone without ground-truth depth); at least one must. */
static int evaluate_priors(const struct eval_opts *o, const struct sgs_scene *gt)
{
	uint32_t n = sgs_scene_count(gt, o->split), k = 0, scored = 0;
	if (n == 0) {
		sgs_warnx("%s: no %s views to evaluate", o->scene_name, split_word(o->split));
		return SGS_EXIT_FAIL;
	}
	struct prior_result *r = calloc(n, sizeof *r);
	if (!r) {
		sgs_warnx("out of memory");
		return SGS_EXIT_FAIL;
	}
	int rc = SGS_EXIT_OK;
	for (uint32_t i = 0; i < gt->nviews && rc == SGS_EXIT_OK; i++) {
		const struct sgs_view *v = &gt->views[i];
		if (o->split != SGS_SPLIT_NONE && v->split != o->split)
			continue;
		struct prior_result *p = &r[k++];
		p->name = v->name;
		if (!v->depth_prior || !v->depth_conf)
			continue;
		/* without ground truth: completeness only */
		if (sgs_prior_metrics(v->depth_prior, v->depth_conf, v->depth_gt,
				      (size_t)v->cam.w * v->cam.h, SGS_PRIOR_CONF_MIN, &p->sc) != 0) {
			sgs_cli_fail("%s: view '%s'", o->scene_name, v->name);
			rc = SGS_EXIT_FAIL;
		}
		p->has = 1;
		scored++;
	}
	if (rc == SGS_EXIT_OK && scored == 0) {
		sgs_warnx("%s: no %s view has a depth prior", o->scene_name, split_word(o->split));
		rc = SGS_EXIT_FAIL;
	}
	if (rc == SGS_EXIT_OK) {
		if (o->json ? print_prior_json(o, r, n) != 0 : (print_prior_tsv(r, n), 0))
			rc = SGS_EXIT_FAIL;
		else if (fflush(stdout) != 0 || ferror(stdout)) {
			sgs_warnx("<stdout>: write error: %s", strerror(errno));
			rc = SGS_EXIT_FAIL;
		}
	}
	free(r);
	return rc;
}

/* -g: dir/index.png, the views' comparisons as a contact sheet, each
 * labelled with its name and PSNR. */
static int write_index(const char *dir, const struct view_result *r, uint32_t n)
{
	struct sgs_image *thumbs = calloc(n, sizeof *thumbs), sheet;
	char (*text)[SGS_NAME_MAX + 32] = calloc(n, sizeof *text);
	const char **labels = calloc(n, sizeof *labels);
	char *path = sgs_stem_path(dir, "index", ".png");
	int rc = -1;
	if (!thumbs || !text || !labels || !path)
		sgs_cli_fail(path ? "out of memory" : "%s", dir);
	else {
		for (uint32_t i = 0; i < n; i++) {
			thumbs[i] = r[i].thumb;
			snprintf(text[i], sizeof text[i], "%s  %.2f dB", r[i].name, r[i].psnr);
			labels[i] = text[i];
		}
		if (sgs_contact_sheet(thumbs, labels, n, &sheet) != 0)
			sgs_cli_fail("%s", path);
		else
			rc = save_png(path, &sheet);
	}
	free(thumbs);
	free(text);
	free(labels);
	free(path);
	return rc;
}

static int evaluate(const struct eval_opts *o, const struct sgs_scene *gt,
		    const struct sgs_scene *rs)
{
	uint32_t n = sgs_scene_count(gt, o->split), k = 0;
	if (n == 0) {
		sgs_warnx("%s: no %s views to evaluate", o->scene_name, split_word(o->split));
		return SGS_EXIT_FAIL;
	}
	struct view_result *r = calloc(n, sizeof *r);
	if (!r) {
		sgs_warnx("out of memory");
		return SGS_EXIT_FAIL;
	}
	int rc = SGS_EXIT_OK;
	for (uint32_t i = 0; i < gt->nviews && rc == SGS_EXIT_OK; i++) {
		const struct sgs_view *v = &gt->views[i];
		if (o->split != SGS_SPLIT_NONE && v->split != o->split)
			continue;
		if (eval_view(o, gt, rs, v, &r[k++]) != 0)
			rc = SGS_EXIT_FAIL;
	}
	if (rc == SGS_EXIT_OK && o->depthdir) {
		uint32_t nd = 0;
		for (uint32_t i = 0; i < n; i++)
			nd += r[i].has_depth;
		if (nd == 0)
			sgs_warnx("%s: no usable depth map (<view>.tiff) for these views",
				  o->depthdir);
	}
	if (rc == SGS_EXIT_OK && o->cmpdir && write_index(o->cmpdir, r, n) != 0)
		rc = SGS_EXIT_FAIL;
	/* Everything is computed before the first byte reaches stdout. */
	if (rc == SGS_EXIT_OK) {
		if (o->json ? print_json(o, r, n) != 0 : (print_tsv(o, r, n), 0))
			rc = SGS_EXIT_FAIL;
		else if (fflush(stdout) != 0 || ferror(stdout)) {
			sgs_warnx("<stdout>: write error: %s", strerror(errno));
			rc = SGS_EXIT_FAIL;
		}
	}
	for (uint32_t i = 0; i < n; i++)
		sgs_image_free(&r[i].thumb);
	free(r);
	return rc;
}

static void parse_args(int argc, char **argv, struct eval_opts *o)
{
	enum { OPT_SSIM_CROP = 256, OPT_PRIOR, OPT_BASELINE };
	static const struct option longopts[] = {
		{"split", required_argument, NULL, 's'},
		{"json", no_argument, NULL, 'j'},
		{"errors", required_argument, NULL, 'e'},
		{"compare", required_argument, NULL, 'g'},
		{"depth", required_argument, NULL, 'D'},
		{"mask", required_argument, NULL, 'm'},
		{"ssim-crop", no_argument, NULL, OPT_SSIM_CROP},
		{"prior", no_argument, NULL, OPT_PRIOR},
		{"baseline", required_argument, NULL, OPT_BASELINE},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int ch, split_given = 0;
	while ((ch = sgs_cli_getopt(argc, argv, "D:e:g:hjm:s:", longopts)) != -1) {
		switch (ch) {
		case OPT_SSIM_CROP: o->ssim_mode = SGS_SSIM_SKIMAGE; break;
		case OPT_PRIOR: o->prior = 1; break;
		case OPT_BASELINE: o->baseline = optarg; break;
		case 'D': o->depthdir = optarg; break;
		case 'e': o->errdir = optarg; break;
		case 'g': o->cmpdir = optarg; break;
		case 'h': help(); exit(SGS_EXIT_OK);
		case 'j': o->json = 1; break;
		case 'm':
			if (strcmp(optarg, "mask") != 0 && strcmp(optarg, "nomask") != 0) {
				sgs_warnx("-m: unknown mode '%s' (expected mask or nomask)", optarg);
				usage();
			}
			o->use_mask = strcmp(optarg, "mask") == 0;
			break;
		case 's':
			if (sgs_split_parse(optarg, &o->split) != 0) {
				sgs_cli_fail("-s");
				usage();
			}
			split_given = 1;
			break;
		default: usage();
		}
	}
	if (sgs_cli_operands(argc, argv, 1, o->prior ? 1 : 2) != 0)
		usage();
	if (o->baseline && !o->cmpdir) {
		sgs_warnx("--baseline: only with -g (it adds a panel to the comparisons)");
		usage();
	}
	o->scene_path = argv[optind];
	o->scene_name = strcmp(o->scene_path, "-") == 0 ? "<stdin>" : o->scene_path;
	if (o->prior) {
		/* The priors are in the scene: nothing rendered is read. */
		if (o->depthdir || o->errdir || o->cmpdir) {
			sgs_warnx("--prior scores the scene alone; %s does not apply",
				  o->depthdir ? "-D" : o->errdir ? "-e" : "-g");
			usage();
		}
		if (!split_given)
			o->split = SGS_SPLIT_TRAIN; /* priors are made for the train views */
		return;
	}
	if (optind + 1 < argc && strcmp(argv[optind + 1], "-") != 0)
		o->renders = argv[optind + 1];
	if (!o->renders && strcmp(o->scene_path, "-") == 0) {
		sgs_warnx("the scene and the renders cannot both come from stdin");
		usage();
	}
}

/* The folders named on the command line, checked before the work. */
static int check_dirs(const struct eval_opts *o)
{
	if ((o->renders && sgs_cli_check_dir(o->renders) != 0) ||
	    (o->baseline && sgs_cli_check_dir(o->baseline) != 0) ||
	    (o->depthdir && sgs_cli_check_dir(o->depthdir) != 0))
		return -1;
	if ((o->errdir && sgs_mkdir_p(o->errdir) != 0) || (o->cmpdir && sgs_mkdir_p(o->cmpdir) != 0))
		return sgs_cli_fail(NULL);
	return 0;
}

/* Whether paths a and b name the same folder. */
static int same_dir(const char *a, const char *b)
{
	struct stat sa, sb;
	return a && b && stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

/* The view of s named stem + suffix, or NULL. */
static const struct sgs_view *view_named(const struct sgs_scene *s, const char *stem,
					 const char *suffix)
{
	size_t n = strlen(stem);
	for (uint32_t i = 0; i < s->nviews; i++) {
		const char *name = s->views[i].name;
		if (strncmp(name, stem, n) == 0 && strcmp(name + n, suffix) == 0)
			return &s->views[i];
	}
	return NULL;
}

/* -e and -g may share a folder with the renders or --baseline's, but the
 * names they write (NAME_error.png, NAME_compare.png, index.png) must not
 * be another view's render there: it would be overwritten, and then read
 * as that view's render. */
static int check_overwrite(const struct eval_opts *o, const struct sgs_scene *gt)
{
	const char *out[2] = {o->errdir, o->cmpdir}, *flag[2] = {"-e", "-g"};
	const char *suffix[2] = {"_error", "_compare"}, *in[2] = {o->renders, o->baseline};
	for (int k = 0; k < 2; k++)
		for (int j = 0; j < 2; j++) {
			if (!out[k] || !same_dir(out[k], in[j]))
				continue;
			/* a view w whose render is a name written there */
			const struct sgs_view *w = k == 1 ? view_named(gt, "index", "") : NULL;
			for (uint32_t i = 0; !w && i < gt->nviews; i++)
				if (o->split == SGS_SPLIT_NONE || gt->views[i].split == o->split)
					w = view_named(gt, gt->views[i].name, suffix[k]);
			if (w) {
				sgs_warnx("%s: %s %s: would overwrite %s.png, the render of view '%s' (the "
					  "folder is also %s); give %s a folder of its own", o->scene_name,
					  flag[k], out[k], w->name, w->name,
					  j == 0 ? "the renders'" : "--baseline's", flag[k]);
				return -1;
			}
		}
	return 0;
}

/* The ground truth, and the renders when they come as a scene stream on
 * stdin; both or neither are loaded. */
static int load_scenes(const struct eval_opts *o, struct sgs_scene *gt, struct sgs_scene *rs)
{
	sgs_scene_init(rs);
	if (sgs_cli_load_scene(o->scene_path, gt) != 0)
		return SGS_EXIT_FAIL;
	if (o->renders || o->prior)
		return 0;
	int rc = sgs_scene_read(stdin, "<stdin>", rs) != 0 ? sgs_cli_fail(NULL)
							   : sgs_cli_check_scene("<stdin>", rs);
	if (rc != 0)
		sgs_scene_free(gt);
	return rc;
}

int main(int argc, char **argv)
{
	struct eval_opts o = {.split = SGS_SPLIT_TEST, .ssim_mode = SGS_SSIM_3DGS, .use_mask = 1};
	struct sgs_scene gt, rs;
	int rc;

	sgs_cli_init(argv[0]);
	parse_args(argc, argv, &o);
	if (check_dirs(&o) != 0 || load_scenes(&o, &gt, &rs) != 0)
		return SGS_EXIT_FAIL;
	if (check_overwrite(&o, &gt) != 0) {
		sgs_scene_free(&gt);
		sgs_scene_free(&rs);
		return SGS_EXIT_FAIL;
	}
	rc = o.prior ? evaluate_priors(&o, &gt) : evaluate(&o, &gt, &rs);
	sgs_scene_free(&gt);
	sgs_scene_free(&rs);
	return rc;
}
