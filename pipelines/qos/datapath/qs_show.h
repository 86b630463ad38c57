/* qos.sched, the schedulers' counters (qs_show.c). */
#ifndef QS_SHOW_H
#define QS_SHOW_H

/* Main lcore, from qs_sched_init: the method registered. 0 or -errno. */
int qs_show_init(void);

#endif
