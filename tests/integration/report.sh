# report.sh — village summary, monitoring suggestions and the public notice:
# what a first secretary posts must never show a full ID number.
. tests/lib.sh
D=$T/dev
"$FC" --dir "$D" init --role secretary --name sec-wu --village 522701105201 --lang en >/dev/null 2>&1
ID1=$(make_id 52270119650312041)
cat > "$T/hh.csv" <<CSV
id,village_code,village,village_group,household_code,head_name,head_id_number,province,poverty_status,household_type,main_cause,housing_grade,relocated,safe_water,sells_online,wage_income
01JDE5M0000000000000000001,522701105201,石门村,第一组,5227011052010001,张三,$ID1,贵州省,lifted,lifted_policy,illness,D,no,no,no,1000
CSV
run "$FC" --dir "$D" import "$T/hh.csv"
is "import exits 0" "$rc" 0
run "$FC" --dir "$D" report notice
is "notice exits 0" "$rc" 0
like "notice lists the head" "$out" '张三'
like "notice masks the ID number (first 6, last 4)" "$out" "${ID1:0:6}\*{8}${ID1:14:4}"
ok "notice never prints the full ID number" bash -c "! grep -q '$ID1' <<< \"\$1\"" _ "$out"
run "$FC" --dir "$D" report village --format csv
is "village csv exits 0" "$rc" 0
like "village csv counts one household" "$out" $'\n''\*,1,0,'
like "housing D and no safe water fail their checks" "$out" ',1,1$'
run "$FC" --dir "$D" report monitor
like "a lifted household failing the checks is suggested for monitoring" "$out" '5227011052010001 .*Lifted but unstable'
run "$FC" --dir "$D" report bogus
is "an unknown report is a usage error" "$rc" 2
exit 0
