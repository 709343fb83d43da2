# sgs — sparse-view 3D Gaussian Splatting as Unix tools.
#   make [WITH_CUDA=auto|0|1] [CUDA_ARCH=sm_90]   build bin/ and the libraries
#   make check | demo | bench | bench-quality | install | clean

PREFIX    ?= /usr/local
MANPREFIX ?= $(PREFIX)/share/man
WITH_CUDA ?= auto
CUDA_ARCH ?= sm_90
CUDA_HOME ?= /usr/local/cuda

CC      ?= cc
NVCC    ?= $(shell command -v nvcc 2>/dev/null || { test -x $(CUDA_HOME)/bin/nvcc && echo $(CUDA_HOME)/bin/nvcc; })
OPT     ?= -O2
CFLAGS  ?= $(OPT) -g
SGS_CFLAGS = -std=c11 -D_GNU_SOURCE -Wall -Wextra -fopenmp -fno-math-errno -Ilibcommon -Ikernels -Itrain -Imvs $(shell pkg-config --cflags libpng libtiff-4 libcjson libzip 2>/dev/null)
LDLIBS  = -lpng -ltiff -ljpeg -lcjson -lzip -lz -lm -fopenmp

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

B = build
TOOLS = sgs-init sgs-depth sgs-train sgs-render sgs-eval
BINS  = $(TOOLS:%=bin/%)

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
  LDLIBS     += -L$(CUDA_HOME)/lib64 -lcudart_static -ldl -lrt -lpthread -lstdc++
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

bin/%: $(B)/cmd/%.o $(LIBS)
	@mkdir -p bin
	$(CC) $(CFLAGS) -o $@ $< $(LIBS) $(LDLIBS)

$(B)/tests/%: tests/unit/%.c $(TESTLIB) $(LIBS)
	@mkdir -p $(@D)
	$(CC) $(SGS_CFLAGS) $(CFLAGS) -Itests/unit -MMD -MP -o $@ $< $(TESTLIB) $(LIBS) $(LDLIBS)

# Helpers the Bats suites run (tests/tools/): found as $(B)/tests/NAME.
TOOL_BINS = $(patsubst tests/tools/%.c,$(B)/tests/%,$(wildcard tests/tools/*.c))

$(B)/tests/%: tests/tools/%.c $(LIBS)
	@mkdir -p $(@D)
	$(CC) $(SGS_CFLAGS) $(CFLAGS) -MMD -MP -o $@ $< $(LIBS) $(LDLIBS)

unit: $(UNIT_BINS) $(TOOL_BINS) $(B)/tests/bench_simd_path

check: all unit
	@sh tests/run.sh $(UNIT_BINS)

demo: all
	@sh examples/demo.sh

bench: all $(B)/tests/bench_render $(B)/tests/bench_train $(B)/tests/bench_simd_path
	@B=$(B) sh tests/bench/bench.sh

# The default recipe on the real captures; resumable (tests/bench/quality.sh).
bench-quality: all
	@sh tests/bench/quality.sh

$(B)/tests/train_curve: tests/bench/train_curve.c $(LIBS)
	@mkdir -p $(@D)
	$(CC) $(SGS_CFLAGS) $(CFLAGS) -MMD -MP -o $@ $< $(LIBS) $(LDLIBS)

$(B)/tests/bench_train: tests/bench/bench_train.c $(LIBS)
	@mkdir -p $(@D)
	$(CC) $(SGS_CFLAGS) $(CFLAGS) -MMD -MP -o $@ $< $(LIBS) $(LDLIBS)

$(B)/tests/bench_simd_path: tests/bench/bench_simd_path.c $(LIBS)
	@mkdir -p $(@D)
	$(CC) $(SGS_CFLAGS) $(CFLAGS) -MMD -MP -o $@ $< $(LIBS) $(LDLIBS)

$(B)/tests/bench_render: tests/bench/bench_render.c $(LIBS)
	@mkdir -p $(@D)
	$(CC) $(SGS_CFLAGS) $(CFLAGS) -MMD -MP -o $@ $< $(LIBS) $(LDLIBS)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(MANPREFIX)/man1 $(DESTDIR)$(MANPREFIX)/man5 $(DESTDIR)$(MANPREFIX)/man7
	install -m 755 $(BINS) $(DESTDIR)$(PREFIX)/bin
	install -m 644 man/*.1 $(DESTDIR)$(MANPREFIX)/man1
	install -m 644 man/*.5 $(DESTDIR)$(MANPREFIX)/man5
	install -m 644 man/*.7 $(DESTDIR)$(MANPREFIX)/man7

clean:
	rm -rf $(B) bin

.PHONY: all banner unit check demo bench bench-quality install clean
.SECONDARY:
-include $(shell find $(B) -name '*.d' 2>/dev/null)
