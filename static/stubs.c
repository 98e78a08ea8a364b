/* static/stubs.c: what the static build links in place of shared-only or unwanted pieces:
 * libsystemd's socket activation (for libdbus), getpwuid without glibc's NSS modules, libarchive's
 * xar writer (libxml2 and ICU), the host's OpenSSL configuration */
#include <archive.h>
#include <errno.h>
#include <openssl/crypto.h>
#include <pwd.h>
#include <stdio.h>
#include <sys/types.h>

int sd_listen_fds(int unset_environment);
int sd_is_socket(int fd, int family, int type, int listening);
struct passwd *__wrap_getpwuid(uid_t uid);
int archive_write_set_format_xar(struct archive *a);

/* libdbus (pulled in by libpcap's D-Bus capture) calls these only as a D-Bus server started by
 * systemd: cirt never is one. libsystemd itself answers 0 when no socket was passed. */
int sd_listen_fds(int unset_environment)
{
	return 0;
}

int sd_is_socket(int fd, int family, int type, int listening)
{
	return -ENOSYS;
}

/* A static glibc resolves user names through NSS modules it loads from the host at run time,
 * which must be of the very glibc version it was linked with, and may be LDAP or SSSD modules
 * that talk to the network: on an evidence host neither is acceptable. cirt only names the
 * operator (custody and audit logs), so the static binary reads the host's /etc/passwd, and a
 * uid not there stays a number (the callers already handle NULL). */
struct passwd *__wrap_getpwuid(uid_t uid)
{
	static struct passwd pw;
	static char buf[4096];
	FILE *f = fopen("/etc/passwd", "re");
	if (!f)
		return NULL;
	struct passwd *found = NULL, *p;
	while (fgetpwent_r(f, &pw, buf, sizeof(buf), &p) == 0) {
		if (p->pw_uid == uid) {
			found = p;
			break;
		}
	}
	fclose(f);
	if (!found)
		errno = 0;
	return found;
}

/* libarchive's table of write formats (archive_write_set_format.c, pulled in by the pax writer
 * cirt uses for bundles) names every format, xar among them, and xar needs libxml2, whose
 * encodings need ICU's 30 MB of data. cirt writes pax only: xar is refused here instead. */
int archive_write_set_format_xar(struct archive *a)
{
	archive_set_error(a, ENOTSUP, "xar format not supported by the static build");
	return ARCHIVE_FATAL;
}

/* OpenSSL reads the host's openssl.cnf at its first use, and that file can name engines and
 * providers to load as shared objects: a compromised host's file must not run code in cirt.
 * Marking the configuration as done first makes libcurl's later OPENSSL_INIT_LOAD_CONFIG a
 * no-op (both share one once-flag). */
__attribute__((constructor)) static void no_host_openssl_config(void)
{
	OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG, NULL);
}
