/* Small file-system helpers shared by the host modules. */
#ifndef RECSYS_FSUTIL_H
#define RECSYS_FSUTIL_H

/* mkdir -p; 0 on success, -1 with errno. */
int rs_mkdir_p(const char *path);
/* rm -rf; 0 on success or when absent, -1 with errno. */
int rs_remove_tree(const char *path);

#endif
