#!/usr/bin/env bash
# tshark's GTP dissector reads what the GTP-U library builds (gtp_dump):
# no frame malformed, and the fields it decodes are the ones built.
# Usage: test_gtp_tshark.sh GTP_DUMP. Exit 77 without tshark.
set -uo pipefail
command -v tshark >/dev/null || { echo "SKIP: no tshark"; exit 77; }
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
"$1" "$d/gtp.pcap" || { echo "not ok - gtp_dump"; exit 1; }
fail=0
bad=$(tshark -n -r "$d/gtp.pcap" -Y '_ws.malformed || _ws.expert.severity >= warning' 2>/dev/null | wc -l)
[ "$bad" -eq 0 ] || { echo "not ok - $bad frames malformed or with warnings"; tshark -n -r "$d/gtp.pcap" -V -Y '_ws.malformed || _ws.expert.severity >= warning' | grep -i -E 'malformed|expert' | head; fail=1; }
got=$(tshark -n -r "$d/gtp.pcap" -T fields -E separator=, -e gtp.message -e gtp.teid -e gtp.seq_number \
  -e gtp.ext_hdr.pdu_ses_con.qos_flow_id -e gtp.ext_hdr.pdu_ses_cont.ppi -e gtp.teid_data -e gtp.gsn_ipv4 \
  -e gtp.ext_hdr.udp_port 2>/dev/null | tr '\n' ' ')
want="0x01,0x00000000,0x0001,,,,, 0x02,0x00000000,0x0001,,,,, 0x1a,0x00000000,0x0002,,,0x11223344,192.0.2.1,2152 0xfe,0x00000055,,,,,, 0x1f,0x00000000,0x0003,,,,, 0xff,0x00000066,,9,,,, 0xff,0x00000077,0x0009,5,3,,, "
if [ "$got" != "$want" ]; then
  echo "not ok - tshark's fields:"; echo "  got  $got"; echo "  want $want"; fail=1
else
  echo "ok - tshark decodes echo req/rsp, error indication, end marker, supported-ext notification, UL and DL PDU Session Containers"
fi
exit $fail
