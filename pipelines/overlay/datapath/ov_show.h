/* overlay.paths, the method that shows the overlay's paths (ov_show.c). */
#ifndef OV_SHOW_H
#define OV_SHOW_H

/* Main lcore, at init (after ov_path_init): registers the method. */
int ov_show_init(unsigned int workers);

#endif
