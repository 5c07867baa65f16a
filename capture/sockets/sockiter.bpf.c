// SPDX-License-Identifier: GPL-2.0
/* The sockets source's iter backend (--sockets-backend=iter, the default):
 * a task_file iterator, limited by its link to one target process, that
 * writes a struct sockiter_rec for every TCP or UDP socket among the
 * process's files, and an owner-only one (pid, fd, inode, netns) for every
 * other socket. Its cost follows the target's fds, not the size of the
 * namespace's hash tables that a sock_diag dump walks.
 *
 * Kernel structs are read with CO-RE: the local definitions below name only
 * the fields read, and libbpf relocates their offsets against the running
 * kernel's BTF (/sys/kernel/btf/vmlinux). The numbers are those inet_diag
 * reports (tcp_diag_get_info, udp_diag_get_info, tcp_get_info).
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <linux/in6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#include "sockiter_rec.h"

char LICENSE[] SEC("license") = "GPL";

#define AF_INET 2
#define AF_INET6 10
#define SOCK_STREAM 1
#define SOCK_DGRAM 2
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define TCP_LISTEN 10

/* Every record below is relocated (CO-RE): the pragma marks nested
 * anonymous ones too. */
#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)

typedef struct { int counter; } atomic_t;

struct ns_common {
	unsigned int inum;
};

struct net {
	struct ns_common ns;
};

typedef struct {
	struct net *net;
} possible_net_t;

struct sock_common {
	possible_net_t skc_net;
	__be32 skc_daddr;
	__be32 skc_rcv_saddr;
	__be16 skc_dport;
	__u16 skc_num;
	unsigned short skc_family;
	volatile unsigned char skc_state;
	struct in6_addr skc_v6_daddr;
	struct in6_addr skc_v6_rcv_saddr;
};

struct sock {
	struct sock_common __sk_common;
	struct {
		atomic_t rmem_alloc;
	} sk_backlog;
	struct {
		atomic_t refs;
	} sk_wmem_alloc;
	__u16 sk_type;
	__u16 sk_protocol;
	__u32 sk_ack_backlog;
	__u32 sk_max_ack_backlog;
	struct {
		__u32 val;
	} sk_uid;
};

struct inet_connection_sock {
	__u8 icsk_retransmits;
};

struct tcp_sock {
	struct inet_connection_sock inet_conn;
	__u32 rcv_nxt, copied_seq, write_seq, snd_una;
	__u32 srtt_us, mdev_us, snd_cwnd;
	__u32 packets_out, lost_out, retrans_out, total_retrans;
	__u64 bytes_acked, bytes_received, bytes_sent;
};

struct udp_sock {
	int forward_deficit;
};

struct socket {
	struct sock *sk;
};

struct inode {
	unsigned long i_ino;
};

struct file {
	struct inode *f_inode;
};

struct task_struct {
	int pid;
	int tgid;
};

struct seq_file;
struct bpf_iter_meta {
	struct seq_file *seq;
};

struct bpf_iter__task_file {
	struct bpf_iter_meta *meta;
	struct task_struct *task;
	__u32 fd;
	struct file *file;
};

#pragma clang attribute pop

/* Records written, and of them owner-only ones (sockets not TCP/UDP over
 * IP), for tests. */
__u64 emitted, skipped;

/* Linux 6.2+ (the iterator per pid already needs 6.1). */
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;

