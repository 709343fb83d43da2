/* Prints the CPU backend's tile-loop path (make bench names it). */
#include <stdio.h>

#include "sgs_kernels.h"

int main(void)
{
	puts(sgs_cpu_simd_path());
	return 0;
}
