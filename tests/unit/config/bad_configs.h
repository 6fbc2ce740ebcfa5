/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bad configs and the exact message each must produce.  PORTS is a valid
 * three-line ports section so a case can show one mistake elsewhere; lines
 * of the case's own text therefore start at 4.  ACME_GLOBEX is a valid
 * tenants list of two (lines 4..9) to put a mistake after.
 */
#ifndef TZ_TEST_BAD_CONFIGS_H
#define TZ_TEST_BAD_CONFIGS_H

#define PORTS                                                            \
	"ports:\n"                                                       \
	"  - {name: a, role: access, iface: acc0, ipv4: 198.51.100.1/24}\n" \
	"  - {name: c, role: core, iface: core0, ipv4: 203.0.113.1/24}\n"

/* a port entry at line 2 with extra keys, then the core port at line 3 */
#define PORT_A(extra)                                                    \
	"ports:\n"                                                       \
	"  - {name: a, role: access, ipv4: 198.51.100.1/24, " extra "}\n"  \
	"  - {name: c, role: core, iface: core0, ipv4: 203.0.113.1/24}\n"

#define ACME_GLOBEX                                                      \
	"tenants:\n"                                                     \
	"  - name: acme\n"                                               \
	"    trunks: [{name: acme-pbx, address: 192.0.2.1}]\n"           \
	"    origins: [\"https://www.acme.example\"]\n"                  \
	"  - name: globex\n"                                             \
	"    trunks: [{name: globex-pbx, address: 192.0.2.2}]\n"

struct bad_config {
	const char *what;
	const char *yaml;
	const char *msg;
};

