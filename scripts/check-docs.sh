#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Documentation against code: fails on any claim below that the sources
# contradict. Everything is read from the sources themselves, so a new
# parameter, make target or rig test needs no edit here.
#
#   - module parameters: every module_param*() of blkback/params.c and
#     blkfront/params.c is in Documentation/parameters.rst under its
#     module, with the default of the params struct initializer, the
#     range of its MODULE_PARM_DESC and its mode (0444 read-only, 0644
#     writable), and the page documents nothing else;
#   - make targets: every `make TARGET` / ``make TARGET`` (and indented
#     "make TARGET" command lines) in README.md and Documentation/*.rst
#     is a target of the Makefile;
#   - the rig's CI tier: the tests testing.rst's "CI tier and full suite"
#     section lists on both kernels, on 6.1 only and on 6.12 only are
#     those of rig_61 and rig_612 in scripts/check.sh, and testing.rst
#     names every tests/rig/*.sh.
#
#   scripts/check-docs.sh
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$PVBLK_ROOT"

errors=0
fail() {
	echo "pvblk: error: docs: $*" >&2
	errors=$((errors + 1))
}

# ---- module parameters ----------------------------------------------------

params_rst=Documentation/parameters.rst

# statements SRC: the C statements of SRC, one per line, comments dropped
statements() {
	sed -e '/^[[:space:]]*#/d' -e 's#//.*$##' "$1" | tr '\n\t' '  ' |
		sed -e 's#/\*\([^*]\|\*[^/]\)*\*/# #g' |
		awk '{
			# a new line after each ";" outside string literals
			q = 0
			for (i = 1; i <= length($0); i++) {
				c = substr($0, i, 1)
				printf "%s", c
				if (c == "\\" && q) {
					printf "%s", substr($0, ++i, 1)
				} else if (c == "\"") {
					q = !q
				} else if (c == ";" && !q) {
					printf "\n"
				}
			}
			printf "\n"
		}' | sed -e 's/^[} ]*//' -e 's/  */ /g'
}

# resolve SRC VALUE: VALUE of an initializer as the documentation writes it
resolve() {
	local src=$1 v=$2 d
	case "$v" in
	true) echo 1 ;;
	false) echo 0 ;;
	[0-9]*) echo "$v" ;;
	*)
		# a #define in the sources the module sees
		d=$(grep -h -E "^#define[[:space:]]+${v}[[:space:]]+[0-9]+[[:space:]]*\$" \
			"$src" "$(dirname "$src")"/*.h include/pvblk/*.h 2>/dev/null |
			awk '{ print $3; exit }')
		if [ -z "$d" ]; then
			# an enum value named by a string table: [VALUE] = "name"
			d=$(sed -n "s/^[[:space:]]*\[$v\][[:space:]]*=[[:space:]]*\"\([^\"]*\)\".*/\1/p" \
				"$src" | head -n 1)
		fi
		[ -n "$d" ] || return 1
		echo "$d"
		;;
	esac
}

# code_params MODULE SRC: name, default, range and mode per parameter,
# separated by US (\037: a range may hold blanks and '|')
# perr MESSAGE: code_params runs in a process substitution, where fail()
# could not count: its errors go to the reader as "!" records instead.
perr() {
	printf '!\037%s\n' "$*"
}

