#!/bin/sh
# The training kernels' emulation is part of build.sh now: one program,
# test_backend_ops, holds the render and the training rows and is built
# with every CUDA file.  This builds it and names the training rows:
#   sh tests/gpu/emu/build_train.sh [address|thread|undefined]
#   SGS_TEST_QUICK=1 build/emu/test_backend_ops-address loss_l1_ssim \
#       loss_depth_pearson loss_depth_smooth adam update_max_radii \
#       reset_opacity densify mcmc_noise
# (mcmc_noise brings mcmc_relocate and mcmc_regularise, the rows before it
# on the same states; loss_depth_smooth the local depth rows.)
# SGS_TEST_QUICK=1 leaves out the inputs too large for the emulation
# (1920x1080 loss, 504x378 depth maps, 20000-Gaussian densify and MCMC).
set -e
sh "$(dirname "$0")/build.sh" "$@"
echo "training rows: SGS_TEST_QUICK=1 build/emu/test_backend_ops-${1:-address}" \
	"loss_l1_ssim loss_depth_pearson loss_depth_smooth adam update_max_radii" \
	"reset_opacity densify mcmc_noise"
