/* SPDX-License-Identifier: GPL-2.0 */
/*
 * host_qmp: a guest test asks the harness to run a QMP command on its VM's
 * QEMU (device_add and device_del only: hot-plug), and waits for QEMU's
 * reply. The request goes out on the results channel (this process's
 * stdout, the VM's second serial port) as
 *
 *   # upcilab: qmp ID {"execute": "device_del", "arguments": {"id": "mdma3"}}
 *
 * and the harness (harness/qmp.c, qmp_relay) writes "qmp-reply ID JSON"
 * into that port's input, which /init keeps raw and without echo.
 */
#ifndef HOST_QMP_H
#define HOST_QMP_H

#include <stddef.h>

#define HOST_QMP_PORT "/dev/ttyS1"

/*
 * Run @execute with @arguments (a JSON object's text, or NULL) and wait up
 * to @timeout_ms: 0 on a "return", -EIO on an "error" (its text in @reply),
 * -ETIMEDOUT, or another negative errno. @reply gets QEMU's reply line.
 */
int host_qmp(const char *execute, const char *arguments, char *reply,
	     size_t size, int timeout_ms);

#endif /* HOST_QMP_H */
