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

struct qmp {
	int fd;
	struct buf in;
	char *shutdown_reason;	/* from the last SHUTDOWN event, or NULL */
	bool stopped;		/* a STOP event: QEMU paused the guest */
	char *run_state;	/* from a query-status reply, or NULL */
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
/* Close the socket but keep what was learned (the shutdown reason). */
void qmp_disconnect(struct qmp *q);
void qmp_close(struct qmp *q);

/* Exposed for unit tests: handle one JSON line from QEMU. */
void qmp_handle_line(struct qmp *q, const char *line);

#endif
