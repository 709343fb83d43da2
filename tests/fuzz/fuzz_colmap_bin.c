/* COLMAP binary models (cameras.bin, images.bin, points3D.bin). */
#include "colmap_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { return colmap_one(data, size, "bin"); }
