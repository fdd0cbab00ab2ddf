/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ports: the NIC (one RX/TX queue pair per worker, RSS on addresses, its
 * checksum and TSO offloads where it has them) and the host exception port
 * (vs_host.h: created with the NIC's MAC and MTU and the VIP on it, or an
 * existing port).
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
pick_ports(struct vs_ports *p, const struct vs_conf *c, uint16_t *host)
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
		*host = ids[1];
		return 1;
	}
	if (c->host_kind == VS_HOST_PORT) {
		if (port_by_arg(c->host_arg, host) < 0) {
			VS_LOG(port, ERR, "--host port:%s: no such port\n",
			       c->host_arg);
			return -ENODEV;
		}
		if (*host == p->nic) {
			VS_LOG(port, ERR,
			       "--host port:%s: that is the NIC port (--port); "
			       "the host port must be another one\n",
			       c->host_arg);
			return -ENODEV; /* a configuration error, as above */
		}
		return 1;
	}
	return 0;
}

static bool
is_af_xdp(uint16_t port)
{
	struct rte_eth_dev_info info;

	return rte_eth_dev_info_get(port, &info) == 0 &&
	       info.driver_name != NULL &&
	       strcmp(info.driver_name, "net_af_xdp") == 0;
}

/*
 * The RX and TX rings of both ports, bursts in flight (a super-frame from
 * the host cut into up to VS_HOST_GSO_MAX_SEGS), what workers hold and the
 * host port's receive buffers; an indirect pool for the payload of the
 * segments rte_gso cuts (in the NIC's ring until sent) and to re-fragment
 * reassembled datagrams.
 */
static int
pools_create(struct vs_ports *p, unsigned int held_per_queue,
	     enum vs_host_be be, bool packed)
{
	p->pool = vs_port_pool_create(
		"vs_mbuf", p->nb_queues,
		2 * NB_RXD + 2 * NB_TXD + 4 * VS_MAX_BURST +
			2 * VS_HOST_GSO_MAX_SEGS + held_per_queue +
			vs_host_mbufs_held(be, RTE_MBUF_DEFAULT_BUF_SIZE),
		packed);
	if (p->pool == NULL) {
		VS_LOG(port, ERR, "cannot create the mbuf pool%s: %s\n",
		       packed ? " (in one piece, for AF_XDP)" : "",
		       rte_strerror(rte_errno));
		return -ENOMEM;
	}
	p->indirect_pool = rte_pktmbuf_pool_create(
		"vs_indirect",
		p->nb_queues * 2 * (NB_TXD + 2 * VS_HOST_GSO_MAX_SEGS) + 4096 +
			(rte_lcore_count() + 1) * 64,
		64, 0, 0, (int)rte_socket_id());
	if (p->indirect_pool == NULL) {
		VS_LOG(port, ERR, "cannot create the indirect pool: %s\n",
		       rte_strerror(rte_errno));
		return -ENOMEM;
	}
	return 0;
}

/*
 * The NIC: one queue pair per worker, RSS on addresses; receive checksum
 * offloads (a segment the NIC verified is merged for the host without a
 * software check), and the transmit offloads vs_wire uses (TSO, checksums,
 * chains). *tx = what was enabled.
 */
static int
nic_setup(uint16_t port, uint16_t nb_q, struct rte_mempool *pool, uint64_t *tx)
{
	const uint64_t rx_csum = RTE_ETH_RX_OFFLOAD_IPV4_CKSUM |
				 RTE_ETH_RX_OFFLOAD_TCP_CKSUM |
				 RTE_ETH_RX_OFFLOAD_UDP_CKSUM;
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	uint16_t nb_rxd = NB_RXD, nb_txd = NB_TXD, q;
	int r;

	memset(&conf, 0, sizeof(conf));
	r = rte_eth_dev_info_get(port, &info);
	if (r < 0)
		return r;
	if (nb_q > 1) {
		/* Addresses only: every fragment of a datagram, ports or
		 * not, must meet its siblings on one worker. */
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf =
			RTE_ETH_RSS_IPV4 & info.flow_type_rss_offloads;
		if (conf.rx_adv_conf.rss_conf.rss_hf == 0)
			conf.rx_adv_conf.rss_conf.rss_hf =
				RTE_ETH_RSS_IP & info.flow_type_rss_offloads;
	}
	conf.rxmode.offloads = info.rx_offload_capa & rx_csum;
	conf.txmode.offloads = vs_wire_tx_offloads(info.tx_offload_capa);
	r = rte_eth_dev_configure(port, nb_q, nb_q, &conf);
	if (r < 0)
		return r;
	r = rte_eth_dev_adjust_nb_rx_tx_desc(port, &nb_rxd, &nb_txd);
	if (r < 0)
		return r;
	for (q = 0; q < nb_q; q++) {
		r = rte_eth_rx_queue_setup(port, q, nb_rxd,
					   rte_eth_dev_socket_id(port), NULL,
					   pool);
		if (r < 0)
			return r;
	}
	for (q = 0; q < nb_q; q++) {
		r = rte_eth_tx_queue_setup(port, q, nb_txd,
					   rte_eth_dev_socket_id(port), NULL);
		if (r < 0)
			return r;
	}
	*tx = conf.txmode.offloads;
	return 0;
}

