#include "plugin_loader.h"

#include "recsys/log.h"

#include <dlfcn.h>
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A plugin's entry may be anything from the 1.0 size (plugin.h) up to ours;
 * the loader copies min(size, sizeof) into a zeroed local, so fields a
 * smaller entry lacks read as NULL. */
_Static_assert(RS_ENTRY_V1_1_SIZE == sizeof(rs_plugin_entry),
               "rs_plugin_entry grew: bump RS_ABI_MINOR and add its size to plugin.h");
_Static_assert(RS_HOST_V1_1_SIZE == sizeof(rs_host),
               "rs_host grew: bump RS_ABI_MINOR and add its size to plugin.h");
_Static_assert(RS_QUERY_V1_1_SIZE == sizeof(rs_query) && RS_DATASET_V1_1_SIZE <= sizeof(rs_dataset),
               "a boundary struct grew: bump RS_ABI_MINOR and add its size to plugin.h");
_Static_assert(offsetof(rs_host, resume) + sizeof(void (*)(void)) ==
                   offsetof(rs_host, child_recommend),
               "the second 1.1 append must follow the first (plugins built "
               "against the first 1.1 header read up to resume)");
_Static_assert(offsetof(rs_plugin_entry, abi_major) == 0 &&
                   offsetof(rs_plugin_entry, abi_minor) == 4 &&
                   offsetof(rs_plugin_entry, struct_size) == 8,
               "the ABI header of rs_plugin_entry must never move");

rs_status rs_plugin_check_entry(const char *what, const rs_plugin_entry *e, rs_error *err)
{
    if (!e)
        return rs_error_set(err, RS_ERR_ABI, "%s: entry function returned NULL", what);
    if (e->abi_major != RS_ABI_MAJOR)
        return rs_error_set(err, RS_ERR_ABI,
                            "%s: built for plugin ABI %u.%u, host ABI is %d.%d "
                            "(abi_major differs: rebuild the plugin against this SDK)",
                            what, e->abi_major, e->abi_minor, RS_ABI_MAJOR, RS_ABI_MINOR);
    if (e->abi_minor > RS_ABI_MINOR)
        return rs_error_set(err, RS_ERR_ABI,
                            "%s: built for plugin ABI %u.%u, newer than host ABI %d.%d "
                            "(abi_minor too new: upgrade the host)",
                            what, e->abi_major, e->abi_minor, RS_ABI_MAJOR, RS_ABI_MINOR);
    if (e->struct_size < RS_ENTRY_V1_0_SIZE)
        return rs_error_set(err, RS_ERR_ABI,
                            "%s: entry struct_size %u is smaller than ABI 1.0's %zu", what,
                            e->struct_size, RS_ENTRY_V1_0_SIZE);
    if (e->struct_size > sizeof(rs_plugin_entry))
        return rs_error_set(err, RS_ERR_ABI,
                            "%s: entry struct_size %u exceeds host's %zu for ABI %u.%u", what,
                            e->struct_size, sizeof(rs_plugin_entry), e->abi_major, e->abi_minor);
    if (!e->name || !e->create || !e->destroy)
        return rs_error_set(err, RS_ERR_ABI, "%s: entry lacks name/create/destroy", what);
    return RS_OK;
}

static rs_status check_callbacks(const char *what, const rs_plugin_entry *e, rs_error *err)
{
    /* presence only: ISO C has no function-to-object pointer conversion */
    struct {
        uint32_t cap;
        int has;
        const char *name;
    } need[] = {
        {RS_CAP_FIT, e->fit != NULL, "fit"},
        {RS_CAP_PERSIST, e->save != NULL, "save"},
        {RS_CAP_PERSIST, e->load != NULL, "load"},
        {RS_CAP_RECOMMEND, e->recommend != NULL, "recommend"},
        {RS_CAP_SCORE, e->score != NULL, "score"},
        {RS_CAP_SIMILAR, e->similar != NULL, "similar"},
    };
    for (size_t i = 0; i < sizeof need / sizeof need[0]; i++)
        if ((e->capabilities & need[i].cap) && !need[i].has)
            return rs_error_set(err, RS_ERR_ABI, "%s: declares the %s capability but has no %s()",
                                what, need[i].name, need[i].name);
    return RS_OK;
}

