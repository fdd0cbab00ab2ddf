/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vs_pkt_parse / vs_pkt_parse_head on hand-built frames of every kind, and
 * on every truncation of each (exact-size heap copies: built with ASan and
 * UBSan, any overread aborts the test).
 */
#include "vs_test.h"
#include "vs_pkt.h"

#define MAX_CASES 128
#define NEED_NEVER UINT32_MAX /* malformed at every length */

struct tcase {
	char name[80];
	struct tframe f;
	int cls;
	int drop;               /* VS_PKT_DROP_*: why, for a malformed frame */
	struct vs_flow_key key; /* checked for VIP, VIP_FRAG, VIP_ICMPERR */
	uint8_t flags;          /* checked for the same */
	uint8_t vlans;
	uint16_t l2_len;
	uint16_t ethertype;
	bool ipv4; /* check proto, l3_len, ip_len */
	uint8_t proto;
	uint16_t l3_len;
	uint16_t ip_len;
	uint32_t need; /* shortest prefix parsing as the whole frame */
	/* ICMP errors: the client->VIP packet of the same connection */
	int conn; /* index of that case, -1 if none */
};

static struct tcase cases[MAX_CASES];
static unsigned int n_cases;
static uint32_t vip;
static struct vs_vipmap vm; /* the VIP alone, in slot 0 */

static const uint16_t tag_1q[] = {0x8100};
static const uint16_t tag_qinq[] = {0x88a8, 0x8100};
static const uint16_t tag_3[] = {0x88a8, 0x8100, 0x8100};

static struct tcase *
new_case(const char *fmt, ...)
{
	struct tcase *c;
	va_list ap;

	if (n_cases == MAX_CASES)
		abort();
	c = &cases[n_cases++];
	memset(c, 0, sizeof(*c));
	va_start(ap, fmt);
	vsnprintf(c->name, sizeof(c->name), fmt, ap);
	va_end(ap);
	c->conn = -1;
	return c;
}

static struct vs_flow_key
key(uint32_t saddr_h, uint16_t sport, uint16_t dport)
{
	struct vs_flow_key k = {
		.saddr = saddr_h,
		.sport = t_raw16(sport),
		.dport = t_raw16(dport),
	};

	return k;
}

/* Expectations shared by all IPv4 frames; the frame ends after L4. */
static void
ipv4_expect(struct tcase *c, const uint16_t *tags, unsigned int ntags,
	    uint8_t proto, uint8_t ihl)
{
	c->vlans = (uint8_t)ntags;
	c->l2_len = (uint16_t)(14 + 4 * ntags);
	c->ethertype = 0x0800;
	c->ipv4 = true;
	c->proto = proto;
	c->l3_len = (uint16_t)(ihl * 4);
	c->ip_len = (uint16_t)(c->f.len - c->f.ip_off);
	c->need = c->f.len;
	(void)tags;
}

/* client:cport -> VIP:vport (or dst) with a port-carrying protocol */
static struct tcase *
add_l4(const char *what, const uint16_t *tags, unsigned int ntags, uint8_t ihl,
       uint8_t proto, uint16_t frag, uint32_t dst_h, uint16_t cport,
       uint16_t vport)
{
	struct tcase *c = new_case("%s proto %u ihl %u tags %u frag 0x%04x",
				   what, proto, ihl, ntags, frag);

	tf_eth(&c->f, t_mac_cluster, t_mac_client, tags, ntags, 0x0800);
	tf_ipv4(&c->f, 4, ihl, frag, proto, T_CLIENT_H, dst_h);
	tf_l4_ports(&c->f, proto, cport, vport);
	tf_ipv4_done(&c->f);
	ipv4_expect(c, tags, ntags, proto, ihl);
	if (dst_h != T_VIP_H) {
		c->cls = VS_PKT_OTHER;
		return c;
	}
	c->cls = (frag & 0x2000) ? VS_PKT_VIP_FRAG : VS_PKT_VIP;
	c->key = key(T_CLIENT_H, cport, vport);
	c->flags = VS_PKT_F_L4_PORTS | ((frag & 0x2000) ? VS_PKT_F_FRAG_MF : 0);
	return c;
}

/* ICMP error from src_h to the VIP quoting a packet qsrc:vport -> client */
static struct tcase *
add_icmp_err(uint8_t type, uint8_t code, uint8_t qproto, uint32_t src_h,
	     uint32_t qsrc_h, uint8_t qihl, uint16_t qfrag, uint16_t vport,
	     uint16_t cport)
{
	struct tcase *c = new_case("icmp err %u/%u quoting proto %u from "
				   "0x%08x qihl %u qfrag 0x%04x",
				   type, code, qproto, qsrc_h, qihl, qfrag);
	struct tframe *f = &c->f;
	unsigned int i;

	tf_eth(f, t_mac_cluster, t_mac_client, NULL, 0, 0x0800);
	tf_ipv4(f, 4, 5, 0, 1, src_h, T_VIP_H);
	tf_u8(f, type);
	tf_u8(f, code);
	tf_be16(f, 0); /* checksum */
	/* next-hop MTU (frag needed), pointer (parameter problem), unused */
	tf_be32(f, type == 3 && code == 4 ? 1400 : type == 12 ? 0x08000000 : 0);
	/* quoted IPv4 header, as we sent it: VIP -> client */
	tf_u8(f, (uint8_t)(0x40 | qihl));
	tf_u8(f, 0);
	tf_be16(f, 1500);
	tf_be16(f, 0x4242);
	tf_be16(f, qfrag);
	tf_u8(f, 1);
	tf_u8(f, qproto);
	tf_be16(f, 0);
	tf_be32(f, qsrc_h);
	tf_be32(f, T_CLIENT_H);
	for (i = 20; i < (unsigned int)qihl * 4; i++)
		tf_u8(f, 0x01);
	/* first 8 bytes of the quoted L4 header */
	tf_be16(f, vport);
	tf_be16(f, cport);
	if (qproto == 6) {
		tf_be32(f, 0x11111111); /* seq */
	} else {
		tf_be16(f, 1480);   /* UDP length */
		tf_be16(f, 0xabcd); /* csum */
	}
	tf_ipv4_done(f);
	ipv4_expect(c, NULL, 0, 1, 5);
	if (qsrc_h != T_VIP_H) {
		/* not about a VIP connection: plain ICMP, ports 0 */
		c->cls = VS_PKT_VIP;
		c->key = key(src_h, 0, 0);
		c->flags = 0;
	} else {
		c->cls = VS_PKT_VIP_ICMPERR;
		c->key = (qfrag & 0x1fff) ? key(T_CLIENT_H, 0, 0)
					  : key(T_CLIENT_H, cport, vport);
		c->flags = 0;
	}
	return c;
}