code_params() {
	local mod=$1 src=$2 st name field mode def range desc
	local -A init=() descs=()
	while IFS= read -r st; do
		case "$st" in
		*"struct ${mod}_params ${mod}_params = {"*)
			while read -r field def; do
				init[$field]=$def
			done < <(printf '%s\n' "$st" | sed -e 's/^[^{]*{//' -e 's/}.*$//' |
				tr ',' '\n' | sed -n 's/^ *\.\([a-z_0-9]*\) *= *\([^ ]*\) *$/\1 \2/p')
			;;
		MODULE_PARM_DESC*)
			name=$(printf '%s\n' "$st" | sed -n 's/^MODULE_PARM_DESC *( *\([a-z_0-9]*\) *,.*/\1/p')
			desc=$(printf '%s\n' "$st" | sed -e 's/^[^"]*"//' -e 's/" *"//g' -e 's/" *) *; *$//')
			descs[$name]=$desc
			;;
		esac
	done < <(statements "$src")

	while IFS= read -r st; do
		case "$st" in
		module_param_cb*)
			# module_param_cb(name, &ops, &<mod>_params.field, mode)
			IFS=, read -r name _ field mode <<<"$(printf '%s\n' "$st" |
				sed -e 's/^module_param_cb *( *//' -e 's/ *) *; *$//' -e 's/ //g')"
			;;
		module_param_named*)
			# module_param_named(name, <mod>_params.field, type, mode)
			IFS=, read -r name field _ mode <<<"$(printf '%s\n' "$st" |
				sed -e 's/^module_param_named *( *//' -e 's/ *) *; *$//' -e 's/ //g')"
			;;
		module_param*)
			perr "$src: cannot read '${st%%(*}' (only module_param_cb and module_param_named are understood)"
			continue
			;;
		*) continue ;;
		esac
		field=${field#&}
		field=${field#"${mod}_params."}
		if [ -z "${init[$field]:-}" ]; then
			perr "$src: parameter $name: no initializer of .$field in ${mod}_params"
			continue
		fi
		if ! def=$(resolve "$src" "${init[$field]}"); then
			perr "$src: parameter $name: cannot resolve its default '${init[$field]}'"
			continue
		fi
		desc=${descs[$name]:-}
		if [ -z "$desc" ]; then
			perr "$src: parameter $name has no MODULE_PARM_DESC"
			continue
		fi
		case "$desc" in
		*"(default $def)"*) ;;
		*) perr "$src: MODULE_PARM_DESC($name) does not say '(default $def)', the initializer's value" ;;
		esac
		range=$(printf '%s\n' "$desc" | sed -n 's/.*\(\[[^]]*\]\) *(default [^)]*)$/\1/p')
		case "$mode" in
		0444) mode=read-only ;;
		0644) mode=writable ;;
		*) perr "$src: parameter $name: mode $mode is neither 0444 nor 0644" ;;
		esac
		printf '%s\037%s\037%s\037%s\n' "$name" "$def" "$range" "$mode"
	done < <(statements "$src")
}

# doc_params MODULE: the same for each documented one
doc_params() {
	awk -v mod="$1" '
		/^pvblk[a-z]* \(/ { cur = $1; next }
		cur == mod && /^[a-z_0-9]+=\[[^]]*\]: Default: [^ ]+ \((read-only|writable)\)$/ {
			name = $0; sub(/=.*/, "", name)
			range = $0; sub(/^[^=]*=/, "", range); sub(/: Default:.*/, "", range)
			def = $0; sub(/.*: Default: /, "", def); sub(/ .*/, "", def)
			mode = $0; sub(/.*\(/, "", mode); sub(/\)$/, "", mode)
			printf "%s\037%s\037%s\037%s\n", name, def, range, mode
			next
		}
		cur == mod && /^[a-z_0-9]+=/ {
			printf "?\037%s\n", $0
		}' "$params_rst"
}

