/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The drainer's old TCP connections, from the host kernel: a
 * NETLINK_SOCK_DIAG dump of the TCP sockets whose local address is the
 * VIP, each peer hashed with the VIP's settings. The daemon shares the
 * network namespace of the host port, hence of the services behind it.
 * Dual-stack services ([::] sockets) hold IPv4 connections as
 * IPv4-mapped IPv6 sockets: both families are dumped.
 *
 * The request and the parser are pure (unit-tested on hand-built
 * messages); vs_move_diag_count does the I/O.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>

#include <rte_byteorder.h>
#include <rte_common.h>

#include "vs_move.h"

/* The filter: one "local address is VIP/32, any port" test. An AF_INET
 * test also matches IPv4-mapped addresses of AF_INET6 sockets. The
 * middle is struct inet_diag_hostcond, spelt out: its address is a
 * flexible array, which cannot sit inside a struct. */
struct diag_filter {
	struct inet_diag_bc_op op;
	uint8_t family; /* inet_diag_hostcond */
	uint8_t prefix_len;
	uint16_t pad;
	int32_t port;
	uint32_t addr; /* its addr[] */
};

int
vs_move_diag_request(int family, uint32_t vip, uint32_t seq, void *buf,
		     size_t size)
{
	const size_t req_off = NLMSG_HDRLEN;
	const size_t rta_off =
		NLMSG_ALIGN(req_off + sizeof(struct inet_diag_req_v2));
	struct nlmsghdr nlh;
	struct inet_diag_req_v2 req;
	struct rtattr rta;
	struct diag_filter f;
	size_t len;

	RTE_BUILD_BUG_ON(sizeof(f) != 16);
	RTE_BUILD_BUG_ON(sizeof(struct inet_diag_hostcond) != 8 ||
			 offsetof(struct inet_diag_hostcond, port) !=
				 offsetof(struct diag_filter, port) -
					 sizeof(struct inet_diag_bc_op));
	if (family != AF_INET && family != AF_INET6)
		return -EINVAL;
	len = rta_off + RTA_LENGTH(sizeof(f));
	RTE_BUILD_BUG_ON(
		NLMSG_ALIGN(NLMSG_HDRLEN + sizeof(struct inet_diag_req_v2)) +
			RTA_LENGTH(sizeof(struct diag_filter)) !=
		VS_MOVE_DIAG_REQ_LEN);
	if (size < len)
		return -ENOSPC;
	memset(buf, 0, len);

	memset(&nlh, 0, sizeof(nlh));
	nlh.nlmsg_len = (uint32_t)len;
	nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh.nlmsg_seq = seq;

	memset(&req, 0, sizeof(req));
	req.sdiag_family = (uint8_t)family;
	req.sdiag_protocol = IPPROTO_TCP;
	req.idiag_states = VS_MOVE_DIAG_STATES;

	rta.rta_len = (unsigned short)RTA_LENGTH(sizeof(f));
	rta.rta_type = INET_DIAG_REQ_BYTECODE;

	memset(&f, 0, sizeof(f));
	f.op.code = INET_DIAG_BC_S_COND;
	f.op.yes = sizeof(f);    /* match: the end, accepted */
	f.op.no = sizeof(f) + 4; /* no match: past the end, refused */
	f.family = AF_INET;
	f.prefix_len = 32;
	f.port = -1; /* any */
	f.addr = vip;

	memcpy(buf, &nlh, sizeof(nlh));
	memcpy((uint8_t *)buf + req_off, &req, sizeof(req));
	memcpy((uint8_t *)buf + rta_off, &rta, sizeof(rta));
	memcpy((uint8_t *)buf + rta_off + RTA_LENGTH(0), &f, sizeof(f));
	return (int)len;
}

/* The IPv4 address an inet_diag address holds: AF_INET, or IPv4-mapped
 * AF_INET6 (::ffff:a.b.c.d). false for a true IPv6 address. */
static bool
v4_of(uint8_t family, const uint32_t a[4], uint32_t *v4)
{
	if (family == AF_INET) {
		*v4 = a[0];
		return true;
	}
	if (family == AF_INET6 && a[0] == 0 && a[1] == 0 &&
	    a[2] == RTE_BE32(0xffff)) {
		*v4 = a[3];
		return true;
	}
	return false;
}

static void
count_msg(const struct inet_diag_msg *m, const struct vs_hash_cfg *h,
	  uint64_t numbers, struct vs_move_diag_acc *acc)
{
	struct vs_flow_key key;
	uint32_t local, peer;
	unsigned int node;

	if (m->idiag_state >= 32 ||
	    !((VS_MOVE_DIAG_STATES >> m->idiag_state) & 1) ||
	    !v4_of(m->idiag_family, m->id.idiag_src, &local) ||
	    !v4_of(m->idiag_family, m->id.idiag_dst, &peer) ||
	    local != h->vip) {
		acc->skipped++;
		return;
	}
	/* As the data plane keys the peer's frames: its address in host
	 * order, its port and ours raw, as they sit on the wire. */
	key.saddr = rte_be_to_cpu_32(peer);
	key.sport = m->id.idiag_dport;
	key.dport = m->id.idiag_sport;
	node = vs_hash_node(h, &key);
	acc->sockets++;
	if ((numbers >> (node - 1)) & 1)
		acc->count[node - 1]++;
}

