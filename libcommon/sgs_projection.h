/* Splitting a 3x4 projection matrix into intrinsics and pose. */
#ifndef SGS_PROJECTION_H
#define SGS_PROJECTION_H

/* P (row-major 3x4, any nonzero scale or sign) = K [R | t]: K row-major
 * upper triangular with positive diagonal and K[8] = 1 (its skew K[1] is
 * kept), R a rotation (det +1), t the world-to-camera translation.  The
 * same factors cv2.decomposeProjectionMatrix finds.  -1 if P is singular. */
int sgs_decompose_projection(const double P[12], double K[9], double R[9], double t[3]);

#endif