check_params() {
	local mod=$1 src=$2 name def range mode line
	local -A code=() doc=()
	[ -f "$src" ] || die "$src does not exist"
	while IFS=$'\037' read -r name def range mode; do
		if [ "$name" = '!' ]; then
			fail "$def"
			continue
		fi
		code[$name]="$def"$'\037'"$range"$'\037'"$mode"
	done < <(code_params "$mod" "$src")
	[ ${#code[@]} -gt 0 ] || fail "$src: no module parameter found"
	while IFS= read -r line; do
		if [ "${line%%$'\037'*}" = "?" ]; then
			fail "$params_rst: $mod: cannot read the entry '${line#*$'\037'}' (want 'name=[range]: Default: value (read-only|writable)')"
			continue
		fi
		IFS=$'\037' read -r name def range mode <<<"$line"
		doc[$name]="$def"$'\037'"$range"$'\037'"$mode"
	done < <(doc_params "$mod")
	for name in "${!code[@]}"; do
		if [ -z "${doc[$name]:-}" ]; then
			fail "$params_rst: $mod parameter $name ($src) is not documented"
			continue
		fi
		IFS=$'\037' read -r def range mode <<<"${code[$name]}"
		IFS=$'\037' read -r ddef drange dmode <<<"${doc[$name]}"
		[ "$def" = "$ddef" ] ||
			fail "$params_rst: $mod $name: documented default $ddef, $src has $def"
		[ -z "$range" ] || [ "$range" = "$drange" ] ||
			fail "$params_rst: $mod $name: documented range $drange, $src has $range"
		[ "$mode" = "$dmode" ] ||
			fail "$params_rst: $mod $name: documented $dmode, $src makes it $mode"
	done
	for name in "${!doc[@]}"; do
		[ -n "${code[$name]:-}" ] ||
			fail "$params_rst: $mod documents '$name', which is no parameter in $src"
	done
}

check_params pvblkback blkback/params.c
check_params pvblkfront blkfront/params.c

# ---- make targets ---------------------------------------------------------

declare -A targets=()
while IFS= read -r t; do
	targets[$t]=1
done < <(sed -n 's/^\([A-Za-z0-9_.-][A-Za-z0-9_.-]*\):\([^=]\|$\).*/\1/p' Makefile)
[ ${#targets[@]} -gt 0 ] || die "no target found in the Makefile"

while IFS=: read -r file lineno t; do
	t=${t##* }
	[ -n "${targets[$t]:-}" ] ||
		fail "$file:$lineno: 'make $t' is not a target of the Makefile"
done < <(grep -n -o -E '(`|^[[:space:]]+)make [a-z][a-z0-9_-]*' README.md Documentation/*.rst)

# ---- the rig's CI tier ----------------------------------------------------

testing_rst=Documentation/testing.rst

# check_words VAR: the words of VAR's value in scripts/check.sh, the
# variables it names ($rig_both) expanded
check_words() {
	local v
	v=$(sed -n -e "s/^$1=\"\(.*\)\"\$/\1/p" \
		-e "s/^$1=\${[A-Z0-9_]*:-\(.*\)}\$/\1/p" scripts/check.sh)
	[ -n "$v" ] || die "scripts/check.sh: cannot read the test list $1"
	# shellcheck disable=SC2016 # the literal text "$rig_both"
	case "$v" in
	*'$rig_both'*) v=${v//'$rig_both'/$(check_words rig_both)} ;;
	esac
	printf '%s\n' "$v"
}

# check_list VAR: the test names (tests/rig/NAME.sh) of VAR in scripts/check.sh
check_list() {
	local words
	words=$(check_words "$1") || exit 1
	# shellcheck disable=SC2086 # split into words
	printf '%s\n' $words | sed -n 's|^tests/rig/\(.*\)\.sh$|\1|p' | LC_ALL=C sort -u
}

# tier_bullet WHICH: the tests named in the tier section's bullet that
# starts "- on WHICH:", one per line
tier_bullet() {
	# shellcheck disable=SC2016 # literal backquotes
	awk -v which="- on $1:" '
		/^CI tier and full suite$/ { sec = 1; start = NR; next }
		sec && NR > start + 1 && /^[-=~][-=~][-=~]+$/ { sec = 0 }
		!sec || NR == start + 1 { next }
		index($0, which) == 1 { on = 1; print; next }
		on && (/^- / || /^$/) { on = 0 }
		on { print }' "$testing_rst" |
		grep -o '``[A-Za-z0-9._-]*``' | tr -d '`' |
		while read -r n; do
			[ ! -f "tests/rig/$n.sh" ] || echo "$n"
		done | LC_ALL=C sort -u
}

# compare_sets WHAT DOC CODE: the two sorted lists are equal
compare_sets() {
	local n
	for n in $(LC_ALL=C comm -13 <(printf '%s\n' "$2") <(printf '%s\n' "$3")); do
		fail "$testing_rst: CI tier: $n runs $1 (scripts/check.sh) but is not listed there"
	done
	for n in $(LC_ALL=C comm -23 <(printf '%s\n' "$2") <(printf '%s\n' "$3")); do
		fail "$testing_rst: CI tier: $n is listed $1, but scripts/check.sh does not run it so"
	done
}

rig61=$(check_list rig_61)
rig612=$(check_list rig_612)
both=$(LC_ALL=C comm -12 <(printf '%s\n' "$rig61") <(printf '%s\n' "$rig612"))
only61=$(LC_ALL=C comm -23 <(printf '%s\n' "$rig61") <(printf '%s\n' "$rig612"))
only612=$(LC_ALL=C comm -13 <(printf '%s\n' "$rig61") <(printf '%s\n' "$rig612"))
grep -q '^CI tier and full suite$' "$testing_rst" ||
	fail "$testing_rst: no section 'CI tier and full suite'"
compare_sets "on both kernels" "$(tier_bullet 'both kernels')" "$both"
compare_sets "on 6.1 only" "$(tier_bullet '6.1 only')" "$only61"
compare_sets "on 6.12 only" "$(tier_bullet '6.12 only')" "$only612"

for t in tests/rig/*.sh; do
	n=$(basename "$t" .sh)
	grep -q -E "(^|[^A-Za-z0-9_-])$n([^A-Za-z0-9_-]|\$)" "$testing_rst" ||
		fail "$testing_rst: the rig test $t is not mentioned"
done

[ "$errors" = 0 ] || die "docs: $errors mismatch(es) between the documentation and the code"
echo "docs: parameters, make targets and the rig's CI tier match the code"
