# SPDX-License-Identifier: GPL-2.0
# What the suite does not run, from an lcov tracefile: per source file, each
# function no test called, and each block of at least `min` instrumented
# lines in a called function that no test reached, with the reason the
# reasons file gives for it (or "no reason given"). Markdown on stdout.
#
# Usage: awk -v min=4 -v prefix=kmod/ -v reasons=FILE -f ci/coverage-gaps.awk INFO
#   reasons  lines "FUNCTION: why" ('#' comments); a reason covers the
#            function and every block in it
#   An lcov tracefile may hold a file once per test (TN:): counts add up.
# POSIX awk (Debian's default is mawk): no asort.

function isort(a, n,    i, j, v) {
	for (i = 2; i <= n; i++) {
		v = a[i]
		for (j = i - 1; j >= 1 && a[j] + 0 > v + 0; j--)
			a[j + 1] = a[j]
		a[j + 1] = v
	}
}

function why(fn) {
	return (fn in reason) ? reason[fn] : "no reason given"
}

# the function whose body holds line l: the last one starting at or before it
function owner(f, l,    i, best, bl) {
	best = ""
	bl = -1
	for (i = 1; i <= nfn[f]; i++)
		if (fnl[f, i] <= l && fnl[f, i] > bl) {
			bl = fnl[f, i]
			best = fnn[f, i]
		}
	return best
}

BEGIN {
	if (min == "")
		min = 4
	if (reasons != "") {
		while ((getline line < reasons) > 0) {
			if (line ~ /^[ \t]*(#|$)/)
				continue
			p = index(line, ":")
			if (!p)
				continue
			k = substr(line, 1, p - 1)
			v = substr(line, p + 1)
			gsub(/^[ \t]+|[ \t]+$/, "", k)
			gsub(/^[ \t]+|[ \t]+$/, "", v)
			reason[k] = v
		}
		close(reasons)
	}
}

/^SF:/ {
	f = substr($0, 4)
	sub(/.*\//, "", f)
	if (!(f in seen)) {
		seen[f] = 1
		files[++nfiles] = f
		nfn[f] = 0
		nda[f] = 0
	}
	next
}

/^FN:/ {
	split(substr($0, 4), a, ",")
	if (!((f, a[2]) in fnline)) {
		fnline[f, a[2]] = a[1]
		nfn[f]++
		fnl[f, nfn[f]] = a[1]
		fnn[f, nfn[f]] = a[2]
		fncount[f, a[2]] = 0
	}
	next
}

/^FNDA:/ {
	split(substr($0, 6), a, ",")
	fncount[f, a[2]] += a[1]
	next
}

/^DA:/ {
	split(substr($0, 4), a, ",")
	if (!((f, a[1]) in da)) {
		da[f, a[1]] = 0
		dal[f, ++nda[f]] = a[1]
	}
	da[f, a[1]] += a[2]
	next
}

END {
	printf "# What the suite does not run\n\n"
	printf "Functions no test called, and blocks of %d or more instrumented lines no test reached inside the functions it did call, by file. Why each is left: the reasons file (`FUNCTION: why`).\n", min
	total = 0
	for (fi = 1; fi <= nfiles; fi++) {
		f = files[fi]
		out = ""
		# functions never called, in line order
		n = 0
		for (i = 1; i <= nfn[f]; i++)
			if (fncount[f, fnn[f, i]] == 0)
				ord[++n] = fnl[f, i]
		isort(ord, n)
		for (i = 1; i <= n; i++) {
			for (j = 1; j <= nfn[f]; j++)
				if (fnl[f, j] == ord[i] && fncount[f, fnn[f, j]] == 0 && !((f, j) in done)) {
					done[f, j] = 1
					out = out sprintf("| `%s()` | %d | function never called | %s |\n", fnn[f, j], fnl[f, j], why(fnn[f, j]))
					total++
					break
				}
		}
		# runs of unreached lines inside called functions
		m = nda[f]
		for (i = 1; i <= m; i++)
			ls[i] = dal[f, i]
		isort(ls, m)
		i = 1
		while (i <= m) {
			if (da[f, ls[i]] > 0) {
				i++
				continue
			}
			fn = owner(f, ls[i])
			j = i
			while (j + 1 <= m && da[f, ls[j + 1]] == 0 && owner(f, ls[j + 1]) == fn)
				j++
			if (j - i + 1 >= min && fn != "" && fncount[f, fn] > 0) {
				out = out sprintf("| `%s()` | %d-%d | %d lines not reached | %s |\n", fn, ls[i], ls[j], j - i + 1, why(fn))
				total++
			}
			i = j + 1
		}
		if (out != "")
			printf "\n## %s%s\n\n| where | line | what | why |\n| --- | --- | --- | --- |\n%s", prefix, f, out
	}
	if (!total)
		printf "\nNothing: every function was called and no block of %d lines was missed.\n", min
}
