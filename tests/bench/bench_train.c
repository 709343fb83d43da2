/* One row of make bench's training table (tests/bench/bench.sh):
 *   build/tests/bench_train SCENE COUNT [ITERATIONS [WARMUP]]
 * trains SCENE on the CPU from COUNT random Gaussians (the trainer's
 * random initialisation with seed 0: the same Gaussians every run, and a
 * checksum of them is printed so a comparison can tell) without
 * densification or opacity resets, and prints one TSV line:
 *   gaussians forward backward loss optimise total pairs_per_gaussian
 *   peak_rss_mib checksum
 * in milliseconds per iteration over ITERATIONS (30) after WARMUP (3)
 * iterations.  With SGS_BENCH_CPU set it also prints the process's CPU
 * milliseconds per iteration to stderr: with OMP_NUM_THREADS=1 a measure
 * that other work on the machine disturbs far less than wall time.
 * Nothing is asserted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "sgs_cli.h"
#include "sgs_error.h"
#include "sgs_scene.h"
#include "sgs_splat.h"
#include "sgs_trainer.h"

/* FNV-1a over the exported model's parameter bytes. */
static uint64_t model_checksum(const struct sgs_trainer *t)
{
	struct sgs_splats m;
	uint64_t h = 1469598103934665603ull;
	sgs_splats_init(&m);
	if (sgs_trainer_export(t, &m) != 0)
		return 0;
	size_t K = (size_t)SGS_SH_COEFFS(m.sh_degree);
	const struct {
		const float *p;
		size_t n;
	} parts[] = {{m.means, 3}, {m.log_scales, 3}, {m.quats, 4}, {m.logit_opacity, 1},
		     {m.sh, 3 * K}};
	for (size_t k = 0; k < sizeof parts / sizeof parts[0]; k++) {
		const unsigned char *b = (const unsigned char *)parts[k].p;
		for (size_t i = 0; i < parts[k].n * m.n * sizeof(float); i++)
			h = (h ^ b[i]) * 1099511628211ull;
	}
	sgs_splats_free(&m);
	return h;
}

/* CPU seconds of the process (user + system): with one thread, a
 * measure that a busy machine disturbs far less than wall time. */
static double cpu_seconds(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + 1e-6 * (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

int main(int argc, char **argv)
{
	struct sgs_scene s;
	struct sgs_trainer_opts o;
	struct sgs_trainer *t;
	struct sgs_step_info info;
	struct sgs_trainer_profile p;
	if (argc < 3) {
		fprintf(stderr, "usage: bench_train scene count [iterations [warmup]]\n");
		return 2;
	}
	sgs_cli_passive_threads(argv); /* as sgs-train */
	uint32_t count = (uint32_t)strtoul(argv[2], NULL, 10);
	int iters = argc > 3 ? atoi(argv[3]) : 30, warm = argc > 4 ? atoi(argv[4]) : 3;
	sgs_trainer_defaults(&o);
	o.init = SGS_INIT_RANDOM;
	o.init_count = count;
	o.iterations = 30000; /* the learning rates of a full run's start */
	o.densify_from = o.densify_until = 0;
	o.reset_every = SGS_NEVER;
	const struct sgs_backend *be = sgs_backend_get("cpu");
	if (sgs_scene_load(argv[1], &s) != 0 || sgs_trainer_new(be, &s, &o, &t) != 0) {
		fprintf(stderr, "bench_train: %s\n", sgs_error_get());
		return 1;
	}
	uint64_t sum = model_checksum(t);
	double cpu0 = 0.0;
	for (int i = 0; i < warm + iters; i++) {
		if (i == warm) {
			sgs_trainer_profile_start(t);
			cpu0 = cpu_seconds();
		}
		if (sgs_trainer_step(t, &info) != 0) {
			fprintf(stderr, "bench_train: %s\n", sgs_error_get());
			return 1;
		}
	}
	sgs_trainer_profile_get(t, &p);
	if (getenv("SGS_BENCH_CPU"))
		fprintf(stderr, "cpu_ms %.1f\n", (cpu_seconds() - cpu0) * 1e3 / p.iterations);
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	double ms = 1e3 / p.iterations;
	printf("%u\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%.2f\t%.0f\t%016llx\n", count, p.forward * ms,
	       p.backward * ms, p.loss * ms, p.optimise * ms, p.total * ms,
	       p.gaussians ? (double)p.pairs / p.gaussians : 0.0, ru.ru_maxrss / 1024.0,
	       (unsigned long long)sum);
	sgs_trainer_free(t);
	sgs_scene_free(&s);
	return 0;
}
