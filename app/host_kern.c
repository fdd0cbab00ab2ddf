/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The host port's kernel interfaces, driven with virtio_net_hdr.
 *
 * vnet: a veth pair. IFNAME (the node's "vs0") stays in our namespace; its
 * peer goes into a private network namespace created here, held only by our
 * file descriptors: when the process ends, however it ends, the namespace
 * dies, the peer with it, and the pair with the peer. The peer is invisible
 * to the node's network managers and its kernel stack has nothing to answer.
 * One AF_PACKET socket per queue on the peer, PACKET_VNET_HDR, bypassing the
 * qdisc, not seeing its own frames; several queues share the frames from
 * the kernel by flow hash (PACKET_FANOUT). IFNAME offers only the offloads
 * vs_vnet and vs_wire handle (generic checksum, TSO over IPv4, scatter-
 * gather); the kernel segments everything else itself before we see it.
 *
 * tapv: a TAP with IFF_VNET_HDR, TUNSETOFFLOAD(CSUM, TSO4, TSO_ECN), one
 * file descriptor per queue (IFF_MULTI_QUEUE); one readv/writev per frame.
 *
 * Both read into mbuf chains straight from the kernel (one iovec per
 * mbuf, enough for 64 KB) and write from the mbuf segments (no copy here).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <linux/ethtool.h>
#include <linux/if_arp.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <linux/veth.h>

#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "vs_host_kern.h"

RTE_LOG_REGISTER(vs_logtype_host, vipshare.host, INFO);

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

#define PEER_NAME "vsdp0" /* in our private namespace */
#define HOST_ALIAS "dpdk-vipshare host port"
#define SOCK_BUF (4 << 20)

/* ------------------------------------------------------------------ */
/* rtnetlink                                                          */

struct nlreq {
	struct nlmsghdr n;
	struct ifinfomsg i;
	char attrs[1024];
};

static struct rtattr *
nla_put(struct nlreq *r, unsigned short type, const void *data, size_t len)
{
	size_t off = NLMSG_ALIGN(r->n.nlmsg_len);
	struct rtattr *a = (struct rtattr *)((char *)r + off);

	if (off + RTA_SPACE(len) > sizeof(*r))
		return NULL;
	a->rta_type = type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(a), data, len);
	r->n.nlmsg_len = (uint32_t)(off + RTA_SPACE(len));
	return a;
}

static int
nla_u32(struct nlreq *r, unsigned short type, uint32_t v)
{
	return nla_put(r, type, &v, sizeof(v)) ? 0 : -ENOSPC;
}

static int
nla_str(struct nlreq *r, unsigned short type, const char *s)
{
	return nla_put(r, type, s, strlen(s) + 1) ? 0 : -ENOSPC;
}

static void
nla_end(struct nlreq *r, struct rtattr *nest)
{
	nest->rta_len =
		(unsigned short)((char *)r + r->n.nlmsg_len - (char *)nest);
}

static void
nl_init(struct nlreq *r, uint16_t type, uint16_t flags, int ifindex)
{
	memset(r, 0, sizeof(*r));
	r->n.nlmsg_len = NLMSG_LENGTH(sizeof(r->i));
	r->n.nlmsg_type = type;
	r->n.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	r->i.ifi_family = AF_UNSPEC;
	r->i.ifi_index = ifindex;
}

/* Send, wait for the ack: 0 or -errno. */
static int
nl_talk(struct nlreq *r)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	char buf[4096];
	struct nlmsghdr *a;
	ssize_t n;
	int fd, err = -EIO;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	r->n.nlmsg_seq = 1;
	if (sendto(fd, r, r->n.nlmsg_len, 0, (struct sockaddr *)&sa,
		   sizeof(sa)) < 0) {
		err = -errno;
		goto out;
	}
	n = recv(fd, buf, sizeof(buf), 0);
	if (n < 0) {
		err = -errno;
		goto out;
	}
	for (a = (struct nlmsghdr *)buf; NLMSG_OK(a, (size_t)n);
	     a = NLMSG_NEXT(a, n)) {
		if (a->nlmsg_type == NLMSG_ERROR) {
			err = ((struct nlmsgerr *)NLMSG_DATA(a))->error;
			break;
		}
	}
out:
	close(fd);
	return err;
}