/* ---- where plugin code may come from ------------------------------------
 * dlopen runs a library's constructors before any ABI check, with the
 * host's privileges (root, for some deployments). So before dlopen the
 * loader resolves the library's real path (symlinks included) and refuses
 * it unless nobody but root and the user running recsys could have put it
 * there: the file, the directory holding it and the plugin's descriptor
 * directory must be owned by root or that user and writable by nobody
 * else; each directory above them must be, too, or be sticky (/tmp), where
 * others cannot rename what they do not own. The real path is what gets
 * opened, so what was checked is what runs. */

/* Debian gives each user a private group (umask 002 makes files
 * group-writable): a group named after the owner, with no other members,
 * is the owner. */
static int private_group(const struct stat *sb)
{
    char pbuf[4096], gbuf[4096];
    struct passwd pw, *pwr = NULL;
    struct group gr, *grr = NULL;
    if (getpwuid_r(sb->st_uid, &pw, pbuf, sizeof pbuf, &pwr) != 0 || !pwr ||
        pw.pw_gid != sb->st_gid)
        return 0;
    if (getgrgid_r(sb->st_gid, &gr, gbuf, sizeof gbuf, &grr) != 0 || !grr)
        return 0;
    return strcmp(gr.gr_name, pw.pw_name) == 0 && (!gr.gr_mem || !gr.gr_mem[0]);
}

/* NULL when sb may hold or be plugin code; else the reason it may not.
 * strict: the sticky bit does not excuse others' write permission. */
static const char *path_problem(const struct stat *sb, int strict)
{
    if (sb->st_uid != 0 && sb->st_uid != geteuid())
        return "is owned by another user (plugins must belong to root or the user running recsys)";
    int sticky_ok = !strict && S_ISDIR(sb->st_mode) && (sb->st_mode & S_ISVTX);
    if ((sb->st_mode & S_IWOTH) && !sticky_ok)
        return "is world-writable (chmod o-w it)";
    if ((sb->st_mode & S_IWGRP) && !sticky_ok && !private_group(sb))
        return "is group-writable (chmod g-w it)";
    return NULL;
}

/* Check real (a resolved path) and every directory above it; the first
 * n_strict of them, from real upwards, allow no sticky exception. */
static rs_status check_path(const char *what, const char *real, int n_strict, rs_error *err)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s", real);
    for (int level = 0;; level++) {
        struct stat sb;
        if (stat(p, &sb) != 0)
            return rs_error_set(err, RS_ERR_IO, "%s: cannot stat %s: %s", what, p, strerror(errno));
        const char *why = path_problem(&sb, level < n_strict);
        if (why)
            return rs_error_set(err, RS_ERR_CONFIG, "%s: refusing to load it: %s %s", what, p, why);
        char *slash = strrchr(p, '/');
        if (!slash || slash == p) {
            if (strcmp(p, "/") == 0)
                return RS_OK;
            p[1] = '\0'; /* "/x" -> "/" */
        } else {
            *slash = '\0';
        }
    }
}

/* Resolve desc's library to real[PATH_MAX] and check where it lives. */
static rs_status check_library(const rs_descriptor *desc, const char *lib, const char *what,
                               char *real, rs_error *err)
{
    char dir[PATH_MAX];
    if (!realpath(desc->dir, dir))
        return rs_error_set(err, RS_ERR_IO, "%s: cannot resolve %s: %s", what, desc->dir,
                            strerror(errno));
    if (!realpath(lib, real))
        return rs_error_set(err, RS_ERR_IO, "%s: cannot resolve %s: %s", what, lib,
                            strerror(errno));
    struct stat sb;
    if (stat(real, &sb) != 0 || !S_ISREG(sb.st_mode))
        return rs_error_set(err, RS_ERR_IO, "%s: %s is not a regular file", what, real);
    rs_status st = check_path(what, dir, 1, err);
    return st == RS_OK ? check_path(what, real, 2, err) : st;
}

