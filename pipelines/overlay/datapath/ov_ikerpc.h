/* ov_ikerpc: the control methods of IKE in sxdp: overlay.ike.listen, overlay.ike.recv, overlay.ike.send (sxcd speaks IKEv2; sxdp carries it). */
#ifndef OV_IKERPC_H
#define OV_IKERPC_H

/* Register the methods: 0 or -errno. */
int ov_ikerpc_init(void);

#endif
