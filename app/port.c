/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ports: the NIC (one RX/TX queue pair per worker, RSS on addresses) and the
 * host exception port (a TAP or virtio-user we create with the NIC's MAC and
 * MTU and address ourselves, or an existing port).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <net/if.h>
#include <netinet/in.h>

#include <rte_dev.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include <rte_ip_frag.h>

#include "vs_log.h"
#include "vs_netlink.h"
#include "vs_port.h"
#include "vs_util.h"

RTE_LOG_REGISTER(vs_logtype_port, vipshare.port, INFO);

#define NB_RXD 1024
#define NB_TXD 1024
#define MBUF_CACHE 256

static int
port_by_arg(const char *arg, uint16_t *port)
{
	uint32_t id;

	if (vs_util_parse_u32(arg, &id) == 0) {
		if (id >= RTE_MAX_ETHPORTS ||
		    !rte_eth_dev_is_valid_port((uint16_t)id))
			return -ENODEV;
		*port = (uint16_t)id;
		return 0;
	}
	return rte_eth_dev_get_port_by_name(arg, port) == 0 ? 0 : -ENODEV;
}

/*
 * The NIC and, when it is an existing port, the host port. Returns 1 when
 * the host port is an existing one, 0 when we are to create it.
 */
static int
pick_ports(struct vs_ports *p, const struct vs_conf *c)
{
	uint16_t ids[2], n = 0, id;

	RTE_ETH_FOREACH_DEV (id) {
		if (n < 2)
			ids[n] = id;
		n++;
	}
	if (n == 0) {
		VS_LOG(port, ERR,
		       "no NIC port: bind one (-a PCI) or add a --vdev\n");
		return -ENODEV;
	}
	if (c->port[0]) {
		if (port_by_arg(c->port, &p->nic) < 0) {
			VS_LOG(port, ERR, "--port %s: no such port\n", c->port);
			return -ENODEV;
		}
	} else {
		p->nic = ids[0];
	}
	/* Two ports and no choice made: offline replay, 0 = NIC, 1 = host. */
	if (c->host_kind == VS_HOST_AUTO && n == 2 && !c->port[0]) {
		p->host = ids[1];
		return 1;
	}
	if (c->host_kind == VS_HOST_PORT) {
		if (port_by_arg(c->host_arg, &p->host) < 0 ||
		    p->host == p->nic) {
			VS_LOG(port, ERR, "--host port:%s: no such port\n",
			       c->host_arg);
			return -ENODEV;
		}
		return 1;
	}
	return 0;
}

struct rte_mempool *
vs_port_pool_create(const char *name, unsigned int nb_queues,
		    unsigned int per_queue)
{
	struct rte_mempool *mp;
	unsigned int n;

	/* and slack for the per-lcore caches */
	n = nb_queues * per_queue + (rte_lcore_count() + 1) * MBUF_CACHE + 1024;
	mp = rte_pktmbuf_pool_create(name, n, MBUF_CACHE, 0,
				     RTE_MBUF_DEFAULT_BUF_SIZE,
				     (int)rte_socket_id());
	if (mp == NULL)
		VS_LOG(port, ERR, "cannot create a pool of %u mbufs: %s\n", n,
		       rte_strerror(rte_errno));
	return mp;
}

/* The RX and TX rings of both ports, bursts in flight, what workers hold;
 * an indirect pool to re-fragment reassembled datagrams when they do. */
static int
pools_create(struct vs_ports *p, unsigned int held_per_queue)
{
	p->pool = vs_port_pool_create(
		"vs_mbuf", p->nb_queues,
		2 * NB_RXD + 2 * NB_TXD + 4 * VS_MAX_BURST + held_per_queue);
	if (p->pool == NULL)
		return -ENOMEM;
	if (held_per_queue) {
		p->indirect_pool = rte_pktmbuf_pool_create(
			"vs_indirect", 4096, 64, 0, 0, (int)rte_socket_id());
		if (p->indirect_pool == NULL) {
			VS_LOG(port, ERR, "cannot create the indirect pool\n");
			return -ENOMEM;
		}
	}
	return 0;
}

