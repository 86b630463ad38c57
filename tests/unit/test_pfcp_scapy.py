#!/bin/sh
''':'
# scapy lives in Debian's python3 (python3-scapy): skip (77) without it
[ -x /usr/bin/python3 ] || { echo "SKIP: no /usr/bin/python3"; exit 77; }
exec /usr/bin/python3 "$0" "$@"
'''
"""The PFCP codec against scapy's PFCP layer (scapy.contrib.pfcp): what scapy builds (a
free5GC-like Session Establishment Request, an Association Setup Request, a Heartbeat) the
codec decodes to the same fields, and what the codec writes (every response, the UPF's
requests) scapy parses to the same fields, with nothing left over.
Usage: test_pfcp_scapy.py PFCP_DUMP."""
import subprocess
import sys

try:
    from scapy.contrib.pfcp import (
        PFCP, IE_ApplyAction, IE_Cause, IE_CreateFAR, IE_CreatePDR, IE_CreateQER, IE_CreateURR,
        IE_DestinationInterface, IE_FailedRuleId, IE_FAR_Id,
        IE_FSEID, IE_FTEID, IE_ForwardingParameters,
        IE_GateStatus, IE_MeasurementMethod, IE_NetworkInstance, IE_NodeId,
        IE_OuterHeaderCreation, IE_OuterHeaderRemoval, IE_PDI, IE_PDR_Id, IE_Precedence,
        IE_QER_Id, IE_RecoveryTimeStamp, IE_ReportingTriggers, IE_SDF_Filter,
        IE_SourceInterface, IE_UE_IP_Address, IE_URR_Id, PFCPAssociationSetupRequest,
        PFCPHeartbeatRequest, PFCPSessionEstablishmentRequest)
except ImportError:
    print("SKIP: no scapy.contrib.pfcp")
    sys.exit(77)

DUMP = sys.argv[1]
fails = 0


def check(cond, what):
    global fails
    print(("ok - " if cond else "not ok - ") + what)
    if not cond:
        fails += 1


def decode(b):
    p = subprocess.run([DUMP, "decode"], input=b, stdout=subprocess.PIPE, check=False)
    return p.returncode, p.stdout.decode()


def sample(i):
    return subprocess.run([DUMP, "msg", str(i)], stdout=subprocess.PIPE, check=True).stdout


# scapy builds, the codec reads
hb = bytes(PFCP(version=1, S=0, seq=5) / PFCPHeartbeatRequest(
    IE_list=[IE_RecoveryTimeStamp(timestamp=3900000000)]))
rc, out = decode(hb)
check(rc == 0 and "msg type=1 seid=0 seq=5" in out and "Recovery Time Stamp len=4 value=3900000000" in out,
      "heartbeat request from scapy")

asr = bytes(PFCP(version=1, S=0, seq=6) / PFCPAssociationSetupRequest(IE_list=[
    IE_NodeId(id_type=2, id="smf.example.org"), IE_RecoveryTimeStamp(timestamp=7)]))
rc, out = decode(asr)
check(rc == 0 and "fqdn=smf.example.org" in out and "value=7" in out, "association setup request from scapy")

ser = PFCP(version=1, S=1, seid=0, seq=77) / PFCPSessionEstablishmentRequest(IE_list=[
    IE_NodeId(id_type=0, ipv4="192.0.2.1"),
    IE_FSEID(v4=1, seid=0x1234, ipv4="192.0.2.1"),
    IE_CreatePDR(IE_list=[
        IE_PDR_Id(id=1), IE_Precedence(precedence=255),
        IE_PDI(IE_list=[
            IE_SourceInterface(interface=0),
            IE_FTEID(CH=1, CHID=1, V4=1, choose_id=5),
            IE_NetworkInstance(instance="internet"),
            IE_UE_IP_Address(V4=1, SD=1, ipv4="10.60.0.1"),
            IE_SDF_Filter(FD=1, flow_description="permit out ip from any to assigned"),
        ]),
        IE_OuterHeaderRemoval(header=0),
        IE_FAR_Id(id=1), IE_QER_Id(id=1), IE_URR_Id(id=1),
    ]),
    IE_CreateFAR(IE_list=[
        IE_FAR_Id(id=1), IE_ApplyAction(FORW=1),
        IE_ForwardingParameters(IE_list=[
            IE_DestinationInterface(interface=1),
            IE_OuterHeaderCreation(GTPUUDPIPV4=1, TEID=0xabcd, ipv4="192.0.2.20"),
        ]),
    ]),
    IE_CreateQER(IE_list=[IE_QER_Id(id=1), IE_GateStatus()]),
    IE_CreateURR(IE_list=[IE_URR_Id(id=1), IE_MeasurementMethod(VOLUM=1), IE_ReportingTriggers(periodic_reporting=1)]),
])
rc, out = decode(bytes(ser))
want = ["msg type=50 seid=0 seq=77", "F-SEID len=13 seid=4660 ipv4=192.0.2.1",
        "ie 2 21 F-TEID len=2 ch=1 chid=5", "name=internet", "sd=1 ipv4=10.60.0.1",
        "fd=permit out ip from any to assigned", "ie 1 95 Outer Header Removal len=1 value=0",
        "desc=256 teid=43981 ipv4=192.0.2.20", "ie 0 7 Create QER", "ie 0 6 Create URR"]
check(rc == 0 and all(w in out for w in want), "session establishment request from scapy")
if rc != 0 or not all(w in out for w in want):
    print(out, [w for w in want if w not in out])

# the codec writes, scapy reads: no bytes scapy does not know, the same fields
for i in range(15):
    b = sample(i)
    p = PFCP(b)
    raw = p.lastlayer().__class__.__name__ in ("Raw", "Padding")
    check(not raw and len(bytes(p)) == len(b) and bytes(p) == b,
          "scapy parses sample %d (%s) and rebuilds it byte for byte" % (i, p.payload.__class__.__name__))
    rc, _ = decode(b)
    check(rc == 0, "the codec decodes sample %d" % i)

p = PFCP(sample(6))
check(p.seid == 0x1122334455667788 and p.seq == 0x123456 and p[IE_Cause].cause == 1
      and p[IE_FSEID].seid == 0x99 and p[IE_FTEID].TEID == 0x1001 and p[IE_PDR_Id].id == 1,
      "session establishment response: seid, seq, cause, UP F-SEID, created PDR's F-TEID")
p = PFCP(sample(7))
check(p[IE_Cause].cause == 66 and p.haslayer("IE_OffendingIE"), "modification response: cause 66, offending IE")
p = PFCP(sample(12))
check(p[IE_Cause].cause == 73 and p[IE_FailedRuleId].type == 1 and p[IE_FailedRuleId].far_id == 0x01020307,
      "modification response: cause 73, failed rule FAR 0x01020307")
p = PFCP(sample(13))
check(p[IE_Cause].cause == 73 and p[IE_FailedRuleId].type == 0 and p[IE_FailedRuleId].pdr_id == 3,
      "establishment response: cause 73, failed rule PDR 3")
p = PFCP(sample(3))
check(p[IE_NodeId].ipv4 == "192.0.2.10" and p[IE_Cause].cause == 1, "association setup response")
sys.exit(1 if fails else 0)
