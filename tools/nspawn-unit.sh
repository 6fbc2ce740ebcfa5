#!/usr/bin/env bash
# Boot the real trapeze.service under systemd (PID 1 in a systemd-nspawn
# container) when the host's PID 1 is not systemd: debootstrap Debian 12
# (cached), apt-get install the .deb inside it (so its Depends are resolved
# from Debian's archive by name), a two-null-port config, boot, and let a
# oneshot unit inside record what systemd saw: active (running) only after
# READY=1, the STATUS= text, the user and capabilities, watchdog pings,
# journal entries with SUBSYSTEM=, a clean stop.  Manual check, not a meson
# test (it downloads Debian); root only.
#   tools/nspawn-unit.sh ../trapeze_0.1.0_amd64.deb [ROOTDIR]
# Needs: debootstrap systemd-container (apt-get install them).
set -euo pipefail
deb=$(realpath "${1:?usage: tools/nspawn-unit.sh TRAPEZE_DEB [ROOTDIR]}")
root=${2:-/var/tmp/tz-nspawn/root}
# No machined here (no system bus): --register=no.  This host's nested
# sysfs has no /sys/module, which EAL needs ("Cannot init VFIO"): bind it.
nspawn=(systemd-nspawn -q --register=no --keep-unit --private-network --bind-ro=/sys/module -D "$root")

if [ ! -x "$root/lib/systemd/systemd" ]; then
	mkdir -p "$(dirname "$root")"
	debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus,adduser,iproute2 \
		bookworm "$root" http://deb.debian.org/debian
fi
cp "$deb" "$root/var/tmp/trapeze.deb"
"${nspawn[@]}" --pipe sh -c 'apt-get update -qq &&
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends --reinstall /var/tmp/trapeze.deb'
cat >"$root/etc/trapeze/trapeze.yaml" <<'YAML'
eal: {control_core: 0, worker_cores: [1], hugepages: auto, memory_mb: 256, idle_sleep_us: 100}
ports:
  - {name: pa, role: access, driver: "null", ipv4: 198.51.100.1/24}
  - {name: pc, role: core, driver: "null", ipv4: 203.0.113.1/24}
signalling: {http: "127.0.0.1:8080"}
sip: {listen: ["127.0.0.1:5060"]}
logging: {target: stderr, level: info}
YAML
cat >"$root/etc/systemd/system/tz-check.service" <<'UNIT'
[Unit]
Description=record what systemd saw of trapeze.service
After=trapeze.service
Wants=trapeze.service
[Service]
Type=oneshot
ExecStart=/bin/sh -c '\
  exec >/var/tmp/tz-check.out 2>&1; \
  systemctl show trapeze -p ActiveState -p SubState -p StatusText -p NRestarts; \
  pid=$(systemctl show trapeze -p MainPID --value); \
  echo "user=$(ps -o user= -p $pid)"; grep -E "^Cap(Eff|Amb)" /proc/$pid/status; \
  trapezectl show version | head -1; \
  w1=$(systemctl show trapeze -p WatchdogTimestampMonotonic --value); sleep 17; \
  w2=$(systemctl show trapeze -p WatchdogTimestampMonotonic --value); \
  [ "$w2" -gt "$w1" ] && echo watchdog=pinged || echo watchdog=silent; \
  echo "subsystems=$(journalctl -b -u trapeze -F SUBSYSTEM | sort | tr "\n" " ")"; \
  systemctl stop trapeze; systemctl show trapeze -p Result -p ExecMainStatus; \
  [ -e /run/trapeze ] && echo run=left || echo run=gone; \
  systemctl poweroff'
[Install]
WantedBy=multi-user.target
UNIT
ln -sf /etc/systemd/system/tz-check.service "$root/etc/systemd/system/multi-user.target.wants/"
ln -sf /lib/systemd/system/trapeze.service "$root/etc/systemd/system/multi-user.target.wants/"
rm -f "$root/var/tmp/tz-check.out"
timeout 180 "${nspawn[@]}" -b </dev/null >"$(dirname "$root")/boot.log" 2>&1 || true
rm -f "$root/etc/systemd/system/multi-user.target.wants/"{tz-check,trapeze}.service
out="$root/var/tmp/tz-check.out"
cat "$out"
fail=0
for want in ActiveState=active SubState=running "StatusText=ready: 2 ports, 0 calls" NRestarts=0 \
	    user=trapeze "trapezed: " watchdog=pinged drv.port Result=success ExecMainStatus=0 run=gone; do
	grep -q -- "$want" "$out" || { echo "nspawn-unit: missing: $want"; fail=1; }
done
[ "$fail" -eq 0 ] && echo "nspawn-unit: trapeze.service OK under systemd $("${nspawn[@]}" --pipe systemctl --version | head -1)"
exit "$fail"
