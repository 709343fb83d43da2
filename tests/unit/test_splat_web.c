/* The web viewers' .splat export: one record's bytes for hand-picked
 * values (rounding, clamping, a zero quaternion), the draw order where
 * exp() of the key would overflow, ties, and the file size. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sgs_error.h"
#include "sgs_le.h"
#include "sgs_splat_web.h"
#include "tap.h"

static void test_record(void)
{
	struct sgs_splats s;
	uint8_t r[SGS_WEB_SPLAT_BYTES];
	sgs_splats_init(&s);
	sgs_splats_alloc(&s, 2, 1);
	/* Gaussian 0: mid-grey, half opaque, a quaternion of length 2. */
	float m0[3] = {1.5f, -2.25f, 3e-3f}, ls0[3] = {0.f, -1.f, 2.f};
	memcpy(s.means, m0, sizeof m0);
	memcpy(s.log_scales, ls0, sizeof ls0);
	s.quats[0] = 2.f;
	s.logit_opacity[0] = 0.f;
	/* f_dc 0 -> 127.5 -> 128; f_rest must not matter */
	for (int k = 3; k < 12; k++)
		s.sh[k] = 50.f;
	sgs_web_splat_encode(&s, 0, r);
	ok(sgs_get_f32(r) == 1.5f && sgs_get_f32(r + 4) == -2.25f && sgs_get_f32(r + 8) == 3e-3f,
	   "position copied exactly");
	ok(sgs_get_f32(r + 12) == 1.f && sgs_get_f32(r + 16) == expf(-1.f) &&
	   sgs_get_f32(r + 20) == expf(2.f), "scale = exp(log-scale)");
	ok(r[24] == 128 && r[25] == 128 && r[26] == 128 && r[27] == 128,
	   "f_dc 0 and opacity logit 0 give 128 (0.5 * 255 rounded): %u %u %u %u", r[24], r[25],
	   r[26], r[27]);
	ok(r[28] == 255 && r[29] == 128 && r[30] == 128 && r[31] == 128,
	   "quaternion (2,0,0,0) normalised: w 256 clamped to 255: %u %u %u %u", r[28], r[29], r[30],
	   r[31]);

	/* Gaussian 1: colours past both ends, nearly opaque, a turn about -y. */
	float dc[3] = {100.f, -100.f, 0.5f};
	memcpy(s.sh + 12, dc, sizeof dc);
	s.logit_opacity[1] = 40.f;
	float q1[4] = {0.f, 0.f, -3.f, 0.f};
	memcpy(s.quats + 4, q1, sizeof q1);
	sgs_web_splat_encode(&s, 1, r);
	uint8_t blue = (uint8_t)lrint((0.5 + 0.28209479177387814 * 0.5) * 255.0);
	ok(r[24] == 255 && r[25] == 0 && r[26] == blue && r[27] == 255,
	   "colours clamped to 0..255, blue %u rounded, alpha 255: %u %u %u %u", blue, r[24], r[25],
	   r[26], r[27]);
	ok(r[28] == 128 && r[29] == 128 && r[30] == 0 && r[31] == 128, "quaternion -y: %u %u %u %u",
	   r[28], r[29], r[30], r[31]);

	/* A zero quaternion is no rotation, not NaN bytes. */
	memset(s.quats, 0, 4 * sizeof *s.quats);
	sgs_web_splat_encode(&s, 0, r);
	ok(r[28] == 255 && r[29] == 128 && r[30] == 128 && r[31] == 128, "zero quaternion: identity");
	sgs_splats_free(&s);
}

static void test_order(void)
{
	struct sgs_splats s;
	sgs_splats_init(&s);
	sgs_splats_alloc(&s, 5, 0);
	/* exp(600) overflows a double: both would compare as infinity. */
	for (int a = 0; a < 3; a++) {
		s.log_scales[0 * 3 + a] = 199.f;
		s.log_scales[1 * 3 + a] = 200.f;
		s.log_scales[2 * 3 + a] = -1.f;
		s.log_scales[3 * 3 + a] = -1.f;
		s.log_scales[4 * 3 + a] = -1.f;
	}
	s.means[3] = 7.f;
	/* 2 and 4 tie; 3 is more opaque than both. */
	s.logit_opacity[2] = 0.f;
	s.logit_opacity[3] = 3.f;
	s.logit_opacity[4] = 0.f;
	uint64_t *o = sgs_web_splat_order(&s);
	ok(o && o[0] == 1 && o[1] == 0, "huge scales: the larger first (%llu %llu)",
	   o ? (unsigned long long)o[0] : 99, o ? (unsigned long long)o[1] : 99);
	ok(o && o[2] == 3 && o[3] == 2 && o[4] == 4, "opacity breaks equal scales, ties keep model order");
	free(o);

	/* Those scales overflow the format's floats: refused, not inf. */
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int rc = sgs_web_splat_write(f, &s);
	fclose(f);
	ok(rc != 0 && len == 0, "a log-scale of 199 is refused, nothing written (%zu bytes)", len);
	ok(rc != 0 && strstr(sgs_error_get(), "Gaussian 0: log-scale 199 is too large"), "%s",
	   sgs_error_get());
	free(buf);
	/* exp(88.7) = 3.2e38 still fits */
	for (int a = 0; a < 3; a++) {
		s.log_scales[0 * 3 + a] = 88.f;
		s.log_scales[1 * 3 + a] = 88.7f;
	}
	buf = NULL;
	len = 0;
	f = open_memstream(&buf, &len);
	rc = sgs_web_splat_write(f, &s);
	fclose(f);
	ok(rc == 0 && len == 5 * SGS_WEB_SPLAT_BYTES, "5 Gaussians, %zu bytes", len);
	ok(rc == 0 && sgs_get_f32((uint8_t *)buf) == 7.f, "the first record is Gaussian 1");
	ok(rc == 0 && isfinite(sgs_get_f32((uint8_t *)buf + 12)), "its scale is finite");
	free(buf);
	sgs_splats_free(&s);

	sgs_splats_init(&s);
	o = sgs_web_splat_order(&s);
	ok(o != NULL, "an empty model sorts");
	free(o);
}

int main(void)
{
	test_record();
	test_order();
	return tap_done();
}