/* IFNAME + its peer in the namespace ns_fd: one request. */
static int
veth_create(const struct vs_host_conf *c, int ns_fd)
{
	struct nlreq r;
	struct rtattr *info, *data, *peer;
	struct ifinfomsg pi;
	int e = 0;

	nl_init(&r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
	e |= nla_str(&r, IFLA_IFNAME, c->ifname);
	e |= nla_put(&r, IFLA_ADDRESS, c->mac.addr_bytes, 6) ? 0 : -ENOSPC;
	e |= nla_u32(&r, IFLA_MTU, c->mtu);
	e |= nla_u32(&r, IFLA_GSO_MAX_SEGS, VS_HOST_GSO_MAX_SEGS);
	e |= nla_u32(&r, IFLA_NUM_TX_QUEUES, c->nb_queues);
	e |= nla_u32(&r, IFLA_NUM_RX_QUEUES, c->nb_queues);
	e |= nla_str(&r, IFLA_IFALIAS, HOST_ALIAS);
	info = nla_put(&r, IFLA_LINKINFO, NULL, 0);
	e |= nla_str(&r, IFLA_INFO_KIND, "veth");
	data = nla_put(&r, IFLA_INFO_DATA, NULL, 0);
	peer = nla_put(&r, VETH_INFO_PEER, NULL, 0);
	memset(&pi, 0, sizeof(pi));
	pi.ifi_family = AF_UNSPEC;
	/* the peer's attributes follow its own ifinfomsg */
	if (NLMSG_ALIGN(r.n.nlmsg_len) + sizeof(pi) > sizeof(r) ||
	    info == NULL || data == NULL || peer == NULL || e)
		return -ENOSPC;
	memcpy((char *)&r + r.n.nlmsg_len, &pi, sizeof(pi));
	r.n.nlmsg_len += (uint32_t)NLMSG_ALIGN(sizeof(pi));
	e |= nla_str(&r, IFLA_IFNAME, PEER_NAME);
	e |= nla_u32(&r, IFLA_NET_NS_FD, (uint32_t)ns_fd);
	e |= nla_u32(&r, IFLA_MTU, c->mtu);
	e |= nla_u32(&r, IFLA_NUM_TX_QUEUES, c->nb_queues);
	e |= nla_u32(&r, IFLA_NUM_RX_QUEUES, c->nb_queues);
	if (e)
		return -ENOSPC;
	nla_end(&r, peer);
	nla_end(&r, data);
	nla_end(&r, info);
	return nl_talk(&r);
}

static int
link_del(int ifindex)
{
	struct nlreq r;

	nl_init(&r, RTM_DELLINK, 0, ifindex);
	return nl_talk(&r);
}

/* Cap the TSO super-frames the kernel makes for us (TAP: after creation). */
static int
link_gso_max_segs(int ifindex, uint32_t segs)
{
	struct nlreq r;

	nl_init(&r, RTM_NEWLINK, 0, ifindex);
	if (nla_u32(&r, IFLA_GSO_MAX_SEGS, segs) < 0)
		return -ENOSPC;
	return nl_talk(&r);
}

/* ------------------------------------------------------------------ */
/* ioctls                                                             */

static int
if_ioctl(unsigned long req, struct ifreq *ifr)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), r = 0;

	if (fd < 0)
		return -errno;
	if (ioctl(fd, req, ifr) < 0)
		r = -errno;
	close(fd);
	return r;
}

static int
if_set_up(const char *ifname)
{
	struct ifreq ifr;
	int r;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	r = if_ioctl(SIOCGIFFLAGS, &ifr);
	if (r < 0)
		return r;
	ifr.ifr_flags |= IFF_UP;
	return if_ioctl(SIOCSIFFLAGS, &ifr);
}

int
vs_hk_if_up(const char *ifname, uint32_t vip, uint8_t prefix, bool addr)
{
	struct ifreq ifr;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
	int r;

	if (addr) {
		memset(&ifr, 0, sizeof(ifr));
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = vip;
		r = if_ioctl(SIOCSIFADDR, &ifr);
		if (r < 0)
			return r;
		sin->sin_addr.s_addr = htonl(prefix ? ~0u << (32 - prefix) : 0);
		r = if_ioctl(SIOCSIFNETMASK, &ifr);
		if (r < 0)
			return r;
	}
	return if_set_up(ifname);
}

/* What features_set does with a feature, by its ethtool name. */
enum feat_op {
	FEAT_KEEP,
	FEAT_OFF,
	FEAT_ON
};

/*
 * The transmit offloads IFNAME keeps: generic checksum, scatter-gather, TSO
 * over IPv4 (with ECN and mangled IDs). Every other tx-* feature off, so
 * that the kernel segments or checksums in software whatever vs_wire could
 * not send (TSO over IPv6, UDP segmentation, tunnels, SCTP's CRC) and
 * inserts VLAN tags into the frame (AF_PACKET would lose an offloaded tag).
 */
static enum feat_op
feature_restrict(const char *name)
{
	static const char *const keep[] = {
		"tx-checksum-ip-generic",     "tx-scatter-gather",
		"tx-scatter-gather-fraglist", "tx-tcp-segmentation",
		"tx-tcp-ecn-segmentation",    "tx-tcp-mangleid-segmentation",
	};
	unsigned int i;

	if (strncmp(name, "tx-", 3) != 0)
		return FEAT_KEEP;
	for (i = 0; i < RTE_DIM(keep); i++)
		if (strcmp(name, keep[i]) == 0)
			return FEAT_KEEP;
	return FEAT_OFF;
}

