/*
 * stallfs - a FUSE file system whose reads never return until told; for
 * the end-to-end tests (not installed).  Spoken to over /dev/fuse with no
 * library: what a hung network or FUSE file system does to a process that
 * reads from it (uninterruptible sleep, D, that SIGKILL does not end once
 * the request is with the file system).
 *
 *   stallfs DIR
 *
 * Mounts itself on DIR (as root) with one file, DIR/f, readable by all.
 * Prints "mounted" once it serves, "reading" for each read it holds back;
 * a line on standard input answers every read held so far ("late\n").
 * At the end of its input it exits, which ends the reads still held
 * (ENOTCONN); the mount is then dead until unmounted.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/fuse.h>

#define ROOT	FUSE_ROOT_ID
#define FILE_ID	2
#define DATA	"late\n"
#define MAXHELD	256

static int dev;

static void
reply(uint64_t unique, int error, const void *arg, size_t len)
{
	char buf[sizeof(struct fuse_out_header) + 256];
	struct fuse_out_header h = { (uint32_t)(sizeof(h) + len), error,
				     unique };

	memcpy(buf, &h, sizeof(h));
	if (len)
		memcpy(buf + sizeof(h), arg, len);
	/* ENOENT: the request was interrupted or its process killed */
	if (write(dev, buf, h.len) == -1 && errno != ENOENT)
		err(1, "/dev/fuse");
}

static void
attr(uint64_t id, struct fuse_attr *a)
{
	memset(a, 0, sizeof(*a));
	a->ino = id;
	a->mode = id == ROOT ? S_IFDIR | 0755 : S_IFREG | 0444;
	a->nlink = id == ROOT ? 2 : 1;
	a->size = id == ROOT ? 0 : sizeof(DATA) - 1;
	a->blksize = 4096;
}

/* One request; a read is held (its unique ID in held). */
static void
serve(const char *req, uint64_t *held, size_t *nheld)
{
	const struct fuse_in_header *in = (const void *)req;
	const char *arg = req + sizeof(*in);

	switch (in->opcode) {
	case FUSE_INIT: {
		struct fuse_init_out o = { .major = FUSE_KERNEL_VERSION,
			.minor = FUSE_KERNEL_MINOR_VERSION,
			.max_write = 4096, .max_readahead = 0 };

		reply(in->unique, 0, &o, sizeof(o));
		break;
	}
	case FUSE_LOOKUP: {
		struct fuse_entry_out o = { .nodeid = FILE_ID };

		if (in->nodeid != ROOT || strcmp(arg, "f") != 0) {
			reply(in->unique, -ENOENT, NULL, 0);
			break;
		}
		attr(FILE_ID, &o.attr);
		reply(in->unique, 0, &o, sizeof(o));
		break;
	}
	case FUSE_GETATTR: {
		struct fuse_attr_out o = { .attr_valid = 0 };

		attr(in->nodeid, &o.attr);
		reply(in->unique, 0, &o, sizeof(o));
		break;
	}
	case FUSE_OPEN: {
		/* direct I/O: every read comes here, none from the cache */
		struct fuse_open_out o = { .open_flags = FOPEN_DIRECT_IO };

		reply(in->unique, 0, &o, sizeof(o));
		break;
	}
	case FUSE_READ:
		if (*nheld < MAXHELD) {
			held[(*nheld)++] = in->unique;
			printf("reading\n");
			fflush(stdout);
		} else {
			reply(in->unique, 0, DATA, sizeof(DATA) - 1);
		}
		break;
	case FUSE_FORGET:
	case FUSE_BATCH_FORGET:
	case FUSE_INTERRUPT:		/* not answered: the read stays */
		break;
	case FUSE_FLUSH:
	case FUSE_RELEASE:
		reply(in->unique, 0, NULL, 0);
		break;
	default:
		reply(in->unique, -ENOSYS, NULL, 0);
	}
}

int
main(int argc, char **argv)
{
	static char req[FUSE_MIN_READ_BUFFER + 4096 * 2];
	uint64_t held[MAXHELD];
	size_t nheld = 0;
	char opts[128];

	if (argc != 2)
		errx(2, "usage: stallfs DIR");
	if ((dev = open("/dev/fuse", O_RDWR | O_CLOEXEC)) == -1)
		err(1, "/dev/fuse");
	snprintf(opts, sizeof(opts), "fd=%d,rootmode=40000,user_id=0,"
		 "group_id=0,allow_other", dev);
	if (mount("stallfs", argv[1], "fuse.stallfs", MS_NOSUID | MS_NODEV,
		  opts) == -1)
		err(1, "mount %s", argv[1]);
	printf("mounted\n");
	fflush(stdout);
	for (;;) {
		struct pollfd p[2] = { { dev, POLLIN, 0 }, { 0, POLLIN, 0 } };
		ssize_t n;

		if (poll(p, 2, -1) == -1 && errno != EINTR)
			err(1, "poll");
		if (p[1].revents) {
			char line[64];

			if (fgets(line, sizeof(line), stdin) == NULL)
				return 0;
			for (size_t i = 0; i < nheld; i++)
				reply(held[i], 0, DATA, sizeof(DATA) - 1);
			nheld = 0;
		}
		if (!(p[0].revents & POLLIN))
			continue;
		if ((n = read(dev, req, sizeof(req))) == -1) {
			if (errno == EINTR || errno == ENOENT)
				continue;
			if (errno == ENODEV)	/* unmounted */
				return 0;
			err(1, "/dev/fuse");
		}
		if ((size_t)n >= sizeof(struct fuse_in_header))
			serve(req, held, &nheld);
	}
}
