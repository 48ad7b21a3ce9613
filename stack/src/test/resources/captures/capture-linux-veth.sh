#!/bin/bash
# Regenerates linux-veth.hex: two namespaces (fc-a, fc-b) joined by a veth pair, traffic from fc-a
# captured with tcpdump on fc-b's end, one frame per hex line. Needs root, iproute2, tcpdump, ethtool,
# python3. Addresses only from 198.18.0.0/15 and fd00::/8; nothing is routed anywhere else.
# Transmit checksum offload is turned off so that every captured checksum is final.
set -eu
OUT=${1:-$(dirname "$0")/linux-veth.hex}
PCAP=$(mktemp /tmp/fc-capture.XXXXXX.pcap)
cleanup() { ip netns del fc-a 2>/dev/null || true; ip netns del fc-b 2>/dev/null || true; rm -f "$PCAP"; }
trap cleanup EXIT
cleanup
ip netns add fc-a; ip netns add fc-b
ip link add fc-va netns fc-a type veth peer name fc-vb netns fc-b
ip -n fc-a addr add 198.18.0.1/24 dev fc-va; ip -n fc-b addr add 198.18.0.2/24 dev fc-vb
ip -n fc-a addr add fd00::1/64 dev fc-va nodad; ip -n fc-b addr add fd00::2/64 dev fc-vb nodad
for ns in a b; do ip -n fc-$ns link set fc-v$ns up; ip -n fc-$ns link set lo up; done
ip netns exec fc-a ethtool -K fc-va tx off >/dev/null; ip netns exec fc-b ethtool -K fc-vb tx off >/dev/null
sleep 2
ip netns exec fc-b tcpdump -i fc-vb -U -w "$PCAP" -s 65535 2>/dev/null & TD=$!
sleep 2
ip netns exec fc-a ping -c 1 198.18.0.2 >/dev/null
ip netns exec fc-a ping -c 1 -s 3000 198.18.0.2 >/dev/null
ip netns exec fc-a ping -6 -c 1 fd00::2 >/dev/null
ip netns exec fc-a ping -6 -c 1 -s 3000 fd00::2 >/dev/null
ip netns exec fc-a ping -c 1 -R 198.18.0.2 >/dev/null
ip netns exec fc-a python3 - <<'PY'
import socket, struct, time
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"hello flyover udp", ("198.18.0.2", 9))
socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).sendto(b"hello flyover udp6", ("fd00::2", 9))
m = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
m.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, socket.inet_aton("239.1.2.3") + socket.inet_aton("198.18.0.1"))
m6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
m6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP,
              socket.inet_pton(socket.AF_INET6, "ff15::1234") + struct.pack("@I", socket.if_nametoindex("fc-va")))
time.sleep(0.5)
m.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton("198.18.0.1"))
m.sendto(b"mcast", ("239.1.2.3", 5000))
time.sleep(0.5)
m.close(); m6.close()
PY
ip netns exec fc-a sh -c 'echo 2 > /proc/sys/net/ipv4/conf/fc-va/force_igmp_version'
ip netns exec fc-a python3 -c '
import socket, time
m = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
m.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, socket.inet_aton("239.4.5.6") + socket.inet_aton("198.18.0.1"))
time.sleep(0.3); m.close(); time.sleep(0.3)'
ip netns exec fc-b python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
s.sendto(b"broadcast", ("198.18.0.255", 7))'
sleep 1
kill $TD; wait $TD || true
python3 - "$PCAP" "$OUT" <<'PY'
import struct, sys
data = open(sys.argv[1], 'rb').read()
out = ["# Frames captured with tcpdump on fc-vb (veth, tx checksum offload off) in netns fc-b; peer fc-a.",
       "# Traffic: ARP, ICMP echo (plain, 3000-byte fragmented, record-route option), ICMPv6 echo (plain, fragmented),",
       "# NS/NA, UDP to closed port + ICMP/ICMPv6 port unreachable, IGMPv3/v2 reports+leave, MLDv2 reports, RS,",
       "# IPv4 multicast and broadcast UDP. One frame per line, hex. Regenerate with capture-linux-veth.sh."]
off = 24
while off < len(data):
    _, _, incl, _ = struct.unpack('<IIII', data[off:off + 16]); off += 16
    out.append(data[off:off + incl].hex()); off += incl
open(sys.argv[2], 'w').write("\n".join(out) + "\n")
PY
echo "wrote $OUT"
