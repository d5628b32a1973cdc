/*
 * The agent protocol over file descriptors: lines read and written with time-outs (poll). Kept
 * apart from the codec (protocol.c) so that the bare guest, which has no file descriptors, links
 * the codec alone.
 */
#include "common/protocol.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/clock.h"

int proto_read_line(struct proto_reader *r, int timeout_ms, char **line, size_t *len,
		    struct vb_error *err)
{
	int64_t deadline = clock_deadline_ms(timeout_ms);
	for (;;) {
		int got = proto_reader_take_line(r, line, len, err);
		if (got != 0)
			return got;
		int wait = clock_ms_left(deadline);
		if (wait == 0) {
			error_set(err, "timed out after %d ms waiting for a message", timeout_ms);
			err->code = ETIMEDOUT;
			return -1;
		}
		struct pollfd p = { .fd = r->fd, .events = POLLIN };
		int pr = poll(&p, 1, wait);
		if (pr < 0) {
			if (errno == EINTR) {
				error_set(err, "interrupted");
				err->code = EINTR;
				return -1;
			}
			return error_set_errno(err, "poll");
		}
		if (pr == 0)
			continue;
		size_t room;
		char *space = proto_reader_space(r, &room);
		ssize_t n = read(r->fd, space, room);
		if (n < 0) {
			if (errno == EINTR) {
				error_set(err, "interrupted");
				err->code = EINTR;
				return -1;
			}
			if (errno == EAGAIN)
				continue;
			return error_set_errno(err, "read");
		}
		if (n == 0)
			return proto_reader_end(r, err);
		r->len += (size_t)n;
	}
}
int proto_write_line(int fd, const char *line, size_t len, int timeout_ms, struct vb_error *err)
{
	int64_t deadline = clock_deadline_ms(timeout_ms);
	size_t total = len + 1, done = 0;
	while (done < total) {
		const char *p = done < len ? line + done : "\n";
		size_t n = done < len ? len - done : 1;
		struct pollfd pfd = { .fd = fd, .events = POLLOUT };
		int wait = clock_ms_left(deadline);
		if (wait == 0) {
			error_set(err, "timed out writing a message");
			err->code = ETIMEDOUT;
			return -1;
		}
		int pr = poll(&pfd, 1, wait);
		if (pr < 0 && errno != EINTR)
			return error_set_errno(err, "poll");
		if (pr <= 0)
			continue;
		if (pfd.revents & (POLLERR | POLLHUP | POLLNVAL))
			return error_set(err, "the other side closed the channel");
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return error_set_errno(err, "write");
		}
		done += (size_t)w;
	}
	return 0;
}

int proto_send(int fd, const struct proto_msg *msg, int timeout_ms, struct vb_error *err)
{
	size_t len;
	char *line = proto_encode(msg, &len);
	if (!line)
		return error_set(err, "out of memory encoding a %s message",
				 proto_type_name(msg->type));
	int rc = proto_write_line(fd, line, len, timeout_ms, err);
	free(line);
	return rc;
}
