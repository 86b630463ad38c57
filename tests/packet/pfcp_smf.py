"""A test SMF on scapy's PFCP layer (scapy.contrib.pfcp) over a UDP socket.

It speaks as the open SMFs do; their shapes differ, and `profile` picks one:
  free5gc: the SMF sets up the association; Node ID its IPv4 address; no CP Function Features
  open5gs: the SMF sets up the association; Node ID IPv4; CP Function Features (LOAD/OVRL off)
  oai:     the UPF sets up the association (the SMF waits for it); Node ID an FQDN; CP features
The session-level shapes (CHOOSE F-TEID or not, OHR 0 or 6, Network Instance names, URR
triggers) will join the profiles with the session tests.

Run with Debian's /usr/bin/python3 (scapy)."""
import random
import socket
import struct
import time

from scapy.contrib.pfcp import (
    IE_CreateQER, IE_CreateURR, IE_DestinationInterface, IE_FTEID, IE_ForwardingParameters, IE_GBR,
    IE_MeasurementInformation, IE_SDF_Filter, IE_PDNType, IE_EthernetPDUSessionInformation,
    IE_GateStatus, IE_MBR, IE_MeasurementMethod, IE_NetworkInstance, IE_OuterHeaderCreation,
    IE_OuterHeaderRemoval, IE_QER_Id, IE_QFI, IE_ReportingTriggers, IE_UE_IP_Address, IE_UpdateFAR,
    IE_UpdateForwardingParameters, IE_URR_Id, IE_VolumeThreshold, PFCPSessionDeletionRequest,
    IE_QueryURR, PFCPSessionReportResponse, IE_PFCPSMReqFlags, IE_Create_BAR, IE_BAR_Id,
    IE_DownlinkDataNotificationDelay, IE_UpdateBAR_SRR,
    PFCPSessionModificationRequest,
    PFCP, IE_ApplyAction, IE_Cause, IE_CPFunctionFeatures, IE_CreateFAR, IE_CreatePDR, IE_FAR_Id,
    IE_FSEID, IE_NodeId, IE_NotImplemented, IE_PDI, IE_PDR_Id, IE_Precedence, IE_RecoveryTimeStamp,
    IE_SourceInterface, PFCPAssociationReleaseRequest, PFCPAssociationSetupRequest,
    PFCPAssociationSetupResponse, PFCPAssociationUpdateRequest, PFCPHeartbeatRequest,
    PFCPHeartbeatResponse, PFCPNodeReportResponse, PFCPSessionEstablishmentRequest)

NTP_OFFSET = 2208988800

PROFILES = {
    "free5gc": {"initiates": "smf", "node_id": "ipv4", "cp_features": False},
    "open5gs": {"initiates": "smf", "node_id": "ipv4", "cp_features": True},
    "oai": {"initiates": "upf", "node_id": "fqdn", "cp_features": True},
}

# message types (TS 29.244 7.3)
HEARTBEAT_REQ, HEARTBEAT_RSP = 1, 2
ASSOC_SETUP_REQ, ASSOC_SETUP_RSP = 5, 6
ASSOC_UPDATE_REQ, ASSOC_UPDATE_RSP = 7, 8
ASSOC_RELEASE_REQ, ASSOC_RELEASE_RSP = 9, 10
VERSION_NOT_SUPPORTED = 11
SESS_EST_REQ, SESS_EST_RSP = 50, 51
NODE_REPORT_REQ, NODE_REPORT_RSP = 12, 13
# every response type (the UPF's answers to an SMF's requests)
RESPONSES = frozenset((2, 4, 6, 8, 10, 11, 13, 15, 17, 51, 53, 55, 57))
# What each SMF's sessions look like, from their sources (free5gc/smf
# internal/pfcp/message/build.go, open5gs src/smf/n4-build.c, oai-cn5g-smf
# smf_context.cpp / smf_procedure.cpp): who picks the N3 F-TEID (the SMF
# always in free5GC's; CHOOSE with CHOOSE ID 5 and both V4 and V6 flags, 0x0F,
# in Open5GS's; CHOOSE ID 42, 0x0D, in OAI's), its Outer Header Removal (6:
# GTP-U/UDP/IP, Open5GS's), the Network Instance and its encoding (Open5GS
# label-encodes it as DNS names are, "\x08internet"; free5GC and OAI send it
# as plain text), whether the uplink PDR's PDI names the UE's address
# (Open5GS's does not), QER and URR.
SESSION_SHAPES = {
    "free5gc": {"fteid": "smf", "ohr": 0, "ni": "internet", "ni_enc": "plain", "qer": True, "urr": True,
                "ul_ue_ip": True},
    "open5gs": {"fteid": "choose_id", "chid": 5, "fteid_v6": True, "ohr": 6, "ni": "internet", "ni_enc": "label",
                "qer": True, "urr": False, "ul_ue_ip": False, "cp_pdrs": True},
    "oai": {"fteid": "choose_id", "chid": 42, "ohr": 0, "ni": "internet", "ni_enc": "plain", "qer": False,
            "urr": True, "ul_ue_ip": True},
}


