# tpath - one Makefile for the whole tree (GNU make).
#
#   make               build everything into build/
#   make check         unit tests (cmocka) and end-to-end tests (pytest)
#   make check SANITIZE=1   the same under ASan and UBSan, in build/san/
#   make check-system  the package under a real systemd, in a container
#   make install       honours DESTDIR, PREFIX, SYSCONFDIR, PAMDIR, UNITDIR
#   make deb           the Debian package (conf/debian/), lintian-checked
#   make deps          install the Debian packages the build and tests need
#   make fuzz          build and run the libFuzzer targets (FUZZ_SECONDS each)
#   make bench         benchmarks, each against its peer
#   make demo          a real tgetty login on a private pty (root)

PREFIX     ?= /usr/local
SYSCONFDIR ?= /etc
BINDIR     ?= $(PREFIX)/bin
SBINDIR    ?= $(PREFIX)/sbin
MANDIR     ?= $(PREFIX)/share/man
UNITDIR    ?= $(PREFIX)/lib/systemd/system
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
# Where Linux-PAM looks for modules: pam.pc's securedir where it has one,
# else its libdir's security/ (Debian 12: /lib/x86_64-linux-gnu/security).
PAMDIR     ?= $(or $(shell pkg-config --variable=securedir pam 2>/dev/null),$(shell pkg-config --variable=libdir pam 2>/dev/null)/security)
DOCDIR     ?= $(PREFIX)/share/doc/tpath
CONFDIR    := $(SYSCONFDIR)/tpath
LOCALSTATEDIR ?= /var/lib
STATEDIR   := $(LOCALSTATEDIR)/tpath

PYTHON     ?= /usr/bin/python3
FUZZ_CC    ?= clang
FUZZ_SECONDS ?= 60

ifeq ($(SANITIZE),1)
B := build/san
else
B := build
endif

# Debian 12 packages: build, libraries, test tools, man page lint, fuzzing;
# audispd-plugins and iproute2 for the fleet test (e2e/test_audit_fleet.py).
DEB_PKGS := build-essential pkg-config libpam0g-dev libncurses-dev \
	libaudit-dev libssl-dev libacl1-dev libcmocka-dev python3-pytest \
	python3-pexpect mandoc clang libclang-rt-14-dev auditd acl \
	libpam-modules passwd tmux psmisc pamtester libbpf-dev bpftool \
	liburing-dev libcdb-dev liblmdb-dev python3-jsonschema \
	audispd-plugins iproute2

# Libraries every program links through libtpath (lazy: after make deps).
# libcrypto is loaded when a file is first hashed (src/tcb/hash.c): its
# headers only.
PKG_LIBS  = pam ncurses audit libacl libbpf
PKG_CFLAGS = $(shell pkg-config --cflags $(PKG_LIBS) libcrypto)
# tinycdb (doc/INDEX.md) has no pkg-config file; its PIC archive serves the
# programs and the PAM module alike
PKG_LDLIBS = $(shell pkg-config --libs $(PKG_LIBS)) -l:libcdb_pic.a -ldl
CMOCKA_LDLIBS = $(shell pkg-config --libs cmocka)

WERROR ?= $(if $(CI),1,)
WARN := -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes
ifneq ($(WERROR),)
WARN += -Werror
endif

CFLAGS ?= -O2 -g
ifeq ($(SANITIZE),1)
SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
# ASan intercepts crypt(); pam_unix loads libcrypt later, by dlopen, which
# leaves the interceptor calling NULL: link libcrypt in from the start.
SAN_LDLIBS := -Wl,--no-as-needed -lcrypt -Wl,--as-needed
HARDEN_CPPFLAGS :=
else
SAN :=
SAN_LDLIBS :=
HARDEN_CPPFLAGS := -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=3
endif
# The core library, by subsystem (src/README.md): every .c in these folders.
LIB_DIRS := src/util src/stanza src/tcb src/policy src/tty src/sweep
LIB_INC  := $(addprefix -I,$(LIB_DIRS)) -Ibuild/gen
# Each target sees the core's headers and its own, nothing else: the
# layering is the build's, not only a habit.
INC = $(LIB_INC)
$(B)/obj/tsh/%.o: INC = $(LIB_INC) -Itsh
$(B)/obj/getty/%.o: INC = $(LIB_INC) -Igetty
$(B)/obj/src/tcbck/%.o: INC = $(LIB_INC) -Isrc/tcbck
$(B)/obj/tests/%.o: INC = $(LIB_INC) -Itsh -Igetty
# -fPIC: the core is linked into PIE programs and into pam_tpath.so.
# The version: the packaging's changelog (debian/ in a staged package tree).
VERSION ?= $(shell head -n1 $(firstword $(wildcard debian/changelog) \
	conf/debian/changelog) | cut -d' ' -f2 | tr -d '()')