static int
build_cases(void **state)
{
	static const uint8_t protos[] = {6, 17, 132, 33, 136};
	struct tcase *c;
	struct tframe *f;
	unsigned int i, t;
	int conn_tcp, conn_udp;

	(void)state;
	vip = t_net32(T_VIP_H);
	assert_int_equal(vs_vipmap_one(&vm, vip), 0);
	n_cases = 0;

	/* plain TCP / UDP to the VIP, 0, 1 and 2 VLAN tags */
	conn_tcp = (int)n_cases;
	add_l4("plain", NULL, 0, 5, 6, 0x4000, T_VIP_H, 40000, 80);
	conn_udp = (int)n_cases;
	add_l4("plain", NULL, 0, 5, 17, 0, T_VIP_H, 5353, 53);
	add_l4("vlan", tag_1q, 1, 5, 6, 0x4000, T_VIP_H, 40001, 443);
	add_l4("vlan", tag_1q, 1, 5, 17, 0, T_VIP_H, 1234, 4321);
	add_l4("qinq", tag_qinq, 2, 5, 6, 0x4000, T_VIP_H, 40002, 8080);
	add_l4("qinq", tag_qinq, 2, 5, 17, 0, T_VIP_H, 1, 65535);
	/* three tags */
	c = add_l4("three tags", tag_3, 3, 5, 6, 0, T_VIP_H, 40003, 80);
	c->cls = VS_PKT_MALFORMED;
	c->drop = VS_PKT_DROP_VLAN_TOO_MANY;
	c->need = NEED_NEVER;
	/* IPv4 options, IHL 6..15 */
	for (i = 6; i <= 15; i++)
		add_l4("options", NULL, 0, (uint8_t)i, 6, 0, T_VIP_H,
		       (uint16_t)(30000 + i), 22);
	add_l4("options+vlan", tag_1q, 1, 15, 17, 0, T_VIP_H, 999, 53);
	/* every port-carrying protocol */
	for (i = 0; i < RTE_DIM(protos); i++)
		add_l4("ports", NULL, 0, 5, protos[i], 0, T_VIP_H,
		       (uint16_t)(50000 + i), (uint16_t)(5000 + i));

	/* ESP: SPI at offset 0 is the two "port" words */
	c = new_case("esp");
	f = &c->f;
	tf_eth(f, t_mac_cluster, t_mac_client, NULL, 0, 0x0800);
	tf_ipv4(f, 4, 5, 0, 50, T_CLIENT_H, T_VIP_H);
	tf_be32(f, 0x11223344); /* SPI */
	tf_be32(f, 7);          /* seq */
	tf_fill(f, 0x5a, 16);   /* IV + data */
	tf_ipv4_done(f);
	ipv4_expect(c, NULL, 0, 50, 5);
	c->cls = VS_PKT_VIP;
	c->key = key(T_CLIENT_H, 0x1122, 0x3344);
	c->flags = VS_PKT_F_L4_PORTS;

	/* AH: SPI at offset 4 */
	c = new_case("ah");
	f = &c->f;
	tf_eth(f, t_mac_cluster, t_mac_client, NULL, 0, 0x0800);
	tf_ipv4(f, 4, 5, 0, 51, T_CLIENT_H, T_VIP_H);
	tf_u8(f, 6);                   /* next header */
	tf_u8(f, 4);                   /* payload len: (24 / 4) - 2 */
	tf_be16(f, 0);                 /* reserved */
	tf_be32(f, 0xa1b2c3d4);        /* SPI */
	tf_be32(f, 1);                 /* seq */
	tf_fill(f, 0x77, 12);          /* ICV */
	tf_l4_ports(f, 6, 1111, 2222); /* inner TCP: not the key */
	tf_ipv4_done(f);
	ipv4_expect(c, NULL, 0, 51, 5);
	c->cls = VS_PKT_VIP;
	c->key = key(T_CLIENT_H, 0xa1b2, 0xc3d4);
	c->flags = VS_PKT_F_L4_PORTS;

	/* AH whose datagram ends before the SPI is complete */
	c = new_case("ah runt");
	f = &c->f;
	tf_eth(f, t_mac_cluster, t_mac_client, NULL, 0, 0x0800);
	tf_ipv4(f, 4, 5, 0, 51, T_CLIENT_H, T_VIP_H);
	tf_u8(f, 6);
	tf_u8(f, 4);
	tf_be16(f, 0);
	tf_be16(f, 0xa1b2);
	tf_ipv4_done(f);
	tf_pad(f, 60);
	c->cls = VS_PKT_MALFORMED;
	c->drop = VS_PKT_DROP_L4_TRUNCATED;
	c->need = NEED_NEVER;

	/* TCP datagram carrying 3 bytes of L4, padded: no ports */
	c = new_case("tcp runt");
	f = &c->f;
	tf_eth(f, t_mac_cluster, t_mac_client, NULL, 0, 0x0800);
	tf_ipv4(f, 4, 5, 0, 6, T_CLIENT_H, T_VIP_H);
	tf_be16(f, 40000);
	tf_u8(f, 0);
	tf_ipv4_done(f);
	tf_pad(f, 60);
	c->cls = VS_PKT_MALFORMED;
	c->drop = VS_PKT_DROP_L4_TRUNCATED;
	c->need = NEED_NEVER;

	/* ICMP echo: ports 0/0 */
	c = new_case("icmp echo");
	f = &c->f;
	tf_eth(f, t_mac_cluster, t_mac_client, NULL, 0, 0x0800);
	tf_ipv4(f, 4, 5, 0, 1, T_CLIENT_H, T_VIP_H);
	tf_u8(f, 8);
	tf_u8(f, 0);
	tf_be16(f, 0);
	tf_be16(f, 0x1234); /* id */
	tf_be16(f, 0x0001); /* seq */
	tf_fill(f, 0x61, 32);
	tf_ipv4_done(f);
	ipv4_expect(c, NULL, 0, 1, 5);
	c->cls = VS_PKT_VIP;
	c->key = key(T_CLIENT_H, 0, 0);
	c->flags = 0;

	/* a protocol without ports (GRE): 0/0 */
	c = new_case("gre");
	f = &c->f;
	tf_eth(f, t_mac_cluster, t_mac_client, tag_1q, 1, 0x0800);
	tf_ipv4(f, 4, 5, 0, 47, T_CLIENT_H, T_VIP_H);
	tf_be16(f, 0);
	tf_be16(f, 0x6558);
	tf_fill(f, 0x99, 14);
	tf_ipv4_done(f);
	ipv4_expect(c, tag_1q, 1, 47, 5);
	c->cls = VS_PKT_VIP;
	c->key = key(T_CLIENT_H, 0, 0);
	c->flags = 0;

	/* ICMP errors quoting VIP:port -> client:cport */
	for (t = 0; t < 4; t++) {
		static const uint8_t types[4][2] = {
			{3, 3},
			{3, 4},
			{11, 0},
			{12, 0},
		};

		c = add_icmp_err(types[t][0], types[t][1], 6, T_ROUTER_H,
				 T_VIP_H, 5, 0x4000, 80, 40000);
		c->conn = conn_tcp;
		c = add_icmp_err(types[t][0], types[t][1], 17, T_ROUTER_H,
				 T_VIP_H, 5, 0, 53, 5353);
		c->conn = conn_udp;
	}
	/* quoted header with options; sent by the client itself */
	c = add_icmp_err(3, 3, 17, T_CLIENT_H, T_VIP_H, 7, 0, 53, 5353);
	c->conn = conn_udp;
	/* quoted non-first fragment: no ports to swap */
	add_icmp_err(11, 1, 17, T_ROUTER_H, T_VIP_H, 5, 0x00b9, 53, 5353);
	/* quoted source not the VIP: plain ICMP by the outer header */
	add_icmp_err(3, 3, 6, T_ROUTER_H, T_HOST_H, 5, 0x4000, 80, 40000);
	add_icmp_err(11, 0, 17, T_ROUTER_H, 0x08080808, 5, 0, 53, 5353);

	/* ICMP errors whose quote is cut short or broken: malformed */
	for (i = 0; i < 12; i++) {
		/* bytes of quote kept, quoted IHL, quoted version, pad */
		static const uint8_t cut[12][4] = {
			{19, 5, 4, 0}, {19, 5, 4, 1}, {20, 5, 4, 0},
			{22, 5, 4, 0}, {22, 5, 4, 1}, {27, 6, 4, 0},
			{28, 4, 4, 0}, {28, 5, 6, 0}, {26, 6, 4, 1},
			{0, 5, 4, 1},  {22, 6, 4, 0}, {28, 15, 4, 0},
		};

		c = add_icmp_err(3, 4, 6, T_ROUTER_H, T_VIP_H, cut[i][1],
				 0x4000, 80, 40000);
		snprintf(c->name, sizeof(c->name),
			 "icmp err quote %u bytes "
			 "ihl %u version %u pad %u",
			 cut[i][0], cut[i][1], cut[i][2], cut[i][3]);
		f = &c->f;
		f->b[f->l4_off + 8] = (uint8_t)(cut[i][2] << 4 | cut[i][1]);
		f->len = f->l4_off + 8 + cut[i][0];
		tf_ipv4_done(f);
		if (cut[i][3])
			tf_pad(f, 60);
		c->cls = VS_PKT_MALFORMED;
		/* a quoted IHL < 5 or version 6 is bad, anything else short */
		c->drop = cut[i][1] < 5 || cut[i][2] != 4
				  ? VS_PKT_DROP_ICMP_QUOTE_BAD
				  : VS_PKT_DROP_ICMP_QUOTE_TRUNCATED;
		c->need = NEED_NEVER;
	}

	/* fragments */
	add_l4("first frag", NULL, 0, 5, 6, 0x2000, T_VIP_H, 40010, 80);
	add_l4("first frag", tag_1q, 1, 5, 17, 0x2000, T_VIP_H, 40011, 53);
	add_l4("DF only", NULL, 0, 5, 6, 0x4000, T_VIP_H, 40012, 80);
	for (i = 0; i < 3; i++) {
		static const uint16_t fr[3] = {0x2000 | 185, 185, 0x1fff};

		c = new_case("non-first frag 0x%04x", fr[i]);
		f = &c->f;
		tf_eth(f, t_mac_cluster, t_mac_client, NULL, 0, 0x0800);
		tf_ipv4(f, 4, 5, fr[i], 6, T_CLIENT_H, T_VIP_H);
		tf_be16(f, 40013); /* looks like ports: must be ignored */
		tf_be16(f, 80);
		tf_fill(f, 0x33, 20);
		tf_ipv4_done(f);
		ipv4_expect(c, NULL, 0, 6, 5);
		c->cls = VS_PKT_VIP_FRAG;
		c->key = key(T_CLIENT_H, 0, 0);
		c->flags = VS_PKT_F_FRAG_OFF |
			   ((fr[i] & 0x2000) ? VS_PKT_F_FRAG_MF : 0);
	}
	/* first fragment of an ICMP error: no quoted header yet trusted */
	c = new_case("icmp echo first frag");
	f = &c->f;
	tf_eth(f, t_mac_cluster, t_mac_client, NULL, 0, 0x0800);
	tf_ipv4(f, 4, 5, 0x2000, 1, T_CLIENT_H, T_VIP_H);
	tf_u8(f, 8);
	tf_u8(f, 0);
	tf_be16(f, 0);
	tf_be32(f, 0x12340001);
	tf_fill(f, 0x61, 16);
	tf_ipv4_done(f);
	ipv4_expect(c, NULL, 0, 1, 5);
	c->cls = VS_PKT_VIP_FRAG;
	c->key = key(T_CLIENT_H, 0, 0);
	c->flags = VS_PKT_F_FRAG_MF;

	/* not for the VIP */
	add_l4("to host", NULL, 0, 5, 6, 0, T_HOST_H, 40020, 22);
	add_l4("to host", tag_qinq, 2, 5, 17, 0, T_HOST_H, 40021, 53);

	/* IPv6 and LLDP */
	for (i = 0; i < 2; i++) {
		c = new_case("ipv6 tags %u", i);
		f = &c->f;
		tf_eth(f, t_mac_cluster, t_mac_client, tag_1q, i, 0x86dd);
		tf_be32(f, 0x60000000);
		tf_be16(f, 20); /* payload length */
		tf_u8(f, 6);
		tf_u8(f, 64);
		tf_fill(f, 0x20, 16);
		tf_fill(f, 0x20, 16);
		tf_l4_ports(f, 6, 40030, 80);
		c->cls = VS_PKT_OTHER;
		c->vlans = (uint8_t)i;
		c->l2_len = (uint16_t)(14 + 4 * i);
		c->ethertype = 0x86dd;
		c->need = c->l2_len;
	}
	c = new_case("lldp");
	f = &c->f;
	tf_eth(f, (const uint8_t[]){0x01, 0x80, 0xc2, 0, 0, 0x0e}, t_mac_client,
	       NULL, 0, 0x88cc);
	tf_be16(f, 0x0207); /* chassis id TLV, len 7 */
	tf_u8(f, 4);
	tf_bytes(f, t_mac_client, 6);
	tf_be16(f, 0x0000); /* end */
	tf_pad(f, 60);
	c->cls = VS_PKT_OTHER;
	c->l2_len = 14;
	c->ethertype = 0x88cc;
	c->need = 14;

	/* ARP */
	for (i = 0; i < 2; i++) {
		c = new_case("arp request tags %u", i);
		f = &c->f;
		tf_eth(f, t_mac_bcast, t_mac_client, tag_1q, i, 0x0806);
		tf_arp(f, 1, 0x0800, 6, 4, 1, t_mac_client, T_CLIENT_H,
		       (const uint8_t[6]){0}, T_VIP_H);
		tf_pad(f, 60);
		c->cls = VS_PKT_ARP;
		c->vlans = (uint8_t)i;
		c->l2_len = (uint16_t)(14 + 4 * i);
		c->ethertype = 0x0806;
		c->need = c->l2_len + 28u;
	}
	for (i = 0; i < 4; i++) {
		static const uint16_t bad[4][3] = {
			/* htype, ptype, hlen << 8 | plen */
			{1, 0x0800, 8 << 8 | 4},
			{1, 0x0800, 6 << 8 | 16},
			{6, 0x0800, 6 << 8 | 4},
			{1, 0x86dd, 6 << 8 | 4},
		};

		c = new_case("arp bad htype %u ptype 0x%04x hlen %u plen %u",
			     bad[i][0], bad[i][1], bad[i][2] >> 8,
			     bad[i][2] & 0xff);
		f = &c->f;
		tf_eth(f, t_mac_bcast, t_mac_client, NULL, 0, 0x0806);
		tf_arp(f, bad[i][0], bad[i][1], (uint8_t)(bad[i][2] >> 8),
		       (uint8_t)bad[i][2], 1, t_mac_client, T_CLIENT_H,
		       (const uint8_t[6]){0}, T_VIP_H);
		tf_fill(f, 0, 32); /* room for the longer addresses */
		c->cls = VS_PKT_MALFORMED;
		c->drop = VS_PKT_DROP_ARP_NOT_IPV4;
		c->need = NEED_NEVER;
	}

	/* broken IPv4 headers */
	for (i = 0; i < 2; i++) {
		static const uint8_t ihl[2] = {4, 0};

		c = add_l4("bad ihl", NULL, 0, 5, 6, 0, T_VIP_H, 1, 2);
		snprintf(c->name, sizeof(c->name), "bad ihl %u", ihl[i]);
		c->f.b[c->f.ip_off] = (uint8_t)(0x40 | ihl[i]);
		c->cls = VS_PKT_MALFORMED;
		c->drop = VS_PKT_DROP_IPV4_IHL;
		c->need = NEED_NEVER;
	}
	c = add_l4("version 6 in 0x0800", NULL, 0, 5, 6, 0, T_VIP_H, 1, 2);
	c->f.b[c->f.ip_off] = 0x65;
	c->cls = VS_PKT_MALFORMED;
	c->drop = VS_PKT_DROP_IPV4_VERSION;
	c->need = NEED_NEVER;
	c = add_l4("tot > frame", NULL, 0, 5, 6, 0, T_VIP_H, 1, 2);
	tf_ipv4_set_tot(&c->f, (uint16_t)(c->f.len - c->f.ip_off + 1));
	c->cls = VS_PKT_MALFORMED;
	c->drop = VS_PKT_DROP_IPV4_TOTAL_LENGTH;
	c->need = NEED_NEVER;
	c = add_l4("tot > padded frame", NULL, 0, 5, 17, 0, T_VIP_H, 1, 2);
	tf_pad(&c->f, 60);
	tf_ipv4_set_tot(&c->f, 1500);
	c->cls = VS_PKT_MALFORMED;
	c->drop = VS_PKT_DROP_IPV4_TOTAL_LENGTH;
	c->need = NEED_NEVER;
	c = add_l4("tot < ihl", NULL, 0, 5, 6, 0, T_VIP_H, 1, 2);
	tf_ipv4_set_tot(&c->f, 19);
	c->cls = VS_PKT_MALFORMED;
	c->drop = VS_PKT_DROP_IPV4_TOTAL_LENGTH;
	c->need = NEED_NEVER;

	/* Ethernet padding after a short datagram is fine */
	c = add_l4("padded", NULL, 0, 5, 17, 0, T_VIP_H, 5353, 53);
	tf_pad(&c->f, 60);
	c = add_l4("padded", tag_1q, 1, 5, 6, 0, T_HOST_H, 40040, 22);
	tf_pad(&c->f, 64);

	printf("# %u frames\n", n_cases);
	return 0;
}

