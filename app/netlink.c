/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rtnetlink, the requests we need: an IPv4 address on an interface,
 * added or removed, the interface's promote_secondaries, and the kernel's
 * answer to each.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <linux/if_link.h>
#include <linux/ip.h>
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

struct link_req {
	struct nlmsghdr nh;
	struct ifinfomsg ifi;
	/* IFLA_AF_SPEC { AF_INET { IFLA_INET_CONF { one u32 } } } */
	char attrs[3 * RTA_SPACE(0) + RTA_SPACE(sizeof(uint32_t))];
};

/* An attribute at the end of nh; its header, to nest others in. */
static struct rtattr *
put_attr(struct nlmsghdr *nh, unsigned short type, const void *data,
	 unsigned short len)
{
	struct rtattr *rta =
		(struct rtattr *)((char *)nh + NLMSG_ALIGN(nh->nlmsg_len));

	rta->rta_type = type;
	rta->rta_len = (unsigned short)RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(rta), data, len);
	nh->nlmsg_len = NLMSG_ALIGN(nh->nlmsg_len) + RTA_ALIGN(rta->rta_len);
	return rta;
}

/* A nest opened by put_attr: it holds everything after it in nh. */
static void
end_nest(struct nlmsghdr *nh, struct rtattr *nest)
{
	nest->rta_len = (unsigned short)((char *)nh + nh->nlmsg_len -
					 (char *)nest);
}

/* Send a request (NLM_F_ACK set) and wait for the kernel's answer: an
 * NLMSG_ERROR with error 0, or -errno. */
static int
request(struct nlmsghdr *req)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	struct timeval tv = {.tv_sec = 5};
	char buf[4096];
	ssize_t n;
	int fd, r = -EIO;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (sendto(fd, req, req->nlmsg_len, 0, (struct sockaddr *)&sa,
		   sizeof(sa)) < 0) {
		r = -errno;
		goto out;
	}
	for (;;) {
		struct nlmsghdr *nh = (struct nlmsghdr *)buf;

		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0) {
			r = -errno;
			break;
		}
		for (; NLMSG_OK(nh, (size_t)n); nh = NLMSG_NEXT(nh, n)) {
			if (nh->nlmsg_seq != req->nlmsg_seq ||
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
vs_netlink_addr(const char *ifname, uint32_t addr, uint8_t prefix, bool add)
{
	struct addr_req req;
	unsigned int ifindex = if_nametoindex(ifname);

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
	return request(&req.nh);
}

/* Through RTM_SETLINK (the interface's IPv4 settings, IFLA_INET_CONF),
 * not /proc/sys: the systemd unit has /proc/sys read-only
 * (ProtectKernelTunables); CAP_NET_ADMIN is enough here. */
int
vs_netlink_promote_secondaries(const char *ifname)
{
	struct link_req req;
	struct rtattr *spec, *inet, *conf;
	unsigned int ifindex = if_nametoindex(ifname);
	uint32_t on = 1;

	if (ifindex == 0)
		return -errno;
	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(req.ifi));
	req.nh.nlmsg_type = RTM_SETLINK;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	req.nh.nlmsg_seq = 2;
	req.ifi.ifi_family = AF_UNSPEC;
	req.ifi.ifi_index = (int)ifindex;
	spec = put_attr(&req.nh, IFLA_AF_SPEC, NULL, 0);
	inet = put_attr(&req.nh, AF_INET, NULL, 0);
	conf = put_attr(&req.nh, IFLA_INET_CONF, NULL, 0);
	put_attr(&req.nh, IPV4_DEVCONF_PROMOTE_SECONDARIES, &on, sizeof(on));
	end_nest(&req.nh, conf);
	end_nest(&req.nh, inet);
	end_nest(&req.nh, spec);
	return request(&req.nh);
}