/*
 * veth receives through NAPI only with GRO on (or XDP), and takes that path
 * for what a sender with TSO (our peer) sends only when the receiver also
 * has UDP GRO forwarding or fraglist GRO on (veth.c,
 * veth_skb_is_eligible_for_gro). UDP GRO forwarding merges only datagrams
 * that no local socket takes (forwarded ones); fraglist GRO would merge
 * every UDP datagram to be cut again at the socket, so not that.
 */
static const char *const napi_feats[] = {"rx-gro", "rx-udp-gro-forwarding"};

static enum feat_op
napi_op(const char *name, enum feat_op op)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(napi_feats); i++)
		if (strcmp(name, napi_feats[i]) == 0)
			return op;
	return FEAT_KEEP;
}

static enum feat_op
feature_napi_on(const char *name)
{
	return napi_op(name, FEAT_ON);
}

static enum feat_op
feature_napi_off(const char *name)
{
	return napi_op(name, FEAT_OFF);
}

/*
 * Set IFNAME's features by name as op says. *on_active (if given): how
 * many of those op turned on are active afterwards (the kernel may keep
 * some off without an error). 0 or -errno.
 */
static int
features_set(const char *ifname, enum feat_op (*op)(const char *name),
	     unsigned int *on_active)
{
	struct ethtool_sset_info *si;
	struct ethtool_gstrings *gs = NULL;
	struct ethtool_sfeatures *sf = NULL;
	struct ethtool_gfeatures *gf = NULL;
	struct ifreq ifr;
	uint32_t n, i, blocks;
	int r;

	if (on_active)
		*on_active = 0;
	si = calloc(1, sizeof(*si) + sizeof(uint32_t));
	if (si == NULL)
		return -ENOMEM;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	si->cmd = ETHTOOL_GSSET_INFO;
	si->sset_mask = 1ULL << ETH_SS_FEATURES;
	ifr.ifr_data = (void *)si;
	r = if_ioctl(SIOCETHTOOL, &ifr);
	if (r < 0 || si->sset_mask == 0)
		goto out;
	n = si->data[0];
	blocks = (n + 31) / 32;
	gs = calloc(1, sizeof(*gs) + (size_t)n * ETH_GSTRING_LEN);
	sf = calloc(1, sizeof(*sf) + blocks * sizeof(sf->features[0]));
	gf = calloc(1, sizeof(*gf) + blocks * sizeof(gf->features[0]));
	if (gs == NULL || sf == NULL || gf == NULL) {
		r = -ENOMEM;
		goto out;
	}
	gs->cmd = ETHTOOL_GSTRINGS;
	gs->string_set = ETH_SS_FEATURES;
	gs->len = n;
	ifr.ifr_data = (void *)gs;
	r = if_ioctl(SIOCETHTOOL, &ifr);
	if (r < 0)
		goto out;
	sf->cmd = ETHTOOL_SFEATURES;
	sf->size = blocks;
	for (i = 0; i < n; i++) {
		char name[ETH_GSTRING_LEN + 1];
		enum feat_op o;

		memcpy(name, gs->data + (size_t)i * ETH_GSTRING_LEN,
		       ETH_GSTRING_LEN);
		name[ETH_GSTRING_LEN] = '\0';
		o = op(name);
		if (o == FEAT_KEEP)
			continue;
		sf->features[i / 32].valid |= 1u << (i % 32);
		if (o == FEAT_ON)
			sf->features[i / 32].requested |= 1u << (i % 32);
	}
	ifr.ifr_data = (void *)sf;
	/* > 0: some were fixed (e.g. tx-lockless), the rest is done */
	r = if_ioctl(SIOCETHTOOL, &ifr);
	if (r > 0)
		r = 0;
	if (r < 0 || on_active == NULL)
		goto out;
	gf->cmd = ETHTOOL_GFEATURES;
	gf->size = blocks;
	ifr.ifr_data = (void *)gf;
	r = if_ioctl(SIOCETHTOOL, &ifr);
	if (r < 0)
		goto out;
	for (i = 0; i < n; i++)
		if (sf->features[i / 32].requested & 1u << (i % 32) &&
		    gf->features[i / 32].active & 1u << (i % 32))
			(*on_active)++;
out:
	free(si);
	free(gs);
	free(sf);
	free(gf);
	return r;
}

static int
features_restrict(const char *ifname)
{
	return features_set(ifname, feature_restrict, NULL);
}

