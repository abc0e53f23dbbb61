/* Internal convenience: the engine's logging and progress helpers. */
#ifndef RS_PROGRESS_H
#define RS_PROGRESS_H
#include "recsys/fsutil.h"
#include "recsys/log.h"
#endif