static int
queues_setup(uint16_t port, uint16_t nb_rx, uint16_t nb_tx, bool rss,
	     struct rte_mempool *pool)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	uint16_t nb_rxd = NB_RXD, nb_txd = NB_TXD, q;
	int r;

	memset(&conf, 0, sizeof(conf));
	r = rte_eth_dev_info_get(port, &info);
	if (r < 0)
		return r;
	if (rss && nb_rx > 1) {
		/* Addresses only: every fragment of a datagram, ports or
		 * not, must meet its siblings on one worker. */
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf =
			RTE_ETH_RSS_IPV4 & info.flow_type_rss_offloads;
		if (conf.rx_adv_conf.rss_conf.rss_hf == 0)
			conf.rx_adv_conf.rss_conf.rss_hf =
				RTE_ETH_RSS_IP & info.flow_type_rss_offloads;
	}
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	r = rte_eth_dev_configure(port, nb_rx, nb_tx, &conf);
	if (r < 0)
		return r;
	r = rte_eth_dev_adjust_nb_rx_tx_desc(port, &nb_rxd, &nb_txd);
	if (r < 0)
		return r;
	for (q = 0; q < nb_rx; q++) {
		r = rte_eth_rx_queue_setup(port, q, nb_rxd,
					   rte_eth_dev_socket_id(port), NULL,
					   pool);
		if (r < 0)
			return r;
	}
	for (q = 0; q < nb_tx; q++) {
		r = rte_eth_tx_queue_setup(port, q, nb_txd,
					   rte_eth_dev_socket_id(port), NULL);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ioctl on the host interface: up. */
static int
host_if_up(const char *ifname)
{
	struct ifreq ifr;
	int fd, r = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		goto err;
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		goto err;
	close(fd);
	return 0;
err:
	r = -errno;
	close(fd);
	return r;
}

int
vs_port_host_addr(struct vs_ports *p, uint32_t addr, uint8_t prefix, bool add)
{
	/* an existing host port's addresses are its owner's business */
	if (!p->host_created)
		return 0;
	return vs_netlink_addr(p->host_ifname, addr, prefix, add);
}

int
vs_port_mcast_set(struct vs_ports *p, const struct rte_ether_addr *macs,
		  unsigned int n)
{
	int r;

	if (p->nic >= RTE_MAX_ETHPORTS || p->allmulti)
		return 0;
	r = rte_eth_dev_set_mc_addr_list(
		p->nic, (struct rte_ether_addr *)(uintptr_t)macs, n);
	if (r == 0)
		return 0;
	/* no filter (or too small a one): take every multicast frame */
	r = rte_eth_allmulticast_enable(p->nic);
	if (r == 0 || r == -ENOTSUP) {
		/* -ENOTSUP: a PMD that filters nothing (pcap, null) */
		p->allmulti = true;
		return 0;
	}
	return r;
}

/*
 * A NIC that is a kernel interface (af_packet, af_xdp) has the kernel's MTU,
 * whatever the ethdev default says; 0 when it is not one.
 */
static uint16_t
kernel_mtu(uint32_t if_index)
{
	struct ifreq ifr;
	int fd, r;

	memset(&ifr, 0, sizeof(ifr));
	if (if_index == 0 || if_indextoname(if_index, ifr.ifr_name) == NULL)
		return 0;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	r = ioctl(fd, SIOCGIFMTU, &ifr);
	close(fd);
	return r < 0 || ifr.ifr_mtu <= 0 || ifr.ifr_mtu > UINT16_MAX
		       ? 0
		       : (uint16_t)ifr.ifr_mtu;
}

static int
host_create(struct vs_ports *p, const struct vs_conf *c)
{
	char mac[RTE_ETHER_ADDR_FMT_SIZE], args[512];
	int r;

	rte_ether_format_addr(mac, sizeof(mac), &p->nic_mac);
	if (c->host_kind == VS_HOST_VIRTIO) {
		snprintf(p->host_devname, sizeof(p->host_devname),
			 "virtio_user_vs");
		snprintf(p->host_ifname, sizeof(p->host_ifname), "vs0");
		snprintf(args, sizeof(args),
			 "path=%s,queues=%u,queue_size=1024,mac=%s,iface=%s",
			 c->host_arg, p->nb_queues, mac, p->host_ifname);
	} else {
		/* conf checked the name fits IF_NAMESIZE */
		strlcpy(p->host_ifname,
			c->host_kind == VS_HOST_TAP ? c->host_arg : "vs0",
			sizeof(p->host_ifname));
		snprintf(p->host_devname, sizeof(p->host_devname), "net_tap_%s",
			 p->host_ifname);
		snprintf(args, sizeof(args), "iface=%s,mac=%s", p->host_ifname,
			 mac);
	}
	r = rte_eal_hotplug_add("vdev", p->host_devname, args);
	if (r < 0) {
		VS_LOG(port, ERR, "cannot create host port %s (%s): %s\n",
		       p->host_devname, args, rte_strerror(-r));
		return r;
	}
	p->host_created = true;
	if (rte_eth_dev_get_port_by_name(p->host_devname, &p->host) < 0)
		return -ENODEV;
	return 0;
}

void
vs_port_none(struct vs_ports *p)
{
	memset(p, 0, sizeof(*p));
	p->nic = p->host = RTE_MAX_ETHPORTS;
}

int
vs_port_init(struct vs_ports *p, const struct vs_conf *c,
	     struct vs_vip_table *vips, uint16_t max_queues,
	     unsigned int held_per_queue)
{
	struct rte_eth_dev_info ninfo, hinfo;
	struct rte_ether_addr mcast[VS_MAX_VIPS];
	const struct vs_vipmap *vm;
	uint16_t nb_q, mtu = RTE_ETHER_MTU;
	unsigned int i;
	int r, existing_host;

	vs_port_none(p);
	existing_host = pick_ports(p, c);
	if (existing_host < 0)
		return existing_host;
	r = rte_eth_dev_info_get(p->nic, &ninfo);
	if (r < 0)
		return r;
	nb_q = RTE_MIN(max_queues, ninfo.max_rx_queues);
	nb_q = RTE_MIN(nb_q, ninfo.max_tx_queues);
	if (nb_q == 0)
		return -ENOTSUP;
	if (nb_q < max_queues)
		VS_LOG(port, WARNING,
		       "NIC has %u queue pairs: %u of %u worker "
		       "lcores idle\n",
		       nb_q, max_queues - nb_q, max_queues);
	p->nb_queues = nb_q;
	r = rte_eth_macaddr_get(p->nic, &p->nic_mac);
	if (r < 0) {
		VS_LOG(port, ERR, "NIC port %u has no MAC address: %s\n",
		       p->nic, rte_strerror(-r));
		return r;
	}
	r = rte_eth_dev_get_mtu(p->nic, &mtu);
	if (kernel_mtu(ninfo.if_index))
		mtu = kernel_mtu(ninfo.if_index);
	else if (r < 0)
		VS_LOG(port, NOTICE,
		       "NIC port %u MTU unknown (%s): assuming "
		       "%u\n",
		       p->nic, rte_strerror(-r), mtu);

	r = pools_create(p, held_per_queue);
	if (r < 0)
		return r;

	if (!existing_host) {
		r = host_create(p, c);
		if (r < 0)
			return r;
	}
	r = rte_eth_dev_info_get(p->host, &hinfo);
	if (r < 0) {
		VS_LOG(port, ERR, "host port %u: %s\n", p->host,
		       rte_strerror(-r));
		return r;
	}
	if (hinfo.max_tx_queues < nb_q) {
		VS_LOG(port, ERR,
		       "host port has %u TX queues for %u workers: "
		       "use fewer lcores\n",
		       hinfo.max_tx_queues, nb_q);
		return -ENOTSUP;
	}
	p->host_rxq = RTE_MIN(nb_q, hinfo.max_rx_queues);

	r = queues_setup(p->nic, nb_q, nb_q, true, p->pool);
	if (r < 0) {
		VS_LOG(port, ERR, "NIC port %u setup: %s\n", p->nic,
		       rte_strerror(-r));
		return r;
	}
	r = queues_setup(p->host, p->host_rxq, nb_q, false, p->pool);
	if (r < 0) {
		VS_LOG(port, ERR, "host port %u setup: %s\n", p->host,
		       rte_strerror(-r));
		return r;
	}
	/* The host must not send what the NIC cannot carry. Where its MTU
	 * cannot be set, what goes up is cut to the smaller of the two. */
	if (p->host_created) {
		r = rte_eth_dev_set_mtu(p->host, mtu);
		if (r < 0)
			VS_LOG(port, WARNING,
			       "host port %u: MTU %u not set: "
			       "%s\n",
			       p->host, mtu, rte_strerror(-r));
	}
	if (rte_eth_dev_get_mtu(p->host, &p->host_mtu) < 0 || p->host_mtu > mtu)
		p->host_mtu = mtu;

	/* Receive the cluster MACs: a filter where the NIC has one. */
	vm = vips->map;
	for (i = 0; i < vm->n; i++)
		mcast[i] = vips->v[vm->slot[i]].arp.cluster_mac;
	r = vs_port_mcast_set(p, mcast, vm->n);
	if (r < 0)
		VS_LOG(port, WARNING,
		       "NIC port %u: no multicast filter "
		       "and no allmulticast (%s): the cluster MACs may "
		       "not reach us\n",
		       p->nic, rte_strerror(-r));

	r = rte_eth_dev_start(p->nic);
	if (r < 0) {
		VS_LOG(port, ERR, "NIC port %u start: %s\n", p->nic,
		       rte_strerror(-r));
		return r;
	}
	r = rte_eth_dev_start(p->host);
	if (r < 0) {
		VS_LOG(port, ERR, "host port %u start: %s\n", p->host,
		       rte_strerror(-r));
		return r;
	}
	r = rte_eth_macaddr_get(p->host, &p->host_mac);
	if (r < 0) {
		VS_LOG(port, ERR, "host port %u has no MAC address: %s\n",
		       p->host, rte_strerror(-r));
		return r;
	}
	if (p->host_created) {
		r = host_if_up(p->host_ifname);
		/* removing one VIP's address must leave the others */
		if (r == 0)
			r = vs_netlink_promote_secondaries(p->host_ifname);
		for (i = 0; r == 0 && !c->no_host_addr && i < vm->n; i++) {
			const struct vs_vip *v = &vips->v[vm->slot[i]];

			r = vs_port_host_addr(p, v->hash.vip, v->prefix, true);
		}
		if (r < 0) {
			VS_LOG(port, ERR, "host interface %s: %s\n",
			       p->host_ifname, strerror(-r));
			return r;
		}
	}
	vs_vip_table_set_nic(vips, &p->nic_mac);
	p->mbuf_in_use_start = rte_mempool_in_use_count(p->pool);
	return 0;
}

void
vs_port_fini(struct vs_ports *p)
{
	bool host_ok = p->host != p->nic && rte_eth_dev_is_valid_port(p->host);
	bool nic_ok = rte_eth_dev_is_valid_port(p->nic);

	if (nic_ok)
		rte_eth_dev_stop(p->nic);
	if (host_ok) {
		rte_eth_dev_stop(p->host);
		rte_eth_dev_close(p->host);
	}
	/* closing our TAP removes the interface, and the VIP with it */
	if (p->host_created)
		rte_eal_hotplug_remove("vdev", p->host_devname);
	if (nic_ok)
		rte_eth_dev_close(p->nic);
}
