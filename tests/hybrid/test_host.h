/*
 * The hybrid suite runs on the SDK test host (recsys/testhost.h), which
 * grew out of the private host that lived here. These aliases keep the
 * suite's and the benchmark's short names.
 */
#ifndef HYB_TEST_HOST_H
#define HYB_TEST_HOST_H

#include "recsys/testhost.h"

typedef rs_testhost th_host;
#define th_new rs_testhost_new
#define th_free rs_testhost_free
#define th_add rs_testhost_add
#define th_swap rs_testhost_swap
#define th_remove rs_testhost_remove
#define th_entry rs_testhost_entry
#define th_instance rs_testhost_instance
#define th_refs_held rs_testhost_refs_held
#define th_log_count rs_testhost_log_count
#define th_log_dump rs_testhost_log_dump
#define th_recommend rs_testhost_recommend

#endif /* HYB_TEST_HOST_H */
