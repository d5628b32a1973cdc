#!/usr/bin/env python3
"""Write the seed inputs of fuzz-virtq and fuzz-bzimage (small valid inputs the fuzzer mutates).

Run from the repository root: tests/fuzz/make-seeds.py. The files are checked in; rerun only when
a target's input layout changes. The layouts follow tests/fuzz/fuzz-virtq.c and
backends/kvm/boot.c.
"""
import os
import struct

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")

# ---- fuzz-virtq ----
# Input: 32 bytes of queue geometry, then guest memory from gpa 0 (zero beyond the input).
# Bytes 0 and 8 are the driver features of virtio-blk and virtio-console; 1..4 shape blk's queue,
# 9..24 the console's four queues. All zero: queue size 8, queue q's descriptor table at
# 0x1000 * (1 + 3q), available ring one page after it, used ring two pages after it.
DESC_F_NEXT, DESC_F_WRITE = 1, 2
QUEUE_SIZE = 8


def ring_gpa(queue):
    base = 0x1000 * (1 + 3 * queue)
    return base, base + 0x1000  # descriptor table, available ring


class Guest:
    def __init__(self, blk_features=0, console_features=0):
        self.geometry = bytearray(32)
        self.geometry[0] = blk_features
        self.geometry[8] = console_features
        self.ram = bytearray()

    def put(self, gpa, data):
        if len(self.ram) < gpa + len(data):
            self.ram.extend(bytes(gpa + len(data) - len(self.ram)))
        self.ram[gpa:gpa + len(data)] = data

    def chain(self, queue, slot, descs):
        """descs: (index, gpa, len, flags, next) entries; slot: position in the available ring."""
        table, avail = ring_gpa(queue)
        for index, gpa, length, flags, nxt in descs:
            self.put(table + 16 * index, struct.pack("<QIHH", gpa, length, flags, nxt))
        self.put(avail + 4 + 2 * slot, struct.pack("<H", descs[0][0]))
        self.put(avail, struct.pack("<HH", 0, slot + 1))

    def write(self, name):
        with open(os.path.join(ROOT, "fuzz-virtq", name), "wb") as f:
            f.write(bytes(self.geometry) + bytes(self.ram))


def blk_header(kind, sector):
    return struct.pack("<IIQ", kind, 0, sector)


def virtq_seeds():
    os.makedirs(os.path.join(ROOT, "fuzz-virtq"), exist_ok=True)
    # virtio-blk: read sector 1 (header, 512-byte buffer, status byte); buffers after the used ring
    g = Guest()
    g.put(0x3100, blk_header(0, 1))
    g.chain(0, 0, [(0, 0x3100, 16, DESC_F_NEXT, 1), (1, 0x3200, 512, DESC_F_NEXT | DESC_F_WRITE, 2),
                   (2, 0x3400, 1, DESC_F_WRITE, 0)])
    g.write("blk-read")
    # virtio-blk: write sector 2 from a readable buffer
    g = Guest()
    g.put(0x3100, blk_header(1, 2))
    g.put(0x3200, b"vbench" * 85 + b"!!")
    g.chain(0, 0, [(0, 0x3100, 16, DESC_F_NEXT, 1), (1, 0x3200, 512, DESC_F_NEXT, 2),
                   (2, 0x3400, 1, DESC_F_WRITE, 0)])
    g.write("blk-write")
    # virtio-blk: GET_ID (8) into 20 writable bytes, then a flush (4) as a second request
    g = Guest()
    g.put(0x3100, blk_header(8, 0))
    g.put(0x3110, blk_header(4, 0))
    g.chain(0, 0, [(0, 0x3100, 16, DESC_F_NEXT, 1), (1, 0x3200, 20, DESC_F_NEXT | DESC_F_WRITE, 2),
                   (2, 0x3300, 1, DESC_F_WRITE, 0)])
    g.chain(0, 1, [(3, 0x3110, 16, DESC_F_NEXT, 4), (4, 0x3301, 1, DESC_F_WRITE, 0)])
    g.write("blk-get-id-flush")
    # hostile: a chain whose last descriptor links back to its first
    g = Guest()
    g.put(0x3100, blk_header(0, 0))
    g.chain(0, 0, [(0, 0x3100, 16, DESC_F_NEXT, 1), (1, 0x3200, 512, DESC_F_NEXT | DESC_F_WRITE, 0)])
    g.write("blk-loop")
    # virtio-console: a receive buffer for the host's "ping\n" and a line to transmit
    g = Guest()
    g.chain(0, 0, [(0, 0x3100, 64, DESC_F_WRITE, 0)])
    tx_table, _ = ring_gpa(1)
    g.put(tx_table + 0x100, b"{\"type\":\"pong\",\"id\":1}\n")
    g.chain(1, 0, [(0, tx_table + 0x100, 23, 0, 0)])
    g.write("console-rx-tx")
    # virtio-console with MULTIPORT: the driver's DEVICE_READY and PORT_READY on the control
    # transmit queue, and two buffers on the control receive queue for the device's answers
    g = Guest(console_features=2)
    ctrl_rx_table, _ = ring_gpa(2)
    ctrl_tx_table, _ = ring_gpa(3)
    g.put(ctrl_tx_table + 0x100, struct.pack("<IHH", 0, 0, 1))  # DEVICE_READY
    g.put(ctrl_tx_table + 0x108, struct.pack("<IHH", 0, 3, 1))  # PORT_READY port 0
    g.chain(3, 0, [(0, ctrl_tx_table + 0x100, 8, 0, 0)])
    g.chain(3, 1, [(1, ctrl_tx_table + 0x108, 8, 0, 0)])
    for slot in range(3):
        g.chain(2, slot, [(slot, ctrl_rx_table + 0x100 + 0x40 * slot, 64, DESC_F_WRITE, 0)])
    g.write("console-control")


