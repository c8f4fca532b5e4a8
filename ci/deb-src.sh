# Sourced: derive deb-src entries from the Debian 'deb' entries of
# $UPCI_APT_ETC (default /etc/apt), so apt knows source packages (the
# pinned qemu source). deb822 stanzas go to sources.list.d/upci-src.sources,
# one-line entries to sources.list.d/upci-src.list. Callers define die().
: "${UPCI_APT_ETC:=/etc/apt}"

# deb822 stanzas of Debian archives (Types has deb, URIs names debian),
# rewritten as deb-src with every other field kept.
deb822_to_src() {
	awk '
	function flush(  i) {
		if (n && types ~ /(^|[ \t])deb([ \t]|$)/ && uris ~ /debian/ &&
		    tolower(enabled) !~ /^no/) {
			if (out++) print ""
			print "Types: deb-src"
			for (i = 1; i <= n; i++) print line[i]
		}
		n = 0; types = uris = enabled = field = ""
	}
	FNR == 1 { flush() }
	/^[ \t]*$/ { flush(); next }
	/^#/ { next }
	/^[ \t]/ { if (field != "types") line[++n] = $0; next }
	{
		field = tolower($0); sub(/:.*/, "", field)
		val = $0; sub(/^[^:]*:[ \t]*/, "", val)
		if (field == "types") { types = val; next }
		if (field == "uris") uris = val
		if (field == "enabled") enabled = val
		line[++n] = $0
	}
	END { flush() }' "$@"
}

# One-line "deb ..." entries of Debian archives, as deb-src.
list_to_src() {
	awk '$1 == "deb" && /debian/ { $1 = "deb-src"; print }' "$@"
}

# Write the deb-src entries; the caller updates the lists. Prints the files.
add_deb_src() {
	local etc=$UPCI_APT_ETC parts=() lists=() f src added=
	for f in "$etc"/sources.list.d/*.sources; do
		[ -f "$f" ] && [ "${f##*/}" != upci-src.sources ] && parts+=("$f")
	done
	for f in "$etc/sources.list" "$etc"/sources.list.d/*.list; do
		[ -f "$f" ] && [ "${f##*/}" != upci-src.list ] && lists+=("$f")
	done
	# Both converters end their output with one newline, which $() drops.
	src=
	[ ${#parts[@]} = 0 ] || src=$(deb822_to_src "${parts[@]}") || true
	if [ -n "$src" ]; then
		printf '%s\n' "$src" >"$etc/sources.list.d/upci-src.sources"
		added="$etc/sources.list.d/upci-src.sources"
	fi
	src=
	[ ${#lists[@]} = 0 ] || src=$(list_to_src "${lists[@]}") || true
	if [ -n "$src" ]; then
		printf '%s\n' "$src" >"$etc/sources.list.d/upci-src.list"
		added="$added $etc/sources.list.d/upci-src.list"
	fi
	[ -n "$added" ] ||
		die "no Debian 'deb' entry in $etc/sources.list* to derive a deb-src entry from"
	echo "$added"
}