static void
check_pi(const struct tcase *c, uint32_t len, int cls,
	 const struct vs_pkt_info *pi)
{
	if (cls != c->cls || pi->cls != cls)
		fail_msg("%s (len %u of %u): class %d/%u, want %d", c->name,
			 len, c->f.len, cls, pi->cls, c->cls);
	if (cls == VS_PKT_MALFORMED) {
		if (pi->drop != c->drop)
			fail_msg("%s (len %u): drop %s, want %s", c->name, len,
				 vs_pkt_drop_name(pi->drop),
				 vs_pkt_drop_name((unsigned int)c->drop));
		return;
	}
	if (pi->drop != VS_PKT_DROP_NONE)
		fail_msg("%s (len %u): drop %s on a good frame", c->name, len,
			 vs_pkt_drop_name(pi->drop));
	if (pi->l2_len != c->l2_len || pi->vlans != c->vlans ||
	    pi->ethertype != c->ethertype)
		fail_msg("%s (len %u): l2_len %u vlans %u ethertype 0x%04x, "
			 "want %u %u 0x%04x",
			 c->name, len, pi->l2_len, pi->vlans, pi->ethertype,
			 c->l2_len, c->vlans, c->ethertype);
	if (c->ipv4 && (pi->proto != c->proto || pi->l3_len != c->l3_len ||
			pi->ip_len != c->ip_len))
		fail_msg("%s (len %u): proto %u l3_len %u ip_len %u, want "
			 "%u %u %u",
			 c->name, len, pi->proto, pi->l3_len, pi->ip_len,
			 c->proto, c->l3_len, c->ip_len);
	if ((cls >= VS_PKT_VIP && pi->vip != 0) ||
	    (cls == VS_PKT_OTHER && pi->vip != VS_VIPMAP_NONE))
		fail_msg("%s (len %u): VIP slot %u for class %d", c->name, len,
			 pi->vip, cls);
	if (cls == VS_PKT_VIP || cls == VS_PKT_VIP_FRAG ||
	    cls == VS_PKT_VIP_ICMPERR) {
		if (pi->key.saddr != c->key.saddr ||
		    pi->key.sport != c->key.sport ||
		    pi->key.dport != c->key.dport || pi->flags != c->flags)
			fail_msg("%s (len %u): key 0x%08x/0x%04x/0x%04x flags "
				 "0x%x, want 0x%08x/0x%04x/0x%04x 0x%x",
				 c->name, len, pi->key.saddr, pi->key.sport,
				 pi->key.dport, pi->flags, c->key.saddr,
				 c->key.sport, c->key.dport, c->flags);
	}
}

