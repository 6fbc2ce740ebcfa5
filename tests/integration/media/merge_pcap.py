# Merge two pcap files (same header) by capture time: merge_pcap.py A B OUT.
# (mergecap without wireshark; tests/integration/test_media_tool.sh.)
import struct, sys
def recs(p):
    d = open(p, 'rb').read(); off = 24; out = []
    while off + 16 <= len(d):
        s, us, cl, ol = struct.unpack('<IIII', d[off:off + 16])
        out.append(((s, us), d[off:off + 16 + cl])); off += 16 + cl
    return d[:24], out
h, a = recs(sys.argv[1]); _, b = recs(sys.argv[2])
open(sys.argv[3], 'wb').write(h + b''.join(r for _, r in sorted(a + b, key=lambda x: x[0])))