def ue_ie(ue, sd=0):
    """A UE IP Address IE: @ue's IPv4 address, or "choose4", "choose6", "choose46": CHV4/CHV6
    (TS 29.244 8.2.62), the UPF chooses that family's (UEIP). scapy names octet 5's bits
    8-4 spare: CHV4 is bit 5, CHV6 bit 6."""
    if ue.startswith("choose"):
        return IE_UE_IP_Address(spare=(2 if "4" in ue else 0) | (4 if "6" in ue else 0), SD=sd)
    if ":" in ue:   # an IPv6 session's /64 (its first address)
        return IE_UE_IP_Address(V6=1, SD=sd, ipv6=ue)
    return IE_UE_IP_Address(V4=1, SD=sd, ipv4=ue)


def pool_ie(name):
    """UE IP address Pool Identity (IE 177, in Create PDR): its length, then the name (8.2.128)."""
    return IE_NotImplemented(ietype=177, data=struct.pack("!H", len(name)) + name.encode())


def ni_ie(name, enc="label"):
    """A Network Instance IE: label-encoded as scapy makes it ("\x08internet"), or plain text."""
    if enc == "plain":
        return IE_NotImplemented(ietype=22, data=name.encode())
    return IE_NetworkInstance(instance=name)
# How each numbers and stamps its node messages (free5GC answers a UPF's Association
# Setup Request under sequence number 1, whatever the request's: assoc_rsp_seq): sequence numbers from 1 again after a
# restart (free5GC, Open5GS) or from a random start (OAI); OAI stamps each Heartbeat
# Request with the time it sends it and answers heartbeats with its start time (earlier
# than its Association Setup's stamp, the time that was sent).
NODE_SHAPES = {
    "free5gc": {"seq_start": 1, "hb_req_now": False, "hb_rsp_start": False, "assoc_rsp_seq": 1},
    "open5gs": {"seq_start": 1, "hb_req_now": False, "hb_rsp_start": False},
    "oai": {"seq_start": None, "hb_req_now": True, "hb_rsp_start": True},
}
PROFILE_OHR = {k: v["ohr"] for k, v in SESSION_SHAPES.items()}
SESS_MOD_REQ, SESS_DEL_REQ = 52, 54
SESS_REPORT_REQ, SESS_REPORT_RSP = 56, 57
IE_CREATED_PDR, IE_FAILED_RULE = 8, 114
# IE types
IE_CAUSE, IE_OFFENDING, IE_UP_FEATURES, IE_NODE_ID, IE_RECOVERY, IE_FSEID_T = 19, 40, 43, 60, 96, 57
IE_ASRSP_FLAGS = 184


def ies(pkt):
    """The top-level IEs of a parsed PFCP message as a list."""
    return list(getattr(pkt.payload, "IE_list", []) or [])


def ie(pkt, ietype):
    """The first top-level IE of this type, None when absent."""
    for i in ies(pkt):
        if i.ietype == ietype:
            return i
    return None


def node_id_str(i):
    """A Node ID IE as text: its address or FQDN."""
    if i is None:
        return None
    return {0: i.ipv4, 1: i.ipv6}.get(i.id_type, i.id.decode() if isinstance(i.id, bytes) else i.id)


def seq_of(b):
    """The sequence number in PFCP header bytes b, or None (too short)."""
    at = 12 if b and b[0] & 1 else 4
    return struct.unpack("!I", b"\0" + b[at:at + 3])[0] if len(b) >= at + 4 else None


