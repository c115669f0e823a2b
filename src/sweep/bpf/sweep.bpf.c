/*
 * sweep.bpf.c - the secure attention key's sweep, in the kernel: every
 * process that could hold the terminal, found in one walk of the task
 * list and of the open files, instead of a path lookup per descriptor in
 * /proc.  Loaded by sweep_bpf.c; what it finds is a list of candidates
 * (thread group IDs), which the sweep confirms by a second walk after it
 * holds a pidfd for each.  Compiled once (clang -target bpf) and relocated
 * to the running kernel by libbpf (CO-RE): only the fields named below
 * are read, at the offsets the kernel's BTF gives.
 */
#include <linux/bpf.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

/* The kernel's types, reduced to the fields read (relocated by name). */
#define CORE __attribute__((preserve_access_index))

struct seq_file;

struct bpf_iter_meta {
	struct seq_file *seq;
} CORE;

struct upid {
	int nr;
} CORE;

struct pid {
	struct upid numbers[1];
} CORE;

struct tty_driver {
	int major;
	int minor_start;
} CORE;

struct super_block {
	unsigned int s_dev;
} CORE;

struct dentry {
	struct super_block *d_sb;
} CORE;

struct tty_struct {
	struct tty_driver *driver;
	int index;
	void *driver_data;	/* a pts slave's: its devpts dentry */
} CORE;

struct signal_struct {
	struct pid *pids[4];		/* by enum pid_type */
	struct tty_struct *tty;		/* the controlling terminal */
} CORE;

struct task_struct {
	unsigned int ptrace;		/* PT_PTRACED: it has a tracer */
	int tgid;
	struct signal_struct *signal;
} CORE;

struct inode {
	unsigned short i_mode;
	unsigned int i_rdev;
	struct super_block *i_sb;
} CORE;

struct file {
	struct inode *f_inode;
} CORE;

struct bpf_iter__task {
	struct bpf_iter_meta *meta;
	struct task_struct *task;
} CORE;

struct bpf_iter__task_file {
	struct bpf_iter_meta *meta;
	struct task_struct *task;
	struct file *file;
} CORE;

#define PIDTYPE_SID	3
#define S_IFMT		0170000
#define S_IFCHR		0020000
#define MAX		16	/* TP_SWEEP_MAX_DEVS */

/* Set by the sweep before each walk: devices in the kernel's encoding
 * (major << 20 | minor), with the devpts instance each must be on (the
 * superblock's s_dev, same encoding; 0: any), and session IDs as the
 * initial PID namespace numbers them. */
__u32 devs[MAX];
__u32 fs[MAX];
__u32 ndevs;
int sids[MAX];
__u32 nsids;

/* bpf_seq_write is for programs under a GPL-compatible licence only. */
char LICENSE[] SEC("license") = "GPL";

/* Is dev one of the devices, on whichever file system? */
static int
is_wanted(__u32 dev)
{
	for (__u32 i = 0; i < MAX && i < ndevs; i++)
		if (devs[i] == dev)
			return 1;
	return 0;
}

/* Is dev, on the file system sb, one of the devices? */
static int
is_ours(__u32 dev, __u32 sb)
{
	for (__u32 i = 0; i < MAX && i < ndevs; i++)
		if (devs[i] == dev && (fs[i] == 0 || fs[i] == sb))
			return 1;
	return 0;
}

/* The devpts instance of a pty slave: the superblock of its node, whose
 * dentry the pts driver keeps in driver_data (ptmx_open); 0 when it
 * cannot be read.  Asked only of a tty with a pts slave's number. */
static __u32
pty_fs(struct tty_struct *tty)
{
	struct dentry *node = tty->driver_data;

	return BPF_CORE_READ(node, d_sb, s_dev);
}

static void
emit(struct bpf_iter_meta *meta, struct task_struct *task)
{
	int tgid = task->tgid;

	bpf_seq_write(meta->seq, &tgid, sizeof(tgid));
}

/* Every task whose session is one of ours, or whose controlling terminal
 * is one of the devices (a pty: on its devpts instance).  And, negated,
 * every process with a traced thread (each thread is walked): the sweep
 * looks for the tracers of a holder only there. */
SEC("iter/task")
int sessions(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;
	struct tty_struct *tty;
	__u32 dev;
	int sid;

	if (task == NULL)
		return 0;
	if (task->ptrace) {
		int traced = -task->tgid;

		bpf_seq_write(ctx->meta->seq, &traced, sizeof(traced));
	}
	sid = task->signal->pids[PIDTYPE_SID]->numbers[0].nr;
	for (__u32 i = 0; i < MAX && i < nsids; i++)
		if (sids[i] == sid) {
			emit(ctx->meta, task);
			return 0;
		}
	tty = task->signal->tty;
	if (tty == NULL)
		return 0;
	dev = ((__u32)tty->driver->major << 20 |
	       (__u32)tty->driver->minor_start) + (__u32)tty->index;
	if (is_wanted(dev) && is_ours(dev, pty_fs(tty)))
		emit(ctx->meta, task);
	return 0;
}

/* Every open file that is one of the devices (a pty: a node on its devpts
 * instance; each descriptor table once: threads that share their
 * process's are not walked again). */
SEC("iter/task_file")
int files(struct bpf_iter__task_file *ctx)
{
	struct task_struct *task = ctx->task;
	struct file *file = ctx->file;
	struct inode *inode;

	if (file == NULL || task == NULL)
		return 0;
	inode = file->f_inode;
	if ((inode->i_mode & S_IFMT) == S_IFCHR &&
	    is_ours(inode->i_rdev, inode->i_sb->s_dev))
		emit(ctx->meta, task);
	return 0;
}
