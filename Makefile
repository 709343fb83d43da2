# sgs — sparse-view 3D Gaussian Splatting as Unix tools.
#   make [WITH_CUDA=auto|0|1] [CUDA_ARCH=sm_90]   build bin/ and the libraries
#   make check | check-asan | fuzz [FUZZ_SECONDS=N] [FUZZ_RUNS=N] | demo | bench | bench-quality
#   make install | uninstall | clean   [PREFIX=/usr/local] [DESTDIR=]

PREFIX    ?= /usr/local
MANPREFIX ?= $(PREFIX)/share/man
LIBDIR    ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
VERSION   ?= 0.1
WITH_CUDA ?= auto
CUDA_ARCH ?= sm_90
CUDA_HOME ?= /usr/local/cuda

CC      ?= cc
NVCC    ?= $(shell command -v nvcc 2>/dev/null || { test -x $(CUDA_HOME)/bin/nvcc && echo $(CUDA_HOME)/bin/nvcc; })
OPT     ?= -O2
CFLAGS  ?= $(OPT) -g
LDFLAGS ?=
# -ffp-contract=off: no a*b+c fused behind the code's back, as gcc does
# under -std=c11 and clang does not, so the AVX2 and portable CPU loops
# stay equal bit for bit whichever compiler builds them.
SGS_CFLAGS = -std=c11 -D_GNU_SOURCE -Wall -Wextra -fopenmp -fno-math-errno -ffp-contract=off -Ilibcommon -Ikernels -Itrain -Imvs $(shell pkg-config --cflags libpng libtiff-4 libcjson libzip 2>/dev/null)
LDLIBS  = -lpng -ltiff -ljpeg -lcjson -lzip -lz -lm -fopenmp
# libgd's built-in bitmap fonts write the labels of sgs-eval -g's pictures
# (libcommon/sgs_text.c); sgs-eval alone links it.
GD_CFLAGS = $(shell pkg-config --cflags gdlib 2>/dev/null)
GD_LIBS   = $(shell pkg-config --libs gdlib 2>/dev/null || echo -lgd)

ifeq ($(WITH_CUDA),auto)
  ifneq ($(NVCC),)
    USE_CUDA = 1
  else
    USE_CUDA = 0
  endif
else
  USE_CUDA = $(WITH_CUDA)
endif
ifeq ($(USE_CUDA),1)
  ifeq ($(NVCC),)
    $(error WITH_CUDA=1 but nvcc was not found; set NVCC or CUDA_HOME)
  endif
endif

# Objects, libraries and test programs go to $(B), the tools to $(BIN);
# check-asan and fuzz build into folders of their own.
B   ?= build
BIN ?= bin
TOOLS = sgs-init sgs-depth sgs-train sgs-render sgs-eval
BINS  = $(TOOLS:%=$(BIN)/%)