/* Whole frames, exact-size heap copies. */
static void
test_frames(void **state)
{
	struct vs_pkt_info pi;
	unsigned int i;

	(void)state;
	for (i = 0; i < n_cases; i++) {
		const struct tcase *c = &cases[i];
		uint8_t *b = malloc(c->f.len);
		int cls;

		assert_non_null(b);
		memcpy(b, c->f.b, c->f.len);
		memset(&pi, 0xa5, sizeof(pi));
		cls = vs_pkt_parse(b, c->f.len, &vm, &pi);
		check_pi(c, c->f.len, cls, &pi);
		/* the frame is read-only to the parser */
		assert_memory_equal(b, c->f.b, c->f.len);
		free(b);
		/* frames may start anywhere: odd address (UBSan checks) */
		b = malloc(c->f.len + 1);
		assert_non_null(b);
		memcpy(b + 1, c->f.b, c->f.len);
		cls = vs_pkt_parse(b + 1, c->f.len, &vm, &pi);
		check_pi(c, c->f.len, cls, &pi);
		free(b);
	}
}

/* Spot checks of the table itself, independent of the case builder. */
static void
test_frame_bytes(void **state)
{
	const struct tcase *c = &cases[0]; /* plain TCP 40000 -> 80 */
	static const uint8_t ports[4] = {0x9c, 0x40, 0x00, 0x50};
	struct vs_pkt_info pi;

	(void)state;
	assert_int_equal(c->f.b[12], 0x08);
	assert_int_equal(c->f.b[13], 0x00);
	assert_memory_equal(c->f.b + 34, ports, 4);
	assert_int_equal(vs_pkt_parse(c->f.b, c->f.len, &vm, &pi), VS_PKT_VIP);
	/* raw network-order words: 40000 = 0x9c40 -> bytes 9c 40 */
	assert_memory_equal(&pi.key.sport, ports, 2);
	assert_memory_equal(&pi.key.dport, ports + 2, 2);
	assert_int_equal(pi.key.saddr, 0xC6336407u);
	assert_int_equal(pi.flags, VS_PKT_F_L4_PORTS);
}

