/* Splitting a 3x4 projection matrix into intrinsics and pose
 * (sgs_projection.h); the DTU importer reads its cameras this way. */
#include <math.h>
#include <string.h>

#include "sgs_error.h"
#include "sgs_projection.h"

static double dot3(const double *a, const double *b)
{
	return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

/* P (3x4, row-major) = K [R | t] with K upper triangular, positive
 * diagonal, K[2][2] = 1, and R a rotation: the RQ decomposition done by
 * Gram-Schmidt from the last row up (row 3 of P's left block is
 * K22 * R's row 3, row 2 adds K12 * row 3, ...).  P is only defined up to
 * scale, so a negative determinant is fixed by flipping P's sign.  K is
 * row-major 3x3 and keeps its skew K[0][1]. */
int sgs_decompose_projection(const double P[12], double K[9], double R[9], double t[3])
{
	double m[3][3], p4[3];
	for (int r = 0; r < 3; r++) {
		for (int c = 0; c < 3; c++)
			m[r][c] = P[4 * r + c];
		p4[r] = P[4 * r + 3];
	}
	double det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
		     m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
		     m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
	if (!isfinite(det) || det == 0)
		return sgs_error_set("projection matrix is singular");
	if (det < 0)
		for (int r = 0; r < 3; r++) {
			for (int c = 0; c < 3; c++)
				m[r][c] = -m[r][c];
			p4[r] = -p4[r];
		}

	double k[3][3] = {{0}}, q[3][3];
	for (int r = 2; r >= 0; r--) {
		double v[3] = {m[r][0], m[r][1], m[r][2]};
		for (int s = r + 1; s < 3; s++) {
			k[r][s] = dot3(m[r], q[s]);
			for (int c = 0; c < 3; c++)
				v[c] -= k[r][s] * q[s][c];
		}
		/* One more pass removes what rounding left of the earlier rows. */
		for (int s = r + 1; s < 3; s++) {
			double e = dot3(v, q[s]);
			k[r][s] += e;
			for (int c = 0; c < 3; c++)
				v[c] -= e * q[s][c];
		}
		k[r][r] = sqrt(dot3(v, v));
		if (!(k[r][r] > 0))
			return sgs_error_set("projection matrix is singular");
		for (int c = 0; c < 3; c++)
			q[r][c] = v[c] / k[r][r];
	}
	/* t = K^-1 p4 by back-substitution, before K is normalised (the
	 * normalisation only rescales P as a whole). */
	double tt[3];
	tt[2] = p4[2] / k[2][2];
	tt[1] = (p4[1] - k[1][2] * tt[2]) / k[1][1];
	tt[0] = (p4[0] - k[0][1] * tt[1] - k[0][2] * tt[2]) / k[0][0];
	double s = k[2][2];
	for (int r = 0; r < 3; r++)
		for (int c = 0; c < 3; c++) {
			K[3 * r + c] = k[r][c] / s;
			R[3 * r + c] = q[r][c];
		}
	memcpy(t, tt, sizeof tt);
	return 0;
}