int
vs_move_diag_parse(const void *buf, size_t len, uint32_t seq,
		   const struct vs_hash_cfg *h, uint64_t numbers,
		   struct vs_move_diag_acc *acc)
{
	const uint8_t *p = buf;
	size_t off = 0;

	while (off < len) {
		struct nlmsghdr nh;
		size_t body;

		if (len - off < NLMSG_HDRLEN)
			return -EBADMSG;
		memcpy(&nh, p + off, sizeof(nh));
		if (nh.nlmsg_len < NLMSG_HDRLEN || nh.nlmsg_len > len - off)
			return -EBADMSG;
		body = nh.nlmsg_len - NLMSG_HDRLEN;
		if (nh.nlmsg_seq == seq) {
			int32_t err;

			if (nh.nlmsg_flags & NLM_F_DUMP_INTR)
				return -EINTR; /* inconsistent: ask again */
			switch (nh.nlmsg_type) {
			case NLMSG_DONE:
				/* an int: 0, or the dump's error */
				if (body >= sizeof(err)) {
					memcpy(&err, p + off + NLMSG_HDRLEN,
					       sizeof(err));
					if (err < 0)
						return err > -4096 ? err
								   : -EBADMSG;
				}
				return 1;
			case NLMSG_ERROR:
				if (body < sizeof(err))
					return -EBADMSG;
				memcpy(&err, p + off + NLMSG_HDRLEN,
				       sizeof(err));
				/* 0 is an acknowledgement: a dump has none */
				return err < 0 && err > -4096 ? err : -EBADMSG;
			case SOCK_DIAG_BY_FAMILY: {
				struct inet_diag_msg m;

				if (body < sizeof(m))
					return -EBADMSG;
				memcpy(&m, p + off + NLMSG_HDRLEN, sizeof(m));
				count_msg(&m, h, numbers, acc);
				break;
			}
			default:
				break;
			}
		}
		off += NLMSG_ALIGN(nh.nlmsg_len); /* past len: the end */
	}
	return 0;
}

/* The kernel's dump datagrams are at most 32 KiB. */
#define DIAG_BUF (64 * 1024)

static int
dump(int fd, int family, uint32_t seq, const struct vs_hash_cfg *h,
     uint64_t numbers, struct vs_move_diag_acc *acc, uint8_t *buf)
{
	struct sockaddr_nl nl = {.nl_family = AF_NETLINK};
	uint8_t req[VS_MOVE_DIAG_REQ_LEN];
	int len = vs_move_diag_request(family, h->vip, seq, req, sizeof(req));
	int rc = 0;

	if (len < 0)
		return len;
	if (sendto(fd, req, (size_t)len, 0, (struct sockaddr *)&nl,
		   sizeof(nl)) != len)
		return -errno;
	do {
		struct iovec iov = {.iov_base = buf, .iov_len = DIAG_BUF};
		struct msghdr mh = {
			.msg_name = &nl,
			.msg_namelen = sizeof(nl),
			.msg_iov = &iov,
			.msg_iovlen = 1,
		};
		ssize_t n = recvmsg(fd, &mh, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		}
		if (mh.msg_flags & MSG_TRUNC)
			return -EMSGSIZE;
		if (nl.nl_pid != 0)
			continue; /* not from the kernel */
		rc = vs_move_diag_parse(buf, (size_t)n, seq, h, numbers, acc);
	} while (rc == 0);
	return rc < 0 ? rc : 0;
}

int
vs_move_diag_count(const struct vs_hash_cfg *h, uint64_t numbers,
		   uint32_t count[VS_MAX_NODES])
{
	struct timeval tv = {.tv_sec = 1};
	struct vs_move_diag_acc acc;
	uint8_t *buf;
	int fd, rc;

	fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0)
		return -errno;
	buf = malloc(DIAG_BUF);
	if (buf == NULL) {
		close(fd);
		return -ENOMEM;
	}
	memset(&acc, 0, sizeof(acc));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
		rc = -errno;
	else
		rc = dump(fd, AF_INET, 1, h, numbers, &acc, buf);
	if (rc == 0) {
		rc = dump(fd, AF_INET6, 2, h, numbers, &acc, buf);
		/* a kernel without IPv6 has no mapped sockets either */
		if (rc == -EAFNOSUPPORT || rc == -EPROTONOSUPPORT)
			rc = 0;
	}
	free(buf);
	close(fd);
	if (rc == 0)
		memcpy(count, acc.count, sizeof(acc.count));
	return rc;
}
