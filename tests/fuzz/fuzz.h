/* fuzz.h: what the libFuzzer targets share. */
#pragma once

#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* a broken invariant: say which, then crash so that libFuzzer keeps the input */
#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c)) {                                                                        \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c);      \
			__builtin_trap();                                                          \
		}                                                                                  \
	} while (0)
