/* NeRF/Blender transforms_train.json and instant-ngp transforms.json, with
 * the image headers they point at: the input is both files of a dataset
 * folder holding images/f0.png, images/f1.png (32x24 RGB, as the ngp
 * fixture), train/r_0.png (RGBA), train/r_1.png (gray) and train/r_2.jpg. */
#include <limits.h>

#include "fuzzlib.h"
#include "sgs_error.h"
#include "sgs_import.h"

static void check(const struct sgs_dataset *d)
{
	FZ_ASSERT(d->nviews > 0 && d->views);
	for (uint32_t i = 0; i < d->nviews; i++)
		FZ_ASSERT(d->views[i].cam.w > 0 && d->views[i].cam.h > 0 && d->views[i].cam.fx > 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	char p[PATH_MAX], root[PATH_MAX];
	struct sgs_dataset d;
	if (!ready) {
		fz_png(fz_path(p, "json/images/f0.png"), 32, 24, 3);
		fz_png(fz_path(p, "json/images/f1.png"), 32, 24, 3);
		fz_png(fz_path(p, "json/train/r_0.png"), 8, 8, 4);
		fz_png(fz_path(p, "json/train/r_1.png"), 8, 8, 1);
		fz_jpeg(fz_path(p, "json/train/r_2.jpg"), 16, 8, 3);
		ready = 1;
	}
	fz_path(root, "json");
	fz_write("json/transforms.json", data, size);
	fz_write("json/transforms_train.json", data, size);
	if (fz_note("sgs_import_ngp", sgs_import_ngp(root, &d)) == 0) {
		check(&d);
		sgs_dataset_free(&d);
	}
	if (fz_note("sgs_import_blender", sgs_import_blender(root, &d)) == 0) {
		check(&d);
		sgs_dataset_free(&d);
	}
	sgs_error_clear();
	return 0;
}
