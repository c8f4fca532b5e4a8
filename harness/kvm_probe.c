// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "kvm_probe.h"

#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

#define FIRMWARE_SIZE 0x10000
#define RESET_VECTOR_OFFSET (FIRMWARE_SIZE - 16)
#define DEBUG_EXIT_PORT 0xf4
#define PROBE_VALUE 0x5a
/* isa-debug-exit makes QEMU exit with (value << 1) | 1 */
#define PROBE_EXIT_CODE ((PROBE_VALUE << 1) | 1)
#define PROBE_TIMEOUT_MS 10000

static int write_firmware(const char *path)
{
	/* mov al, 0x5a; out 0xf4, al; hlt; jmp $-1 */
	static const uint8_t code[] = { 0xb0, PROBE_VALUE, 0xe6, DEBUG_EXIT_PORT,
					0xf4, 0xeb, 0xfd };
	char *fw = xcalloc(1, FIRMWARE_SIZE);
	int ret;

	memcpy(fw + RESET_VECTOR_OFFSET, code, sizeof(code));
	ret = write_file(path, fw, FIRMWARE_SIZE, 0644);
	free(fw);
	return ret;
}

static int run_qemu(const char *qemu, const char *fw)
{
	char *bios = xstrdup(fw);
	char *const argv[] = {
		(char *)qemu, "-nodefaults", "-no-user-config", "-display",
		"none", "-machine", "q35,kernel-irqchip=split", "-accel", "kvm",
		"-cpu", "host", "-bios", bios, "-device",
		"isa-debug-exit,iobase=0xf4,iosize=0x04", NULL
	};
	pid_t pid = fork();
	int st = 0;

	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		execvp(qemu, argv);
		_exit(127);
	}
	free(bios);
	if (pid < 0)
		return -1;
	for (int ms = 0; ms < PROBE_TIMEOUT_MS; ms += 10) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
		nanosleep(&(struct timespec){ .tv_nsec = 10000000 }, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return -1;
}

bool kvm_usable(const char *qemu, const char *workdir, const char **why)
{
	const char *dummy;
	char *fw;
	int fd, code;

	if (!why)
		why = &dummy;
	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		*why = "/dev/kvm cannot be opened";
		return false;
	}
	close(fd);
	fw = xasprintf("%s/kvm-probe.bin", workdir);
	if (write_firmware(fw)) {
		*why = "cannot write the probe firmware";
		free(fw);
		return false;
	}
	code = run_qemu(qemu, fw);
	unlink(fw);
	free(fw);
	if (code != PROBE_EXIT_CODE) {
		*why = "QEMU cannot run a guest under KVM here";
		return false;
	}
	return true;
}
