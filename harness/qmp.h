/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal QMP client: handshake, event reading and quit. The harness uses
 * it to learn why a VM stopped (the SHUTDOWN event's reason), that QEMU
 * paused the guest (a STOP event, and query-status's run state: nothing the
 * harness does pauses it, so the guest will never go on), and to ask QEMU
 * to quit before resorting to SIGKILL.
 */
#ifndef UPCILAB_QMP_H
#define UPCILAB_QMP_H

#include <stdbool.h>

#include "util.h"

/* The results protocol's line for a relayed command: "qmp ID JSON" */
#define QMP_CMD "qmp "

struct qmp {
	int fd;
	struct buf in;
	char *shutdown_reason;	/* from the last SHUTDOWN event, or NULL */
	bool stopped;		/* a STOP event: QEMU paused the guest */
	char *run_state;	/* from a query-status reply, or NULL */
	struct strv replies;	/* replies to qmp_relay()'s commands, as read */
};

/*
 * Connect and negotiate capabilities; waits at most @timeout_s, and gives up
 * early when @pidfd (QEMU's, or -1) says QEMU has exited.
 */
int qmp_connect(struct qmp *q, const char *sock_path, int pidfd,
		double timeout_s);
/* Read what is available (the fd is non-blocking); -1 on EOF or error. */
int qmp_read_events(struct qmp *q);
int qmp_command(struct qmp *q, const char *cmd);
/*
 * A guest test's command, "ID {"execute": ..., "arguments": ...}" as the
 * results protocol's "qmp" line has it (the relay that lets a test
 * hot-unplug or hot-add a device). Only device_add and device_del pass.
 * 0 once sent: the reply, whole, lands in @q->replies as "ID JSON" when it
 * comes; else -1 with @err.
 */
int qmp_relay(struct qmp *q, const char *line, struct buf *err);
/* Close the socket but keep what was learned (the shutdown reason). */
void qmp_disconnect(struct qmp *q);
void qmp_close(struct qmp *q);

/* Exposed for unit tests: handle one JSON line from QEMU. */
void qmp_handle_line(struct qmp *q, const char *line);

#endif
