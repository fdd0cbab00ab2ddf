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

#include "vs_app.h"

#define NB_RXD 1024
#define NB_TXD 1024
#define MBUF_CACHE 256

static int
port_by_arg(const char *arg, uint16_t *port)
{
	uint32_t id;

	if (vs_util_parse_u32(arg, &id) == 0) {
		if (id >= RTE_MAX_ETHPORTS || !rte_eth_dev_is_valid_port((uint16_t)id))
			return -ENODEV;
		*port = (uint16_t)id;
		return 0;
	}
	return rte_eth_dev_get_port_by_name(arg, port) == 0 ? 0 : -ENODEV;
}

static int
pick_ports(struct vs_app *a)
{
	const struct vs_conf *c = &a->conf;
	uint16_t ids[2], n = 0, p;

	RTE_ETH_FOREACH_DEV(p) {
		if (n < 2)
			ids[n] = p;
		n++;
	}
	if (n == 0) {
		VS_LOG(port, ERR, "no NIC port: bind one (-a PCI) or add a --vdev\n");
		return -ENODEV;
	}
	if (c->port[0]) {
		if (port_by_arg(c->port, &a->nic) < 0) {
			VS_LOG(port, ERR, "--port %s: no such port\n", c->port);
			return -ENODEV;
		}
	} else {
		a->nic = ids[0];
	}
	/* Two ports and no choice made: offline replay, 0 = NIC, 1 = host. */
	if (c->host_kind == VS_HOST_AUTO && n == 2 && !c->port[0]) {
		a->host = ids[1];
		a->conf.host_kind = VS_HOST_PORT;
		return 1;
	}
	if (c->host_kind == VS_HOST_PORT) {
		if (port_by_arg(c->host_arg, &a->host) < 0 || a->host == a->nic) {
			VS_LOG(port, ERR, "--host port:%s: no such port\n",
			       c->host_arg);
			return -ENODEV;
		}
		return 1;
	}
	return 0;
}

