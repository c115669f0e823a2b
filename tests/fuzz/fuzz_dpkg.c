/*
 * fuzz_dpkg.c - libFuzzer target for the reader of dpkg's record
 * (src/tcb/dpkg.c): status, and a package's list, md5sums and conffiles.
 *
 * Input: the four files' contents, separated by NUL bytes (a file of
 * dpkg's holds none), written to a private admin directory as status and
 * info/p.{list,md5sums,conffiles}; then package p is loaded, the status
 * read whole, and the owners of p's files looked up.  Every step must
 * hold:
 *  1. A package loaded has the name asked for and a version; each file,
 *     digest path and conffile is absolute, and a conffile has no blank.
 *  2. The digests are sorted by path, and tcb_pkg_md5 finds each one.
 *  3. The status's packages are sorted by name, each with a known state,
 *     and tcb_dpkg_state says p is installed at the version loaded, or
 *     busy (a stanza of p that dpkg has not finished).
 *  4. The owner of each of p's files, when one is found, is a package
 *     whose list is there: p.
 */
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FUZZ_TARGET "fuzz_dpkg"
#include "dpkg.h"
#include "fuzz.h"

static char admin[64];

static void
put(const char *name, const uint8_t *data, size_t len)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", admin, name);
	if (len == 0) {
		unlink(path);	/* an empty part: the file is missing */
		return;
	}
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		       0644)) == -1 || write(fd, data, len) != (ssize_t)len)
		fail("cannot write %s", path);
	close(fd);
}

static void
check_pkg(const struct tcb_pkg *p)
{
	if (strcmp(p->name, "p") != 0 || p->version == NULL)
		fail("loaded %s, version %s", p->name, p->version);
	for (size_t i = 0; i < p->nfiles; i++)
		if (p->files[i][0] != '/')
			fail("file %zu not absolute: %s", i, p->files[i]);
	for (size_t i = 0; i < p->nsums; i++) {
		const unsigned char *m = tcb_pkg_md5(p, p->sums[i].path);

		if (p->sums[i].path[0] != '/')
			fail("digest %zu not absolute", i);
		if (i && strcmp(p->sums[i - 1].path, p->sums[i].path) > 0)
			fail("digests not sorted at %zu", i);
		if (m == NULL)
			fail("digest of %s not found", p->sums[i].path);
	}
	for (size_t i = 0; i < p->nconffiles; i++)
		if (p->conffiles[i][0] != '/' || strchr(p->conffiles[i], ' '))
			fail("conffile %zu: \"%s\"", i, p->conffiles[i]);
}

static void
check_owners(const struct tcb_pkg *p)
{
	size_t n = p->nfiles < 64 ? p->nfiles : 64;
	char *owners[64];
	struct tp_err e;

	if (tcb_dpkg_owners(admin, (const char *const *)p->files, n, owners,
			    &e) == -1)
		return;
	for (size_t i = 0; i < n; i++) {
		if (owners[i] && strcmp(owners[i], "p") != 0)
			fail("%s owned by %s", p->files[i], owners[i]);
		if (owners[i] == NULL)
			fail("%s, of p's list, owned by none", p->files[i]);
		free(owners[i]);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "status", "info/p.list",
		"info/p.md5sums", "info/p.conffiles" };
	const uint8_t *at = data, *end = data + size;
	enum tcb_dpkg_state st;
	struct tcb_dpkg d;
	struct tcb_pkg p;
	struct tp_err e;
	const char *v;
	int loaded;

	if (admin[0] == '\0') {
		char info[80];

		snprintf(admin, sizeof(admin), "/tmp/fuzz_dpkg.XXXXXX");
		if (mkdtemp(admin) == NULL)
			fail("mkdtemp");
		snprintf(info, sizeof(info), "%s/info", admin);
		if (mkdir(info, 0755) == -1)
			fail("mkdir %s", info);
	}
	for (size_t i = 0; i < 4; i++) {
		const uint8_t *nul = memchr(at, 0, (size_t)(end - at));
		const uint8_t *stop = nul ? nul : end;

		put(names[i], at, (size_t)(stop - at));
		at = nul ? nul + 1 : end;
	}
	if ((loaded = tcb_pkg_load(admin, "p", &p, &e)) == 0) {
		check_pkg(&p);
		check_owners(&p);
	}
	if (tcb_dpkg_installed(admin, &d, &e) == 0) {
		for (size_t i = 0; i < d.n; i++) {
			if (i && strcmp(d.pkgs[i - 1].name, d.pkgs[i].name) > 0)
				fail("status not sorted at %zu", i);
			if (d.pkgs[i].state < TCB_DPKG_ABSENT ||
			    d.pkgs[i].state > TCB_DPKG_INSTALLED)
				fail("state %d", (int)d.pkgs[i].state);
		}
		v = NULL;
		st = tcb_dpkg_state(&d, "p", &v);
		/* a stanza of p not finished (another architecture's) makes
		   all of p busy; otherwise the version loaded is p's */
		if (loaded == 0 && st != TCB_DPKG_BUSY &&
		    (st != TCB_DPKG_INSTALLED || strcmp(v, p.version) != 0))
			fail("p loaded at %s, status says %d", p.version,
			     (int)st);
		tcb_dpkg_free(&d);
	}
	if (loaded == 0)
		tcb_pkg_free(&p);
	return 0;
}
