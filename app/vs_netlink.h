/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Addresses on a kernel interface through rtnetlink (RTM_NEWADDR /
 * RTM_DELADDR): the VIPs on the host interface, each with its own prefix,
 * added and removed one by one (the SIOCSIFADDR ioctl can only set one).
 */
#ifndef VS_NETLINK_H
#define VS_NETLINK_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Add (add true) or remove addr/prefix (addr in network order) on the
 * interface ifname. Adding an address it has is not an error, nor is
 * removing one it lacks (-EADDRNOTAVAIL is returned for that, for the
 * caller to tell). 0 or -errno.
 */
int vs_netlink_addr(const char *ifname, uint32_t addr, uint8_t prefix,
		    bool add);

/*
 * Make the kernel promote a secondary address when the primary one of
 * its subnet is removed (net.ipv4.conf.IF.promote_secondaries), instead
 * of removing every address of the subnet with it: removing one VIP must
 * leave the others. 0 or -errno.
 */
int vs_netlink_promote_secondaries(const char *ifname);

#endif /* VS_NETLINK_H */