static int
pools_create(struct vs_app *a)
{
	unsigned int n;

	/* RX and TX rings of both ports, fragments held for reassembly,
	 * bursts in flight, and slack for the per-lcore caches. */
	n = a->nb_workers * (2 * NB_RXD + 2 * NB_TXD + 4 * VS_MAX_BURST +
			     (a->needs_reassembly ? a->conf.frag_max *
			      RTE_LIBRTE_IP_FRAG_MAX_FRAG : 0)) +
	    (rte_lcore_count() + 1) * MBUF_CACHE + 1024;
	a->pool = rte_pktmbuf_pool_create("vs_mbuf", n, MBUF_CACHE, 0,
					  RTE_MBUF_DEFAULT_BUF_SIZE,
					  (int)rte_socket_id());
	if (a->pool == NULL) {
		VS_LOG(port, ERR, "cannot create a pool of %u mbufs: %s\n", n,
		       rte_strerror(rte_errno));
		return -ENOMEM;
	}
	if (a->needs_reassembly) {
		a->indirect_pool = rte_pktmbuf_pool_create("vs_indirect", 4096,
							   64, 0, 0,
							   (int)rte_socket_id());
		if (a->indirect_pool == NULL) {
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
					   rte_eth_dev_socket_id(port), NULL, pool);
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

/* ioctl on the host interface: up, and the VIP with its prefix. */
static int
host_if_config(const char *ifname, uint32_t vip, uint8_t prefix, bool addr)
{
	struct ifreq ifr;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
	int fd, r = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (addr) {
		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = vip;
		if (ioctl(fd, SIOCSIFADDR, &ifr) < 0)
			goto err;
		sin->sin_addr.s_addr = htonl(prefix ? ~0u << (32 - prefix) : 0);
		if (ioctl(fd, SIOCSIFNETMASK, &ifr) < 0)
			goto err;
	}
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
	return r < 0 || ifr.ifr_mtu <= 0 || ifr.ifr_mtu > UINT16_MAX ? 0 :
	       (uint16_t)ifr.ifr_mtu;
}

static int
host_create(struct vs_app *a)
{
	const struct vs_conf *c = &a->conf;
	char mac[RTE_ETHER_ADDR_FMT_SIZE], args[512];
	int r;

	rte_ether_format_addr(mac, sizeof(mac), &a->arp.nic_mac);
	if (c->host_kind == VS_HOST_VIRTIO) {
		snprintf(a->host_devname, sizeof(a->host_devname),
			 "virtio_user_vs");
		snprintf(a->host_ifname, sizeof(a->host_ifname), "vs0");
		snprintf(args, sizeof(args),
			 "path=%s,queues=%u,queue_size=1024,mac=%s,iface=%s",
			 c->host_arg, a->nb_workers, mac, a->host_ifname);
	} else {
		/* conf checked the name fits IF_NAMESIZE */
		strlcpy(a->host_ifname,
			c->host_kind == VS_HOST_TAP ? c->host_arg : "vs0",
			sizeof(a->host_ifname));
		snprintf(a->host_devname, sizeof(a->host_devname),
			 "net_tap_%s", a->host_ifname);
		snprintf(args, sizeof(args), "iface=%s,mac=%s", a->host_ifname,
			 mac);
	}
	r = rte_eal_hotplug_add("vdev", a->host_devname, args);
	if (r < 0) {
		VS_LOG(port, ERR, "cannot create host port %s (%s): %s\n",
		       a->host_devname, args, rte_strerror(-r));
		return r;
	}
	a->host_created = true;
	if (rte_eth_dev_get_port_by_name(a->host_devname, &a->host) < 0)
		return -ENODEV;
	return 0;
}

int
vs_port_init(struct vs_app *a)
{
	struct rte_eth_dev_info ninfo, hinfo;
	uint16_t nb_q, host_rxq, mtu = RTE_ETHER_MTU, q;
	unsigned int lcores = rte_lcore_count(), i, lc;
	int r;

	a->nic = a->host = RTE_MAX_ETHPORTS; /* none yet */
	r = pick_ports(a);
	if (r < 0)
		return r;
	r = rte_eth_dev_info_get(a->nic, &ninfo);
	if (r < 0)
		return r;
	nb_q = (uint16_t)(lcores > 1 ? lcores - 1 : 1);
	nb_q = RTE_MIN(nb_q, ninfo.max_rx_queues);
	nb_q = RTE_MIN(nb_q, ninfo.max_tx_queues);
	if (nb_q == 0)
		return -ENOTSUP;
	if (lcores > 1 && nb_q < lcores - 1)
		VS_LOG(port, WARNING, "NIC has %u queue pairs: %u of %u worker "
		       "lcores idle\n", nb_q, lcores - 1 - nb_q, lcores - 1);
	a->nb_workers = nb_q;
	a->needs_reassembly = vs_hash_needs_ports(&a->hash);
	rte_eth_macaddr_get(a->nic, &a->arp.nic_mac);
	rte_eth_dev_get_mtu(a->nic, &mtu);
	if (kernel_mtu(ninfo.if_index))
		mtu = kernel_mtu(ninfo.if_index);

	r = pools_create(a);
	if (r < 0)
		return r;

	if (a->conf.host_kind != VS_HOST_PORT) {
		r = host_create(a);
		if (r < 0)
			return r;
	}
	rte_eth_dev_info_get(a->host, &hinfo);
	if (hinfo.max_tx_queues < nb_q) {
		VS_LOG(port, ERR, "host port has %u TX queues for %u workers: "
		       "use fewer lcores\n", hinfo.max_tx_queues, nb_q);
		return -ENOTSUP;
	}
	host_rxq = RTE_MIN(nb_q, hinfo.max_rx_queues);

	r = queues_setup(a->nic, nb_q, nb_q, true, a->pool);
	if (r < 0) {
		VS_LOG(port, ERR, "NIC port %u setup: %s\n", a->nic, rte_strerror(-r));
		return r;
	}
	r = queues_setup(a->host, host_rxq, nb_q, false, a->pool);
	if (r < 0) {
		VS_LOG(port, ERR, "host port %u setup: %s\n", a->host,
		       rte_strerror(-r));
		return r;
	}
	/* The host must not send what the NIC cannot carry. */
	if (a->host_created)
		rte_eth_dev_set_mtu(a->host, mtu);
	a->host_mtu = mtu;
	rte_eth_dev_get_mtu(a->host, &a->host_mtu);
	if (a->host_mtu > mtu)
		a->host_mtu = mtu;

	/* Receive the cluster MAC: a filter where the NIC has one. */
	if (rte_eth_dev_set_mc_addr_list(a->nic, &a->arp.cluster_mac, 1) != 0)
		rte_eth_allmulticast_enable(a->nic);

	r = rte_eth_dev_start(a->nic);
	if (r < 0) {
		VS_LOG(port, ERR, "NIC port %u start: %s\n", a->nic, rte_strerror(-r));
		return r;
	}
	r = rte_eth_dev_start(a->host);
	if (r < 0) {
		VS_LOG(port, ERR, "host port %u start: %s\n", a->host,
		       rte_strerror(-r));
		return r;
	}
	rte_eth_macaddr_get(a->host, &a->host_mac);
	if (a->host_created) {
		r = host_if_config(a->host_ifname, a->hash.vip, a->conf.prefix,
				   !a->conf.no_host_addr);
		if (r < 0) {
			VS_LOG(port, ERR, "host interface %s: %s\n",
			       a->host_ifname, strerror(-r));
			return r;
		}
	}

	/* Workers: queue q on the q-th worker lcore, or the main lcore. */
	q = 0;
	if (lcores == 1) {
		a->workers[0].lcore = rte_get_main_lcore();
		a->workers[0].main_duties = true;
	} else {
		RTE_LCORE_FOREACH_WORKER(lc) {
			if (q == nb_q)
				break;
			a->workers[q++].lcore = lc;
		}
	}
	for (i = 0; i < nb_q; i++) {
		struct vs_worker *w = &a->workers[i];

		w->q = (uint16_t)i;
		w->host_rx = i < host_rxq;
		if (a->needs_reassembly) {
			uint64_t cyc = a->tsc_hz * a->conf.frag_timeout_ms / 1000;

			w->frag_tbl = rte_ip_frag_table_create(
				rte_align32pow2(a->conf.frag_max), 4,
				a->conf.frag_max, cyc,
				(int)rte_lcore_to_socket_id(w->lcore));
			if (w->frag_tbl == NULL) {
				VS_LOG(port, ERR, "fragment table: out of memory\n");
				return -ENOMEM;
			}
		}
	}
	a->workers[0].garp_left = a->conf.garp;
	if (a->conf.igmp_report) {
		uint32_t group;

		if (vs_igmp_mac_group(&a->arp.cluster_mac, &group) < 0) {
			VS_LOG(port, NOTICE, "cluster MAC outside 01:00:5e:00:00:00-"
			       "7f:ff:ff maps to no IPv4 group: no IGMP reports\n");
			a->conf.igmp_report = false;
		}
	}
	a->workers[0].mcast = a->conf.igmp_report || a->conf.igmp_mrd;
	a->mbuf_in_use_start = rte_mempool_in_use_count(a->pool);
	return 0;
}

void
vs_port_fini(struct vs_app *a)
{
	bool host_ok = a->host != a->nic && rte_eth_dev_is_valid_port(a->host);
	bool nic_ok = rte_eth_dev_is_valid_port(a->nic);
	unsigned int i;

	if (nic_ok)
		rte_eth_dev_stop(a->nic);
	if (host_ok)
		rte_eth_dev_stop(a->host);
	for (i = 0; i < a->nb_workers; i++)
		if (a->workers[i].frag_tbl)
			rte_ip_frag_table_destroy(a->workers[i].frag_tbl);
	if (host_ok)
		rte_eth_dev_close(a->host);
	/* closing our TAP removes the interface, and the VIP with it */
	if (a->host_created)
		rte_eal_hotplug_remove("vdev", a->host_devname);
	if (nic_ok)
		rte_eth_dev_close(a->nic);
}
