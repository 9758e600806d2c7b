#!/bin/sh
# install-test-receivers.sh: installs the real syslog receivers used by siemship's integration tests
# (package internal/testgear/realrecv) on Debian 12 (bookworm), as root, with only Debian's apt repositories reachable.
#
#   rsyslog (+ rsyslog-gnutls, rsyslog-openssl, rsyslog-relp), openssl, bsdutils   via apt-get install
#                                       (rsyslog itself ships mmjsonparse and mmnormalize, and depends on liblognorm5,
#                                       whose cef parser the CEF tests use: Debian 12 has no separate package for them)
#   supervisor                          via apt-get install (deploy/supervisor's test runs a private supervisord)
#   iproute2                            via apt-get install (the chaos suite isolates a receiver in a network namespace)
#   syslog-ng-core                      unpacked into /opt/syslog-ng (apt-get download + dpkg-deb -x), because it
#                                       conflicts with rsyslog in apt (both provide system-log-daemon)
#   the shared libraries syslog-ng needs via apt-get install
#
# Idempotent: when everything is present it neither runs apt-get update nor installs anything (well under a second).
# The system rsyslog and supervisor services are not started by the installation (a temporary policy-rc.d forbids
# service starts when the host has none); an rsyslogd that already runs is left alone. The tests run private
# instances on their own ports and directories, so a system daemon never interferes with them.
# Exits non-zero on any failure. Prints the installed versions.
set -eu

SNG_ROOT=${SNG_ROOT:-/opt/syslog-ng}
SNG_BIN=$SNG_ROOT/usr/sbin/syslog-ng
SNG_LIB=$SNG_ROOT/usr/lib/syslog-ng

PKGS="rsyslog rsyslog-gnutls rsyslog-openssl rsyslog-relp openssl bsdutils supervisor iproute2
libivykis0 libjson-c5 libnet1 libpcre3 libglib2.0-0 libwrap0 libcap2 libssl3 libsystemd0"

die() { echo "install-test-receivers: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root"
command -v apt-get >/dev/null 2>&1 || die "apt-get not found (Debian 12 expected)"
export DEBIAN_FRONTEND=noninteractive

# missing_pkgs prints the packages of $PKGS that are not fully installed.
missing_pkgs() {
  for p in $PKGS; do
    st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
    [ "$st" = installed ] || printf '%s ' "$p"
  done
}

missing=$(missing_pkgs)
need_sng=0
[ -x "$SNG_BIN" ] || need_sng=1

if [ -n "$missing" ] || [ "$need_sng" = 1 ]; then
  echo "install-test-receivers: installing: ${missing}$( [ "$need_sng" = 1 ] && echo "syslog-ng-core(unpacked to $SNG_ROOT)")"
  apt-get update -qq || die "apt-get update failed"

  if [ -n "$missing" ]; then
    # Keep the package scripts from starting the system rsyslog and supervisor services: our tests run their own
    # instances.
    policy=/usr/sbin/policy-rc.d
    own_policy=0
    if [ ! -e "$policy" ]; then
      printf '#!/bin/sh\n# temporary, created by install-test-receivers.sh\nexit 101\n' >"$policy"
      chmod 755 "$policy"
      own_policy=1
      trap 'rm -f "$policy"' EXIT INT TERM
    fi
    # shellcheck disable=SC2086 # word splitting of the package list is intended
    apt-get install -y -qq --no-install-recommends $missing >/dev/null || die "apt-get install failed"
    if [ "$own_policy" = 1 ]; then rm -f "$policy"; trap - EXIT INT TERM; fi
  fi

  if [ "$need_sng" = 1 ]; then
    d=$(mktemp -d)
    chmod 777 "$d" # apt-get download drops privileges to _apt, which must be able to write here
    (cd "$d" && apt-get download -qq syslog-ng-core) || { rm -rf "$d"; die "apt-get download syslog-ng-core failed"; }
    mkdir -p "$SNG_ROOT"
    dpkg-deb -x "$d"/syslog-ng-core_*.deb "$SNG_ROOT" || { rm -rf "$d"; die "dpkg-deb -x failed"; }
    dpkg-deb -f "$d"/syslog-ng-core_*.deb Version >"$SNG_ROOT/.deb-version"
    rm -rf "$d"
  fi
fi

# Verify and report. Fail when a binary is missing or a library cannot be resolved.
RSYSLOGD=$(command -v rsyslogd 2>/dev/null || echo /usr/sbin/rsyslogd)
[ -x "$RSYSLOGD" ] || die "rsyslogd not found after installation"
[ -x "$SNG_BIN" ] || die "$SNG_BIN not found after installation"
for m in lmnsd_gtls.so lmnsd_ossl.so imrelp.so imtcp.so mmjsonparse.so mmnormalize.so; do
  [ -e "/usr/lib/x86_64-linux-gnu/rsyslog/$m" ] || ls /usr/lib/*/rsyslog/$m >/dev/null 2>&1 || die "rsyslog module $m missing"
done
ls "$SNG_LIB"/3.*/libjson-plugin.so >/dev/null 2>&1 || die "syslog-ng module libjson-plugin.so (json-parser) missing"
if LD_LIBRARY_PATH=$SNG_LIB ldd "$SNG_BIN" "$SNG_LIB"/libsyslog-ng*.so* 2>/dev/null | grep -q 'not found'; then
  LD_LIBRARY_PATH=$SNG_LIB ldd "$SNG_BIN" "$SNG_LIB"/libsyslog-ng*.so* | grep 'not found' >&2
  die "syslog-ng has unresolved libraries"
fi

SUPERVISORD=$(command -v supervisord 2>/dev/null || echo /usr/bin/supervisord)
[ -x "$SUPERVISORD" ] || die "supervisord not found after installation"

rv=$("$RSYSLOGD" -v 2>&1 | head -1) || die "rsyslogd -v failed"
sv=$(LD_LIBRARY_PATH=$SNG_LIB "$SNG_BIN" --module-path="$(ls -d "$SNG_LIB"/3.* | head -1)" --version 2>&1 | head -1) ||
  die "syslog-ng --version failed"
ov=$(openssl version) || die "openssl version failed"
lv=$(logger --version 2>&1 | head -1) || die "logger --version failed"
pv=$("$SUPERVISORD" --version 2>&1 | head -1) || die "supervisord --version failed"
echo "rsyslogd:  $rv ($RSYSLOGD)"
echo "syslog-ng: $sv ($SNG_BIN, deb $(cat "$SNG_ROOT/.deb-version" 2>/dev/null || echo unknown))"
echo "openssl:   $ov"
echo "logger:    $lv"
echo "supervisord: $pv ($SUPERVISORD)"