SEC("iter/task_file")
int cf_sockiter(struct bpf_iter__task_file *ctx)
{
	struct file *file = ctx->file;
	struct task_struct *task = ctx->task;
	struct sockiter_rec r;
	struct tcp_sock *tp;
	struct socket *so;
	struct sock *sk;

	if (!file || !task)
		return 0;
	/* A thread that unshared its fd table (CLONE_FILES not set, or
	 * unshare) is visited too: keep to the process's own table, the one
	 * /proc/PID/fd lists. */
	if (task->pid != task->tgid)
		return 0;
	so = bpf_sock_from_file((void *)file);
	if (!so)
		return 0;
	/* Plain loads from here: the file, socket and sock are BTF pointers,
	 * which the verifier lets the program read directly (a faulting load
	 * gives 0), a tenth of the cost of a bpf_probe_read_kernel() call
	 * per field. */
	sk = so->sk;
	if (!sk)
		return 0;
	__builtin_memset(&r, 0, sizeof(r));
	r.magic = SOCKITER_MAGIC;
	r.len = sizeof(r);
	r.version = SOCKITER_VERSION;
	r.pid = (__u32)task->tgid;
	r.fd = ctx->fd;
	r.inode = (__u32)file->f_inode->i_ino;
	r.netns = sk->__sk_common.skc_net.net->ns.inum;
	r.family = (__u8)sk->__sk_common.skc_family;
	r.proto = (__u8)sk->sk_protocol;
	if ((r.family != AF_INET && r.family != AF_INET6) ||
	    (r.proto != IPPROTO_TCP && r.proto != IPPROTO_UDP)) {
		/* unix and the rest: only who holds it, for the owned
		 * column of the namespace's totals */
		r.flags = SOCKITER_F_OWNER_ONLY;
		bpf_seq_write(ctx->meta->seq, &r, sizeof(r));
		__sync_fetch_and_add(&skipped, 1);
		return 0;
	}
	r.uid = sk->sk_uid.val;
	r.state = sk->__sk_common.skc_state;
	r.sport = sk->__sk_common.skc_num;
	r.dport = __builtin_bswap16(sk->__sk_common.skc_dport);
	if (r.family == AF_INET) {
		__be32 a = sk->__sk_common.skc_rcv_saddr;
		__builtin_memcpy(r.src, &a, 4);
		a = sk->__sk_common.skc_daddr;
		__builtin_memcpy(r.dst, &a, 4);
	} else {
		BPF_CORE_READ_INTO(&r.src, sk, __sk_common.skc_v6_rcv_saddr);
		BPF_CORE_READ_INTO(&r.dst, sk, __sk_common.skc_v6_daddr);
	}
	if (r.proto == IPPROTO_TCP && sk->sk_type == SOCK_STREAM) {
		/* a TCP stream socket is a tcp_sock: a cast, read-only, that
		 * the verifier still checks against the kernel's BTF */
		tp = bpf_rdonly_cast(sk, bpf_core_type_id_kernel(struct tcp_sock));
		r.has_tcp = 1;
		if (r.state == TCP_LISTEN) {
			r.rqueue = sk->sk_ack_backlog;
			r.wqueue = sk->sk_max_ack_backlog;
			r.unacked = r.rqueue;
		} else {
			__s32 rq = (__s32)(tp->rcv_nxt - tp->copied_seq);
			r.rqueue = rq > 0 ? (__u32)rq : 0;
			r.wqueue = tp->write_seq - tp->snd_una;
			r.unacked = tp->packets_out;
		}
		r.retransmits = tp->inet_conn.icsk_retransmits;
		r.rtt_us = tp->srtt_us >> 3;
		r.rttvar_us = tp->mdev_us >> 2;
		r.snd_cwnd = tp->snd_cwnd;
		r.lost = tp->lost_out;
		r.retrans = tp->retrans_out;
		r.total_retrans = tp->total_retrans;
		r.bytes_acked = tp->bytes_acked;
		r.bytes_received = tp->bytes_received;
		r.bytes_sent = tp->bytes_sent;
	} else {
		/* udp_diag (udp_rqueue_get): rmem_alloc less the forward
		 * deficit (memory udp_recvmsg freed but has not yet given back
		 * to rmem_alloc), and wmem_alloc - 1 */
		int rm = sk->sk_backlog.rmem_alloc.counter;
		int wm = sk->sk_wmem_alloc.refs.counter - 1;
		if (r.proto == IPPROTO_UDP && bpf_core_field_exists(struct udp_sock, forward_deficit))
			rm -= BPF_CORE_READ((struct udp_sock *)sk, forward_deficit);
		r.rqueue = rm > 0 ? (__u32)rm : 0;
		r.wqueue = wm > 0 ? (__u32)wm : 0;
	}
	bpf_seq_write(ctx->meta->seq, &r, sizeof(r));
	__sync_fetch_and_add(&emitted, 1);
	return 0;
}
