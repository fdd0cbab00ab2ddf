/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rtnetlink, the one request we need: an IPv4 address on an interface,
 * added or removed, and the kernel's answer to it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include "vs_netlink.h"

struct addr_req {
	struct nlmsghdr nh;
	struct ifaddrmsg ifa;
	/* IFA_LOCAL and IFA_ADDRESS, each an rtattr and 4 bytes */
	char attrs[2 * RTA_SPACE(sizeof(uint32_t))];
};

static void
put_attr(struct nlmsghdr *nh, unsigned short type, const void *data,
	 unsigned short len)
{
	struct rtattr *rta =
		(struct rtattr *)((char *)nh + NLMSG_ALIGN(nh->nlmsg_len));

	rta->rta_type = type;
	rta->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(rta), data, len);
	nh->nlmsg_len = NLMSG_ALIGN(nh->nlmsg_len) + RTA_ALIGN(rta->rta_len);
}

int
vs_netlink_addr(const char *ifname, uint32_t addr, uint8_t prefix, bool add)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	struct addr_req req;
	char buf[4096];
	unsigned int ifindex = if_nametoindex(ifname);
	struct timeval tv = {.tv_sec = 5};
	ssize_t n;
	int fd, r = -EIO;

	if (ifindex == 0)
		return -errno;
	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(req.ifa));
	req.nh.nlmsg_type = add ? RTM_NEWADDR : RTM_DELADDR;
	/* NLM_F_REPLACE: adding an address it has is not an error */
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK |
			     (add ? NLM_F_CREATE | NLM_F_REPLACE : 0);
	req.nh.nlmsg_seq = 1;
	req.ifa.ifa_family = AF_INET;
	req.ifa.ifa_prefixlen = prefix;
	req.ifa.ifa_scope = RT_SCOPE_UNIVERSE;
	req.ifa.ifa_index = ifindex;
	put_attr(&req.nh, IFA_LOCAL, &addr, sizeof(addr));
	put_attr(&req.nh, IFA_ADDRESS, &addr, sizeof(addr));

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (sendto(fd, &req, req.nh.nlmsg_len, 0, (struct sockaddr *)&sa,
		   sizeof(sa)) < 0) {
		r = -errno;
		goto out;
	}
	/* the acknowledgement: an NLMSG_ERROR with error 0, or -errno */
	for (;;) {
		struct nlmsghdr *nh = (struct nlmsghdr *)buf;

		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0) {
			r = -errno;
			break;
		}
		for (; NLMSG_OK(nh, (size_t)n); nh = NLMSG_NEXT(nh, n)) {
			if (nh->nlmsg_seq != req.nh.nlmsg_seq ||
			    nh->nlmsg_type != NLMSG_ERROR)
				continue;
			r = ((struct nlmsgerr *)NLMSG_DATA(nh))->error;
			goto out;
		}
	}
out:
	close(fd);
	return r;
}

int
vs_netlink_promote_secondaries(const char *ifname)
{
	char path[128];
	int fd, r = 0;

	snprintf(path, sizeof(path),
		 "/proc/sys/net/ipv4/conf/%s/promote_secondaries", ifname);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, "1", 1) != 1)
		r = -errno;
	close(fd);
	return r;
}
