#!/usr/bin/env bash
# Install everything Trapeze needs to build, test and run its lab on Debian 12.
# Idempotent, non-interactive, root only.
# Usage: tools/install-deps.sh [--with-lab] [--with-pkg]
#   --with-pkg  what building the Debian package needs (dpkg-buildpackage,
#               debian/); --with-lab includes it (the deb_package test).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: run as root (apt-get needs it)" >&2
	exit 1
fi

build_pkgs=(
	build-essential
	ca-certificates
	dpdk-dev
	iproute2
	iputils-ping
	libcmocka-dev
	libedit-dev
	libglib2.0-dev
	libjson-glib-dev
	libjwt-dev
	libipsec-mb-dev
	libnice-dev
	libopus-dev	# tz_media: Opus (issue 14); recording decodes Opus into the WAV
	libsofia-sip-ua-dev
	libsofia-sip-ua-glib-dev
	libspandsp-dev	# tz_media: G.722
	libspeexdsp-dev	# tz_media: resampler
	libsrtp2-dev
	libssl-dev
	libuv1-dev	# ctrlplane/ws/ws_loop.c: lws's libuv loop as one GSource
	libwebsockets-dev
	libwebsockets-evlib-glib	# TZ_WS_GLIB=1: lws on a GSource per connection
	libwebsockets-evlib-uv	# lws on one GSource (ctrlplane/ws/ws_loop.c)
	libyaml-dev
	meson
	ninja-build
	openssl
	pkg-config
	python3
	python3-websockets
	zlib1g-dev	# crc32() for STUN FINGERPRINT (also pulled by dpdk-dev)
)
# The lab and the end-to-end tests use real peers.
lab_pkgs=(
	baresip-core
	chromium
	curl          # scrapes /metrics (test_metrics_lab.sh, tools/demo.sh)
	ethtool
	gnuplot-nox   # trapeze-bench calls --plots
	gstreamer1.0-libav	# avdec_h264 for the lab video endpoint's H.264 (video_endpoint.py --codec h264)
	gstreamer1.0-plugins-base	# the lab's SIP video endpoint (tests/e2e/lib/video_endpoint.py)
	gstreamer1.0-plugins-good	# ... vp8enc/vp8dec, rtpvp8pay/depay, rtph264pay/depay, udpsrc/udpsink
	gstreamer1.0-plugins-ugly	# ... x264enc (the H.264 endpoint)
	gstreamer1.0-tools	# ... gst-launch-1.0
	iptables
	kamailio
	logrotate     # tests/integration/test_cdr_lab.sh runs contrib/logrotate/trapeze
	prometheus    # promtool check metrics (tests/integration/test_metrics_lab.sh)
	sox           # reads the recorded WAV back (tests/e2e/record.test.mjs)
	rtpengine-daemon	# tools/bench.sh compare (bench/compare/run.sh starts it by PID, never the service)
	sip-tester
	tcpdump
)

# Building the Debian package (dpkg-buildpackage -us -uc -b; debian/control's
# Build-Depends are the build packages above) and checking it.
pkg_pkgs=(
	adduser
	debootstrap	# the systemd suite: a Debian 12 root booted with systemd-nspawn
	debhelper
	dpkg-dev
	fakeroot
	lintian
	man-db
	systemd	# systemd.pc (the unit's directory), systemd-analyze verify
	systemd-container	# systemd-nspawn: the systemd suite boots the package's unit
	util-linux	# setpriv, prlimit, unshare: the package test runs the unit's way
)

with_lab=no with_pkg=no
for a in "$@"; do
	case "$a" in
	--with-lab) with_lab=yes; with_pkg=yes ;;
	--with-pkg) with_pkg=yes ;;
	*) echo "install-deps: unknown option $a (--with-lab, --with-pkg)" >&2; exit 2 ;;
	esac
done

pkgs=("${build_pkgs[@]}")
[ "$with_pkg" = yes ] && pkgs+=("${pkg_pkgs[@]}")
if [ "$with_lab" = yes ]; then
	pkgs+=("${lab_pkgs[@]}")
	# Node.js may come from elsewhere already (it does on the CI image);
	# Debian's nodejs conflicts with such builds, so only add it when absent.
	command -v npm >/dev/null 2>&1 || pkgs+=(nodejs npm)
fi

missing=()
for p in "${pkgs[@]}"; do
	case "$p" in *-) continue ;; esac
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
	echo "install-deps: installing ${missing[*]}"
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
	echo "install-deps: all packages present"
fi

# rtpengine (bench/compare) runs only when the compare bench starts it, with its
# own config: the Debian service it installs (a second rtpengine on ports
# 30000-40000, the lab's core media range) stays off where systemd runs.
if [ "$with_lab" = yes ] && [ -d /run/systemd/system ] &&
   systemctl is-enabled rtpengine-daemon.service >/dev/null 2>&1; then
	systemctl disable --now rtpengine-daemon.service >/dev/null 2>&1 || true
fi
# prometheus is installed for promtool only (the metrics lab test): its server
# and node exporter services stay off where systemd runs.
if [ "$with_lab" = yes ] && [ -d /run/systemd/system ]; then
	for u in prometheus.service prometheus-node-exporter.service; do
		systemctl is-enabled "$u" >/dev/null 2>&1 && { systemctl disable --now "$u" >/dev/null 2>&1 || true; }
	done
fi
