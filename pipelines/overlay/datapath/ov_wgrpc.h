/* ov_wgrpc: the control methods of WireGuard's handshake in sxdp: overlay.wg.listen, overlay.wg.recv, overlay.wg.send, overlay.wg.keepalive (sxcd speaks the handshake; sxdp carries it). */
#ifndef OV_WGRPC_H
#define OV_WGRPC_H

/* Register the methods: 0 or -errno. */
int ov_wgrpc_init(void);

#endif
