#!/usr/bin/env bash
# The gateway in the lab answers ping on its access and core addresses, IPv4
# and IPv6, through the dataplane (port and TAP counters prove the path);
# trapezectl shows it in text and JSON; SIGTERM stops it cleanly and it
# starts again at once.
source "$(dirname "$0")/lib.sh"
config=$here/config/lab.yaml
sock=/run/trapeze/trapezed.sock
ctl() { "$trapezectl" --socket "$sock" "$@"; }
counter() { ctl --json show port counters | jget "[p for p in d if p['port']=='$1'][0]['$2']"; }

"$lab" down >/dev/null 2>&1
check "lab comes up" "$lab" up
if daemon_start "$config" "$sock"; then ok "trapezed starts and answers on $sock"; else not_ok "trapezed starts"; exit 1; fi

check "web pings the access address 198.51.100.1" ip netns exec web ping -c 3 -i 0.2 -W 2 198.51.100.1
check "web pings the access address 2001:db8:100::1" ip netns exec web ping -6 -c 3 -i 0.2 -W 2 2001:db8:100::1
check "sip pings the core address 203.0.113.1" ip netns exec sip ping -c 3 -i 0.2 -W 2 203.0.113.1
check "sip pings the core address 2001:db8:200::1" ip netns exec sip ping -6 -c 3 -i 0.2 -W 2 2001:db8:200::1
ip netns exec web ping -c 3 -i 0.2 -W 2 198.51.100.1 >"$state/ping" 2>&1
if grep -q "3 received" "$state/ping" && ! grep -q DUP "$state/ping"; then
	ok "each echo is answered exactly once (no reply bypasses the dataplane)"
else
	not_ok "each echo answered exactly once"; sed 's/^/# /' "$state/ping"
fi

for port in access core; do
	tk=$(counter $port to_kernel); fk=$(counter $port from_kernel)
	rx=$(counter $port rx_packets); tx=$(counter $port tx_packets)
	if [ "$tk" -ge 6 ] && [ "$fk" -ge 6 ] && [ "$rx" -ge "$tk" ] && [ "$tx" -ge "$fk" ]; then
		ok "$port: requests went wire->TAP ($tk) and replies TAP->wire ($fk) through DPDK"
	else
		not_ok "$port counters: rx=$rx to_kernel=$tk from_kernel=$fk tx=$tx"
	fi
done

before=$(ctl --json show ports | jget "[p for p in d if p['name']=='access'][0]['rx_packets']")
ip netns exec web ping -c 5 -i 0.2 -W 2 198.51.100.1 >/dev/null 2>&1
after=$(ctl --json show ports | jget "[p for p in d if p['name']=='access'][0]['rx_packets']")
if [ "$after" -ge $((before + 5)) ]; then ok "show ports: access rx_packets rises ($before -> $after)"; else not_ok "access rx_packets $before -> $after"; fi
tap_rx=$(ctl --json show ports | jget "[p for p in d if p['name']=='tz-access'][0]['rx_packets']")
if [ "$tap_rx" -ge 5 ]; then ok "show ports: TAP tz-access counts what the kernel sent ($tap_rx)"; else not_ok "tz-access rx_packets $tap_rx"; fi

ctl show ports >"$state/ports.txt" 2>&1
if head -1 "$state/ports.txt" | grep -q "name.*role.*driver.*link.*rx_packets.*tx_packets.*drops" &&
   grep -Eq "^access +access +af_(xdp|packet) +up" "$state/ports.txt" && grep -q "^tz-core " "$state/ports.txt"; then
	ok "show ports (text) is a table with a row per port and per TAP"
else
	not_ok "show ports (text)"; sed 's/^/# /' "$state/ports.txt"
fi
check "show version names trapezed and DPDK" sh -c "'$trapezectl' --socket $sock show version | grep -q 'dpdk: *DPDK 22.11'"
workers=$(ctl --json show lcores | jget "len([l for l in d if l['role']=='worker'])")
if [ "$workers" -ge 1 ]; then ok "show lcores lists $workers worker(s)"; else not_ok "show lcores: no worker"; fi
# the lab runs one media-services stage core (config/lab.yaml): listed too
stage=$(ctl --json show lcores | jget "len([l for l in d if l['role']=='media-services' and l['busy_pct'] is not None])")
if [ "$stage" -eq 1 ]; then ok "show lcores lists the media-services lcore"; else not_ok "show lcores: $stage media-services lcores"; fi
check "show config prints the running config" sh -c "'$trapezectl' --socket $sock show config | grep -q acc0"
check "set log level cp.cli debug" ctl set log level cp.cli debug
if ctl set log level cp.cli loud >"$state/err" 2>&1; then not_ok "bad level refused"; else
	grep -q "not a level" "$state/err" && ok "a bad level is refused with the list of levels" || { not_ok "bad level message"; sed 's/^/# /' "$state/err"; }
fi
if ctl shwo ports >"$state/err" 2>&1; then not_ok "unknown command refused"; else
	grep -q 'did you mean "show ports"' "$state/err" && ok "an unknown command suggests the nearest one" || { not_ok "unknown command message"; sed 's/^/# /' "$state/err"; }
fi

daemon_stop; rc=$?
if [ $rc -eq 0 ]; then ok "SIGTERM stops trapezed with status 0"; else not_ok "SIGTERM: exit status $rc"; fi
if ip netns exec gw ip link show tz-access >/dev/null 2>&1; then not_ok "TAP tz-access removed"; else ok "TAP interfaces are gone"; fi
if [ -e /var/run/dpdk/trapeze-lab ]; then not_ok "/var/run/dpdk/trapeze-lab left behind"; else ok "nothing left under /var/run/dpdk"; fi
if [ -e "$sock" ]; then not_ok "control socket left behind"; else ok "control socket removed"; fi

if daemon_start "$config" "$sock"; then ok "a second start right after works"; else not_ok "second start"; fi
check "web pings the access address again" ip netns exec web ping -c 2 -i 0.2 -W 2 198.51.100.1
daemon_stop INT; rc=$?
[ $rc -eq 0 ] && ok "Ctrl-C (SIGINT) stops it with status 0" || not_ok "SIGINT: status $rc"
if ip netns exec gw ip link show tz-access >/dev/null 2>&1; then not_ok "TAPs gone after SIGINT"; else ok "TAPs gone after SIGINT"; fi
# The PBX's PID file: a stale one naming a live process that is not the
# PBX (this shell) must not make `lab.sh pbx` think the PBX runs.
echo $$ >"$state/pbx.pid"
if "$lab" pbx >"$state/out" 2>&1 && grep -q "PBX (sipp, echo) at" "$state/out" &&
   ip netns exec sip ss -Hlun 'sport = :5060' | grep -q 203.0.113.2:5060; then
	ok "lab.sh pbx starts the PBX despite a stale PID file naming another process"
else
	not_ok "lab.sh pbx with a stale PID file"; sed 's/^/# /' "$state/out"
fi
"$lab" down >/dev/null 2>&1
if ip netns list | grep -Eq '^(web|gw|sip)( |$)'; then not_ok "lab down removes the namespaces"; else ok "lab down removes the namespaces"; fi
if [ -e "$state/pbx.pid" ]; then not_ok "lab down leaves no PBX PID file"; else ok "lab down removes the PBX PID file"; fi
finish