# ---- fuzz-bzimage ----
def bzimage(setup_sects, kernel, version=0x020F):
    """A bzImage with a valid 64-bit-capable setup header (boot protocol 2.12 or later)."""
    sectors = setup_sects or 4  # 0 means 4
    img = bytearray(512 * (sectors + 1))
    img[0x1F1] = setup_sects
    img[0x1FE:0x200] = b"\x55\xaa"
    img[0x200:0x202] = b"\xeb\x6a"  # jump over the header, which ends at 0x26c
    img[0x202:0x206] = b"HdrS"
    img[0x206:0x208] = struct.pack("<H", version)
    img[0x211] = 0x01  # LOADED_HIGH
    img[0x22C:0x230] = struct.pack("<I", 0x7FFFFFFF)  # initrd_addr_max
    img[0x230:0x234] = struct.pack("<I", 0x200000)  # kernel_alignment
    img[0x234] = 1  # relocatable
    img[0x236:0x238] = struct.pack("<H", 0x03)  # XLF_KERNEL_64 | CAN_BE_LOADED_ABOVE_4G
    img[0x238:0x23C] = struct.pack("<I", 2047)  # cmdline_size
    img[0x258:0x260] = struct.pack("<Q", 0x1000000)  # pref_address
    img[0x260:0x264] = struct.pack("<I", 0x100000)  # init_size
    return bytes(img) + kernel


def cpio_record(name, mode, data=b"", rdev=(0, 0), ino=1):
    name_bytes = name.encode() + b"\0"
    fields = [ino, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1], len(name_bytes), 0]
    head = b"070701" + b"".join(b"%08x" % v for v in fields) + name_bytes
    head += bytes(-len(head) % 4)
    return head + data + bytes(-len(data) % 4)


def bzimage_seeds():
    os.makedirs(os.path.join(ROOT, "fuzz-bzimage"), exist_ok=True)
    kernel = bytes((i * 7) & 0xFF for i in range(512))
    with open(os.path.join(ROOT, "fuzz-bzimage", "bzimage-minimal"), "wb") as f:
        f.write(bzimage(1, kernel))
    # setup_sects 0 (read as 4) and boot protocol 2.12, the oldest vbench accepts
    with open(os.path.join(ROOT, "fuzz-bzimage", "bzimage-setup-sects-0"), "wb") as f:
        f.write(bzimage(0, kernel, version=0x020C))
    # a kernel whose payload is an ELF in the kernel's LZ4 framing (magic, block size, a block of
    # literals, the unpacked size), one executable segment at 1 MiB: backends/kvm/vmlinux.c
    ehdr = struct.pack("<4sBBBB8sHHIQQQIHHHHHH", b"\x7fELF", 2, 1, 1, 0, bytes(8), 2, 62, 1,
                       0x100000, 64, 0, 0, 64, 56, 1, 0, 0, 0)
    phdr = struct.pack("<IIQQQQQQ", 1, 5, 128, 0xFFFFFFFF81000000, 0x100000, 64, 4096, 0x1000)
    elf = ehdr + phdr + bytes(8) + bytes(range(64))
    rest = len(elf) - 15
    block = bytes([0xF0]) + bytes([255] * (rest // 255)) + bytes([rest % 255]) + elf
    payload = struct.pack("<II", 0x184C2102, len(block)) + block + struct.pack("<I", len(elf))
    img = bytearray(bzimage(1, payload))
    img[0x248:0x250] = struct.pack("<II", 0, len(payload))  # payload_offset, payload_length
    with open(os.path.join(ROOT, "fuzz-bzimage", "bzimage-lz4-elf"), "wb") as f:
        f.write(img)
    # the initramfs side of the target: a newc archive like the one vbench builds for the VM
    archive = (cpio_record("dev", 0o040755, ino=1) +
               cpio_record("dev/console", 0o020600, rdev=(5, 1), ino=2) +
               cpio_record("init", 0o100755, b"#!/bin/sh\nexec /vbench-agent\n", ino=3) +
               cpio_record("TRAILER!!!", 0, ino=0))
    with open(os.path.join(ROOT, "fuzz-bzimage", "cpio-initramfs"), "wb") as f:
        f.write(archive)


if __name__ == "__main__":
    virtq_seeds()
    bzimage_seeds()
