// SPDX-License-Identifier: GPL-2.0
#include "qemu_cmd.h"

#include <stdlib.h>
#include <string.h>

#include "topology.h"

/* Parents first: QEMU needs a bus to exist before a device plugs into it. */
static void add_devices(const struct scenario *scn, struct strv *argv)
{
	int max = 0;

	for (size_t i = 0; i < scn->ndevs; i++)
		if (topology_depth(scn, &scn->devs[i]) > max)
			max = topology_depth(scn, &scn->devs[i]);
	for (int level = 0; level <= max; level++) {
		for (size_t i = 0; i < scn->ndevs; i++) {
			const struct scn_device *d = &scn->devs[i];
			struct buf b = { 0 };

			if (topology_depth(scn, d) != level)
				continue;
			buf_addf(&b, "%s,id=%s,bus=%s,addr=%02x.%x", d->model,
				 d->id, d->bus ? d->bus : "pcie.0", d->slot,
				 d->fn);
			if (d->multifunction)
				buf_addf(&b, ",multifunction=on");
			if (d->hub >= 0)
				buf_addf(&b, ",netdev=%s-net", d->id);
			for (size_t k = 0; k < d->opts.n; k++)
				buf_addf(&b, ",%s", d->opts.v[k]);
			strv_add(argv, "-device");
			strv_add(argv, b.s);
			buf_free(&b);
		}
	}
}

void qemu_build_argv(const struct scenario *scn, const struct qemu_opts *o,
		     struct strv *argv)
{
	struct buf cmdline = { 0 };

	strv_add(argv, o->qemu);
	strv_add(argv, "-nodefaults");
	strv_add(argv, "-no-user-config");
	strv_add(argv, "-display");
	strv_add(argv, "none");
	strv_add(argv, "-no-reboot");
	strv_add(argv, "-machine");
	/* interrupt remapping under KVM needs the IOAPIC in QEMU */
	strv_add(argv, o->kvm ? "q35,kernel-irqchip=split" : "q35");
	strv_add(argv, "-accel");
	strv_add(argv, o->kvm ? "kvm" :
		 scn->tcg_single_thread ? "tcg,thread=single" : "tcg");
	strv_add(argv, "-cpu");
	strv_add(argv, o->kvm ? "host" : "max");
	strv_add(argv, "-m");
	strv_add(argv, scn->memory);
	strv_add(argv, "-smp");
	strv_addf(argv, "%d", scn->cpus);
	strv_add(argv, "-kernel");
	strv_add(argv, o->kernel);
	strv_add(argv, "-initrd");
	strv_add(argv, o->initrd);

	buf_addf(&cmdline, "%s", GUEST_BASE_CMDLINE);
	if (!o->kvm && o->tsc_khz)
		buf_addf(&cmdline, " tsc_early_khz=%u", o->tsc_khz);
	if (scn->cpus > 1)
		buf_addf(&cmdline, " %s", GUEST_SMP_CMDLINE);
	if (*o->viommu->cmdline)
		buf_addf(&cmdline, " %s", o->viommu->cmdline);
	if (scn->cmdline.len)
		buf_addf(&cmdline, " %s", scn->cmdline.s);
	if (o->append && *o->append)
		buf_addf(&cmdline, " %s", o->append);
	if (o->interactive)
		buf_addf(&cmdline, " upcilab.shell=1");
	strv_add(argv, "-append");
	strv_add(argv, cmdline.s);
	buf_free(&cmdline);

	if (o->interactive) {
		strv_add(argv, "-serial");
		strv_add(argv, "mon:stdio");
	} else {
		strv_add(argv, "-chardev");
		strv_addf(argv, "pipe,id=console,path=%s", o->console_fifo);
		strv_add(argv, "-serial");
		strv_add(argv, "chardev:console");
	}
	strv_add(argv, "-chardev");
	/* interactive runs have nobody reading a FIFO: results go to a file */
	strv_addf(argv, "%s,id=ktap,path=%s", o->interactive ? "file" : "pipe",
		  o->ktap_fifo);
	strv_add(argv, "-serial");
	strv_add(argv, "chardev:ktap");
	if (o->qmp_sock) {
		strv_add(argv, "-qmp");
		strv_addf(argv, "unix:%s,server=on,wait=off", o->qmp_sock);
	}
	/* link: each linked NIC's netdev is a port of its link's hub */
	for (size_t i = 0; i < scn->ndevs; i++) {
		if (scn->devs[i].hub < 0)
			continue;
		strv_add(argv, "-netdev");
		strv_addf(argv, "hubport,id=%s-net,hubid=%d", scn->devs[i].id,
			  scn->devs[i].hub);
	}
	/* host-root: the device is in the topology, its backend here */
	if (scn->host_root) {
		strv_add(argv, "-fsdev");
		strv_add(argv, "local,id=" SCN_HOST_ROOT ",path=/,security_model=none,readonly=on");
	}
	/* every DMA fault the vIOMMU raises, in QEMU's log (fault_trace.h) */
	if (o->viommu->fault_trace) {
		strv_add(argv, "-trace");
		strv_addf(argv, "enable=%s", o->viommu->fault_trace);
	}
	if (o->gdb_port) {
		strv_add(argv, "-gdb");
		strv_addf(argv, "tcp:127.0.0.1:%d", o->gdb_port);
		strv_add(argv, "-S");
	}
	/* upcilab repro: what each mockdma did, descriptor by descriptor */
	if (scn->trace_iommu) {
		strv_add(argv, "-trace");
		strv_add(argv, "enable=mockdma_*");
	}
	/* the vIOMMU must exist before the devices it translates for */
	strv_add(argv, "-device");
	if (o->viommu->pci_function && !o->viommu->auto_slot)
		strv_addf(argv, "%s,addr=%02x.0", o->viommu->device, VIOMMU_SLOT);
	else
		strv_add(argv, o->viommu->device);
	add_devices(scn, argv);
}
