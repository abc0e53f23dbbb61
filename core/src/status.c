#include "recsys/engine.h"

const char *rs_status_str(rs_status s)
{
    switch (s) {
    case RS_OK: return "ok";
    case RS_ERR_INVALID: return "invalid argument";
    case RS_ERR_NOMEM: return "out of memory";
    case RS_ERR_IO: return "I/O error";
    case RS_ERR_FORMAT: return "malformed data";
    case RS_ERR_UNSUPPORTED: return "not supported";
    case RS_ERR_NOT_FOUND: return "not found";
    case RS_ERR_STATE: return "invalid state";
    case RS_ERR_ABI: return "ABI mismatch";
    case RS_ERR_CONFIG: return "configuration error";
    case RS_ERR_INTERNAL: return "internal error";
    case RS_ERR_DATABASE: return "database error";
    }
    return "unknown status";
}