int
vs_port_host_addr(struct vs_ports *p, uint32_t addr, uint8_t prefix, bool add)
{
	char name[IF_NAMESIZE];

	/* an existing host port's addresses are its owner's business */
	if (vs_host_ifname(&p->host, name) < 0)
		return 0;
	return vs_netlink_addr(name, addr, prefix, add);
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

/* What --host asks for, as the host port module's settings. */
static void
host_conf(struct vs_host_conf *hc, const struct vs_ports *p,
	  const struct vs_conf *c, int existing, uint16_t port, uint16_t mtu)
{
	char mac[RTE_ETHER_ADDR_FMT_SIZE];

	memset(hc, 0, sizeof(*hc));
	hc->mac = p->nic_mac;
	hc->mtu = mtu;
	hc->nb_queues = p->nb_queues;
	hc->gro_hold_us = c->gro_hold_us;
	hc->napi = c->host_napi;
	RTE_BUILD_BUG_ON(VS_GRO_HOLD_US != VS_HOST_GRO_HOLD_US);
	hc->pool = p->pool;
	hc->port = RTE_MAX_ETHPORTS;
	rte_ether_format_addr(mac, sizeof(mac), &p->nic_mac);
	/* conf checked that names fit IF_NAMESIZE */
	switch (existing ? VS_HOST_PORT : c->host_kind) {
	case VS_HOST_PORT:
		hc->be = VS_HOST_BE_ETH;
		hc->port = port;
		break;
	case VS_HOST_TAP:
		hc->be = VS_HOST_BE_TAPV;
		strlcpy(hc->ifname, c->host_arg, sizeof(hc->ifname));
		break;
	case VS_HOST_NET_TAP:
		hc->be = VS_HOST_BE_ETH;
		strlcpy(hc->ifname, c->host_arg, sizeof(hc->ifname));
		snprintf(hc->devname, sizeof(hc->devname), "net_tap_%s",
			 hc->ifname);
		snprintf(hc->devargs, sizeof(hc->devargs), "iface=%s,mac=%s",
			 hc->ifname, mac);
		break;
	case VS_HOST_VIRTIO:
		hc->be = VS_HOST_BE_ETH;
		strlcpy(hc->ifname, "vs0", sizeof(hc->ifname));
		snprintf(hc->devname, sizeof(hc->devname), "virtio_user_vs");
		snprintf(hc->devargs, sizeof(hc->devargs),
			 "path=%s,queues=%u,queue_size=1024,mac=%s,iface=%s",
			 c->host_arg, p->nb_queues, mac, hc->ifname);
		break;
	default: /* VS_HOST_VNET, or nothing said */
		hc->be = VS_HOST_BE_VNET;
		strlcpy(hc->ifname,
			c->host_kind == VS_HOST_VNET ? c->host_arg : "vs0",
			sizeof(hc->ifname));
		break;
	}
}

const char *
vs_port_host_name(const struct vs_ports *p)
{
	return p->host.created && p->host.conf.ifname[0] ? p->host.conf.ifname
							 : "existing port";
}

void
vs_port_none(struct vs_ports *p)
{
	memset(p, 0, sizeof(*p));
	p->nic = RTE_MAX_ETHPORTS;
	/* what vs_host_destroy takes for "nothing here" */
	p->host.conf.be = VS_HOST_BE_ETH;
	p->host.port = RTE_MAX_ETHPORTS;
	p->host.ns_fd = -1;
}

int
vs_port_init(struct vs_ports *p, const struct vs_conf *c,
	     struct vs_vip_table *vips, uint16_t max_queues,
	     unsigned int held_per_queue)
{
	struct rte_eth_dev_info ninfo;
	struct rte_ether_addr mcast[VS_MAX_VIPS];
	const struct vs_vipmap *vm;
	struct vs_host_conf hc;
	uint16_t nb_q, mtu = RTE_ETHER_MTU, host_port = RTE_MAX_ETHPORTS;
	uint64_t tx_offloads = 0;
	char ifname[IF_NAMESIZE];
	unsigned int i;
	int r, existing_host;

	vs_port_none(p);
	existing_host = pick_ports(p, c, &host_port);
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

	host_conf(&hc, p, c, existing_host, host_port, mtu);
	/* an AF_XDP port's UMEM is its pool: packed (pool.c) */
	r = pools_create(p, held_per_queue, hc.be,
			 is_af_xdp(p->nic) ||
				 (existing_host && is_af_xdp(host_port)));
	if (r < 0)
		return r;
	hc.pool = p->pool;

	r = nic_setup(p->nic, nb_q, p->pool, &tx_offloads);
	if (r < 0) {
		VS_LOG(port, ERR, "NIC port %u setup: %s\n", p->nic,
		       rte_strerror(-r));
		return r;
	}
	r = vs_wire_init(&p->wire, tx_offloads, mtu,
			 ninfo.tx_desc_lim.nb_mtu_seg_max, p->pool,
			 p->indirect_pool);
	if (r < 0)
		return r;
	/* The host port, started; with the NIC's MTU where we create it, so
	 * that the host sends nothing the NIC cannot carry. */
	r = vs_host_create(&p->host, &hc);
	if (r == -EPERM && hc.be == VS_HOST_BE_VNET &&
	    c->host_kind == VS_HOST_AUTO) {
		/* The default must run where the operator gave only
		 * CAP_NET_ADMIN (the systemd unit): vnet's peer needs a
		 * network namespace of its own, a TAP does not, and carries
		 * the same offloads. */
		VS_LOG(port, WARNING,
		       "host port vnet:%s needs CAP_SYS_ADMIN (its peer's "
		       "network namespace): using tap:%s instead\n",
		       hc.ifname, hc.ifname);
		hc.be = VS_HOST_BE_TAPV;
		r = vs_host_create(&p->host, &hc);
	}
	if (r < 0) {
		VS_LOG(port, ERR, "host port (%s): %s\n",
		       vs_host_be_name(hc.be), strerror(-r));
		return r;
	}
	p->host_mac = p->host.mac;
	/* where the MTU could not be set, what goes up is cut to the
	 * smaller of the two */
	p->host_mtu = vs_host_mtu(&p->host);
	if (p->host_mtu == 0 || p->host_mtu > mtu)
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
	p->nic_started = true;
	/* up; the VIPs' addresses below, through netlink */
	r = vs_host_up(&p->host, 0, 0, false);
	if (r < 0) {
		VS_LOG(port, ERR, "host interface %s: %s\n",
		       vs_port_host_name(p), strerror(-r));
		return r;
	}
	if (vs_host_ifname(&p->host, ifname) == 0) {
		/* removing one VIP's address must leave the others */
		r = vs_netlink_promote_secondaries(ifname);
		for (i = 0; r == 0 && !c->no_host_addr && i < vm->n; i++) {
			const struct vs_vip *v = &vips->v[vm->slot[i]];

			r = vs_port_host_addr(p, v->hash.vip, v->prefix, true);
		}
		if (r < 0) {
			VS_LOG(port, ERR, "host interface %s: %s\n", ifname,
			       strerror(-r));
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
	bool nic_ok = rte_eth_dev_is_valid_port(p->nic);

	if (nic_ok && p->nic_started)
		rte_eth_dev_stop(p->nic);
	p->nic_started = false;
	/* the interface we created goes, and the VIP with it */
	vs_host_destroy(&p->host);
	if (nic_ok)
		rte_eth_dev_close(p->nic);
}