/* ICMP errors hash to the node of the client's own packets, every mode. */
static void
test_icmp_err_same_node(void **state)
{
	struct vs_pkt_info pe, pc;
	unsigned int i, n, m, k, checked = 0;

	(void)state;
	for (i = 0; i < n_cases; i++) {
		const struct tcase *c = &cases[i];
		const struct tcase *cc;

		if (c->conn < 0)
			continue;
		cc = &cases[c->conn];
		assert_int_equal(vs_pkt_parse(c->f.b, c->f.len, &vm, &pe),
				 VS_PKT_VIP_ICMPERR);
		assert_int_equal(vs_pkt_parse(cc->f.b, cc->f.len, &vm, &pc),
				 VS_PKT_VIP);
		assert_int_equal(pe.key.saddr, pc.key.saddr);
		assert_int_equal(pe.key.sport, pc.key.sport);
		assert_int_equal(pe.key.dport, pc.key.dport);
		for (m = 0; m < 3; m++)
			for (n = 1; n <= 16; n++)
				for (k = 0; k < 8; k++) {
					struct vs_hash_cfg cfg = {
						.vip = vip,
						.hash_init = k ? t_rand32() : 0,
						.total_nodes = (uint16_t)n,
						.mode = (uint8_t)m,
						.compat = VS_COMPAT_CLUSTERIP,
					};

					assert_int_equal(
						vs_hash_node(&cfg, &pe.key),
						vs_hash_node(&cfg, &pc.key));
				}
		checked++;
	}
	assert_true(checked >= 9);
}

