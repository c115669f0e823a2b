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

struct tty_struct {
	struct tty_driver *driver;
	int index;
} CORE;

struct signal_struct {
	struct pid *pids[4];		/* by enum pid_type */
	struct tty_struct *tty;		/* the controlling terminal */
} CORE;

struct task_struct {
	int tgid;
	struct signal_struct *signal;
} CORE;

struct inode {
	unsigned short i_mode;
	unsigned int i_rdev;
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
 * (major << 20 | minor), and session IDs as the initial PID namespace
 * numbers them. */
__u32 devs[MAX];
__u32 ndevs;
int sids[MAX];
__u32 nsids;

/* bpf_seq_write is for programs under a GPL-compatible licence only. */
char LICENSE[] SEC("license") = "GPL";

static int
is_ours(__u32 dev)
{
	for (__u32 i = 0; i < MAX && i < ndevs; i++)
		if (devs[i] == dev)
			return 1;
	return 0;
}

static void
emit(struct bpf_iter_meta *meta, struct task_struct *task)
{
	int tgid = task->tgid;

	bpf_seq_write(meta->seq, &tgid, sizeof(tgid));
}

/* Every task whose session is one of ours, or whose controlling terminal
 * is one of the devices. */
SEC("iter/task")
int sessions(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;
	struct tty_struct *tty;
	int sid;

	if (task == NULL)
		return 0;
	sid = task->signal->pids[PIDTYPE_SID]->numbers[0].nr;
	for (__u32 i = 0; i < MAX && i < nsids; i++)
		if (sids[i] == sid) {
			emit(ctx->meta, task);
			return 0;
		}
	tty = task->signal->tty;
	if (tty && is_ours(((__u32)tty->driver->major << 20 |
			    (__u32)tty->driver->minor_start) +
			   (__u32)tty->index))
		emit(ctx->meta, task);
	return 0;
}

/* Every open file that is one of the devices (each descriptor table once:
 * threads that share their process's are not walked again). */
SEC("iter/task_file")
int files(struct bpf_iter__task_file *ctx)
{
	struct task_struct *task = ctx->task;
	struct file *file = ctx->file;
	struct inode *inode;

	if (file == NULL || task == NULL)
		return 0;
	inode = file->f_inode;
	if ((inode->i_mode & S_IFMT) == S_IFCHR && is_ours(inode->i_rdev))
		emit(ctx->meta, task);
	return 0;
}