/*
 * /sys/class/net/IFNAME/FILE into p, if that is our IFNAME (its index and
 * address): sysfs shows the interfaces of the namespace it was mounted in,
 * which need not be ours.
 */
/* v into the file at path (sysfs, procfs): 0 or -errno */
static int
write_file(const char *path, const char *v)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), r;

	if (fd < 0)
		return -errno;
	r = write(fd, v, strlen(v)) < 0 ? -errno : 0;
	close(fd);
	return r;
}

/* /sys/class/net/IFNAME/FILE's text into buf (NUL-terminated); -errno */
static int
sysfs_read(const char *ifname, const char *file, char *buf, size_t sz)
{
	char p[64 + IF_NAMESIZE];
	ssize_t n;
	int fd;

	snprintf(p, sizeof(p), "/sys/class/net/%s/%s", ifname, file);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sz - 1);
	close(fd);
	if (n <= 0)
		return -ENODEV;
	buf[n] = '\0';
	return 0;
}

static int
sysfs_net_path(const struct vs_host *h, const char *file, char *p, size_t sz)
{
	char buf[64], mac[RTE_ETHER_ADDR_FMT_SIZE];
	int r;

	r = sysfs_read(h->conf.ifname, "ifindex", buf, sizeof(buf));
	if (r < 0)
		return r;
	if (atoi(buf) != h->ifindex)
		return -ENODEV;
	r = sysfs_read(h->conf.ifname, "address", buf, sizeof(buf));
	if (r < 0)
		return r;
	rte_ether_format_addr(mac, sizeof(mac), &h->conf.mac);
	if (strncasecmp(buf, mac, strlen(mac)) != 0)
		return -ENODEV;
	snprintf(p, sz, "/sys/class/net/%s/%s", h->conf.ifname, file);
	return 0;
}

static int
sysfs_threaded(const struct vs_host *h, const char *v)
{
	char p[64 + IF_NAMESIZE];
	int r;

	r = sysfs_net_path(h, "threaded", p, sizeof(p));
	return r < 0 ? r : write_file(p, v);
}

/*
 * IFNAME (up) receives what we send through NAPI, polled by a kernel
 * thread of its own (napi/IFNAME-ID) that the scheduler runs where there is
 * room: a sendmmsg then only queues the frames on the veth's ring, and the
 * kernel's receive path (GRO, IP, TCP/UDP) runs off the worker's core.
 * Without the thread the NAPI poll would run in the softirq of the sending
 * core, right after each frame, GRO added to the inline cost: so both or
 * neither; on failure IFNAME is left as before and we say why.
 */
int
vs_hk_napi(struct vs_host *h)
{
	const char *what = "GRO features";
	unsigned int on = 0;
	int r;

	r = features_set(h->conf.ifname, feature_napi_on, &on);
	if (r == 0 && on < RTE_DIM(napi_feats))
		r = -EOPNOTSUPP;
	if (r == 0) {
		what = "threaded NAPI (sysfs threaded)";
		r = sysfs_threaded(h, "1");
	}
	if (r == 0) {
		VS_LOG(host, INFO,
			"host port %s: the kernel receives in a NAPI thread "
			"of its own (GRO, threaded NAPI)\n",
			h->conf.ifname);
		h->napi = true;
		return 0;
	}
	features_set(h->conf.ifname, feature_napi_off, NULL);
	VS_LOG(host, WARNING,
		"host port %s: %s: %s; the kernel's receive runs in the "
		"workers' sends\n",
		h->conf.ifname, what, strerror(-r));
	return r;
}

/* ------------------------------------------------------------------ */
/* namespaces                                                         */

static void
write_sysctl(const char *path, const char *v)
{
	int r = write_file(path, v);

	/* -ENOENT: no IPv6 in this kernel, nothing to turn off */
	if (r < 0 && r != -ENOENT)
		VS_LOG(host, DEBUG, "%s: %s\n", path, strerror(-r));
}

/*
 * A new network namespace, returned as a file descriptor; the calling
 * thread is back in its own one afterwards. IPv6 is off in it, so that the
 * peer sends nothing of its own (router and neighbour solicitations).
 */
