/* SPDX-License-Identifier: MIT */
/*
 * Console logging. Every line braid prints starts with "braid: <tag>: " so
 * that tools can tell hypervisor lines from guest lines ("[name] ...").
 * A file sets LOG_TAG before including this header.
 */
#ifndef LIB_LOG_H
#define LIB_LOG_H

#ifndef LOG_TAG
#define LOG_TAG "hv"
#endif

void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void console_write(const char *s, unsigned long n);

/* Where console output goes. lib/ sits below the hardware layer, so the
 * device is plugged in from above, once, at boot. */
typedef void console_sink_fn(const char *s, unsigned long n);
void console_set_sink(console_sink_fn *fn);

#define pr_info(fmt, ...) \
	kprintf("braid: " LOG_TAG ": " fmt "\n", ##__VA_ARGS__)
#define pr_err(fmt, ...) \
	kprintf("braid: " LOG_TAG ": error: " fmt "\n", ##__VA_ARGS__)
#define pr_warn(fmt, ...) \
	kprintf("braid: " LOG_TAG ": warning: " fmt "\n", ##__VA_ARGS__)

#endif
