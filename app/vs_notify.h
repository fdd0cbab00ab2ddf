/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VS_NOTIFY_H
#define VS_NOTIFY_H

/*
 * Tell the service manager about a state change, e.g. "READY=1\nSTATUS=..."
 * or "STOPPING=1" (systemd's Type=notify). 0 when sent or when there is no
 * $NOTIFY_SOCKET, negative errno otherwise.
 */
int vs_notify(const char *state);

#endif /* VS_NOTIFY_H */
