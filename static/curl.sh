#!/bin/sh
# static/curl.sh: a minimal static libcurl (HTTP over unix and TCP sockets, HTTPS through OpenSSL)
# built from Debian's own curl source package, for the static build (-Dstatic=true).
#
# Why: Debian's libcurl.a is built with every protocol and needs libgssapi_krb5 and p11-kit (via
# GnuTLS for LDAP and RTMP), which Debian ships without a static archive. This builds the same
# version as the installed libcurl4-openssl-dev (its headers are the ones cirt compiles with),
# with Debian's patches, configured down to what cirt uses.
#
# Usage: static/curl.sh WORKDIR OUTPUT.a
# Needs: dpkg-dev (dpkg-source), a Debian mirror in the apt sources (the deb-src lines are made
# in WORKDIR from the system's deb lines; the system's apt configuration is left alone).
set -eu
work=$1
out=$2
mkdir -p "$work"
work=$(cd "$work" && pwd)
ver=$(dpkg-query -W -f '${source:Version}' libcurl4-openssl-dev)
src=$work/curl-$ver
log=$work/build.log

if [ ! -f "$src/lib/.libs/libcurl.a" ]; then
	# deb-src twins of the system's Debian deb sources, in a private apt state
	mkdir -p "$work/apt/lists/partial" "$work/apt/parts" "$work/dl"
	rm -f "$work/apt/parts/"*
	: >"$work/apt/sources.list"
	if [ -f /etc/apt/sources.list ]; then
		sed -n 's/^[[:space:]]*deb[[:space:]]/deb-src /p' /etc/apt/sources.list >"$work/apt/sources.list"
	fi
	for f in /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		case $f in
		*.sources) sed 's/^Types:.*/Types: deb-src/' "$f" >"$work/apt/parts/$(basename "$f")" ;;
		*.list) sed -n 's/^[[:space:]]*deb[[:space:]]/deb-src /p' "$f" >"$work/apt/parts/$(basename "$f")" ;;
		esac
	done
	set -- -o Dir::Etc::SourceList="$work/apt/sources.list" -o Dir::Etc::SourceParts="$work/apt/parts" \
		-o Dir::State::Lists="$work/apt/lists" -o Debug::NoLocking=1 -o APT::Sandbox::User=root
	echo "static/curl.sh: Debian source package curl $ver" >&2
	apt-get "$@" -q update >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
	(cd "$work/dl" && apt-get "$@" -q source --download-only "curl=$ver") >>"$log" 2>&1 ||
		{ cat "$log" >&2; exit 1; }
	rm -rf "$src"
	dpkg-source -x "$work/dl/curl_$ver.dsc" "$src" >>"$log" 2>&1 || { cat "$log" >&2; exit 1; }
	# dpkg-source applied the whole series; the last two rename the library for GnuTLS and NSS
	# builds (Debian's rules pop them for the OpenSSL one)
	for p in 99_nss.patch 90_gnutls.patch; do
		if [ -f "$src/debian/patches/$p" ]; then
			patch -d "$src" -R -p1 -s <"$src/debian/patches/$p" >>"$log" 2>&1 ||
				{ cat "$log" >&2; exit 1; }
		fi
	done
	# the Makefile.am files Debian patched must not trigger automake (not needed for lib/)
	find "$src" -name Makefile.in -exec touch {} +
	touch "$src/configure"
	echo "static/curl.sh: configure and build lib/ (log: $log)" >&2
	(cd "$src" && ./configure --disable-shared --enable-static --disable-dependency-tracking \
		--with-openssl --with-ca-path=/etc/ssl/certs \
		--with-ca-bundle=/etc/ssl/certs/ca-certificates.crt \
		--enable-http --enable-proxy --enable-unix-sockets --enable-threaded-resolver \
		--disable-ftp --disable-file --disable-ldap --disable-ldaps --disable-rtsp --disable-dict \
		--disable-telnet --disable-tftp --disable-pop3 --disable-imap --disable-smb --disable-smtp \
		--disable-gopher --disable-mqtt --disable-manual --disable-ntlm --disable-ntlm-wb \
		--disable-alt-svc --disable-hsts --disable-websockets --disable-doh \
		--without-brotli --without-zstd --without-libpsl --without-librtmp --without-libidn2 \
		--without-nghttp2 --without-nghttp3 --without-ngtcp2 --without-libssh2 --without-libssh \
		--without-gssapi --without-libgsasl --with-zlib \
		CFLAGS="-O2 -g0 -fPIE" >>"$log" 2>&1) || { cat "$log" >&2; exit 1; }
	make -C "$src/lib" -j"${CIRT_STATIC_JOBS:-2}" >>"$log" 2>&1 || { tail -50 "$log" >&2; exit 1; }
fi
cp "$src/lib/.libs/libcurl.a" "$out"