class Smf:
    """One SMF: a UDP socket bound to `bind`, sending to the UPF at `upf` ((host, port))."""

    T1 = 2.0   # seconds before an unanswered request is sent again (TS 29.244 6.4's T1)
    # how long a request is sent again while unanswered, as a real SMF's T1 x N1 (a
    # busy machine's UPF answers late; the UPF answers a retransmission from its cache)
    ANSWER_S = 30.0

    def __init__(self, upf, profile="free5gc", bind=None, rts=None, fqdn="smf.test.example"):
        if profile not in PROFILES:
            raise ValueError("profile: one of %s" % ", ".join(PROFILES))
        self.profile = profile
        self.shape = PROFILES[profile]
        self.upf = upf
        fam = socket.AF_INET6 if ":" in upf[0] else socket.AF_INET
        self.sock = socket.socket(fam, socket.SOCK_DGRAM)
        self.copies = {}   # sequence number -> answers to come to a request sent again (see request)
        self.sock.bind(bind or (("::1" if fam == socket.AF_INET6 else "127.0.0.1"), 0))
        self.addr = self.sock.getsockname()[:2]
        self.rts = rts if rts is not None else int(time.time()) + NTP_OFFSET
        self.fqdn = fqdn
        node = NODE_SHAPES[profile]
        self.seq = (node["seq_start"] or random.randrange(1, 0xffffff)) - 1
        # the Recovery Time Stamp our Heartbeat Responses carry (None: rts); OAI's: its start
        # time, earlier than the send time its Association Setup Request said
        self.hb_rts = self.rts - 3600 if node["hb_rsp_start"] else None
        self.seen = []   # the UPF's Session Report Requests answered while waiting for another answer

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()

    # ---- shapes
    def node_id(self):
        if self.shape["node_id"] == "fqdn":
            return IE_NodeId(id_type=2, id=self.fqdn)
        if ":" in self.addr[0]:
            return IE_NodeId(id_type=1, ipv6=self.addr[0])
        return IE_NodeId(id_type=0, ipv4=self.addr[0])

    def node_id_text(self):
        return self.fqdn if self.shape["node_id"] == "fqdn" else self.addr[0]

    def next_seq(self):
        self.seq = (self.seq + 1) & 0xffffff
        return self.seq

    # ---- raw I/O
    def send(self, b, to=None):
        b = bytes(b)
        self.copies.pop(seq_of(b), None)   # a request sent (again) by hand: whatever answers it gets are its own
        self.sock.sendto(b, to or self.upf)

    def recv(self, timeout=2.0):
        """(parsed PFCP, raw bytes, source) of the next datagram, or (None, None, None)."""
        deadline = time.monotonic() + timeout
        while True:
            self.sock.settimeout(max(0.0, deadline - time.monotonic()))
            try:
                b, src = self.sock.recvfrom(65535)
            except (socket.timeout, BlockingIOError):
                return None, None, None
            p = PFCP(b)
            if p.message_type in RESPONSES and self.copies.get(p.seq):
                self.copies[p.seq] -= 1   # the answer again, to a request sent again
                continue
            return p, b, src

    def drain(self):
        while self.recv(0.05)[0] is not None:
            pass

    def request(self, msg, seq=None, timeout=ANSWER_S, want=None, retransmit=True):
        """Send PFCP message `msg` (a scapy message layer, or bytes sent as they are) with
        sequence number `seq`, again every T1 while unanswered (retransmit); the answer with
        that sequence number (other datagrams, such as the UPF's own heartbeats, are answered
        and skipped), or None after timeout. A request sent n times is answered n times,
        the same answer (the UPF's cache): recv skips the n - 1 copies."""
        if isinstance(msg, (bytes, bytearray)):
            b = bytes(msg)
            seq = seq_of(b)
        elif isinstance(msg, PFCP):
            b, seq = bytes(msg), msg.seq
        else:
            seq = self.next_seq() if seq is None else seq
            b = bytes(self.wrap(msg, seq))
        self.send(b)
        sent = 1
        deadline = time.monotonic() + timeout
        # with retransmit, as a real SMF does: the request again every T1 while unanswered
        # (TS 29.244 6.4; the UPF answers a retransmission from its cache), within the timeout
        resend = time.monotonic() + (self.T1 if retransmit else timeout)
        while time.monotonic() < deadline:
            p, raw, src = self.recv(max(0.01, min(deadline, resend) - time.monotonic()))
            if p is None:
                if time.monotonic() >= deadline:
                    return None
                self.send(b)
                sent += 1
                resend = time.monotonic() + self.T1
                continue
            if p.message_type in (HEARTBEAT_REQ, ASSOC_SETUP_REQ, SESS_REPORT_REQ, NODE_REPORT_REQ) and \
                    not (want and p.message_type in want):
                self.answer(p, src)
                if p.message_type in (SESS_REPORT_REQ, NODE_REPORT_REQ):   # kept for wait_request
                    self.seen.append((p, src, time.monotonic()))
                continue
            if seq is None or p.seq == seq:
                if sent > 1 and seq is not None:
                    self.copies[seq] = sent - 1
                return p
        return None

    def wrap(self, layer, seq, seid=None, version=1):
        if seid is not None:
            return PFCP(version=version, S=1, seid=seid, seq=seq) / layer
        return PFCP(version=version, S=0, seq=seq) / layer

    # ---- node procedures
    def setup_req(self, rts=None, retain=False):
        """retain: with PFCP Session Retention Information (IE 183: a CP PFCP Entity IP
        Address, IE 185, of ours), asking the UPF to keep the sessions (TS 29.244 6.2.6.2.2)."""
        l = [self.node_id(), IE_RecoveryTimeStamp(timestamp=self.rts if rts is None else rts)]
        if self.shape["cp_features"]:
            l.append(IE_CPFunctionFeatures())
        if retain:
            ent = struct.pack("!HHB", 185, 5, 0x02) + socket.inet_aton(self.addr[0])   # V4
            l.append(IE_NotImplemented(ietype=183, data=ent))
        return PFCPAssociationSetupRequest(IE_list=l)

    def associate(self, retain=False, seq=None, **kw):
        """An Association Setup Request (sent again while unanswered: request)."""
        seq = self.next_seq() if seq is None else seq
        return self.request(self.wrap(self.setup_req(retain=retain), seq), **kw)

    def heartbeat(self, rts=None, **kw):
        """A Heartbeat Request with @rts, else the profile's stamp: rts, or (OAI) the time now."""
        if rts is None:
            rts = int(time.time()) + NTP_OFFSET if NODE_SHAPES[self.profile]["hb_req_now"] else self.rts
        return self.request(PFCPHeartbeatRequest(IE_list=[IE_RecoveryTimeStamp(timestamp=rts)]), **kw)

    def update(self, **kw):
        l = [self.node_id()]
        if self.shape["cp_features"]:
            l.append(IE_CPFunctionFeatures(LOAD=1))
        return self.request(PFCPAssociationUpdateRequest(IE_list=l), **kw)

    def release(self, **kw):
        return self.request(PFCPAssociationReleaseRequest(IE_list=[self.node_id()]), **kw)

    def est_req(self, cp_seid=0x1001):
        """A minimal Session Establishment Request (one PDR, one FAR)."""
        return PFCPSessionEstablishmentRequest(IE_list=[
            self.node_id(),
            IE_FSEID(v4=1, seid=cp_seid, ipv4="127.0.0.1") if ":" not in self.addr[0] else
            IE_FSEID(v6=1, seid=cp_seid, ipv6=self.addr[0]),
            IE_CreatePDR(IE_list=[IE_PDR_Id(id=1), IE_Precedence(precedence=100),
                                  IE_PDI(IE_list=[IE_SourceInterface(interface=0)]), IE_FAR_Id(id=1)]),
            IE_CreateFAR(IE_list=[IE_FAR_Id(id=1), IE_ApplyAction(FORW=1)]),
        ])

    def establish(self, cp_seid=0x1001, seq=None, **kw):
        seq = self.next_seq() if seq is None else seq
        return self.request(self.wrap(self.est_req(cp_seid), seq, seid=0), seq=seq, **kw)

    # ---- sessions, as the profile's SMF shapes them
    def fseid(self, cp_seid):
        if ":" in self.addr[0]:
            return IE_FSEID(v6=1, seid=cp_seid, ipv6=self.addr[0])
        return IE_FSEID(v4=1, seid=cp_seid, ipv4=self.addr[0])

    def ohc(self, gnb, teid):
        return IE_OuterHeaderCreation(GTPUUDPIPV4=1, TEID=teid, ipv4=gnb)

    def est_ies(self, cp_seid, ue, gnb=None, gnb_teid=None, ul_addr=None, ul_teid=None, vol_threshold=None,
                bar_delay=None, mbr=(100000, 200000), gbr=None, mnop=False, urr=None, pool=None, eth=False,
                more=(), cp_gtpu=None):
        """A Session Establishment Request's IEs: an uplink PDR (N3 F-TEID, to N6) and a
        downlink one (the UE's address, to the gNB's tunnel or, without one, nowhere yet);
        with bar_delay, a BAR (id 1) with that DL Data Notification Delay (50 ms units);
        more: IEs appended (other PDRs, FARs, URRs of the test's); cp_gtpu: the SMF's GTP-U
        address (Open5GS's PDRs through the CP function; its PFCP address else)."""
        sh = SESSION_SHAPES[self.profile]
        if ul_addr is not None or ul_teid is not None or sh["fteid"] == "smf":   # given: the SMF's
            fteid = IE_FTEID(V4=1, TEID=ul_teid or 0x7000 + (cp_seid & 0xfff), ipv4=ul_addr or "192.0.2.1")
        elif sh["fteid"] == "choose_id":
            fteid = IE_FTEID(V4=1, V6=1 if sh.get("fteid_v6") else 0, CH=1, CHID=1, choose_id=sh.get("chid", 1))
        else:
            fteid = IE_FTEID(V4=1, CH=1)
        ni = [ni_ie(sh["ni"], sh["ni_enc"])] if sh["ni"] else []
        ul_pdi = [IE_SourceInterface(interface=0), fteid] + ni
        if sh["ul_ue_ip"] and not eth:
            ul_pdi.append(ue_ie(ue))
        # an Ethernet PDU session (eth): no UE address; its downlink PDR takes every
        # frame of the session's (ETHI, TS 29.244 5.13.1), PDN Type Ethernet
        dl_pdi = [IE_SourceInterface(interface=1)] + ni + [IE_EthernetPDUSessionInformation(ETHI=1) if eth else
                                                            ue_ie(ue, sd=1)]
        ul = [IE_PDR_Id(id=1), IE_Precedence(precedence=255), IE_PDI(IE_list=ul_pdi),
              IE_OuterHeaderRemoval(header=sh["ohr"]), IE_FAR_Id(id=1)]
        dl = [IE_PDR_Id(id=2), IE_Precedence(precedence=255), IE_PDI(IE_list=dl_pdi), IE_FAR_Id(id=2)]
        if pool is not None:
            ul.append(pool_ie(pool))
            dl.append(pool_ie(pool))
        l = [self.node_id(), self.fseid(cp_seid)] + ([IE_PDNType(pdn_type=5)] if eth else [])
        if sh["qer"]:
            ul.append(IE_QER_Id(id=1))
            dl.append(IE_QER_Id(id=1))
            q = [IE_QER_Id(id=1), IE_GateStatus(ul=0, dl=0)]
            if mbr is not None:
                q.append(IE_MBR(ul=mbr[0], dl=mbr[1]))
            if gbr is not None:   # kbit/s (a GBR QoS flow's GFBR)
                q.append(IE_GBR(ul=gbr[0], dl=gbr[1]))
            l.append(IE_CreateQER(IE_list=q + [IE_QFI(QFI=9)]))
        if sh["urr"] or vol_threshold is not None or urr is not None:
            ul.append(IE_URR_Id(id=1))
            dl.append(IE_URR_Id(id=1))
            # urr: the URR's IEs past its id (measurement method, triggers, ...), else a
            # volume threshold's
            urr = [IE_URR_Id(id=1)] + (list(urr) if urr is not None else [
                IE_MeasurementMethod(VOLUM=1), IE_ReportingTriggers(volume_threshold=1),
                IE_VolumeThreshold(TOVOL=1, total=vol_threshold or 10000000)])
            if mnop:   # the number of packets measured too (TS 29.244 8.2.68)
                urr.append(IE_MeasurementInformation(MNOP=1))
            l.append(IE_CreateURR(IE_list=urr))
        fwd_dl = [IE_DestinationInterface(interface=0)]
        if gnb is not None:
            fwd_dl.append(self.ohc(gnb, gnb_teid))
        l += [IE_CreatePDR(IE_list=ul), IE_CreatePDR(IE_list=dl),
              IE_CreateFAR(IE_list=[IE_FAR_Id(id=1), IE_ApplyAction(FORW=1), IE_ForwardingParameters(
                  IE_list=[IE_DestinationInterface(interface=1)] + ni)]),
              IE_CreateFAR(IE_list=[IE_FAR_Id(id=2), IE_ApplyAction(FORW=1),
                                    IE_ForwardingParameters(IE_list=fwd_dl)])]
        if bar_delay is not None:
            l.append(IE_Create_BAR(IE_list=[IE_BAR_Id(id=1), IE_DownlinkDataNotificationDelay(delay=bar_delay)]))
        if sh.get("cp_pdrs") and not eth:
            # Open5GS's pair for IPv6 Router Solicitation/Advertisement through the SMF
            # (smf_sess_create_cp_up_data_forwarding): from the CP function (CHOOSE, V4|V6, no
            # CHOOSE ID) to the downlink FAR, and the UE's RS (ICMPv6 to ff02::2) on the uplink
            # tunnel (the same CHOOSE ID) to a FAR toward the SMF's GTP-U address
            cp2up = IE_PDI(IE_list=[IE_SourceInterface(interface=3), IE_FTEID(V4=1, V6=1, CH=1)])
            up2cp = IE_PDI(IE_list=[IE_SourceInterface(interface=0), fteid] + ni +
                           [IE_SDF_Filter(FD=1, flow_description="permit out 58 from ff02::2/128 to assigned")])
            l += [IE_CreatePDR(IE_list=[IE_PDR_Id(id=3), IE_Precedence(precedence=255), cp2up,
                                        IE_OuterHeaderRemoval(header=6), IE_FAR_Id(id=2)]),
                  IE_CreatePDR(IE_list=[IE_PDR_Id(id=4), IE_Precedence(precedence=255), up2cp,
                                        IE_OuterHeaderRemoval(header=6), IE_FAR_Id(id=3)]),
                  IE_CreateFAR(IE_list=[IE_FAR_Id(id=3), IE_ApplyAction(FORW=1), IE_ForwardingParameters(
                      IE_list=[IE_DestinationInterface(interface=3),
                               IE_OuterHeaderCreation(GTPUUDPIPV4=1, TEID=cp_seid & 0xffff,
                                                       ipv4=cp_gtpu or self.addr[0])])])]
        return l + list(more)

    def est_msg(self, cp_seid, ue, seq=None, **kw):
        seq = self.next_seq() if seq is None else seq
        return self.wrap(PFCPSessionEstablishmentRequest(IE_list=self.est_ies(cp_seid, ue, **kw)), seq, seid=0)

    def open_session(self, cp_seid, ue, **kw):
        """Establish: (the answer, {"up_seid", "ul_teid", "ul_addr", "ue", "ue6"} as it says:
        ue and ue6 the addresses its Created PDRs carry, when the UPF chose them)."""
        r = self.request(self.est_msg(cp_seid, ue, **kw))
        sess = {"up_seid": 0, "ul_teid": None, "ul_addr": None, "ue": None, "ue6": None}
        f = ie(r, IE_FSEID_T) if r is not None else None
        if f is not None:
            sess["up_seid"] = f.seid
        for c in (ies(r) if r is not None else []):
            if c.ietype == IE_CREATED_PDR:
                for x in c.IE_list:
                    if x.ietype == 21:
                        sess["ul_teid"], sess["ul_addr"] = x.TEID, x.ipv4
                    if x.ietype == 93:
                        sess["ue"] = x.ipv4 if x.V4 else sess["ue"]
                        sess["ue6"] = x.ipv6 if x.V6 else sess["ue6"]
        if sess["ul_teid"] is None and SESSION_SHAPES[self.profile]["fteid"] == "smf":
            sess["ul_teid"], sess["ul_addr"] = kw.get("ul_teid") or 0x7000 + (cp_seid & 0xfff), \
                kw.get("ul_addr") or "192.0.2.1"
        return r, sess

    def modify(self, up_seid, cp_seid, far=2, gnb=None, gnb_teid=None, buffer=False, query_urr=None, sndem=False,
               drobu=False, **kw):
        """Update FAR @far: to the gNB tunnel (gnb, gnb_teid), or buffering (BUFF|NOCP); or
        with query_urr, only a Query URR of that URR; drobu: PFCPSMReq-Flags DROBU (what is
        buffered is dropped, not sent)."""
        if query_urr is not None:
            seq = self.next_seq()
            return self.request(self.wrap(PFCPSessionModificationRequest(IE_list=[
                IE_QueryURR(IE_list=[IE_URR_Id(id=query_urr)])]), seq, seid=up_seid), seq=seq, **kw)
        if buffer:
            upd = IE_UpdateFAR(IE_list=[IE_FAR_Id(id=far), IE_ApplyAction(BUFF=1, NOCP=1)])
        else:
            fp = [IE_DestinationInterface(interface=0), self.ohc(gnb, gnb_teid)]
            if sndem:   # an end marker into the old tunnel (a handover)
                fp.append(IE_PFCPSMReqFlags(SNDEM=1))
            upd = IE_UpdateFAR(IE_list=[IE_FAR_Id(id=far), IE_ApplyAction(FORW=1), IE_UpdateForwardingParameters(
                IE_list=fp)])
        seq = self.next_seq()
        flags = [IE_PFCPSMReqFlags(DROBU=1)] if drobu else []
        return self.request(self.wrap(PFCPSessionModificationRequest(IE_list=[upd] + flags), seq, seid=up_seid),
                            seq=seq, **kw)

    def delete(self, up_seid, cp_seid=None, **kw):
        seq = self.next_seq()
        return self.request(self.wrap(PFCPSessionDeletionRequest(IE_list=[]), seq, seid=up_seid), seq=seq, **kw)

    # ---- the UPF's requests
    def answer(self, p, src, cause=1, bar_delay=None, drobu=False):
        """Answer a Heartbeat, Association Setup or Session Report Request of the UPF's (a
        Session Report Response with bar_delay: an Update BAR of BAR 1 with that delay; with
        drobu: PFCPSRRsp-Flags DROBU, what the session buffers to be dropped); a
        Heartbeat Response carries hb_rts when set (OAI's: its start time), else rts."""
        if p.message_type == HEARTBEAT_REQ:
            r = PFCP(version=1, S=0, seq=p.seq) / PFCPHeartbeatResponse(IE_list=[
                IE_RecoveryTimeStamp(timestamp=self.rts if self.hb_rts is None else self.hb_rts)])
        elif p.message_type == SESS_REPORT_REQ:
            l = [IE_Cause(cause=cause)]
            if bar_delay is not None:
                l.append(IE_UpdateBAR_SRR(IE_list=[IE_BAR_Id(id=1), IE_DownlinkDataNotificationDelay(delay=bar_delay)]))
            if drobu:   # PFCPSRRsp-Flags (IE 50), DROBU its bit 1
                l.append(IE_NotImplemented(ietype=50, data=b"\x01"))
            r = PFCP(version=1, S=1, seid=p.seid, seq=p.seq) / PFCPSessionReportResponse(IE_list=l)
        elif p.message_type == NODE_REPORT_REQ:
            r = PFCP(version=1, S=0, seq=p.seq) / PFCPNodeReportResponse(IE_list=[self.node_id(), IE_Cause(cause=cause)])
        elif p.message_type == ASSOC_SETUP_REQ:
            l = [self.node_id(), IE_Cause(cause=cause), IE_RecoveryTimeStamp(timestamp=self.rts)]
            if self.shape["cp_features"]:
                l.append(IE_CPFunctionFeatures())
            r = PFCP(version=1, S=0, seq=NODE_SHAPES[self.profile].get("assoc_rsp_seq", p.seq)) / \
                PFCPAssociationSetupResponse(IE_list=l)
        else:
            return
        self.send(r, src)

    def wait_request(self, mtype, timeout=5.0, answer=True, cause=1, bar_delay=None):
        """The UPF's next request of this type (answered unless `answer` is False), as
        (parsed, source, arrival time), or None; others are answered and skipped."""
        for k, got in enumerate(self.seen):
            if got[0].message_type == mtype:
                del self.seen[k]
                return got
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            p, raw, src = self.recv(max(0.01, deadline - time.monotonic()))
            if p is None:
                return None
            if p.message_type == mtype:
                if answer:
                    self.answer(p, src, cause=cause, bar_delay=bar_delay)
                return p, src, time.monotonic()
            if answer:
                self.answer(p, src)
        return None


