/*
 * A synthetic bzImage for the kvm tests: a valid 2.15 boot header and 4 setup sectors before a
 * small 64-bit "kernel" whose bytes the test writes. What test-kvm-boot and test-kvm-footprint
 * both load. Include after cmocka.h.
 */
#ifndef VB_TEST_BZIMAGE_H
#define VB_TEST_BZIMAGE_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define TEST_BZIMAGE_SETUP  (5 * 512)
#define TEST_BZIMAGE_KERNEL 8192

/* The image (malloc'd, TEST_BZIMAGE_SETUP + TEST_BZIMAGE_KERNEL bytes); the kernel part zeros. */
static inline uint8_t *test_bzimage(void)
{
	uint8_t *img = calloc(1, TEST_BZIMAGE_SETUP + TEST_BZIMAGE_KERNEL);
	assert_non_null(img);
	img[0x1f1] = 4;
	img[0x1fe] = 0x55;
	img[0x1ff] = 0xaa;
	img[0x200] = 0xeb;
	img[0x201] = 0x6a; /* header ends at 0x26c */
	memcpy(img + 0x202, "HdrS", 4);
	img[0x206] = 0x0f;
	img[0x207] = 0x02;
	img[0x211] = 0x01;			    /* LOADED_HIGH */
	img[0x236] = 0x03;			    /* XLF_KERNEL_64 | CAN_BE_LOADED_ABOVE_4G */
	memcpy(img + 0x22c, "\xff\xff\xff\x7f", 4); /* initrd_addr_max */
	memcpy(img + 0x238, "\xff\x07\x00\x00", 4); /* cmdline_size 2047 */
	memcpy(img + 0x260, "\x00\x00\x10\x00", 4); /* init_size 1 MiB */
	return img;
}

#endif
