#include "plugin_loader.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* The size of the 1.0 entry: a plugin may not be smaller than this. */
#define RS_ENTRY_V1_0_SIZE (offsetof(rs_plugin_entry, similar) + sizeof(void *))
_Static_assert(RS_ENTRY_V1_0_SIZE == sizeof(rs_plugin_entry),
               "rs_plugin_entry grew: bump RS_ABI_MINOR and keep the 1.0 size here");
_Static_assert(offsetof(rs_plugin_entry, abi_major) == 0 &&
               offsetof(rs_plugin_entry, abi_minor) == 4 &&
               offsetof(rs_plugin_entry, struct_size) == 8,
               "the ABI header of rs_plugin_entry must never move");

rs_status rs_plugin_check_entry(const char *what, const rs_plugin_entry *e,
                                rs_error *err)
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
                            "%s: entry struct_size %u is smaller than ABI 1.0's %zu",
                            what, e->struct_size, RS_ENTRY_V1_0_SIZE);
    if (e->struct_size > sizeof(rs_plugin_entry))
        return rs_error_set(err, RS_ERR_ABI,
                            "%s: entry struct_size %u exceeds host's %zu for ABI %u.%u",
                            what, e->struct_size, sizeof(rs_plugin_entry),
                            e->abi_major, e->abi_minor);
    if (!e->name || !e->create || !e->destroy)
        return rs_error_set(err, RS_ERR_ABI, "%s: entry lacks name/create/destroy", what);
    return RS_OK;
}

static rs_status check_callbacks(const char *what, const rs_plugin_entry *e,
                                 rs_error *err)
{
    struct { uint32_t cap; const void *fn; const char *name; } need[] = {
        {RS_CAP_FIT, (const void *)e->fit, "fit"},
        {RS_CAP_PERSIST, (const void *)e->save, "save"},
        {RS_CAP_PERSIST, (const void *)e->load, "load"},
        {RS_CAP_RECOMMEND, (const void *)e->recommend, "recommend"},
        {RS_CAP_SCORE, (const void *)e->score, "score"},
        {RS_CAP_SIMILAR, (const void *)e->similar, "similar"},
    };
    for (size_t i = 0; i < sizeof need / sizeof need[0]; i++)
        if ((e->capabilities & need[i].cap) && !need[i].fn)
            return rs_error_set(err, RS_ERR_ABI,
                                "%s: declares the %s capability but has no %s()",
                                what, need[i].name, need[i].name);
    return RS_OK;
}

rs_status rs_plugin_open(rs_descriptor *desc, rs_plugin **out, rs_error *err)
{
    char lib[PATH_MAX], what[PATH_MAX + 64];
    rs_status st;
    snprintf(lib, sizeof lib, "%s/%s", desc->dir, desc->library);
    snprintf(what, sizeof what, "plugin '%s' (%s)", desc->name, lib);
    if (desc->abi_major != RS_ABI_MAJOR || desc->abi_minor > RS_ABI_MINOR) {
        st = rs_error_set(err, RS_ERR_ABI,
                          "%s: descriptor %s declares ABI %d.%d, host ABI is %d.%d",
                          what, desc->path, desc->abi_major, desc->abi_minor,
                          RS_ABI_MAJOR, RS_ABI_MINOR);
        rs_descriptor_free(desc);
        return st;
    }
    rs_plugin *p = calloc(1, sizeof *p);
    if (!p) {
        rs_descriptor_free(desc);
        return rs_error_set(err, RS_ERR_NOMEM, "%s: out of memory", what);
    }
    p->desc = desc;
    dlerror();
    p->handle = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
    if (!p->handle) {
        st = rs_error_set(err, RS_ERR_IO, "%s: dlopen failed: %s", what, dlerror());
        goto fail;
    }
    rs_plugin_entry_fn fn;
    *(void **)(&fn) = dlsym(p->handle, RS_PLUGIN_ENTRY_NAME);
    if (!fn) {
        st = rs_error_set(err, RS_ERR_ABI, "%s: no exported symbol %s", what,
                          RS_PLUGIN_ENTRY_NAME);
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
        st = rs_error_set(err, RS_ERR_ABI, "%s: entry name '%s' differs from descriptor name",
                          what, p->entry.name);
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