COMMON_SRC  = $(wildcard libcommon/*.c)
KERNEL_SRC  = $(wildcard kernels/*.c kernels/cpu/*.c)
TRAIN_SRC   = $(wildcard train/*.c)
MVS_SRC     = $(wildcard mvs/*.c)
CUDA_SRC    = $(wildcard kernels/cuda/*.cu)
COMMON_OBJ  = $(COMMON_SRC:%.c=$(B)/%.o)
KERNEL_OBJ  = $(KERNEL_SRC:%.c=$(B)/%.o)
TRAIN_OBJ   = $(TRAIN_SRC:%.c=$(B)/%.o)
MVS_OBJ     = $(MVS_SRC:%.c=$(B)/%.o)

ifeq ($(USE_CUDA),1)
  KERNEL_OBJ += $(CUDA_SRC:%.cu=$(B)/%.o)
  SGS_CFLAGS += -DSGS_WITH_CUDA=1
  CUDA_LDLIBS = -L$(CUDA_HOME)/lib64 -lcudart_static -ldl -lrt -lpthread -lstdc++
  LDLIBS     += $(CUDA_LDLIBS)
  BUILD_KIND  = CPU + CUDA ($(CUDA_ARCH), $(NVCC))
else
  BUILD_KIND  = CPU only
endif
NVCCFLAGS ?= -O3 -lineinfo
SGS_NVCCFLAGS = -std=c++17 -arch=$(CUDA_ARCH) -Ilibcommon -Ikernels -DSGS_WITH_CUDA=1 -Xcompiler -Wall,-fPIC

# The AVX2 and AVX-512 loops (kernels/cpu/cpu_simd_avx2.c,
# cpu_simd_avx512.c) are built on x86-64 and chosen at run time from the
# CPU's features (AVX-512 F+DQ+VL, else AVX2 + FMA, else portable).
ifeq ($(shell uname -m),x86_64)
  SGS_CFLAGS += -DSGS_CPU_AVX2=1 -DSGS_CPU_AVX512=1
$(B)/kernels/cpu/cpu_simd_avx2.o: FILE_CFLAGS = -mavx2 -mfma
$(B)/kernels/cpu/cpu_simd_avx512.o: FILE_CFLAGS = -mavx512f -mavx512dq -mavx512vl -mavx2 -mfma
endif

UNIT_SRC  = $(wildcard tests/unit/test_*.c)
UNIT_BINS = $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
TESTLIB   = $(wildcard tests/unit/testlib_*.c)

# Link order follows the layering: cmd -> train, mvs -> kernels -> libcommon.
LIBS = $(B)/libsgstrain.a $(B)/libsgsmvs.a $(B)/libsgskernels.a $(B)/libsgscommon.a

all: banner $(BINS)

banner:
	@echo "sgs: building $(BUILD_KIND)"

$(B)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(SGS_CFLAGS) $(CFLAGS) $(FILE_CFLAGS) -MMD -MP -c $< -o $@

$(B)/%.o: %.cu
	@mkdir -p $(@D)
	$(NVCC) $(SGS_NVCCFLAGS) $(NVCCFLAGS) -MMD -MP -c $< -o $@

$(B)/libsgscommon.a: $(COMMON_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/libsgskernels.a: $(KERNEL_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/libsgstrain.a: $(TRAIN_OBJ)
	@rm -f $@
	ar rcs $@ $^

# sgs-depth's host side (mvs/): a floor beside train/, above the kernels.
$(B)/libsgsmvs.a: $(MVS_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BIN)/%: $(B)/cmd/%.o $(LIBS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIBS) $(LDLIBS)

$(B)/libcommon/sgs_text.o: FILE_CFLAGS = $(GD_CFLAGS)
$(BIN)/sgs-eval $(B)/tests/test_compare: LDLIBS += $(GD_LIBS)

$(B)/tests/%: tests/unit/%.c $(TESTLIB) $(LIBS)
	@mkdir -p $(@D)
	$(CC) $(SGS_CFLAGS) $(CFLAGS) -Itests/unit $(LDFLAGS) -MMD -MP -o $@ $< $(TESTLIB) $(LIBS) $(LDLIBS)

# Helpers the Bats suites run (tests/tools/): found as $(B)/tests/NAME.
TOOL_BINS = $(patsubst tests/tools/%.c,$(B)/tests/%,$(wildcard tests/tools/*.c))

$(B)/tests/%: tests/tools/%.c $(LIBS)
	@mkdir -p $(@D)
	$(CC) $(SGS_CFLAGS) $(CFLAGS) $(LDFLAGS) -MMD -MP -o $@ $< $(LIBS) $(LDLIBS)

# The fuzz harnesses of tests/fuzz/ built as plain programs: each replays
# its regression inputs (tests/fuzz/regress/NAME/) and seed corpus
# ($(B)/fuzz-seeds/NAME/, made by $(B)/tests/fuzz_seeds) as TAP.
FUZZ_NAMES   = $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_DRIVERS = $(FUZZ_NAMES:%=$(B)/tests/fuzz_%)
FUZZ_LIB     = tests/fuzz/fuzzlib.c

$(B)/tests/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/driver.c $(FUZZ_LIB) tests/fuzz/fuzzlib.h $(LIBS)
	@mkdir -p $(@D)
	$(CC) $(SGS_CFLAGS) $(CFLAGS) -Itests/fuzz -DFUZZ_NAME='"$*"' $(LDFLAGS) -o $@ $< tests/fuzz/driver.c $(FUZZ_LIB) $(LIBS) $(LDLIBS)

$(B)/tests/fuzz_seeds: tests/fuzz/seeds.c $(FUZZ_LIB) tests/fuzz/fuzzlib.h $(LIBS)
	@mkdir -p $(@D)
	$(CC) $(SGS_CFLAGS) $(CFLAGS) -Itests/fuzz $(LDFLAGS) -o $@ $< $(FUZZ_LIB) $(LIBS) $(LDLIBS)

$(B)/fuzz-seeds/.made: $(B)/tests/fuzz_seeds
	@rm -rf $(@D) && $(B)/tests/fuzz_seeds $(@D) && touch $@

unit: $(UNIT_BINS) $(TOOL_BINS) $(FUZZ_DRIVERS) $(B)/fuzz-seeds/.made $(B)/tests/bench_simd_path

check: all unit
	@B=$(B) SGS_BIN=$(abspath $(BIN)) SGS_BUILD=$(abspath $(B)) sh tests/run.sh $(UNIT_BINS) $(FUZZ_DRIVERS)

# The whole of check under AddressSanitizer, UndefinedBehaviorSanitizer and
# LeakSanitizer, CPU backend only, built in build-asan/ (the normal build is
# left alone).  Reports go to files that tests/run.sh counts as failures, so
# a report from a tool that was expected to fail anyway is not missed.
# clang, whose UBSan shares ASan's runtime and so its log_path (gcc's
# libubsan writes to stderr only: without clang, UBSan findings show as
# exit status 86 alone).
ASAN_B     = build-asan
ASAN_CC   ?= $(shell command -v clang >/dev/null 2>&1 && echo clang || echo $(CC))
SAN_FLAGS  = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
SAN_LOGS   = $(abspath $(ASAN_B))/san-logs
SAN_COMMON = exitcode=86:log_path=$(SAN_LOGS)/report:print_stacktrace=1

# The sanitizer build starts afresh when its compiler or flags change
# (objects of other flags would be linked as they are).
ASAN_STAMP = $(ASAN_B)/.cc-$(notdir $(ASAN_CC))-$(shell echo '$(SAN_FLAGS)' | cksum | cut -d' ' -f1)
check-asan:
	@test -f $(ASAN_STAMP) || { rm -rf $(ASAN_B) && mkdir -p $(ASAN_B) && touch $(ASAN_STAMP); }
	@rm -rf $(SAN_LOGS) && mkdir -p $(SAN_LOGS)
	@$(MAKE) --no-print-directory B=$(ASAN_B) BIN=$(ASAN_B)/bin WITH_CUDA=0 CC=$(ASAN_CC) \
		CFLAGS='-O1 -g $(SAN_FLAGS)' LDFLAGS='$(SAN_FLAGS)' all unit >$(ASAN_B)/build.log 2>&1 || \
		{ tail -30 $(ASAN_B)/build.log; exit 1; }
	@ASAN_OPTIONS='$(SAN_COMMON):detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1' \
	 UBSAN_OPTIONS='$(SAN_COMMON):halt_on_error=1' LSAN_OPTIONS='suppressions=$(abspath tests/lsan.supp)' \
	 SGS_SAN_LOGS=$(SAN_LOGS) SGS_TEST_QUICK=1 B=$(ASAN_B) SGS_BIN=$(abspath $(ASAN_B)/bin) \
	 SGS_BUILD=$(abspath $(ASAN_B)) sh tests/run.sh $(patsubst $(B)/%,$(ASAN_B)/%,$(UNIT_BINS) $(FUZZ_DRIVERS))

# libFuzzer: every harness of tests/fuzz/ built with clang
# -fsanitize=fuzzer,address,undefined in build-fuzz/ and run FUZZ_SECONDS
# seconds from its seed corpus; crashes are left in build-fuzz/crashes/.
FUZZ_B       = build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang
FUZZ_SAN     = -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer

$(B)/fuzz/%: tests/fuzz/fuzz_%.c $(FUZZ_LIB) tests/fuzz/fuzzlib.h $(LIBS)
	@mkdir -p $(@D)
	$(CC) $(SGS_CFLAGS) $(CFLAGS) -Itests/fuzz -DFUZZ_NAME='"$*"' -fsanitize=fuzzer $(LDFLAGS) -o $@ $< $(FUZZ_LIB) $(LIBS) $(LDLIBS)

fuzz-build: $(FUZZ_NAMES:%=$(B)/fuzz/%) $(B)/fuzz-seeds/.made

fuzz:
	@mkdir -p $(FUZZ_B)
	@$(MAKE) --no-print-directory B=$(FUZZ_B) BIN=$(FUZZ_B)/bin WITH_CUDA=0 CC=$(FUZZ_CC) \
		CFLAGS='-O1 -g -fsanitize=fuzzer-no-link $(FUZZ_SAN)' LDFLAGS='$(FUZZ_SAN)' fuzz-build \
		>$(FUZZ_B)/build.log 2>&1 || { tail -30 $(FUZZ_B)/build.log; exit 1; }
	@B=$(FUZZ_B) FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_RUNS=$(FUZZ_RUNS) sh tests/fuzz/run.sh $(FUZZ_NAMES)

demo: all
	@sh examples/demo.sh

bench: all $(B)/tests/bench_render $(B)/tests/bench_train $(B)/tests/bench_simd_path
	@B=$(B) sh tests/bench/bench.sh

# The default recipe on the real captures; resumable (tests/bench/quality.sh).
bench-quality: all
	@sh tests/bench/quality.sh

$(B)/tests/train_curve: tests/bench/train_curve.c $(LIBS)
	@mkdir -p $(@D)
	$(CC) $(SGS_CFLAGS) $(CFLAGS) $(LDFLAGS) -MMD -MP -o $@ $< $(LIBS) $(LDLIBS)

$(B)/tests/bench_train: tests/bench/bench_train.c $(LIBS)
	@mkdir -p $(@D)
	$(CC) $(SGS_CFLAGS) $(CFLAGS) $(LDFLAGS) -MMD -MP -o $@ $< $(LIBS) $(LDLIBS)

$(B)/tests/bench_simd_path: tests/bench/bench_simd_path.c $(LIBS)
	@mkdir -p $(@D)
	$(CC) $(SGS_CFLAGS) $(CFLAGS) $(LDFLAGS) -MMD -MP -o $@ $< $(LIBS) $(LDLIBS)

$(B)/tests/bench_render: tests/bench/bench_render.c $(LIBS)
	@mkdir -p $(@D)
	$(CC) $(SGS_CFLAGS) $(CFLAGS) $(LDFLAGS) -MMD -MP -o $@ $< $(LIBS) $(LDLIBS)

# What a program built on the library includes (-I$(INCLUDEDIR)/sgs):
# the host library's public headers (sgs_*.h; sgs_import.h needs
# import_formats.h), the backend table, the trainer and sgs-depth's API.
PUBLIC_HEADERS = $(wildcard libcommon/sgs_*.h) libcommon/import_formats.h kernels/sgs_kernels.h \
		 kernels/sgs_train_ops.h train/sgs_trainer.h mvs/sgs_mvs.h
# The archives are static, so a program always links their dependencies:
# Requires, not Requires.private, or "pkg-config --libs sgs" would leave
# libpng and the rest out and the link would fail.
PC_REQUIRES = libpng libtiff-4 libjpeg libcjson libzip zlib

# sgs.pc, written by install itself: its paths are the PREFIX of that run.
PC_LINES = 'prefix=$(PREFIX)' 'libdir=$(LIBDIR)' 'includedir=$(INCLUDEDIR)' '' 'Name: sgs' \
	'Description: sparse-view 3D Gaussian Splatting: scene and splat files, importers, rasterizer, trainer' \
	'Version: $(VERSION)' 'Requires: $(PC_REQUIRES)' 'Cflags: -I$${includedir}/sgs -fopenmp' \
	'Libs: -L$${libdir} -lsgstrain -lsgsmvs -lsgskernels -lsgscommon -lm -fopenmp$(if $(CUDA_LDLIBS), $(strip $(CUDA_LDLIBS)))'

# The tools, man pages, static libraries, headers and sgs.pc.
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(MANPREFIX)/man1 $(DESTDIR)$(MANPREFIX)/man5 $(DESTDIR)$(MANPREFIX)/man7
	install -d $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR)/sgs
	install -m 755 $(BINS) $(DESTDIR)$(PREFIX)/bin
	install -m 644 man/*.1 $(DESTDIR)$(MANPREFIX)/man1
	install -m 644 man/*.5 $(DESTDIR)$(MANPREFIX)/man5
	install -m 644 man/*.7 $(DESTDIR)$(MANPREFIX)/man7
	install -m 644 $(LIBS) $(DESTDIR)$(LIBDIR)
	install -m 644 $(PUBLIC_HEADERS) $(DESTDIR)$(INCLUDEDIR)/sgs
	printf '%s\n' $(PC_LINES) > $(DESTDIR)$(LIBDIR)/pkgconfig/sgs.pc

uninstall:
	rm -f $(TOOLS:%=$(DESTDIR)$(PREFIX)/bin/%)
	rm -f $(patsubst man/%.1,$(DESTDIR)$(MANPREFIX)/man1/%.1,$(wildcard man/*.1))
	rm -f $(patsubst man/%.5,$(DESTDIR)$(MANPREFIX)/man5/%.5,$(wildcard man/*.5))
	rm -f $(patsubst man/%.7,$(DESTDIR)$(MANPREFIX)/man7/%.7,$(wildcard man/*.7))
	rm -f $(patsubst $(B)/%,$(DESTDIR)$(LIBDIR)/%,$(LIBS)) $(DESTDIR)$(LIBDIR)/pkgconfig/sgs.pc
	rm -f $(addprefix $(DESTDIR)$(INCLUDEDIR)/sgs/,$(notdir $(PUBLIC_HEADERS)))
	-rmdir $(DESTDIR)$(INCLUDEDIR)/sgs 2>/dev/null

clean:
	rm -rf $(B) $(ASAN_B) $(FUZZ_B) bin

.PHONY: all banner unit check check-asan fuzz fuzz-build demo bench bench-quality install uninstall clean
.SECONDARY:
-include $(shell find $(B) -name '*.d' 2>/dev/null)
