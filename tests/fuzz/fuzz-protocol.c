/* libFuzzer target: the agent protocol decoder must reject anything bad without crashing or leaking. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/protocol.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proto_msg msg;
	struct vb_error err;
	if (size > PROTO_MAX_LINE + 16)
		return 0;
	char *line = malloc(size + 1);
	if (!line)
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';
	if (proto_decode(line, size, &msg, &err) == 0) {
		/* whatever decodes must encode and decode again to the same type */
		size_t len;
		char *again = proto_encode(&msg, &len);
		if (again) {
			struct proto_msg msg2;
			if (proto_decode(again, len, &msg2, &err) != 0 || msg2.type != msg.type)
				abort();
			proto_msg_free(&msg2);
			free(again);
		}
		proto_msg_free(&msg);
	}
	free(line);
	return 0;
}