rs_status rs_plugin_open(rs_descriptor *desc, rs_plugin **out, rs_error *err)
{
    char lib[PATH_MAX], real[PATH_MAX], what[PATH_MAX + 64];
    rs_status st;
    snprintf(lib, sizeof lib, "%s/%s", desc->dir, desc->library);
    snprintf(what, sizeof what, "plugin '%s' (%s)", desc->name, lib);
    if (desc->abi_major != RS_ABI_MAJOR || desc->abi_minor > RS_ABI_MINOR) {
        st = rs_error_set(err, RS_ERR_ABI,
                          "%s: descriptor %s declares ABI %d.%d, host ABI is %d.%d", what,
                          desc->path, desc->abi_major, desc->abi_minor, RS_ABI_MAJOR, RS_ABI_MINOR);
        rs_descriptor_free(desc);
        return st;
    }
    rs_plugin *p = calloc(1, sizeof *p);
    if (!p) {
        rs_descriptor_free(desc);
        return rs_error_set(err, RS_ERR_NOMEM, "%s: out of memory", what);
    }
    p->desc = desc;
    if ((st = check_library(desc, lib, what, real, err)) != RS_OK)
        goto fail;
    dlerror();
    p->handle = dlopen(real, RTLD_NOW | RTLD_LOCAL);
    if (!p->handle) {
        st = rs_error_set(err, RS_ERR_IO, "%s: dlopen failed: %s", what, dlerror());
        goto fail;
    }
    rs_plugin_entry_fn fn;
    *(void **)(&fn) = dlsym(p->handle, RS_PLUGIN_ENTRY_NAME);
    if (!fn) {
        st = rs_error_set(err, RS_ERR_ABI, "%s: no exported symbol %s", what, RS_PLUGIN_ENTRY_NAME);
        goto fail;
    }
    const rs_plugin_entry *e = fn();
    /* Read the ABI header alone first: an old or foreign plugin's struct
     * may be shorter than ours. */
    if (!e) {
        st = rs_error_set(err, RS_ERR_ABI, "%s: entry function returned NULL", what);
        goto fail;
    }
    rs_plugin_entry hdr;
    memset(&hdr, 0, sizeof hdr);
    memcpy(&hdr, e, offsetof(rs_plugin_entry, name));
    size_t n = hdr.struct_size < sizeof hdr ? hdr.struct_size : sizeof hdr;
    if (hdr.abi_major == RS_ABI_MAJOR && n >= offsetof(rs_plugin_entry, name))
        memcpy(&p->entry, e, n);
    else
        p->entry = hdr;
    if ((st = rs_plugin_check_entry(what, &p->entry, err)) != RS_OK ||
        (st = check_callbacks(what, &p->entry, err)) != RS_OK)
        goto fail;
    if (strcmp(p->entry.name, desc->name) != 0) {
        st = rs_error_set(err, RS_ERR_ABI, "%s: entry name '%s' differs from descriptor name", what,
                          p->entry.name);
        goto fail;
    }
    /* The entry's version wins (it is the code that runs, and what the
     * MANIFEST records); plugin.yaml's is what discovery shows. */
    if (p->entry.version && strcmp(p->entry.version, desc->version) != 0)
        rs_log(RS_LOG_WARN, desc->name,
               "%s: entry version %s differs from descriptor %s version %s; using %s", what,
               p->entry.version, desc->path, desc->version, p->entry.version);
    /* `recsys plugins` trusts the descriptor's list without loading the
     * library, so it must be the truth. */
    if (desc->has_caps && desc->caps != p->entry.capabilities) {
        char dc[128], ec[128];
        rs_caps_string(desc->caps, dc, sizeof dc);
        rs_caps_string(p->entry.capabilities, ec, sizeof ec);
        st = rs_error_set(err, RS_ERR_ABI,
                          "%s: entry capabilities [%s] differ from descriptor %s "
                          "'capabilities' [%s]",
                          what, ec, desc->path, dc);
        goto fail;
    }
    *out = p;
    return RS_OK;
fail:
    /* Refused before any instance exists, so closing is safe here. */
    if (p->handle)
        dlclose(p->handle);
    rs_descriptor_free(p->desc);
    free(p);
    return st;
}

void rs_plugin_close(rs_plugin *p)
{
    if (!p)
        return;
    /* Deliberately no dlclose: see the header. */
    rs_descriptor_free(p->desc);
    free(p);
}