static const struct bad_config bad_configs[] = {
	{ "unknown key with a suggestion", PORTS "sipp: {}\n",
	  "t.yaml:4:1: sipp: unknown key; did you mean \"sip\"?" },
	{ "unknown key without a suggestion", PORTS "eal:\n  frobnicate: 1\n",
	  "t.yaml:5:3: eal.frobnicate: unknown key; expected one of: control_core, "
	  "worker_cores, hugepages, memory_mb, idle_sleep_us, file_prefix, extra_args, telemetry" },
	{ "unknown key in a port", PORT_A("iface: acc0, ifcae: x"),
	  "t.yaml:2:65: ports[0].ifcae: unknown key; did you mean \"iface\"?" },
	{ "mapping expected", PORTS "eal: [1, 2]\n",
	  "t.yaml:4:6: eal: expected a mapping, got a sequence" },
	{ "sequence expected", PORTS "eal:\n  worker_cores: 3\n",
	  "t.yaml:5:17: eal.worker_cores: expected a sequence, got a scalar" },
	{ "scalar expected", PORTS "eal:\n  control_core: [0]\n",
	  "t.yaml:5:17: eal.control_core: expected a single value, got a sequence" },
	{ "ports is a mapping", "ports: {name: a}\n",
	  "t.yaml:1:8: ports: expected a sequence, got a mapping" },
	{ "not an integer", PORTS "eal:\n  control_core: zero\n",
	  "t.yaml:5:17: eal.control_core: \"zero\" is not an integer; expected an integer "
	  "0..1023" },
	{ "integer out of range", PORT_A("iface: acc0, mtu: 10000"),
	  "t.yaml:2:70: ports[0].mtu: 10000 is out of range; expected 576..9216" },
	{ "huge integer", PORTS "eal:\n  control_core: 99999999999999999999999\n",
	  "t.yaml:5:17: eal.control_core: 99999999999999999999999 is out of range; "
	  "expected 0..1023" },
	{ "negative integer", PORT_A("iface: acc0, queues: -1"),
	  "t.yaml:2:73: ports[0].queues: -1 is out of range; expected 1..64" },
	{ "udp_checksum not a mode", PORT_A("iface: acc0, udp_checksum: off"),
	  "t.yaml:2:79: ports[0].udp_checksum: \"off\" is not allowed here; expected one of: "
	  "auto, zero, compute, offload" },
	{ "duplicate key", PORTS "eal:\n  control_core: 0\n  control_core: 1\n",
	  "t.yaml:6:3: eal.control_core: duplicate key; first given at line 5" },
	{ "duplicate port name",
	  "ports:\n  - {name: a, role: access, iface: acc0, ipv4: 198.51.100.1/24}\n"
	  "  - {name: a, role: core, iface: core0, ipv4: 203.0.113.1/24}\n",
	  "t.yaml:3:12: ports[1].name: \"a\" is already the name of ports[0]; expected a "
	  "unique name" },
	{ "duplicate trunk name",
	  PORTS "sip:\n  trunks:\n    - {name: pbx, address: 203.0.113.2}\n"
	  "    - {name: pbx, address: 203.0.113.3}\n",
	  "t.yaml:7:14: sip.trunks[1].name: \"pbx\" is already the name of sip.trunks[0]; "
	  "expected a unique name" },
	{ "missing required role",
	  "ports:\n  - {name: a, iface: acc0, ipv4: 198.51.100.1/24}\n"
	  "  - {name: c, role: core, iface: core0, ipv4: 203.0.113.1/24}\n",
	  "t.yaml:2:5: ports[0].role: required key is missing; expected one of: access, core" },
	{ "missing ports", "eal: {}\n",
	  "t.yaml:1:1: ports: required key is missing; expected a sequence of ports" },
	{ "bad trunk acl entry",
	  PORTS "sip:\n  trunks:\n    - {name: pbx, address: 203.0.113.2, acl: [203.0.113.0/24, "
	  "203.0.113.0/33]}\n",
	  "t.yaml:6:63: sip.trunks[0].acl[1]: \"203.0.113.0/33\" is not an address or CIDR like "
	  "198.51.100.0/24 or 2001:db8::/32" },
	{ "missing trunk address", PORTS "sip:\n  trunks:\n    - name: pbx\n",
	  "t.yaml:6:7: sip.trunks[0].address: required key is missing; expected host:port "
	  "like 203.0.113.1:5060 or [2001:db8::1]:5060" },
	{ "required key without a value",
	  "ports:\n  - name:\n    role: access\n    iface: acc0\n    ipv4: 198.51.100.1/24\n"
	  "  - {name: c, role: core, iface: core0, ipv4: 203.0.113.1/24}\n",
	  "t.yaml:2:10: ports[0].name: has no value; expected a name of 1..31 letters, digits, "
	  "'.', '_' or '-'" },
	{ "overlapping media ranges",
	  PORTS "media:\n  access: {ports: 20000-29999}\n  core: {ports: 29000-39999}\n",
	  "t.yaml:6:17: media.core.ports: 29000-39999 overlaps media.access.ports "
	  "(20000-29999); expected disjoint ranges" },
	{ "reversed port range", PORTS "media:\n  access: {ports: 30000-20000}\n",
	  "t.yaml:5:19: media.access.ports: \"30000-20000\" is not a port range; expected "
	  "first-last within 1024..65535 like \"20000-29999\"" },
	{ "bad CIDR prefix",
	  "ports:\n  - {name: a, role: access, iface: acc0, ipv4: 198.51.100.1/33}\n"
	  "  - {name: c, role: core, iface: core0, ipv4: 203.0.113.1/24}\n",
	  "t.yaml:2:48: ports[0].ipv4: \"198.51.100.1/33\" is not an IPv4 address with "
	  "prefix length like 198.51.100.1/24" },
	{ "IPv4 given as ipv6", PORT_A("iface: acc0, ipv6: 198.51.100.1/24"),
	  "t.yaml:2:71: ports[0].ipv6: \"198.51.100.1/24\" is not an IPv6 address with "
	  "prefix length like 2001:db8:1::1/64" },
	{ "bad IP", PORT_A("iface: acc0, gateway4: 198.51.100.256"),
	  "t.yaml:2:75: ports[0].gateway4: \"198.51.100.256\" is not an IPv4 address like "
	  "198.51.100.254" },
	{ "bad PCI address", PORT_A("driver: pci, pci: \"0000:03:00.x\""),
	  "t.yaml:2:70: ports[0].pci: \"0000:03:00.x\" is not a PCI address; expected "
	  "DDDD:BB:DD.F like 0000:03:00.0" },
	{ "PCI device out of range", PORT_A("pci: \"0000:03:20.0\""),
	  "t.yaml:2:57: ports[0].pci: \"0000:03:20.0\" is not a PCI address; expected "
	  "DDDD:BB:DD.F like 0000:03:00.0" },
	{ "bad MAC", PORT_A("iface: acc0, mac: \"02:00:00:00:00\""),
	  "t.yaml:2:70: ports[0].mac: \"02:00:00:00:00\" is not a MAC address; expected six "
	  "hex bytes like 02:00:00:00:00:01" },
	{ "multicast MAC", PORT_A("iface: acc0, mac: \"01:00:5e:00:00:01\""),
	  "t.yaml:2:70: ports[0].mac: \"01:00:5e:00:00:01\" is a multicast MAC address; "
	  "expected a unicast one like 02:00:00:00:00:01" },
	{ "host:port without port", PORTS "signalling:\n  http: 198.51.100.1\n",
	  "t.yaml:5:9: signalling.http: \"198.51.100.1\" is not host:port: the port is "
	  "missing; expected like 203.0.113.1:5060 or [2001:db8::1]:5060" },
	{ "IPv6 host:port without brackets", PORTS "sip:\n  listen: [\"2001:db8::1:5060\"]\n",
	  "t.yaml:5:12: sip.listen[0]: \"2001:db8::1:5060\" is not host:port: an IPv6 "
	  "address is written [2001:db8::1]:5060; expected like 203.0.113.1:5060 or "
	  "[2001:db8::1]:5060" },
	{ "host:port port out of range",
	  PORTS "sip:\n  trunks:\n    - {name: pbx, address: \"203.0.113.2:70000\"}\n",
	  "t.yaml:6:28: sip.trunks[0].address: \"203.0.113.2:70000\" is not host:port: the "
	  "port is not 1..65535; expected like 203.0.113.1:5060 or [2001:db8::1]:5060" },
	{ "DNS name where an address is needed",
	  PORTS "signalling:\n  http: gw.example.net:8080\n",
	  "t.yaml:5:9: signalling.http: \"gw.example.net:8080\" is not host:port: the host "
	  "must be an IP address, not a name; expected like 203.0.113.1:5060 or "
	  "[2001:db8::1]:5060" },
	{ "bad enum", PORT_A("iface: acc0, driver: pcie"),
	  "t.yaml:2:73: ports[0].driver: \"pcie\" is not allowed here; expected one of: pci, "
	  "auto, af_xdp, af_packet, tap, ring, pcap, null" },
	{ "bad transport in a list", PORTS "sip:\n  transports: [udp, sctp]\n",
	  "t.yaml:5:21: sip.transports[1]: \"sctp\" is not allowed here; expected one of: "
	  "udp, tcp, tls" },
	{ "bad log level", PORTS "logging:\n  level: verbose\n",
	  "t.yaml:5:10: logging.level: \"verbose\" is not allowed here; expected one of: "
	  "emerg, alert, crit, error, warning, notice, info, debug" },
	{ "unknown log subsystem", PORTS "logging:\n  levels: {cp.sp: debug}\n",
	  "t.yaml:5:12: logging.levels.cp.sp: unknown log subsystem; did you mean \"cp.sip\"?" },
	{ "route to an unknown trunk",
	  PORTS "sip:\n  trunks:\n    - {name: lab-pbx, address: 203.0.113.2}\n"
	  "  routes:\n    - {prefix: \"\", trunk: lab-pb}\n",
	  "t.yaml:8:27: sip.routes[0].trunk: no trunk is named \"lab-pb\"; did you mean "
	  "\"lab-pbx\"?" },
	{ "https without TLS files", PORTS "signalling:\n  https: 198.51.100.1:8443\n",
	  "t.yaml:5:10: signalling.https: TLS needs tls_cert and tls_key; expected both set "
	  "in signalling to PEM file paths" },
	{ "SIP over TLS without a key",
	  PORTS "sip:\n  transports: [tls]\n  tls_cert: /etc/trapeze/cert.pem\n",
	  "t.yaml:5:15: sip.transports: TLS needs tls_key; expected it set in sip to PEM "
	  "file paths" },
	{ "worker core is the control core", PORTS "eal:\n  control_core: 1\n  worker_cores: [2, 1]\n",
	  "t.yaml:6:21: eal.worker_cores[1]: core 1 is the control_core; expected worker "
	  "cores other than 1" },
	{ "duplicate worker core", PORTS "eal:\n  worker_cores: [2, 3, 2]\n",
	  "t.yaml:5:24: eal.worker_cores[2]: core 2 is listed twice; expected each worker "
	  "core once" },
	{ "control core on the default worker", PORTS "eal:\n  control_core: 1\n",
	  "t.yaml:5:17: eal.control_core: core 1 is the control_core; expected worker cores "
	  "other than 1" },
	{ "media-services core on a worker lcore", PORTS "media_services:\n  cores: [1]\n",
	  "t.yaml:5:10: media_services.cores: lcore 1 is already the control core, a worker "
	  "or listed twice; expected an lcore id of its own (put it on a worker's CPU with "
	  "media_services.cpus)" },
	{ "media-services cpus not one per core",
	  PORTS "media_services:\n  cores: [2, 3]\n  cpus: [1]\n",
	  "t.yaml:6:10: media_services.cpus[0]: has 1 CPUs for 2 cores; expected one CPU per "
	  "media_services.cores entry" },
	{ "announcement file missing", PORTS "announcements:\n  busy: /nonexistent/busy.wav\n",
	  "t.yaml:5:9: announcements.busy: \"/nonexistent/busy.wav\" cannot be read: No such "
	  "file or directory" },
	{ "music on hold not a WAV file", PORTS "music_on_hold: /proc/self/status\n",
	  "t.yaml:4:16: music_on_hold: \"/proc/self/status\" is not a WAV file the gateway plays "
	  "(Bad message); expected RIFF/WAVE, PCM 16-bit, A-law or mu-law, 1..8 channels (e.g. "
	  "sox in.mp3 -r 8000 -c 1 -b 16 out.wav)" },
	{ "a tenant's announcement missing", PORTS ACME_GLOBEX
	  "    announcements: {not_found: /nonexistent/nf.wav}\n",
	  "t.yaml:10:32: tenants[1].announcements.not_found: \"/nonexistent/nf.wav\" cannot be "
	  "read: No such file or directory" },
	{ "announcement max_s out of range", PORTS "announcements:\n  max_s: 0\n",
	  "t.yaml:5:10: announcements.max_s: 0 is out of range; expected 1..600" },
	{ "media-services ring too small", PORTS "media_services:\n  ring_size: 8\n",
	  "t.yaml:5:14: media_services.ring_size: 8 is out of range; expected 64..65536" },
	{ "port with neither pci nor iface", PORT_A("mtu: 1500"),
	  "t.yaml:2:5: ports[0]: neither pci nor iface is set; driver auto needs iface or pci" },
	{ "pci driver without pci", PORT_A("driver: pci, iface: acc0"),
	  "t.yaml:2:5: ports[0]: neither pci nor iface is set; driver pci needs pci" },
	{ "port without addresses",
	  "ports:\n  - {name: a, role: access, iface: acc0}\n"
	  "  - {name: c, role: core, iface: core0, ipv4: 203.0.113.1/24}\n",
	  "t.yaml:2:5: ports[0]: neither ipv4 nor ipv6 is set; a port needs the gateway's "
	  "address on its network" },
	{ "gateway off the subnet", PORT_A("iface: acc0, gateway4: 203.0.113.1"),
	  "t.yaml:2:75: ports[0].gateway4: is not inside ipv4's subnet; expected an on-link "
	  "next hop" },
	{ "media address off the subnet", PORT_A("iface: acc0, media_addresses: [198.51.100.11, 203.0.113.7]"),
	  "t.yaml:2:82: ports[0].media_addresses[1]: \"203.0.113.7\" is not inside ipv4's "
	  "subnet; expected an address on the port's network" },
	{ "media address twice", PORT_A("iface: acc0, media_addresses: [198.51.100.11, 198.51.100.11]"),
	  "t.yaml:2:82: ports[0].media_addresses[1]: \"198.51.100.11\" is already "
	  "media_addresses[0]; expected unique addresses" },
	{ "media address is the port's own", PORT_A("iface: acc0, media_addresses: [198.51.100.1]"),
	  "t.yaml:2:82: ports[0].media_addresses[0]: \"198.51.100.1\" is the port's own "
	  "ipv4 address (always used); expected other addresses" },
	{ "media address with a prefix", PORT_A("iface: acc0, media_addresses: [198.51.100.11/24]"),
	  "t.yaml:2:82: ports[0].media_addresses[0]: \"198.51.100.11\" has a prefix "
	  "length; expected a bare address like 203.0.113.11 (it takes ipv4's prefix)" },
	{ "media address IPv6", PORT_A("iface: acc0, media_addresses: [\"2001:db8::7\"]"),
	  "t.yaml:2:82: ports[0].media_addresses[0]: \"2001:db8::7\" is not an IPv4 "
	  "address; expected IPv4 (IPv6 media addresses are not supported yet)" },
	{ "media address not an address", PORT_A("iface: acc0, media_addresses: [acme]"),
	  "t.yaml:2:83: ports[0].media_addresses[0]: \"acme\" is not an address or CIDR "
	  "like 198.51.100.0/24 or 2001:db8::/32" },
	{ "too many media addresses", PORT_A("iface: acc0, media_addresses: [198.51.100.2, "
	  "198.51.100.3, 198.51.100.4, 198.51.100.5, 198.51.100.6, 198.51.100.7, 198.51.100.8, "
	  "198.51.100.9, 198.51.100.10, 198.51.100.11, 198.51.100.12, 198.51.100.13, "
	  "198.51.100.14, 198.51.100.15, 198.51.100.16, 198.51.100.17]"),
	  "t.yaml:2:82: ports[0].media_addresses[15]: \"198.51.100.17\" is one address too "
	  "many; expected at most 15 besides ipv4" },
	{ "no core port", "ports:\n  - {name: a, role: access, iface: acc0, ipv4: 198.51.100.1/24}\n",
	  "t.yaml:2:3: ports: no port has role core; expected at least one access and one "
	  "core port" },
	{ "password without username",
	  PORTS "sip:\n  trunks:\n    - {name: pbx, address: 203.0.113.2, password: x}\n",
	  "t.yaml:6:51: sip.trunks[0].password: is set but username is not; expected both or "
	  "neither" },
	{ "not YAML", PORTS "eal: [1, 2\n",
	  "t.yaml:5:1: not valid YAML: did not find expected ',' or ']' (while parsing a flow "
	  "sequence that starts at 4:6)" },
	{ "bad indentation", "eal:\n  memory_mb: 1\n mtu: 2\n",
	  "t.yaml:3:2: not valid YAML: did not find expected key (while parsing a block "
	  "mapping that starts at 1:1)" },
	{ "bad UTF-8", "eal:\n  file_prefix: \"\xff\"\n",
	  "t.yaml:2:17: not valid YAML: invalid leading UTF-8 octet" },
	{ "empty file", "",
	  "t.yaml:1:1: the file is empty; expected a mapping of sections like eal:, ports:, sip:" },
	{ "comments only", "# nothing here\n\n",
	  "t.yaml:1:1: the file is empty; expected a mapping of sections like eal:, ports:, sip:" },
	{ "top level is a sequence", "- eal\n- ports\n",
	  "t.yaml:1:1: the top level is a sequence; expected a mapping of sections like eal:, "
	  "ports:, sip:" },
	{ "top level is a scalar", "hello\n",
	  "t.yaml:1:1: the top level is a scalar; expected a mapping of sections like eal:, "
	  "ports:, sip:" },
	{ "alias", PORTS "eal: &e {}\nlimits: *e\n",
	  "t.yaml:5:9: limits: YAML aliases (*e) are not supported; write the value out" },
	{ "two documents", PORTS "---\neal: {}\n",
	  "t.yaml:4:1: a second YAML document; a config file holds exactly one" },
	{ "deep nesting", PORTS "eal: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n",
	  "t.yaml:4:37: YAML nested deeper than 32 levels; a config needs at most 6" },
	{ "bad boolean",
	  PORTS "sip:\n  trunks:\n    - {name: pbx, address: 203.0.113.2, register_users: maybe}\n",
	  "t.yaml:6:57: sip.trunks[0].register_users: \"maybe\" is not a boolean; expected true "
	  "or false" },
	{ "bad size", PORTS "limits:\n  ws_max_message: 64q\n",
	  "t.yaml:5:19: limits.ws_max_message: \"64q\" is not a size; expected bytes like 65536 "
	  "or 64k" },
	{ "bad mode", PORTS "control:\n  mode: \"0999\"\n",
	  "t.yaml:5:9: control.mode: \"0999\" is not a file mode; expected octal 0000..0777 like "
	  "\"0660\"" },
	{ "bad name",
	  "ports:\n  - {name: \"a b\", role: access, iface: acc0, ipv4: 198.51.100.1/24}\n"
	  "  - {name: c, role: core, iface: core0, ipv4: 203.0.113.1/24}\n",
	  "t.yaml:2:12: ports[0].name: \"a b\" has a character that is not allowed; expected "
	  "a name of 1..31 letters, digits, '.', '_' or '-'" },
	{ "key is a sequence", PORTS "? [a]\n: 1\n",
	  "t.yaml:4:3: a key must be a plain name, got a sequence" },
	{ "relative TLS path",
	  PORTS "signalling:\n  https: 198.51.100.1:8443\n  tls_cert: cert.pem\n"
	  "  tls_key: /etc/trapeze/key.pem\n",
	  "t.yaml:6:13: signalling.tls_cert: \"cert.pem\" is a relative path; expected an "
	  "absolute path like /etc/trapeze/cert.pem" },
	{ "token secret without a key", PORTS "auth:\n  token_secrets:\n    - name: k1\n",
	  "t.yaml:6:7: auth.token_secrets[0]: has neither secret nor secret_file; expected "
	  "exactly one of secret or secret_file" },
	{ "short token secret",
	  PORTS "auth:\n  token_secrets:\n    - {name: k1, secret: short}\n",
	  "t.yaml:6:26: auth.token_secrets[0].secret: is shorter than 32 bytes; expected a random key "
	  "of at least 32 bytes (HS256)" },
	{ "hugepages", PORTS "eal:\n  hugepages: maybe\n",
	  "t.yaml:5:14: eal.hugepages: \"maybe\" is not allowed here; expected one of: auto, "
	  "yes, no" },
	/* crypto: (issue 12) */
	{ "crypto backend", PORTS "crypto:\n  backend: qat\n",
	  "t.yaml:5:12: crypto.backend: \"qat\" is not allowed here; expected one of: auto, "
	  "ipsec_mb, cryptodev" },
	{ "crypto arch", PORTS "crypto:\n  ipsec_mb_arch: avx10\n",
	  "t.yaml:5:18: crypto.ipsec_mb_arch: \"avx10\" is not allowed here; expected one of: "
	  "auto, sse, avx, avx2, avx512" },
	/* cdr: (issue 13) */
	{ "cdr file relative", PORTS "cdr:\n  file: cdr.json\n",
	  "t.yaml:5:9: cdr.file: \"cdr.json\" is a relative path; expected an absolute path like "
	  "/etc/trapeze/cert.pem" },
	{ "cdr keep too big", PORTS "cdr:\n  keep: 200000\n",
	  "t.yaml:5:9: cdr.keep: 200000 is out of range; expected 0..100000" },
	/* signalling: who may open the WebSocket (issue 9) */
	{ "origin with a path", PORTS "signalling:\n  origins: [\"https://phone.example.com/app\"]\n",
	  "t.yaml:5:12: signalling.origins: \"https://phone.example.com/app\" is not an origin: "
	  "write \"https://host\" or \"https://host:port\" (no path), or \"*\"" },
	{ "origin without scheme", PORTS "signalling:\n  origins: [phone.example.com]\n",
	  "t.yaml:5:12: signalling.origins: \"phone.example.com\" is not an origin: "
	  "write \"https://host\" or \"https://host:port\" (no path), or \"*\"" },
	{ "require_tls without https",
	  PORTS "signalling:\n  http: 198.51.100.1:8080\n  require_tls: true\n",
	  "t.yaml:6:16: signalling.require_tls: needs signalling.https (there is no wss:// "
	  "listener to send clients to)" },
	/* signalling.sip_paths: SIP over WebSocket (issue 10) */
	{ "sip path without slash", PORTS "signalling:\n  sip_paths: [/ws, sip]\n",
	  "t.yaml:5:14: signalling.sip_paths: \"sip\" is not a URL path: write it starting "
	  "with '/' (\"/ws\"), without query, spaces or control characters, at most 63 bytes" },
	{ "sip path with a query", PORTS "signalling:\n  sip_paths: [\"/sip?x=1\"]\n",
	  "t.yaml:5:14: signalling.sip_paths: \"/sip?x=1\" is not a URL path: write it starting "
	  "with '/' (\"/ws\"), without query, spaces or control characters, at most 63 bytes" },
	{ "sip paths not a list", PORTS "signalling:\n  sip_paths: /sip\n",
	  "t.yaml:5:14: signalling.sip_paths: expected a sequence, got a scalar" },
	/* tenants (issue 11) */
	{ "the old sip.tenants", PORTS "sip:\n  tenants:\n    - name: acme\n",
	  "t.yaml:5:3: sip.tenants: has moved to the top-level tenants: list, each tenant with "
	  "its own trunks, routes and token_secrets (docs/tenants.md)" },
	{ "the old route tenant",
	  PORTS "sip:\n  trunks: [{name: pbx, address: 203.0.113.2}]\n"
	  "  routes:\n    - {tenant: acme, trunk: pbx}\n",
	  "t.yaml:7:8: sip.routes[0].tenant: routes no longer name a tenant; write the route "
	  "inside its tenant's routes: (tenants[].routes, docs/tenants.md)" },
	{ "the old tenant max_calls", PORTS "tenants:\n  - {name: acme, max_calls: 3}\n",
	  "t.yaml:5:18: tenants[0].max_calls: has moved into the tenant's limits: write "
	  "limits: {max_calls: N}" },
	{ "tenants is a mapping", PORTS "tenants: {name: acme}\n",
	  "t.yaml:4:10: tenants: expected a sequence, got a mapping" },
	{ "tenant without a name", PORTS "tenants:\n  - {domains: [acme.example]}\n",
	  "t.yaml:5:5: tenants[0].name: required key is missing; expected a name of 1..31 "
	  "letters, digits, '.', '_' or '-'" },
	{ "duplicate tenant name",
	  PORTS "tenants:\n  - name: acme\n  - name: globex\n  - name: acme\n",
	  "t.yaml:7:11: tenants[2].name: \"acme\" is already the name of tenants[0]; expected a "
	  "unique name" },
	{ "tenant named default", PORTS "tenants:\n  - name: default\n",
	  "t.yaml:5:11: tenants[0].name: \"default\" is reserved for the default tenant (the "
	  "top-level sip.trunks, sip.routes and auth.token_secrets); expected another name" },
	{ "trunk name of another tenant",
	  PORTS ACME_GLOBEX "  - name: initech\n    trunks: [{name: globex-pbx, address: 192.0.2.3}]\n",
	  "t.yaml:11:21: tenants[2].trunks[0].name: \"globex-pbx\" is already the name of "
	  "tenants[1].trunks[0] (tenant globex); expected a name unique over all tenants" },
	{ "tenant trunk named like a top-level trunk",
	  PORTS "sip:\n  trunks: [{name: pbx, address: 203.0.113.2}]\n"
	  "tenants:\n  - name: acme\n    trunks: [{name: pbx, address: 192.0.2.1}]\n",
	  "t.yaml:8:21: tenants[0].trunks[0].name: \"pbx\" is already the name of sip.trunks[0] "
	  "(the default tenant); expected a name unique over all tenants" },
	{ "duplicate trunk name inside a tenant",
	  PORTS "tenants:\n  - name: acme\n    trunks:\n      - {name: pbx, address: 192.0.2.1}\n"
	  "      - {name: pbx, address: 192.0.2.2}\n",
	  "t.yaml:8:16: tenants[0].trunks[1].name: \"pbx\" is already the name of "
	  "tenants[0].trunks[0]; expected a unique name" },
	{ "token secret name of another tenant",
	  PORTS "auth:\n  token_secrets: [{name: k1, secret_file: /etc/trapeze/k1.key}]\n"
	  "tenants:\n  - name: acme\n    token_secrets: [{name: k1, secret_file: /etc/trapeze/k2.key}]\n",
	  "t.yaml:8:28: tenants[0].token_secrets[0].name: \"k1\" is already the name of "
	  "auth.token_secrets[0] (the default tenant); expected a name unique over all tenants" },
	{ "tenant token secret without a key",
	  PORTS "tenants:\n  - name: acme\n    token_secrets:\n      - name: k1\n",
	  "t.yaml:7:9: tenants[0].token_secrets[0]: has neither secret nor secret_file; expected "
	  "exactly one of secret or secret_file" },
	{ "tenant route to another tenant's trunk",
	  PORTS ACME_GLOBEX "    routes:\n      - {prefix: \"+\", trunk: acme-pbx}\n",
	  "t.yaml:11:30: tenants[1].routes[0].trunk: \"acme-pbx\" is a trunk of tenant acme; "
	  "expected one of globex's trunks: globex-pbx" },
	{ "top-level route to a tenant's trunk",
	  PORTS "sip:\n  trunks: [{name: carrier, address: 203.0.113.2}]\n"
	  "  routes: [{prefix: \"+\", trunk: acme-pbx}]\n" ACME_GLOBEX,
	  "t.yaml:6:33: sip.routes[0].trunk: \"acme-pbx\" is a trunk of tenant acme; expected one "
	  "of the default tenant's trunks (sip.trunks): carrier" },
	{ "tenant route to a top-level trunk, tenant without trunks",
	  PORTS "sip:\n  trunks: [{name: carrier, address: 203.0.113.2}]\n"
	  "tenants:\n  - name: acme\n    routes: [{prefix: \"+\", trunk: carrier}]\n",
	  "t.yaml:8:35: tenants[0].routes[0].trunk: \"carrier\" is a trunk of the default tenant; "
	  "expected one of acme's trunks, but tenants[0].trunks is empty" },
	{ "tenant route to an unknown trunk",
	  PORTS ACME_GLOBEX "    routes: [{prefix: \"1\", trunk: globex-pxb}]\n",
	  "t.yaml:10:35: tenants[1].routes[0].trunk: no trunk is named \"globex-pxb\"; did you "
	  "mean \"globex-pbx\"?" },
	{ "origin in two tenants",
	  PORTS ACME_GLOBEX "    origins: [\"https://WWW.Acme.example\"]\n",
	  "t.yaml:10:14: tenants[1].origins: \"https://WWW.Acme.example\" is already one of "
	  "tenants[0].origins (tenant acme); expected each origin in one tenant only" },
	{ "host in two tenants",
	  PORTS "tenants:\n  - {name: acme, hosts: [acme.example.net]}\n"
	  "  - {name: globex, hosts: [globex.example.net, ACME.example.net]}\n",
	  "t.yaml:6:27: tenants[1].hosts: \"ACME.example.net\" is already one of tenants[0].hosts "
	  "(tenant acme); expected each host in one tenant only" },
	{ "path in two tenants",
	  PORTS "tenants:\n  - {name: acme, paths: [/acme]}\n  - {name: globex, paths: [/acme]}\n",
	  "t.yaml:6:27: tenants[1].paths: \"/acme\" is already one of tenants[0].paths (tenant "
	  "acme); expected each path in one tenant only" },
	{ "domain in two tenants",
	  PORTS "tenants:\n  - {name: acme, domains: [acme.example]}\n"
	  "  - {name: globex, domains: [Acme.Example]}\n",
	  "t.yaml:6:29: tenants[1].domains: \"Acme.Example\" is already one of tenants[0].domains "
	  "(tenant acme); expected each domain in one tenant only" },
	{ "tenant origin *", PORTS "tenants:\n  - {name: acme, origins: [\"*\"]}\n",
	  "t.yaml:5:27: tenants[0].origins: \"*\" is not an origin of the tenant's pages: write "
	  "\"https://host\" or \"https://host:port\" (no path, no \"*\")" },
	{ "tenant origin with a path",
	  PORTS "tenants:\n  - {name: acme, origins: [\"https://acme.example/app\"]}\n",
	  "t.yaml:5:27: tenants[0].origins: \"https://acme.example/app\" is not an origin of the "
	  "tenant's pages: write \"https://host\" or \"https://host:port\" (no path, no \"*\")" },
	{ "tenant host with a port", PORTS "tenants:\n  - {name: acme, hosts: [\"acme.example:443\"]}\n",
	  "t.yaml:5:25: tenants[0].hosts: \"acme.example:443\" is not a host name: write the Host "
	  "header's name without scheme or port, like \"acme.webrtc.example.net\"" },
	{ "tenant path without slash", PORTS "tenants:\n  - {name: acme, paths: [acme]}\n",
	  "t.yaml:5:25: tenants[0].paths: \"acme\" is not a URL path: write it starting with '/' "
	  "(\"/acme\"), without query, spaces or control characters, at most 63 bytes" },
	{ "tenant path too long",
	  PORTS "tenants:\n  - {name: acme, paths: "
	  "[/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa]}\n",
	  "t.yaml:5:25: tenants[0].paths: \"/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\" "
	  "is not a URL path: write it starting with '/' (\"/acme\"), without query, spaces or "
	  "control characters, at most 63 bytes" },
	{ "tenant domain with a scheme", PORTS "tenants:\n  - {name: acme, domains: [\"sip:acme.example\"]}\n",
	  "t.yaml:5:27: tenants[0].domains: \"sip:acme.example\" is not a domain: write a DNS name "
	  "like \"acme.example\" (no scheme, user or port)" },
	{ "tenant trunk password without username",
	  PORTS "tenants:\n  - name: acme\n    trunks: [{name: p, address: 192.0.2.1, password: x}]\n",
	  "t.yaml:6:54: tenants[0].trunks[0].password: is set but username is not; expected both "
	  "or neither" },
	{ "tenant trunk bad acl",
	  PORTS "tenants:\n  - name: acme\n    trunks: [{name: p, address: 192.0.2.1, acl: [192.0.2.0/33]}]\n",
	  "t.yaml:6:50: tenants[0].trunks[0].acl[0]: \"192.0.2.0/33\" is not an address or CIDR "
	  "like 198.51.100.0/24 or 2001:db8::/32" },
	{ "tenant trunk without address",
	  PORTS "tenants:\n  - name: acme\n    trunks:\n      - name: p\n",
	  "t.yaml:7:9: tenants[0].trunks[0].address: required key is missing; expected host:port "
	  "like 203.0.113.1:5060 or [2001:db8::1]:5060" },
	{ "srtp_suites with srtp off",
	  PORTS "sip:\n  trunks:\n    - {name: a, address: 203.0.113.2, srtp_suites: "
	  "[AES_CM_128_HMAC_SHA1_80]}\n",
	  "t.yaml:6:52: sip.trunks[0].srtp_suites: is set but srtp is off; expected srtp: sdes, "
	  "or no srtp_suites" },
	{ "unknown srtp suite",
	  PORTS "tenants:\n  - name: acme\n    trunks:\n      - {name: a, address: 192.0.2.1, "
	  "transport: tls, srtp: sdes, srtp_suites: [AES_CM_128_HMAC_SHA1_80, NULL_CIPHER]}\n",
	  "t.yaml:7:80: tenants[0].trunks[0].srtp_suites: \"NULL_CIPHER\" is not a crypto suite; "
	  "expected some of: AES_CM_128_HMAC_SHA1_80, AES_CM_128_HMAC_SHA1_32, AEAD_AES_128_GCM, "
	  "AEAD_AES_256_GCM" },
	{ "misspelt srtp suite",
	  PORTS "sip:\n  trunks:\n    - {name: a, address: 203.0.113.2, srtp: sdes, srtp_suites: "
	  "[AEAD_AES_128_GMC]}\n",
	  "t.yaml:6:64: sip.trunks[0].srtp_suites: \"AEAD_AES_128_GMC\" is not a crypto suite; did "
	  "you mean \"AEAD_AES_128_GCM\"?" },
	{ "unknown video codec",
	  PORTS "sip:\n  trunks:\n    - {name: a, address: 203.0.113.2, video: [VP8, H263]}\n",
	  "t.yaml:6:46: sip.trunks[0].video: \"H263\" is not a video codec; did you mean "
	  "\"H264\"?" },
	{ "bad video profile",
	  PORTS "sip:\n  trunks:\n    - {name: a, address: 203.0.113.2, video_profile: avpx}\n",
	  "t.yaml:6:54: sip.trunks[0].video_profile: \"avpx\" is not allowed here; expected one "
	  "of: avp_fb, avp, avpf" },
	{ "bad srtp mode",
	  PORTS "sip:\n  trunks:\n    - {name: a, address: 203.0.113.2, srtp: rtp}\n",
	  "t.yaml:6:45: sip.trunks[0].srtp: \"rtp\" is not allowed here; expected one of: off, sdes" },
	{ "bad transcode mode",
	  PORTS "sip:\n  trunks:\n    - {name: a, address: 203.0.113.2, transcode: always}\n",
	  "t.yaml:6:50: sip.trunks[0].transcode: \"always\" is not allowed here; expected one of: "
	  "when-needed, off, prefer" },
	{ "tls_ca on a udp trunk",
	  PORTS "sip:\n  trunks:\n    - {name: a, address: 203.0.113.2, tls_ca: /etc/trapeze/ca.pem}\n",
	  "t.yaml:6:47: sip.trunks[0].tls_ca: is set but transport is not tls; expected transport: "
	  "tls (the CA checks the trunk's TLS certificate)" },
	{ "daily_minutes_alarm over 100",
	  PORTS "tenants:\n  - name: acme\n    limits: {daily_minutes_alarm: 101}\n",
	  "t.yaml:6:35: tenants[0].limits.daily_minutes_alarm: 101 is out of range; expected 0..100" },
	{ "tenant max_calls_per_user too high",
	  PORTS "tenants:\n  - name: acme\n    limits: {max_calls_per_user: 1001}\n",
	  "t.yaml:6:34: tenants[0].limits.max_calls_per_user: 1001 is out of range; expected "
	  "0..1000" },
	{ "bad target pattern in a tenant",
	  PORTS "tenants:\n  - name: acme\n    limits: {allow_targets: [\"+44*\", \"+44*1\"]}\n",
	  "t.yaml:6:29: tenants[0].limits.allow_targets: \"+44*1\" is not a target pattern: write a "
	  "number (\"+442079460000\"), a prefix ending in '*' (\"+44*\") or \"*\", without spaces, "
	  "at most 64 bytes" },
	{ "bad target pattern at the top", PORTS "limits:\n  deny_targets: [\"+44 9*\"]\n",
	  "t.yaml:5:17: limits.deny_targets: \"+44 9*\" is not a target pattern: write a number "
	  "(\"+442079460000\"), a prefix ending in '*' (\"+44*\") or \"*\", without spaces, at most "
	  "64 bytes" },
	{ "negative daily minutes", PORTS "limits:\n  daily_minutes: -1\n",
	  "t.yaml:5:18: limits.daily_minutes: -1 is out of range; expected 0..1000000000" },
};

#endif /* TZ_TEST_BAD_CONFIGS_H */