/*
 * Why a prefix of l bytes of a good frame is malformed, from where its
 * builder put the layers: Ethernet, the tags, then ARP or the IPv4 header,
 * whose total length then claims more than the prefix holds.
 */
static int
prefix_drop(const struct tcase *c, uint32_t l)
{
	if (l < 14)
		return VS_PKT_DROP_ETH_TRUNCATED;
	if (l < c->l2_len)
		return VS_PKT_DROP_VLAN_TRUNCATED;
	if (c->ethertype == 0x0806)
		return VS_PKT_DROP_ARP_TRUNCATED;
	if (l < c->l2_len + 20u)
		return VS_PKT_DROP_IPV4_TRUNCATED;
	return VS_PKT_DROP_IPV4_TOTAL_LENGTH;
}

/*
 * Every prefix of every frame, copied into a heap buffer of exactly that
 * size: never reads past it, and is malformed exactly while shorter than
 * the frame's meaningful bytes, for the reason its layers give; the same
 * thereafter.
 */
static void
test_truncation(void **state)
{
	struct vs_pkt_info pi, full;
	unsigned int i;
	uint32_t l;

	(void)state;
	for (i = 0; i < n_cases; i++) {
		const struct tcase *c = &cases[i];

		for (l = 0; l <= c->f.len; l++) {
			uint8_t *b = malloc(l);
			int cls;

			assert_true(l == 0 || b != NULL);
			if (l)
				memcpy(b, c->f.b, l);
			cls = vs_pkt_parse(b, l, &vm, &pi);
			if (l < c->need) {
				if (cls != VS_PKT_MALFORMED)
					fail_msg("%s: prefix %u of %u (need "
						 "%u) gave class %d",
						 c->name, l, c->f.len, c->need,
						 cls);
				if (c->cls != VS_PKT_MALFORMED &&
				    pi.drop != prefix_drop(c, l))
					fail_msg(
						"%s: prefix %u of %u: drop %s, "
						"want %s",
						c->name, l, c->f.len,
						vs_pkt_drop_name(pi.drop),
						vs_pkt_drop_name(
							(unsigned int)
								prefix_drop(
									c, l)));
			} else {
				check_pi(c, l, cls, &pi);
			}
			/* head of a multi-segment packet: headers from the
			 * first l bytes only */
			cls = vs_pkt_parse_head(b, l, c->f.len, &vm, &pi);
			if (cls != VS_PKT_MALFORMED)
				check_pi(c, l, cls, &pi);
			if (l == c->f.len) {
				cls = vs_pkt_parse(b, l, &vm, &full);
				assert_int_equal(cls, c->cls);
			}
			free(b);
		}
	}
}

