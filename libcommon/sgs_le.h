/* Little-endian encoding of fixed-size fields, independent of the host's
 * byte order; shared by the scene and splat file code. */
#ifndef SGS_LE_H
#define SGS_LE_H

#include <stdint.h>
#include <string.h>

static inline void sgs_put_u32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline void sgs_put_u64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline void sgs_put_f32(uint8_t *p, float v)
{
	uint32_t u;
	memcpy(&u, &v, 4);
	sgs_put_u32(p, u);
}

static inline void sgs_put_f64(uint8_t *p, double v)
{
	uint64_t u;
	memcpy(&u, &v, 8);
	sgs_put_u64(p, u);
}

static inline uint32_t sgs_get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t sgs_get_u64(const uint8_t *p)
{
	return (uint64_t)sgs_get_u32(p) | (uint64_t)sgs_get_u32(p + 4) << 32;
}

static inline float sgs_get_f32(const uint8_t *p)
{
	uint32_t u = sgs_get_u32(p);
	float v;
	memcpy(&v, &u, 4);
	return v;
}

static inline double sgs_get_f64(const uint8_t *p)
{
	uint64_t u = sgs_get_u64(p);
	double v;
	memcpy(&v, &u, 8);
	return v;
}

/* Bytes as the body of a quoted literal: printable ASCII as-is, quote and
 * backslash escaped, the rest as C octal escapes, shortest form ('PK\\3\\4')
 * unless an octal digit follows (then three digits), so a message shows
 * exactly what was found.  `out` needs 4 * n + 1 bytes. */
static inline void sgs_escape_bytes(const uint8_t *b, size_t n, char *out)
{
	static const char oct[] = "01234567";
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (b[i] == '\\' || b[i] == '\'') {
			out[o++] = '\\';
			out[o++] = (char)b[i];
		} else if (b[i] >= 0x20 && b[i] < 0x7f) {
			out[o++] = (char)b[i];
		} else {
			int full = i + 1 < n && b[i + 1] >= '0' && b[i + 1] <= '7';
			out[o++] = '\\';
			if (full || b[i] >= 0100)
				out[o++] = oct[b[i] >> 6];
			if (full || b[i] >= 010)
				out[o++] = oct[(b[i] >> 3) & 7];
			out[o++] = oct[b[i] & 7];
		}
	}
	out[o] = '\0';
}

#endif
