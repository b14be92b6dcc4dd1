# checks.sh — the decisions of issue 10 at county scale: the five checks,
# suggestion and warnings of every household of a county of 100,000
# households (`report village`, which computes them all on the day), median
# of 3 and peak memory. Target: 10 s on the 2-core bench machine.
# Run by run.sh with FC and W set.
set -u
N=${CHECKS_HOUSEHOLDS:-100000}
D=$W/county$N
if [ ! -d "$D" ]; then
	s=$(date +%s%N)
	"$FC" --dir "$D" demo --households "$N" --lang en >/dev/null 2>&1 || { echo "demo failed"; exit 1; }
	e=$(date +%s%N)
	echo "demo --households $N: $(( (e - s) / 1000000 )) ms"
fi
t=()
for _ in 1 2 3; do
	s=$(date +%s%N); "$FC" --dir "$D" report village >/dev/null 2>&1; e=$(date +%s%N)
	t+=($(( (e - s) / 1000000 )))
done
echo "checks of every household ($N, report village): median $(printf '%s\n' "${t[@]}" | sort -n | sed -n 2p) ms (runs: ${t[*]})"
echo "  peak memory: $(/usr/bin/time -f %M "$FC" --dir "$D" report village 2>&1 >/dev/null | tail -1) KB"
