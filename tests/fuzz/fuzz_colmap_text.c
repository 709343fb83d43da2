/* COLMAP text models (cameras.txt, images.txt, points3D.txt). */
#include "colmap_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { return colmap_one(data, size, "txt"); }