ALL_CPPFLAGS = -D_GNU_SOURCE -DSYSCONFDIR='"$(CONFDIR)"' -DBINDIR='"$(BINDIR)"' \
	-DTPATH_VERSION='"$(VERSION)"' \
	-DSTATEDIR='"$(STATEDIR)"' $(INC) $(HARDEN_CPPFLAGS) $(CPPFLAGS)
ALL_CFLAGS = -std=c11 $(CFLAGS) $(WARN) -fstack-protector-strong -fPIC $(SAN) $(PKG_CFLAGS)
ALL_LDFLAGS = -pie -Wl,-z,relro,-z,now -Wl,--as-needed $(SAN) $(LDFLAGS)

# Programs: each in a folder of its own.
TCBCK_SRCS := $(wildcard src/tcbck/*.c)
# tsh: tsh/main.c and the rest of tsh/*.c (libtsh, linked by its tests too).
TSH_MAIN := tsh/main.c
TSH_LIB_SRCS := $(filter-out $(TSH_MAIN),$(wildcard tsh/*.c))
TSH_LIB  := $(B)/libtsh.a
# tgetty: its own files (main.c, shell.c) and the rest of getty/*.c
# (libgetty, linked by its tests too).
GETTY_PROG_SRCS := getty/main.c getty/shell.c
GETTY_LIB_SRCS := $(filter-out $(GETTY_PROG_SRCS),$(wildcard getty/*.c))
GETTY_LIB := $(B)/libgetty.a
CHTCB_SRCS := $(wildcard src/chtcb/*.c)
PROGS    := $(B)/tcbck $(B)/chtcb $(B)/tsh $(B)/tgetty
PAM_MODULE := $(B)/pam_tpath.so
LIB_SRCS := $(wildcard $(addsuffix /*.c,$(LIB_DIRS)))
LIB_OBJS := $(LIB_SRCS:%.c=$(B)/obj/%.o)
LIB      := $(B)/libtpath.a

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:%.c=$(B)/%)
HELPER_SRCS := $(wildcard tests/helpers/*.c)
HELPER_BINS := $(HELPER_SRCS:%.c=$(B)/%)
BENCH_SRCS := $(wildcard tests/bench/*.c)
BENCH_BINS := $(BENCH_SRCS:%.c=$(B)/%)
MANPAGES := $(wildcard doc/*.[1-8])
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=build/fuzz/%)

UNITS := tgetty@.service serial-tgetty@.service container-tgetty@.service \
	tgetty@console.service.d/console.conf

.PHONY: all check check-run check-unit check-e2e check-system install deps \
	deps-deb deps-system deb fuzz bench \
	demo clean
.DELETE_ON_ERROR:

all: $(LIB) $(PROGS) $(PAM_MODULE) $(B)/man.lint

$(B)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

# The sweep's kernel walk (src/sweep/bpf/): compiled for BPF with debug info
# (its BTF lets libbpf relocate it to the running kernel), then embedded in
# the core as a libbpf skeleton header.  The same under SANITIZE=1.
BPF_SKEL := build/gen/sweep.skel.h
BPF_CFLAGS := -target bpf -O2 -g -Wall $(if $(WERROR),-Werror) \
	-I/usr/include/$(shell $(CC) -print-multiarch)
BPFTOOL ?= /usr/sbin/bpftool

build/gen/sweep.bpf.o: src/sweep/bpf/sweep.bpf.c
	@mkdir -p $(@D)
	clang $(BPF_CFLAGS) -c -o $@ $<

$(BPF_SKEL): build/gen/sweep.bpf.o
	$(BPFTOOL) gen skeleton $< name sweep_bpf > $@

$(B)/obj/src/sweep/sweep_bpf.o: $(BPF_SKEL)

$(LIB): $(LIB_OBJS)
	rm -f $@
	$(AR) rcs $@ $^

$(B)/tcbck: $(TCBCK_SRCS:%.c=$(B)/obj/%.o) $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LDLIBS) -lpthread $(SAN_LDLIBS)

$(B)/chtcb: $(CHTCB_SRCS:%.c=$(B)/obj/%.o) $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LDLIBS) -lpthread $(SAN_LDLIBS)

$(TSH_LIB): $(TSH_LIB_SRCS:%.c=$(B)/obj/%.o)
	rm -f $@
	$(AR) rcs $@ $^

$(GETTY_LIB): $(GETTY_LIB_SRCS:%.c=$(B)/obj/%.o)
	rm -f $@
	$(AR) rcs $@ $^

$(B)/tgetty: $(GETTY_PROG_SRCS:%.c=$(B)/obj/%.o) $(GETTY_LIB) $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LDLIBS) -lpthread $(SAN_LDLIBS)

$(B)/tsh: $(B)/obj/tsh/main.o $(TSH_LIB) $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LDLIBS) -lpthread $(SAN_LDLIBS)

# The PAM module: the core linked in, only pam_sm_* exported.  Under
# SANITIZE=1 it needs the sanitizer runtime in the program that loads it.
$(PAM_MODULE): $(B)/obj/pam/pam_tpath.o $(LIB) pam/pam_tpath.map
	$(CC) -shared -Wl,-z,relro,-z,now,-z,defs -Wl,--as-needed $(SAN) $(LDFLAGS) \
		-Wl,--version-script=pam/pam_tpath.map -o $@ \
		$(B)/obj/pam/pam_tpath.o $(LIB) $(PKG_LDLIBS) -lpthread

# The adversary helper also holds a terminal through an io_uring.
$(B)/tests/helpers/adversary: HELPER_LDLIBS = $(shell pkg-config --libs liburing)

# the index libraries compared (doc/INDEX.md), for this benchmark only
$(B)/tests/bench/bench_index_libs: HELPER_LDLIBS += -llmdb
$(B)/tests/%: $(B)/obj/tests/%.o $(TSH_LIB) $(GETTY_LIB) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(TSH_LIB) $(GETTY_LIB) $(LIB) \
		$(CMOCKA_LDLIBS) $(HELPER_LDLIBS) $(PKG_LDLIBS) -lpthread $(SAN_LDLIBS)

# The build lints every man page.
$(B)/man.lint: $(MANPAGES)
	@mkdir -p $(@D)
	$(if $(MANPAGES),mandoc -Tlint -Wwarning $(MANPAGES))
	@touch $@

check: deps
	@$(MAKE) --no-print-directory check-run

check-run: all $(UNIT_BINS) $(HELPER_BINS)
	@$(MAKE) --no-print-directory check-unit check-e2e

check-unit: $(UNIT_BINS)
	@fail=0; for t in $(UNIT_BINS); do \
		echo "== $$t"; $$t || fail=1; \
	done; exit $$fail

check-e2e: $(HELPER_BINS)
	TPATH_BUILD=$(abspath $(B)) TPATH_SRC=$(CURDIR) TPATH_SANITIZE=$(SANITIZE) \
		$(PYTHON) -m pytest -p no:cacheprovider -ra tests/e2e

# What make deb needs besides the build's own packages, and what the
# system test needs besides those.
DEB_BUILD_PKGS := debhelper dpkg-dev fakeroot lintian
SYSTEM_PKGS := debootstrap systemd-container util-linux
deps-deb:
	@$(MAKE) --no-print-directory deps DEB_PKGS="$(DEB_PKGS) $(DEB_BUILD_PKGS)"
deps-system:
	@$(MAKE) --no-print-directory deps \
		DEB_PKGS="$(DEB_PKGS) $(DEB_BUILD_PKGS) $(SYSTEM_PKGS)"

# The package's whole life under a real systemd, in a Debian 12 container
# (tests/system/; its root is cached under /var/cache/tpath-check).
check-system: deps-system
	TPATH_SRC=$(CURDIR) $(PYTHON) -m pytest -p no:cacheprovider -ra -s \
		tests/system

deps:
	@missing=$$(for p in $(DEB_PKGS); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
			grep -q '^install ok installed' || echo $$p; done); \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" -eq 0 ]; then \
		echo "deps: installing $$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -qq --no-install-recommends $$missing; \
	else \
		echo "deps: missing Debian packages; as root run:"; \
		echo "  apt-get install $$missing" | tr '\n' ' '; echo; exit 1; \
	fi

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(CONFDIR)
	install -d -m 0755 $(DESTDIR)$(STATEDIR)
	install -m 0755 $(filter-out %/tsh,$(PROGS)) $(DESTDIR)$(SBINDIR)/
	$(if $(filter %/tsh,$(PROGS)),install -m 0755 $(B)/tsh $(DESTDIR)$(BINDIR)/)
	install -m 0644 $(filter %.5,$(MANPAGES)) $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 $(filter %.8,$(MANPAGES)) $(DESTDIR)$(MANDIR)/man8/
	install -d $(DESTDIR)$(MANDIR)/man1
	$(if $(filter %.1,$(MANPAGES)),install -m 0644 $(filter %.1,$(MANPAGES)) \
		$(DESTDIR)$(MANDIR)/man1/)
	install -d $(DESTDIR)$(PAMDIR) $(DESTDIR)$(DOCDIR)/pam-examples
	install -m 0644 $(PAM_MODULE) $(DESTDIR)$(PAMDIR)/
	@# PAM examples only: the system's PAM files are the administrator's
	install -m 0644 conf/pam-examples/su conf/pam-examples/passwd \
		$(DESTDIR)$(DOCDIR)/pam-examples/
	install -m 0644 doc/tcbck.schema.json $(DESTDIR)$(DOCDIR)/
	install -d $(DESTDIR)$(UNITDIR)/tgetty@console.service.d \
		$(DESTDIR)$(TMPFILESDIR)
	for u in $(UNITS); do \
		sed 's|@SBINDIR@|$(SBINDIR)|g' conf/$$u.in > $(DESTDIR)$(UNITDIR)/$$u; \
		chmod 0644 $(DESTDIR)$(UNITDIR)/$$u; \
	done
	install -m 0644 conf/tmpfiles.d/tpath.conf $(DESTDIR)$(TMPFILESDIR)/
	install -d $(DESTDIR)$(SYSCONFDIR)/dpkg/dpkg.cfg.d
	@# the dpkg hook (tcbck --sync): configuration, installed once
	@t=$(DESTDIR)$(SYSCONFDIR)/dpkg/dpkg.cfg.d/tpath; \
	if [ -e "$$t" ]; then echo "install: keeping $$t"; else \
		sed 's|@SBINDIR@|$(SBINDIR)|g; s|@CONFDIR@|$(CONFDIR)|g' \
			conf/dpkg/tpath.in > "$$t"; chmod 0644 "$$t"; fi
	@# the trusted shell's group (doc/ISOLATION.md): no members, no password
	@if [ -z "$(DESTDIR)" ] && ! getent group tpath >/dev/null; then \
		echo "groupadd --system tpath"; groupadd --system tpath; fi
	install -d $(DESTDIR)$(SYSCONFDIR)/pam.d
	@# configuration: installed once, never over an administrator's copy
	@for f in conf/tsh_profile conf/login.cfg conf/user conf/escapes \
		conf/pam.d/tgetty; do \
		case $$f in conf/pam.d/*) t=$(DESTDIR)$(SYSCONFDIR)/pam.d/$${f##*/};; \
		*) t=$(DESTDIR)$(CONFDIR)/$${f##*/};; esac; \
		if [ -e "$$t" ]; then echo "install: keeping $$t"; \
		else install -m 0644 $$f "$$t"; fi; \
	done

# The Debian package: a source tree staged under build/deb with
# conf/debian as its debian/, built by dpkg-buildpackage and checked by
# lintian (errors and warnings fail).  DEB_VERSION gives the package
# another version (a changelog entry on top), as the upgrade test does.
DEB_TOP := Makefile README.md src pam tsh getty conf doc
DEB_SRC_VERSION = $(shell dpkg-parsechangelog -l conf/debian/changelog -S Version)
DEB_VERSION ?= $(DEB_SRC_VERSION)
DEB_ARCH = $(shell dpkg-architecture -qDEB_HOST_ARCH)
DEB_STAGE = build/deb/tpath-$(DEB_VERSION)
deb: deps-deb
	rm -rf $(DEB_STAGE) build/deb/tpath_$(DEB_VERSION)_*
	mkdir -p $(DEB_STAGE)
	cp -a $(DEB_TOP) $(DEB_STAGE)/
	rm -rf $(DEB_STAGE)/conf/debian
	cp -a conf/debian $(DEB_STAGE)/debian
	@if [ "$(DEB_VERSION)" != "$(DEB_SRC_VERSION)" ]; then \
		{ printf 'tpath (%s) unstable; urgency=medium\n\n' "$(DEB_VERSION)"; \
		  printf '  * Rebuilt as %s.\n\n' "$(DEB_VERSION)"; \
		  printf ' -- %s  %s\n\n' "$$(sed -n 's/^Maintainer: //p' conf/debian/control)" \
			"$$(date -R)"; cat conf/debian/changelog; } \
			> $(DEB_STAGE)/debian/changelog; fi
	cd $(DEB_STAGE) && dpkg-buildpackage -us -uc -b
	lintian --fail-on error,warning \
		build/deb/tpath_$(DEB_VERSION)_$(DEB_ARCH).changes
	@echo "deb: build/deb/tpath_$(DEB_VERSION)_$(DEB_ARCH).deb"

# libFuzzer targets: the core rebuilt with clang and the fuzzer runtime.
FUZZ_FLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-D_GNU_SOURCE -DSYSCONFDIR='"$(CONFDIR)"' -DBINDIR='"$(BINDIR)"' \
	-DSTATEDIR='"$(STATEDIR)"' $(LIB_INC) -Itsh -Igetty
# every library in: a target may exercise getty's code as well as tsh's
FUZZ_LIB_SRCS := $(LIB_SRCS) $(TSH_LIB_SRCS) $(GETTY_LIB_SRCS)
build/fuzz/%: tests/fuzz/%.c tests/fuzz/fuzz.h $(BPF_SKEL) $(FUZZ_LIB_SRCS) $(wildcard $(addsuffix /*.h,$(LIB_DIRS)) tsh/*.h getty/*.h)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) $(PKG_CFLAGS) -o $@ $< $(FUZZ_LIB_SRCS) \
		$(PKG_LDLIBS) -lpthread

fuzz: deps $(FUZZ_BINS)
	@for f in $(FUZZ_BINS); do \
		n=$${f##*/fuzz_}; mkdir -p build/fuzz/corpus-$$n; \
		echo "== $$f for $(FUZZ_SECONDS)s"; \
		$$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
			build/fuzz/corpus-$$n tests/fuzz/corpus/$$n || exit 1; \
	done

# C benchmarks, then the scripts (each prints our figure beside its peer's).
BENCH_SCRIPTS := $(filter-out %.c,$(wildcard tests/bench/*))
bench: all $(BENCH_BINS) $(HELPER_BINS)
	@for b in $(BENCH_BINS) $(BENCH_SCRIPTS); do \
		TPATH_BUILD=$(abspath $(B)) $$b || exit 1; done

# A real login through tgetty on a private pty bridged to this terminal.
demo: deps all $(HELPER_BINS)
	@TPATH_BUILD=$(B) tests/demo/tpath-demo

clean:
	rm -rf build

-include $(shell find build -name '*.d' -type f 2>/dev/null)