static int
netns_private(void)
{
	int self, priv = -1, r;

	self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return -errno;
	if (unshare(CLONE_NEWNET) < 0) {
		r = -errno;
		close(self);
		return r;
	}
	priv = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	r = priv < 0 ? -errno : 0;
	write_sysctl("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
	write_sysctl("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1");
	if (setns(self, CLONE_NEWNET) < 0) {
		/* cannot happen to root; nothing sane is left */
		VS_LOG(host, ERR, "cannot return to our network namespace: %s\n",
			strerror(errno));
		abort();
	}
	close(self);
	if (r < 0)
		return r;
	return priv;
}

/* Run fn(h, arg) inside the namespace ns_fd. */
static int
in_netns(int ns_fd, int (*fn)(struct vs_host *, void *), struct vs_host *h,
	 void *arg)
{
	int self, r;

	self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return -errno;
	if (setns(ns_fd, CLONE_NEWNET) < 0) {
		r = -errno;
		close(self);
		return r;
	}
	r = fn(h, arg);
	if (setns(self, CLONE_NEWNET) < 0) {
		VS_LOG(host, ERR, "cannot return to our network namespace: %s\n",
			strerror(errno));
		abort();
	}
	close(self);
	return r;
}

/* ------------------------------------------------------------------ */
/* queues                                                             */

static void
sock_opt(int fd, int level, int name, int v)
{
	if (setsockopt(fd, level, name, &v, sizeof(v)) < 0)
		VS_LOG(host, DEBUG, "setsockopt %d/%d: %s\n", level, name,
			strerror(errno));
}

/* In the private namespace: the peer up, one socket per queue. */
static int
peer_sockets(struct vs_host *h, void *arg)
{
	struct sockaddr_ll sll;
	unsigned int q, idx;
	int one = 1, fanout;

	RTE_SET_USED(arg);
	idx = if_nametoindex(PEER_NAME);
	if (idx == 0 || if_set_up(PEER_NAME) < 0)
		return -errno ? -errno : -ENODEV;
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = (int)idx;
	/* the namespace is ours: any group id is unique in it */
	fanout = 1 | PACKET_FANOUT_HASH << 16;
	for (q = 0; q < h->conf.nb_queues; q++) {
		/* protocol 0: nothing arrives before the options are set */
		int fd = socket(AF_PACKET,
				SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

		if (fd < 0)
			return -errno;
		h->q[q]->fd = fd;
		if (setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one,
			       sizeof(one)) < 0)
			return -errno;
		sock_opt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, 1);
		sock_opt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, 1);
		sock_opt(fd, SOL_SOCKET, SO_RCVBUFFORCE, SOCK_BUF);
		sock_opt(fd, SOL_SOCKET, SO_SNDBUFFORCE, SOCK_BUF);
		if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
			return -errno;
		if (h->conf.nb_queues > 1 &&
		    setsockopt(fd, SOL_PACKET, PACKET_FANOUT, &fanout,
			       sizeof(fanout)) < 0)
			return -errno;
	}
	return 0;
}

static int
vnet_create(struct vs_host *h)
{
	int r;

	r = netns_private();
	if (r < 0) {
		VS_LOG(host, ERR,
			"host port %s: cannot create a network namespace "
			"for its peer: %s%s\n",
			h->conf.ifname, strerror(-r),
			r == -EPERM ? " (vnet needs CAP_SYS_ADMIN; --host tap "
				      "needs only CAP_NET_ADMIN)"
				    : "");
		return r;
	}
	h->ns_fd = r;
	r = veth_create(&h->conf, h->ns_fd);
	if (r < 0) {
		VS_LOG(host, ERR,
			"host port %s: cannot create the veth pair: %s%s\n",
			h->conf.ifname, strerror(-r),
			r == -EEXIST
				? " (is another dpdk-vipshare using that name?)"
				: "");
		return r;
	}
	h->created = true;
	h->ifindex = (int)if_nametoindex(h->conf.ifname);
	if (h->ifindex == 0)
		return -ENODEV;
	r = features_restrict(h->conf.ifname);
	if (r < 0) {
		VS_LOG(host, ERR, "host port %s: offload settings: %s\n",
			h->conf.ifname, strerror(-r));
		return r;
	}
	return in_netns(h->ns_fd, peer_sockets, h, NULL);
}

static int
tapv_create(struct vs_host *h)
{
	const struct vs_host_conf *c = &h->conf;
	struct ifreq ifr;
	unsigned int q;
	int r, sz = VS_VNET_HDR_LEN;

	for (q = 0; q < c->nb_queues; q++) {
		int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);

		if (fd < 0)
			return -errno;
		h->q[q]->fd = fd;
		memset(&ifr, 0, sizeof(ifr));
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", c->ifname);
		ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR |
				(c->nb_queues > 1 ? IFF_MULTI_QUEUE : 0);
		if (ioctl(fd, TUNSETIFF, &ifr) < 0)
			return -errno;
		h->created = true;
		if (q == 0 &&
		    (ioctl(fd, TUNSETVNETHDRSZ, &sz) < 0 ||
		     ioctl(fd, TUNSETOFFLOAD,
			   TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO_ECN) < 0))
			return -errno;
	}
	h->ifindex = (int)if_nametoindex(c->ifname);
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", c->ifname);
	ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
	memcpy(ifr.ifr_hwaddr.sa_data, c->mac.addr_bytes, 6);
	r = if_ioctl(SIOCSIFHWADDR, &ifr);
	if (r < 0)
		return r;
	ifr.ifr_mtu = c->mtu;
	r = if_ioctl(SIOCSIFMTU, &ifr);
	if (r < 0)
		return r;
	r = link_gso_max_segs(h->ifindex, VS_HOST_GSO_MAX_SEGS);
	if (r < 0)
		VS_LOG(host, WARNING,
			"host port %s: gso_max_segs: %s (super-frames "
			"of more than %u segments will be dropped)\n",
			c->ifname, strerror(-r), VS_HOST_GSO_MAX_SEGS);
	return 0;
}

