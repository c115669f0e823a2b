/*
 * bench_index_libs.c - the two libraries a derived index of sysck.cfg could
 * use, on the same data: tinycdb (libcdb, a constant database: built whole,
 * renamed into place, read by mmap with no lock) and LMDB (liblmdb: a
 * B+tree changed in place under a lock file that every reader writes).
 *
 * N entries (default 120,000, a whole system's), keys the paths
 * /usr/lib/tpath-bench/dNNN/fNNNNNN, values 160 bytes (a stanza's text).
 * Measured: building the whole index; changing one entry (cdb: a rebuild,
 * the only way; LMDB: one put and commit); a reader's open and one lookup,
 * in a new process each time (what tsh pays at start), median of RUNS; the
 * file's size.  Only figures: no goal, exit 1 only when a step fails.
 *
 * Usage: bench_index_libs [N]   (RUNS in the environment, default 21)
 */
#include <cdb.h>
#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char dir[64];
static size_t n = 120000;
static char value[160];

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void
die(const char *what, int rc)
{
	fprintf(stderr, "bench_index_libs: %s: %s\n", what,
		rc > 0 ? mdb_strerror(rc) : strerror(errno));
	exit(1);
}

static size_t
key(size_t i, char *buf, size_t len)
{
	return (size_t)snprintf(buf, len, "/usr/lib/tpath-bench/d%03zu/f%06zu",
				i % 997, i);
}

static double
cdb_build(const char *name)
{
	char tmp[128], path[128], k[64];
	struct cdb_make m;
	double t0 = now();
	int fd;

	snprintf(tmp, sizeof(tmp), "%s/%s.tmp", dir, name);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC, 0644)) == -1)
		die("open", 0);
	cdb_make_start(&m, fd);
	for (size_t i = 0; i < n; i++) {
		size_t kl = key(i, k, sizeof(k));

		if (cdb_make_add(&m, k, (unsigned)kl, value, sizeof(value)) != 0)
			die("cdb_make_add", 0);
	}
	if (cdb_make_finish(&m) != 0 || fsync(fd) != 0 || close(fd) != 0 ||
	    rename(tmp, path) != 0)
		die("cdb_make_finish", 0);
	return now() - t0;
}

static MDB_env *
lmdb_open(unsigned flags)
{
	char path[128];
	MDB_env *env;
	int rc;

	snprintf(path, sizeof(path), "%s/index.mdb", dir);
	if ((rc = mdb_env_create(&env)) != 0 ||
	    (rc = mdb_env_set_mapsize(env, (size_t)1 << 32)) != 0 ||
	    (rc = mdb_env_open(env, path, MDB_NOSUBDIR | flags, 0644)) != 0)
		die("mdb_env_open", rc);
	return env;
}

/* Put keys [from, to) in one transaction, committed (synced). */
static double
lmdb_put(size_t from, size_t to)
{
	MDB_env *env = lmdb_open(0);
	double t0 = now();
	MDB_txn *txn;
	MDB_dbi dbi;
	char k[64];
	int rc;

	if ((rc = mdb_txn_begin(env, NULL, 0, &txn)) != 0 ||
	    (rc = mdb_dbi_open(txn, NULL, 0, &dbi)) != 0)
		die("mdb_txn_begin", rc);
	for (size_t i = from; i < to; i++) {
		MDB_val kv = { key(i, k, sizeof(k)), k };
		MDB_val vv = { sizeof(value), value };

		if ((rc = mdb_put(txn, dbi, &kv, &vv, 0)) != 0)
			die("mdb_put", rc);
	}
	if ((rc = mdb_txn_commit(txn)) != 0)
		die("mdb_txn_commit", rc);
	t0 = now() - t0;
	mdb_env_close(env);
	return t0;
}