# ---- UL CL (an I-UPF's session), for the e2e test (tests/e2e/pfcp.sh)
# Kept apart from the profiles above: one shape, the one an SMF gives the I-UPF that is
# the uplink classifier of a session whose anchor (PSA) is another UPF reached over N9.
SESS_REPORT_REQ, SESS_REPORT_RSP = 56, 57
IE_USAGE_REPORT_SDR, IE_VOLUME_MEASUREMENT, IE_DL_DATA_REPORT, IE_REPORT_TYPE = 79, 66, 83, 39


def ulcl_ies(smf, cp_seid, ue, gnb, gnb_teid, anchor, anchor_teid, dn_prefix, n3_ni="access", n9_ni="core",
             n6_ni="internet", qfi=9):
    """A Session Establishment Request's IEs for UL CL:
      PDR 1 (precedence 200): uplink from N3 (F-TEID CHOOSE, CHOOSE ID 1) -> FAR 1: to the anchor
        over N9 (Outer Header Creation: the anchor's TEID);
      PDR 2 (precedence 100, better): the same tunnel, SDF `permit out ip from DN_PREFIX to
        assigned` -> FAR 2: to N6 (Network Instance n6_ni), the local DN;
      PDR 3: downlink from the anchor (F-TEID CHOOSE on N9, CHOOSE ID 2) -> FAR 3;
      PDR 4: downlink from N6 (the UE's address) -> FAR 3: into the N3 tunnel (gnb, gnb_teid).
    OHR 0 on the tunnel PDRs; QER 1 (gate open, QFI) and URR n (volume) on each PDR n."""
    from scapy.contrib.pfcp import IE_SDF_Filter

    def fteid(chid):
        return IE_FTEID(V4=1, CH=1, CHID=1, choose_id=chid)

    ue_src = IE_UE_IP_Address(V4=1, ipv4=ue)
    ue_dst = IE_UE_IP_Address(V4=1, SD=1, ipv4=ue)
    fd = "permit out ip from %s to assigned" % dn_prefix
    sdf = IE_SDF_Filter(FD=1, flow_description_length=len(fd), flow_description=fd)
    pdis = {
        1: [IE_SourceInterface(interface=0), fteid(1), IE_NetworkInstance(instance=n3_ni), ue_src],
        2: [IE_SourceInterface(interface=0), fteid(1), IE_NetworkInstance(instance=n3_ni), ue_src, sdf],
        3: [IE_SourceInterface(interface=1), fteid(2), IE_NetworkInstance(instance=n9_ni), ue_dst],
        4: [IE_SourceInterface(interface=1), IE_NetworkInstance(instance=n6_ni), ue_dst],
    }
    prec = {1: 200, 2: 100, 3: 200, 4: 200}
    far = {1: 1, 2: 2, 3: 3, 4: 3}
    l = [smf.node_id(), smf.fseid(cp_seid)]
    for i in (1, 2, 3, 4):
        pdr = [IE_PDR_Id(id=i), IE_Precedence(precedence=prec[i]), IE_PDI(IE_list=pdis[i])]
        if i != 4:
            pdr.append(IE_OuterHeaderRemoval(header=0))
        pdr += [IE_FAR_Id(id=far[i]), IE_URR_Id(id=i), IE_QER_Id(id=1)]
        l.append(IE_CreatePDR(IE_list=pdr))
    l += [
        IE_CreateFAR(IE_list=[IE_FAR_Id(id=1), IE_ApplyAction(FORW=1), IE_ForwardingParameters(IE_list=[
            IE_DestinationInterface(interface=1), IE_NetworkInstance(instance=n9_ni),
            IE_OuterHeaderCreation(GTPUUDPIPV4=1, TEID=anchor_teid, ipv4=anchor)])]),
        IE_CreateFAR(IE_list=[IE_FAR_Id(id=2), IE_ApplyAction(FORW=1), IE_ForwardingParameters(IE_list=[
            IE_DestinationInterface(interface=1), IE_NetworkInstance(instance=n6_ni)])]),
        IE_CreateFAR(IE_list=[IE_FAR_Id(id=3), IE_ApplyAction(FORW=1), IE_ForwardingParameters(IE_list=[
            IE_DestinationInterface(interface=0), IE_NetworkInstance(instance=n3_ni),
            smf.ohc(gnb, gnb_teid)])]),
        IE_CreateQER(IE_list=[IE_QER_Id(id=1), IE_GateStatus(ul=0, dl=0), IE_QFI(QFI=qfi)]),
    ]
    for i in (1, 2, 3, 4):
        l.append(IE_CreateURR(IE_list=[IE_URR_Id(id=i), IE_MeasurementMethod(VOLUM=1),
                                       IE_ReportingTriggers(volume_threshold=1),
                                       IE_VolumeThreshold(TOVOL=1, total=1 << 40)]))
    return l