/* Buffers for a 64 KB frame (and a byte more) per slot: the first keeps
 * its headroom, the others use all of their room. 0: too small. */
static uint32_t
rx_segs(uint32_t room)
{
	if (room <= RTE_PKTMBUF_HEADROOM + VS_VNET_MAX_HDR)
		return 0;
	return 1 +
	       (VS_VNET_MAX_FRAME + 1 - (room - RTE_PKTMBUF_HEADROOM) + room -
		1) / room;
}

unsigned int
vs_hk_mbufs_held(uint32_t data_room)
{
	return VS_HOST_BURST * rx_segs(data_room);
}

/* A queue: one mbuf per iovec of each receive slot. */
static int
queue_alloc(struct vs_host *h, unsigned int q)
{
	struct rte_mempool *mp = h->conf.pool;
	uint32_t segs = rx_segs(rte_pktmbuf_data_room_size(mp));
	struct vs_host_queue *qu;

	if (segs == 0)
		return -EINVAL;
	qu = rte_zmalloc("vs_host_q", sizeof(*qu), RTE_CACHE_LINE_SIZE);
	if (qu == NULL)
		return -ENOMEM;
	h->q[q] = qu;
	qu->fd = -1;
	qu->polled = true;
	qu->pool = mp;
	qu->rx_segs = (uint16_t)segs;
	qu->rx_buf = rte_zmalloc("vs_host_rxb",
				 sizeof(*qu->rx_buf) * VS_HOST_BURST * segs,
				 RTE_CACHE_LINE_SIZE);
	qu->rx_iov = rte_zmalloc(
		"vs_host_rxi", sizeof(*qu->rx_iov) * VS_HOST_BURST * (segs + 1),
		RTE_CACHE_LINE_SIZE);
	if (qu->rx_buf == NULL || qu->rx_iov == NULL)
		return -ENOMEM;
	for (q = 0; q < VS_HOST_BURST; q++) {
		struct iovec *iov = &qu->rx_iov[q * (segs + 1)];

		qu->rx_used[q] = (uint16_t)segs; /* all to be filled */
		iov[0].iov_base = &qu->rx_hdr[q];
		iov[0].iov_len = VS_VNET_HDR_LEN;
		qu->rx_msg[q].msg_hdr.msg_iov = iov;
		qu->rx_msg[q].msg_hdr.msg_iovlen = segs + 1;
	}
	return 0;
}

static void rx_refill(struct vs_host_queue *qu);

int
vs_hk_create(struct vs_host *h)
{
	unsigned int q;
	int r;

	h->ns_fd = -1;
	for (q = 0; q < h->conf.nb_queues; q++) {
		r = queue_alloc(h, q);
		if (r < 0)
			return r;
	}
	r = h->conf.be == VS_HOST_BE_VNET ? vnet_create(h) : tapv_create(h);
	if (r < 0)
		return r;
	h->mac = h->conf.mac;
	h->offloads = true;
	/* the receive buffers now, so that they count as held from the
	 * start, not as a leak */
	for (q = 0; q < h->conf.nb_queues; q++) {
		rx_refill(h->q[q]);
		if (h->q[q]->rx_ready < VS_HOST_BURST)
			return -ENOMEM;
	}
	return 0;
}

void
vs_hk_destroy(struct vs_host *h)
{
	unsigned int q, i;

	for (q = 0; q < RTE_DIM(h->q); q++) {
		struct vs_host_queue *qu = h->q[q];

		if (qu == NULL)
			continue;
		if (qu->fd >= 0)
			close(qu->fd);
		if (qu->rx_buf != NULL)
			for (i = 0;
			     i < (unsigned int)VS_HOST_BURST * qu->rx_segs; i++)
				rte_pktmbuf_free(qu->rx_buf[i]);
		rte_free(qu->rx_buf);
		rte_free(qu->rx_iov);
		rte_free(qu);
		h->q[q] = NULL;
	}
	/* the TAP went with its descriptors; the pair would go with the
	 * namespace, but asynchronously: remove it now */
	if (h->conf.be == VS_HOST_BE_VNET && h->created && h->ifindex > 0)
		link_del(h->ifindex);
	if (h->ns_fd >= 0)
		close(h->ns_fd);
	h->ns_fd = -1;
	h->created = false;
}