/* In a child: open, look one key up, close. */
static void
cdb_lookup(void)
{
	char path[128], k[64];
	size_t kl = key(n / 2, k, sizeof(k));
	struct cdb c;
	int fd;

	snprintf(path, sizeof(path), "%s/index.cdb", dir);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    cdb_init(&c, fd) != 0 || cdb_find(&c, k, (unsigned)kl) <= 0 ||
	    cdb_datalen(&c) != sizeof(value))
		_exit(1);
	cdb_free(&c);
	_exit(0);
}

static void
lmdb_lookup(void)
{
	MDB_env *env = lmdb_open(MDB_RDONLY);
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val kv, vv;
	char k[64];

	kv.mv_size = key(n / 2, k, sizeof(k));
	kv.mv_data = k;
	if (mdb_txn_begin(env, NULL, MDB_RDONLY, &txn) != 0 ||
	    mdb_dbi_open(txn, NULL, 0, &dbi) != 0 ||
	    mdb_get(txn, dbi, &kv, &vv) != 0 || vv.mv_size != sizeof(value))
		_exit(1);
	mdb_txn_abort(txn);
	mdb_env_close(env);
	_exit(0);
}

static int
by_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Median wall time of a child doing fn (fork included). */
static double
in_child(void (*fn)(void), unsigned runs)
{
	double t[101];
	int status;

	for (unsigned r = 0; r < runs; r++) {
		double t0 = now();
		pid_t pid = fork();

		if (pid == 0)
			fn();
		if (pid == -1 || waitpid(pid, &status, 0) != pid ||
		    !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			die("lookup in a child", 0);
		t[r] = now() - t0;
	}
	qsort(t, runs, sizeof(*t), by_double);
	return t[runs / 2];
}

static void
nothing(void)
{
	_exit(0);
}

static long long
size_of(const char *name)
{
	char path[128];
	FILE *f;
	long long sz;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "r")) == NULL || fseek(f, 0, SEEK_END) != 0)
		die("size", 0);
	sz = ftell(f);
	fclose(f);
	return sz;
}

int
main(int argc, char **argv)
{
	const char *r = getenv("RUNS");
	unsigned runs = r ? (unsigned)atoi(r) : 21;
	double cb, cu, lb, lu, cl, ll, fl;
	char cmd[160];

	if (argc > 1)
		n = strtoul(argv[1], NULL, 10);
	if (runs < 1 || runs > 101)
		runs = 21;
	memset(value, 'v', sizeof(value));
	strcpy(dir, "/tmp/bench_index.XXXXXX");
	if (mkdtemp(dir) == NULL)
		die("mkdtemp", 0);
	cb = cdb_build("index.cdb");
	cu = cdb_build("index.cdb");		/* one change: all again */
	lb = lmdb_put(0, n);
	lu = lmdb_put(n / 3, n / 3 + 1);
	fl = in_child(nothing, runs);
	cl = in_child(cdb_lookup, runs);
	ll = in_child(lmdb_lookup, runs);
	printf("bench_index_libs: %zu entries of %zu bytes, median of %u "
	       "(fork and exit alone: %.3f ms)\n", n, sizeof(value), runs,
	       fl * 1e3);
	printf("  %-34s %10s %10s\n", "", "tinycdb", "LMDB");
	printf("  %-34s %8.1f ms %8.1f ms\n", "build all (synced)", cb * 1e3,
	       lb * 1e3);
	printf("  %-34s %8.1f ms %8.1f ms\n", "change one entry (synced)",
	       cu * 1e3, lu * 1e3);
	printf("  %-34s %8.3f ms %8.3f ms\n", "new process: open, one lookup",
	       cl * 1e3, ll * 1e3);
	printf("  %-34s %8.1f MB %8.1f MB\n", "file",
	       (double)size_of("index.cdb") / 1e6,
	       (double)size_of("index.mdb") / 1e6);
	printf("  LMDB's readers write its lock file (index.mdb-lock): a "
	       "reader that may not (tsh, as the user) cannot open it\n");
	snprintf(cmd, sizeof(cmd), "rm -rf -- '%s'", dir);
	return system(cmd) != 0;
}