def created_fteids(r):
    """{PDR id: (TEID, IPv4)} of the Created PDRs of an establishment answer."""
    out = {}
    for c in (ies(r) if r is not None else []):
        if c.ietype != IE_CREATED_PDR:
            continue
        pid, f = None, None
        for x in c.IE_list:
            if x.ietype == 56:
                pid = x.id
            elif x.ietype == 21:
                f = (x.TEID, x.ipv4)
        if pid is not None and f is not None:
            out[pid] = f
    return out


def open_ulcl(smf, cp_seid, ue, **kw):
    """Establish an UL CL session (ulcl_ies): (the answer, {"up_seid", "fteids"})."""
    seq = smf.next_seq()
    r = smf.request(smf.wrap(PFCPSessionEstablishmentRequest(IE_list=ulcl_ies(smf, cp_seid, ue, **kw)), seq,
                             seid=0), seq=seq)
    f = ie(r, IE_FSEID_T) if r is not None else None
    return r, {"up_seid": f.seid if f is not None else 0, "fteids": created_fteids(r)}


def usage_reports(r):
    """The Usage Reports of a Deletion Response (or of a Session Report Request) as
    [{"urr": id, "total", "uplink", "downlink"}] (volumes None when absent)."""
    out = []
    for c in (ies(r) if r is not None else []):
        if c.ietype not in (IE_USAGE_REPORT_SDR, 78, 80):   # SDR, SMR (Modification), SRR (Report)
            continue
        u = {"urr": None, "total": None, "uplink": None, "downlink": None}
        for x in c.IE_list:
            if x.ietype == 81:   # URR ID
                u["urr"] = x.id
            elif x.ietype == IE_VOLUME_MEASUREMENT:
                u.update(total=x.total if x.TOVOL else None, uplink=x.uplink if x.ULVOL else None,
                         downlink=x.downlink if x.DLVOL else None)
        out.append(u)
    return out


def cause_of(r):
    """The Cause of answer @r (None: no answer, or none in it)."""
    return ie(r, IE_CAUSE).cause if r is not None and ie(r, IE_CAUSE) is not None else None


def usage_of(r, ietype):
    """{urr id: (trigger bits, total, ul, dl)} of the Usage Report IEs of type ietype."""
    out = {}
    for c in ies(r):
        if c.ietype != ietype:
            continue
        d = {x.ietype: x for x in c.IE_list}
        v = d.get(66)   # Volume Measurement
        out[d[81].id] = (bytes(d[63])[4:], v.total if v else None, v.uplink if v else None,
                         v.downlink if v else None)
    return out
