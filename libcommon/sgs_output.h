/* Output files that appear only when complete, and directory creation.
 * These never print: library code (scene and splat savers) uses them too. */
#ifndef SGS_OUTPUT_H
#define SGS_OUTPUT_H

#include <stdio.h>

/* An output that is either stdout ("-" or NULL path) or a file written
 * under a temporary name in the same directory and renamed on commit.
 * The temporary name is "<path>.tmp-<pid>@<host>-XXXXXX"; opening an
 * output removes those of the same path left by processes that have
 * ended (a run killed with SIGKILL cannot remove its own). */
struct sgs_output {
	FILE *f;
	char *path;     /* final name, NULL for stdout */
	char *tmppath;  /* temporary name while open */
};
int sgs_output_open(struct sgs_output *o, const char *path);
/* Flush, check for write errors, close and rename into place. */
int sgs_output_commit(struct sgs_output *o);
/* Close and remove the temporary file (no-op for stdout). */
void sgs_output_abort(struct sgs_output *o);

/* The whole of a save: open `path` ("-" for stdout), write(f, arg),
 * commit; on a failed write the message is prefixed with the file's name
 * and no file is left behind. */
int sgs_output_save(const char *path, int (*write)(FILE *f, const void *arg), const void *arg);

/* An output that is a whole folder (sgs-init -x): a new empty folder
 * beside `path`, named like the temporary files above, into `tmp` (n
 * bytes), to be filled and renamed to `path`.  The temporary folders of
 * `path` left by ended processes are removed first, with their contents. */
int sgs_output_mkdtemp(const char *path, char *tmp, size_t n);

/* Remove a folder and everything in it, links not followed (best effort). */
void sgs_remove_tree(const char *path);

/* Make a directory (and parents) if missing. */
int sgs_mkdir_p(const char *path);

/* View names become file stems ("renders/NAME.png"), so every output
 * path built from one must stay inside its folder.  0 when `stem` names
 * a file inside a folder: not empty, no '/', not "." or "..", no control
 * characters; otherwise -1 with a message. */
int sgs_stem_check(const char *stem);

/* "dir/stem suffix" in a malloc'd string, after sgs_stem_check(stem);
 * NULL with a message on failure. */
char *sgs_stem_path(const char *dir, const char *stem, const char *suffix);

#endif