/* ------------------------------------------------------------------ */
/* receive                                                            */

static inline void
rx_iov_set(struct vs_host_queue *qu, unsigned int s, unsigned int j,
	   struct rte_mbuf *m)
{
	struct iovec *iov = &qu->rx_iov[s * (qu->rx_segs + 1u) + 1 + j];

	if (j)
		m->data_off = 0;
	qu->rx_buf[s * qu->rx_segs + j] = m;
	iov->iov_base = (char *)m->buf_addr + m->data_off;
	iov->iov_len = m->buf_len - m->data_off;
}

/* Give the slots back the buffers frames took; rx_ready = full slots. */
static void
rx_refill(struct vs_host_queue *qu)
{
	struct rte_mbuf *m[qu->rx_segs];
	unsigned int s, j;

	for (s = 0; s < VS_HOST_BURST; s++) {
		if (qu->rx_used[s] == 0)
			continue;
		if (rte_pktmbuf_alloc_bulk(qu->pool, m, qu->rx_used[s]) != 0)
			break;
		for (j = 0; j < qu->rx_used[s]; j++)
			rx_iov_set(qu, s, j, m[j]);
		qu->rx_used[s] = 0;
	}
	for (s = 0; s < VS_HOST_BURST && qu->rx_used[s] == 0; s++)
		;
	qu->rx_ready = (uint16_t)s;
	if (s < VS_HOST_BURST)
		qu->st.host_rx_nombuf++;
}

/*
 * Frame len (without the header) in slot s: a chain of its buffers, the
 * header checked against it. Buffers of a refused frame stay in the slot.
 */
static struct rte_mbuf *
rx_frame(struct vs_host_queue *qu, unsigned int s, uint32_t len, bool trunc)
{
	struct rte_mbuf **b = &qu->rx_buf[s * qu->rx_segs], *m = b[0];
	struct vs_vnet_info vi;
	uint32_t left = len, k = 0;
	int err;

	if (trunc || len > VS_VNET_MAX_FRAME) {
		err = VS_VNET_E_truncated;
		goto drop;
	}
	do {
		struct rte_mbuf *seg = b[k];
		uint32_t room = seg->buf_len - seg->data_off;

		seg->data_len = (uint16_t)RTE_MIN(left, room);
		seg->next = NULL;
		if (k)
			b[k - 1]->next = seg;
		left -= seg->data_len;
		k++;
	} while (left);
	m->nb_segs = (uint16_t)k;
	m->pkt_len = len;
	m->ol_flags = 0;
	m->packet_type = 0;
	err = vs_vnet_parse(&qu->rx_hdr[s], rte_pktmbuf_mtod(m, uint8_t *),
			    m->data_len, len, &vi);
	if (err != VS_VNET_OK) {
		b[k - 1]->next = NULL;
		m->next = NULL;
		goto drop;
	}
	vs_vnet_info_to_mbuf(&vi, m);
	if (vi.csum == VS_VNET_CSUM_PARTIAL && vi.l4 == VS_VNET_L4_OTHER)
		vs_vnet_csum_complete(m, vi.csum_start, vi.csum_offset);
	qu->rx_used[s] = (uint16_t)k;
	memset(b, 0, k * sizeof(*b)); /* they are the frame's now */
	qu->st.host_rx++;
	qu->st.host_rx_super += vi.gso != VS_VNET_GSO_NONE;
	return m;
drop:
	/* the buffers stay where they are, unlinked */
	for (; k > 0; k--)
		b[k - 1]->next = NULL;
	qu->st.vnet_err[err]++;
	if (err == VS_VNET_E_too_long || err == VS_VNET_E_truncated)
		qu->st.host_too_long++;
	else if (err == VS_VNET_E_gso_unsupported)
		qu->st.host_gso_unsupported++;
	else
		qu->st.host_vnet_bad++;
	return NULL;
}

