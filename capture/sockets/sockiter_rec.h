/* The record the sockiter BPF iterator writes for each TCP/UDP socket a
 * task holds (one per fd), and user space parses (sockiter.c). Shared by
 * sockiter.bpf.c and sockiter.c: fixed-size, native byte order except the
 * addresses (network order, as sock_diag gives them). */
#ifndef CASEFILE_SOCKITER_REC_H
#define CASEFILE_SOCKITER_REC_H

#define SOCKITER_MAGIC   0x4b534643u   /* "CFSK" */
#define SOCKITER_VERSION 2

struct sockiter_rec {
	__u32 magic;
	__u16 len;               /* sizeof(struct sockiter_rec) */
	__u16 version;
	__u32 pid, fd, inode, uid;
	__u8 family, proto, state, has_tcp;
	__u16 sport, dport;      /* host order */
	__u8 src[16], dst[16];
	__u32 rqueue, wqueue;
	__u32 retransmits, rtt_us, rttvar_us, snd_cwnd;
	__u32 unacked, lost, retrans, total_retrans;
	__u64 bytes_acked, bytes_received, bytes_sent;
	__u32 netns;             /* inode of the socket's network namespace; 0 unknown */
	__u32 flags;             /* SOCKITER_F_* */
};

/* A socket of another kind (unix, netlink, ...): only pid, fd, inode and
 * netns are meaningful, for the owner map. */
#define SOCKITER_F_OWNER_ONLY 1u

#endif
