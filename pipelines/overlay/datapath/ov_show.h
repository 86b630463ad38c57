/* overlay.paths, the method that shows the overlay's paths (ov_show.c). */
#ifndef OV_SHOW_H
#define OV_SHOW_H

#include <stdint.h>
#include <jansson.h>

/* Main lcore, at init (after ov_path_init): registers the method. */
int ov_show_init(unsigned int workers);
/* An IPv4 address (network order) as the overlay's methods show one (new). */
json_t *ov_show_ip(uint32_t be);
/* An "ip" address (16 bytes, IPv4 mapped) as text of its family. */
json_t *ov_show_addr(const uint8_t *a);

#endif