uint16_t
vs_hk_rx(struct vs_host *h, struct vs_host_queue *qu, struct rte_mbuf **pkts,
	 uint16_t n)
{
	unsigned int slots, i, got = 0;
	int r;

	if (qu->rx_ready < VS_HOST_BURST)
		rx_refill(qu);
	slots = RTE_MIN((unsigned int)n, (unsigned int)qu->rx_ready);
	if (slots == 0)
		return 0;
	if (h->conf.be == VS_HOST_BE_VNET) {
		r = recvmmsg(qu->fd, qu->rx_msg, slots, MSG_DONTWAIT, NULL);
		if (r <= 0)
			return 0;
		for (i = 0; i < (unsigned int)r; i++) {
			uint32_t l = qu->rx_msg[i].msg_len;
			bool trunc =
				qu->rx_msg[i].msg_hdr.msg_flags & MSG_TRUNC;
			struct rte_mbuf *m;

			if (l < VS_VNET_HDR_LEN) {
				qu->st.vnet_err[VS_VNET_E_runt]++;
				qu->st.host_vnet_bad++;
				continue;
			}
			m = rx_frame(qu, i, l - VS_VNET_HDR_LEN, trunc);
			if (m != NULL)
				pkts[got++] = m;
		}
	} else {
		for (i = 0; i < slots; i++) {
			const struct msghdr *mh = &qu->rx_msg[i].msg_hdr;
			ssize_t l =
				readv(qu->fd, mh->msg_iov, (int)mh->msg_iovlen);
			uint32_t cap = VS_VNET_HDR_LEN;
			struct rte_mbuf *m;
			unsigned int j;

			if (l <= 0)
				break;
			for (j = 1; j < mh->msg_iovlen; j++)
				cap += (uint32_t)mh->msg_iov[j].iov_len;
			if (l < VS_VNET_HDR_LEN) {
				qu->st.vnet_err[VS_VNET_E_runt]++;
				qu->st.host_vnet_bad++;
				continue;
			}
			/* a TAP returns the whole length even when cut */
			m = rx_frame(qu, i, (uint32_t)l - VS_VNET_HDR_LEN,
				     (uint32_t)l > cap);
			if (m != NULL)
				pkts[got++] = m;
		}
	}
	/* slots whose buffers left need new ones */
	if (got)
		qu->rx_ready = 0;
	return (uint16_t)got;
}

/* ------------------------------------------------------------------ */
/* transmit                                                           */

static void
tx_flush(struct vs_host *h, struct vs_host_queue *qu, unsigned int k)
{
	unsigned int off = 0, i;
	int r;

	if (h->conf.be == VS_HOST_BE_TAPV) {
		for (i = 0; i < k; i++) {
			const struct msghdr *mh = &qu->tx_msg[i].msg_hdr;

			if (writev(qu->fd, mh->msg_iov, (int)mh->msg_iovlen) <
			    0) {
				qu->st.host_tx_drop += qu->tx_wire[i];
				continue;
			}
			qu->st.host_tx++;
			qu->st.host_tx_super += qu->tx_wire[i] > 1;
			qu->st.host_tx_wire += qu->tx_wire[i];
		}
	} else {
		while (off < k) {
			r = sendmmsg(qu->fd, &qu->tx_msg[off], k - off,
				     MSG_DONTWAIT);
			if (r > 0) {
				for (i = off; i < off + (unsigned int)r; i++) {
					qu->st.host_tx++;
					qu->st.host_tx_super +=
						qu->tx_wire[i] > 1;
					qu->st.host_tx_wire += qu->tx_wire[i];
				}
				off += (unsigned int)r;
				continue;
			}
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == ENOBUFS) {
				/* no room: the rest is dropped */
				for (i = off; i < k; i++)
					qu->st.host_tx_drop += qu->tx_wire[i];
				break;
			}
			/* this one refused (its header or size): skip it */
			qu->st.host_tx_drop += qu->tx_wire[off];
			off++;
		}
	}
	rte_pktmbuf_free_bulk(qu->tx_m, k);
}

void
vs_hk_tx(struct vs_host *h, struct vs_host_queue *qu, struct rte_mbuf **pkts,
	 uint16_t n)
{
	unsigned int i, k = 0, iov = 0;

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i], *s;
		struct iovec *v;

		if (k == VS_HOST_TX_MSGS ||
		    iov + 1u + m->nb_segs > VS_HOST_TX_IOVS) {
			tx_flush(h, qu, k);
			k = iov = 0;
		}
		if (unlikely(1u + m->nb_segs > VS_HOST_TX_IOVS) ||
		    unlikely(vs_vnet_hdr_from_mbuf(m, &qu->tx_hdr[k]) < 0)) {
			qu->st.host_tx_drop++;
			rte_pktmbuf_free(m);
			continue;
		}
		qu->tx_m[k] = m;
		qu->tx_wire[k] =
			m->ol_flags & RTE_MBUF_F_TX_TCP_SEG ? m->nb_segs : 1;
		v = &qu->tx_iov[iov];
		qu->tx_msg[k].msg_hdr.msg_iov = v;
		qu->tx_msg[k].msg_hdr.msg_iovlen = 1u + m->nb_segs;
		v->iov_base = &qu->tx_hdr[k];
		v->iov_len = VS_VNET_HDR_LEN;
		for (s = m; s != NULL; s = s->next) {
			v++;
			v->iov_base = rte_pktmbuf_mtod(s, void *);
			v->iov_len = s->data_len;
		}
		iov += 1u + m->nb_segs;
		k++;
	}
	if (k)
		tx_flush(h, qu, k);
}