/* A reassembled datagram: the first segment holds the headers only. */
static void
test_parse_head(void **state)
{
	const uint32_t seg = 14 + 20 + 20 + 10, tot = 2980;
	struct vs_pkt_info pi;
	struct tframe f;
	uint8_t *b;
	uint32_t l;
	int cls;

	(void)state;
	tf_eth(&f, t_mac_cluster, t_mac_client, tag_1q, 1, 0x0800);
	tf_ipv4(&f, 4, 5, 0, 6, T_CLIENT_H, T_VIP_H);
	tf_l4_ports(&f, 6, 33000, 443);
	tf_fill(&f, 0x44, 10);
	tf_ipv4_set_tot(&f, (uint16_t)tot);
	assert_int_equal(f.len, seg + 4);

	b = malloc(f.len);
	assert_non_null(b);
	memcpy(b, f.b, f.len);
	/* as one contiguous frame it is short: malformed */
	assert_int_equal(vs_pkt_parse(b, f.len, &vm, &pi), VS_PKT_MALFORMED);
	/* as the head of an 18 + 2980 byte packet it is fine */
	cls = vs_pkt_parse_head(b, f.len, 18 + tot, &vm, &pi);
	assert_int_equal(cls, VS_PKT_VIP);
	assert_int_equal(pi.cls, VS_PKT_VIP);
	assert_int_equal(pi.ip_len, tot);
	assert_int_equal(pi.l3_len, 20);
	assert_int_equal(pi.l2_len, 18);
	assert_int_equal(pi.vlans, 1);
	assert_int_equal(pi.proto, 6);
	assert_int_equal(pi.flags, VS_PKT_F_L4_PORTS);
	assert_int_equal(pi.key.saddr, T_CLIENT_H);
	assert_int_equal(pi.key.sport, t_raw16(33000));
	assert_int_equal(pi.key.dport, t_raw16(443));
	/* padding beyond the datagram is fine */
	assert_int_equal(vs_pkt_parse_head(b, f.len, 18 + tot + 46, &vm, &pi),
			 VS_PKT_VIP);
	/* packet one byte shorter than the IPv4 total length: malformed */
	assert_int_equal(vs_pkt_parse_head(b, f.len, 18 + tot - 1, &vm, &pi),
			 VS_PKT_MALFORMED);
	/* seg_len > pkt_len is clamped: the packet is what counts */
	assert_int_equal(vs_pkt_parse_head(b, f.len, 40, &vm, &pi),
			 VS_PKT_MALFORMED);
	free(b);
	/* every head length: malformed until the ports are in, then VIP;
	 * the reason is the layer the head ends in (the total length is
	 * the packet's, so it never is) */
	for (l = 0; l <= f.len; l++) {
		b = malloc(l);
		assert_true(l == 0 || b != NULL);
		if (l)
			memcpy(b, f.b, l);
		cls = vs_pkt_parse_head(b, l, 18 + tot, &vm, &pi);
		assert_int_equal(cls, l < 18 + 20 + 4 ? VS_PKT_MALFORMED
						      : VS_PKT_VIP);
		assert_int_equal(pi.drop,
				 l < 14            ? VS_PKT_DROP_ETH_TRUNCATED
				 : l < 18          ? VS_PKT_DROP_VLAN_TRUNCATED
				 : l < 18 + 20     ? VS_PKT_DROP_IPV4_TRUNCATED
				 : l < 18 + 20 + 4 ? VS_PKT_DROP_L4_TRUNCATED
						   : VS_PKT_DROP_NONE);
		if (cls == VS_PKT_VIP)
			assert_int_equal(pi.key.sport, t_raw16(33000));
		free(b);
	}
	/* IPv4 options (IHL 7) not all in the head: the header is cut */
	tf_eth(&f, t_mac_cluster, t_mac_client, NULL, 0, 0x0800);
	tf_ipv4(&f, 4, 7, 0, 17, T_CLIENT_H, T_VIP_H);
	tf_l4_ports(&f, 17, 5353, 53);
	tf_ipv4_set_tot(&f, 1400);
	for (l = 14 + 20; l <= 14 + 28 + 4; l++) {
		b = malloc(l);
		assert_non_null(b);
		memcpy(b, f.b, l);
		cls = vs_pkt_parse_head(b, l, 14 + 1400, &vm, &pi);
		if (l < 14 + 28) {
			assert_int_equal(cls, VS_PKT_MALFORMED);
			assert_int_equal(pi.drop, VS_PKT_DROP_IPV4_TRUNCATED);
		} else if (l < 14 + 28 + 4) {
			assert_int_equal(pi.drop, VS_PKT_DROP_L4_TRUNCATED);
		} else {
			assert_int_equal(cls, VS_PKT_VIP);
			assert_int_equal(pi.l3_len, 28);
		}
		free(b);
	}
}

/*
 * Random corruption of the frames: safe (ASan/UBSan) and the result is
 * always self-consistent.
 */
static void
test_mutations(void **state)
{
	struct vs_pkt_info pi;
	unsigned int it, j;

	(void)state;
	for (it = 0; it < 60000; it++) {
		const struct tcase *c = &cases[t_rand32() % n_cases];
		uint32_t l = t_rand32() % (c->f.len + 1);
		unsigned int flips = 1 + t_rand32() % 4;
		uint8_t *b = malloc(l);
		int cls;

		assert_true(l == 0 || b != NULL);
		if (l)
			memcpy(b, c->f.b, l);
		for (j = 0; l && j < flips; j++) {
			uint32_t p = t_rand32() % l;

			/* favour the header bytes */
			if (t_rand32() & 1)
				p %= l < 64 ? l : 64;
			b[p] = (uint8_t)t_rand32();
		}
		cls = vs_pkt_parse(b, l, &vm, &pi);
		assert_in_range(cls, VS_PKT_MALFORMED, VS_PKT_VIP_ICMPERR);
		assert_int_equal(pi.cls, cls);
		/* a reason exactly when malformed */
		if (cls == VS_PKT_MALFORMED)
			assert_in_range(pi.drop, VS_PKT_DROP_NONE + 1,
					VS_PKT_DROP_MAX - 1);
		else
			assert_int_equal(pi.drop, VS_PKT_DROP_NONE);
		if (cls != VS_PKT_MALFORMED) {
			assert_true(pi.vlans <= 2);
			assert_int_equal(pi.l2_len, 14 + 4 * pi.vlans);
			assert_true(pi.l2_len <= l);
		}
		if (cls >= VS_PKT_VIP) {
			assert_int_equal(pi.ethertype, 0x0800);
			assert_true(pi.l3_len >= 20);
			assert_true(pi.ip_len >= pi.l3_len);
			assert_true(pi.l2_len + pi.ip_len <= l);
		}
		free(b);
	}
}

/*
 * Several VIPs: the destination picks the slot; an ICMP error goes by the
 * VIP it quotes, a malformed frame by its destination; ARP by its target;
 * addresses that are no VIP (the node's own, a neighbour of the VIPs) are
 * OTHER. Slots need not follow the addresses' order.
 */
