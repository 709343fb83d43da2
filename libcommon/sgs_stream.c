#include "sgs_stream.h"

#include <sys/stat.h>

int64_t sgs_stream_left(FILE *f)
{
	struct stat st;
	int fd = fileno(f);
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		return -1;
	off_t at = ftello(f); /* counts what stdio has buffered */
	if (at < 0 || at > st.st_size)
		return -1;
	return (int64_t)(st.st_size - at);
}
