#!/usr/bin/env bash
# bench-rsyslog.sh: `siemship bench` into a real rsyslog imptcp listener on loopback (docs/PERFORMANCE.md).
#
#   scripts/bench-rsyslog.sh [siemship bench flags...]      e.g. --skip-pull, --env SYSLOG_CONFIRM=write
#
# rsyslog (installed by scripts/install-test-receivers.sh) gets its own config: imptcp, a LinkedList ruleset queue
# and an asynchronous omfile with a raw-message template, in a temporary directory. The bench reports rsyslog's CPU
# per phase (--target-pid). With PIN=1 rsyslog runs on CPU 1 and siemship, the emulator and the bench on CPU 0, so
# that rsyslog's share of the machine is fixed: when rsyslog's core is busy and siemship's is not, the receiver is
# the limit. At the end the script prints how many lines rsyslog wrote (one per record sent).
# Environment: SIEMSHIP (binary, default: built into the temporary directory), PORT (default: a free port that
# rsyslog binds itself and reports), PIN.
set -euo pipefail

cd "$(dirname "$0")/.."
dir=$(mktemp -d /tmp/siemship-bench-rsyslog.XXXXXX)
port=${PORT:-0} # 0: rsyslog binds a free port and writes it to $dir/port (no port is picked and released)
bin=${SIEMSHIP:-}
if [[ -z $bin ]]; then
	bin=$dir/siemship
	go build -o "$bin" ./cmd/siemship
fi
rsyslogd=$(command -v rsyslogd || echo /usr/sbin/rsyslogd)

cat >"$dir/rsyslog.conf" <<EOF
global(workDirectory="$dir" maxMessageSize="64k" parser.escapeControlCharactersOnReceive="off")
module(load="imptcp")
template(name="raw" type="string" string="%rawmsg%\n")
ruleset(name="siem" queue.type="LinkedList" queue.size="200000" queue.dequeueBatchSize="4096") {
  action(type="omfile" file="$dir/out.log" template="raw" asyncWriting="on" ioBufferSize="1m" flushOnTXEnd="off")
}
input(type="imptcp" port="$port" address="127.0.0.1" ruleset="siem" listenPortFileName="$dir/port")
EOF

pin_rsyslog=() pin_bench=()
if [[ ${PIN:-} == 1 ]]; then
	pin_rsyslog=(taskset -c 1) pin_bench=(taskset -c 0)
fi
"${pin_rsyslog[@]}" "$rsyslogd" -n -f "$dir/rsyslog.conf" -i "$dir/rsyslog.pid" 2>"$dir/rsyslog.stderr" &
rs=$!
trap 'kill $rs 2>/dev/null || true; wait $rs 2>/dev/null || true' EXIT
for _ in $(seq 100); do
	if [[ ${PORT:-0} == 0 && -s $dir/port ]]; then port=$(cat "$dir/port"); fi
	if [[ $port != 0 ]] && (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
	sleep 0.1
done
if ! kill -0 $rs 2>/dev/null; then
	echo "bench-rsyslog: rsyslogd did not start:" >&2
	cat "$dir/rsyslog.stderr" >&2
	exit 1
fi

"${pin_bench[@]}" "$bin" bench --target "127.0.0.1:$port" --framing octet --target-pid "$rs" --json "$dir/report.json" "$@"

kill $rs
wait $rs 2>/dev/null || true
trap - EXIT
lines=$(wc -l <"$dir/out.log")
echo "rsyslog wrote $lines lines to $dir/out.log (report: $dir/report.json)"