static void
test_multi_vip(void **state)
{
	static const uint32_t addrs[] = {T_VIP_H, T_VIP_H + 1, 0x0a000001u,
					 0xc0a80001u, T_VIP_H - 1};
	static const unsigned int slots[] = {7, 0, 63, 12, 5};
	struct vs_vipmap m;
	struct vs_pkt_info pi;
	struct tframe f;
	unsigned int i, j;

	(void)state;
	vs_vipmap_init(&m);
	for (i = 0; i < RTE_DIM(addrs); i++)
		assert_int_equal(vs_vipmap_add(&m, t_net32(addrs[i]), slots[i]),
				 0);
	for (i = 0; i < RTE_DIM(addrs); i++) {
		/* TCP to VIP i */
		tf_eth(&f, t_mac_cluster, t_mac_client, NULL, 0, 0x0800);
		tf_ipv4(&f, 4, 5, 0, 6, T_CLIENT_H, addrs[i]);
		tf_l4_ports(&f, 6, 40000, 80);
		tf_ipv4_done(&f);
		assert_int_equal(vs_pkt_parse(f.b, f.len, &m, &pi), VS_PKT_VIP);
		assert_int_equal(pi.vip, slots[i]);
		/* the same, a TCP header cut short: its VIP's malformed */
		tf_eth(&f, t_mac_cluster, t_mac_client, NULL, 0, 0x0800);
		tf_ipv4(&f, 4, 5, 0, 6, T_CLIENT_H, addrs[i]);
		tf_be16(&f, 40000);
		tf_ipv4_done(&f);
		tf_pad(&f, 60);
		assert_int_equal(vs_pkt_parse(f.b, f.len, &m, &pi),
				 VS_PKT_MALFORMED);
		assert_int_equal(pi.drop, VS_PKT_DROP_L4_TRUNCATED);
		assert_int_equal(pi.vip, slots[i]);
		/* ARP who-has VIP i */
		tf_eth(&f, t_mac_bcast, t_mac_client, NULL, 0, 0x0806);
		tf_arp(&f, 1, 0x0800, 6, 4, 1, t_mac_client, T_CLIENT_H,
		       t_mac_bcast, addrs[i]);
		tf_pad(&f, 60);
		assert_int_equal(vs_pkt_parse(f.b, f.len, &m, &pi), VS_PKT_ARP);
		assert_int_equal(pi.vip, slots[i]);
		/* an error sent to VIP j about a packet of VIP i: i's */
		for (j = 0; j < RTE_DIM(addrs); j++) {
			tf_eth(&f, t_mac_cluster, t_mac_client, NULL, 0,
			       0x0800);
			tf_ipv4(&f, 4, 5, 0, 1, T_ROUTER_H, addrs[j]);
			tf_be32(&f, 0x03040000); /* frag needed */
			tf_be32(&f, 1400);
			tf_ipv4(&f, 4, 5, 0, 6, addrs[i], T_CLIENT_H);
			tf_be16(&f, 80);
			tf_be16(&f, 40000);
			tf_be32(&f, 1);
			f.ip_off = 14;
			tf_ipv4_done(&f);
			assert_int_equal(vs_pkt_parse(f.b, f.len, &m, &pi),
					 VS_PKT_VIP_ICMPERR);
			assert_int_equal(pi.vip, slots[i]);
			assert_int_equal(pi.key.saddr, T_CLIENT_H);
		}
	}
	/* no VIP: the host's own address, the VIPs' neighbours, 0 */
	for (i = 0; i < 4; i++) {
		static const uint32_t others[] = {T_HOST_H, T_VIP_H + 2,
						  T_VIP_H - 2, 0};

		tf_eth(&f, t_mac_nic, t_mac_client, NULL, 0, 0x0800);
		tf_ipv4(&f, 4, 5, 0, 6, T_CLIENT_H, others[i]);
		tf_l4_ports(&f, 6, 40000, 80);
		tf_ipv4_done(&f);
		assert_int_equal(vs_pkt_parse(f.b, f.len, &m, &pi),
				 VS_PKT_OTHER);
		assert_int_equal(pi.vip, VS_VIPMAP_NONE);
		tf_eth(&f, t_mac_bcast, t_mac_client, NULL, 0, 0x0806);
		tf_arp(&f, 1, 0x0800, 6, 4, 1, t_mac_client, T_CLIENT_H,
		       t_mac_bcast, others[i]);
		tf_pad(&f, 60);
		assert_int_equal(vs_pkt_parse(f.b, f.len, &m, &pi), VS_PKT_ARP);
		assert_int_equal(pi.vip, VS_VIPMAP_NONE);
	}
	/* an error to a VIP quoting no VIP's packet: the VIP it went to,
	 * as ordinary ICMP */
	tf_eth(&f, t_mac_cluster, t_mac_client, NULL, 0, 0x0800);
	tf_ipv4(&f, 4, 5, 0, 1, T_ROUTER_H, addrs[2]);
	tf_be32(&f, 0x03030000);
	tf_be32(&f, 0);
	tf_ipv4(&f, 4, 5, 0, 17, T_HOST_H, T_CLIENT_H);
	tf_be32(&f, 0x00350035);
	tf_be32(&f, 0);
	f.ip_off = 14;
	tf_ipv4_done(&f);
	assert_int_equal(vs_pkt_parse(f.b, f.len, &m, &pi), VS_PKT_VIP);
	assert_int_equal(pi.vip, slots[2]);
	assert_int_equal(pi.key.saddr, T_ROUTER_H);
}

/* Every reason has its own counter name; the table ends where it should. */
static void
test_drop_names(void **state)
{
	unsigned int i, j;

	(void)state;
	assert_string_equal(vs_pkt_drop_name(VS_PKT_DROP_NONE), "none");
	assert_string_equal(vs_pkt_drop_name(VS_PKT_DROP_ETH_TRUNCATED),
			    "eth_truncated");
	assert_string_equal(vs_pkt_drop_name(VS_PKT_DROP_ICMP_QUOTE_BAD),
			    "icmp_quote_bad");
	assert_string_equal(vs_pkt_drop_name(VS_PKT_DROP_MAX), "?");
	for (i = 1; i < VS_PKT_DROP_MAX; i++) {
		const char *n = vs_pkt_drop_name(i);

		assert_true(strlen(n) > 0 && strcmp(n, "?") != 0 &&
			    strcmp(n, "none") != 0);
		assert_int_equal(
			strspn(n, "abcdefghijklmnopqrstuvwxyz0123456789_"),
			strlen(n));
		for (j = 1; j < i; j++)
			assert_string_not_equal(n, vs_pkt_drop_name(j));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_drop_names),
		cmocka_unit_test(test_frame_bytes),
		cmocka_unit_test(test_frames),
		cmocka_unit_test(test_icmp_err_same_node),
		cmocka_unit_test(test_multi_vip),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_parse_head),
		cmocka_unit_test(test_mutations),
	};

	t_seed("test_parse");
	return cmocka_run_group_tests_name("parse", tests, build_cases, NULL);
}
