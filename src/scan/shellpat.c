/* shellpat.c: classify a line of shell text: reverse shells, download-and-execute, decoded
 * payloads, preload and prompt hooks, history and log wiping, miners. Shared by the backdoor
 * (cron, start-up files, units) and history checks. */
#include <ctype.h>

#include "scan/check.h"

static bool wordch(int c)
{
	return isalnum(c) || c == '_' || c == '-' || c == '.';
}

/* Is w in s as a whole word (a path prefix like /usr/bin/ is allowed before it)? */
static const char *word(const char *s, const char *w)
{
	size_t n = strlen(w);
	for (const char *p = s; (p = strstr(p, w)); p++) {
		bool before = p == s || !wordch((unsigned char)p[-1]);
		bool after = !wordch((unsigned char)p[n]);
		if (before && after)
			return p;
	}
	return NULL;
}

/* w as a command: at the start, or after a blank, a separator or a path's slash, and followed
 * by a blank or the end ("nc host 1", "|/bin/nc", not "[nc]" in a regex). */
static bool command_word(const char *s, const char *w)
{
	size_t n = strlen(w);
	for (const char *p = s; (p = strstr(p, w)); p++) {
		bool before = p == s || strchr(" \t|;&(/`", p[-1]);
		bool after = !p[n] || p[n] == ' ' || p[n] == '\t';
		if (before && after)
			return true;
	}
	return false;
}

static bool any_word(const char *s, const char *const *ws)
{
	for (; *ws; ws++)
		if (word(s, *ws))
			return true;
	return false;
}

static bool any_sub(const char *s, const char *const *ws)
{
	for (; *ws; ws++)
		if (strstr(s, *ws))
			return true;
	return false;
}

static const char *const downloaders[] = {"curl",         "wget",   "fetch", "tftp",
                                          "lwp-download", "ftpget", NULL};
static const char *const shells[] = {"sh",      "bash", "ash",  "dash", "zsh",     "ksh", "python",
                                     "python3", "perl", "ruby", "php",  "busybox", NULL};

/* After a '|' (skipping blanks, "sudo", a path): a shell or interpreter? */
static bool pipe_to_shell(const char *s)
{
	for (const char *p = s; (p = strchr(p, '|')); p++) {
		const char *q = p + 1;
		if (*q == '|')
			continue; /* "||" is not a pipe */
		while (*q == ' ' || *q == '\t')
			q++;
		if (startswith(q, "sudo "))
			q += 5;
		while (*q == ' ')
			q++;
		const char *slash = NULL;
		for (const char *r = q; *r && !isspace((unsigned char)*r) && *r != ';' && *r != '|';
		     r++)
			if (*r == '/')
				slash = r;
		if (slash)
			q = slash + 1;
		for (const char *const *sh = shells; *sh; sh++) {
			size_t l = strlen(*sh);
			if (strncmp(q, *sh, l) == 0 && !wordch((unsigned char)q[l]))
				return true;
		}
	}
	return false;
}

/* http(s)/ftp URL whose host is a dotted IPv4 address. */
static bool raw_ip_url(const char *s)
{
	static const char *const schemes[] = {"http://", "https://", "ftp://", "tftp://", NULL};
	for (const char *const *sc = schemes; *sc; sc++)
		for (const char *p = s; (p = strstr(p, *sc)); p++) {
			const char *h = p + strlen(*sc);
			int dots = 0, digits = 0;
			for (; *h && (isdigit((unsigned char)*h) || *h == '.'); h++) {
				if (*h == '.')
					dots++;
				else
					digits++;
			}
			if (dots == 3 && digits >= 4 &&
			    (!*h || *h == ':' || *h == '/' || isspace((unsigned char)*h) ||
			     *h == '"' || *h == '\''))
				return true;
		}
	return false;
}

static bool reverse_shell(const char *s, const char *lc)
{
	if (strstr(s, "/dev/tcp/") || strstr(s, "/dev/udp/"))
		return true;
	static const char *const ncs[] = {"nc",         "ncat", "netcat", "nc.traditional",
	                                  "nc.openbsd", NULL};
	bool nc = false;
	for (const char *const *w = ncs; *w && !nc; w++)
		nc = command_word(lc, *w);
	if (nc) {
		static const char *const ex[] = {" -e ",      " -c ",       " -e/", "--exec",
		                                 "--sh-exec", "--lua-exec", NULL};
		if (any_sub(lc, ex))
			return true;
		/* the fifo pattern: mkfifo f; sh -i < f 2>&1 | nc host port > f */
		if ((word(lc, "mkfifo") || strstr(lc, "mknod")) && (any_word(lc, shells)))
			return true;
	}
	if ((word(lc, "telnet") || strstr(lc, "openssl s_client")) && pipe_to_shell(lc) &&
	    (strstr(lc, "mkfifo") || strstr(lc, "mknod") || strchr(lc, '|') != strrchr(lc, '|')))
		return true;
	if ((word(lc, "bash") || word(lc, "sh")) && (strstr(lc, " -i") || strstr(lc, "-i ")) &&
	    (strstr(lc, ">&") || strstr(lc, "0>&1") || strstr(lc, "<&")) &&
	    (strstr(lc, "tcp") || strstr(lc, "udp") || strstr(lc, "nc ") || strstr(lc, "/dev/")))
		return true;
	if (word(lc, "socat") && strstr(lc, "exec:") &&
	    (strstr(lc, "tcp") || strstr(lc, "ssl") || strstr(lc, "udp")))
		return true;
	static const char *const interp[] = {"python", "python2", "python3", "perl", "php",
	                                     "ruby",   "lua",     "node",    NULL};
	if (any_word(lc, interp) && (strstr(lc, "socket") || strstr(lc, "fsockopen")) &&
	    (strstr(lc, "connect") || strstr(lc, "fsockopen") || strstr(lc, "tcpsocket") ||
	     strstr(lc, "new socket")) &&
	    (strstr(lc, "/bin/") || strstr(lc, "dup2") || strstr(lc, "exec") ||
	     strstr(lc, "spawn") || strstr(lc, "popen") || strstr(lc, "system")))
		return true;
	return false;
}

static bool download_exec(const char *lc, bool *chmod_only)
{
	*chmod_only = false;
	if (!any_word(lc, downloaders))
		return false;
	if (pipe_to_shell(lc))
		return true;
	/* sh -c "$(curl ...)", bash <(curl ...) */
	static const char *const sub[] = {"$(curl", "$(wget", "<(curl", "<(wget",
	                                  "`curl",  "`wget",  NULL};
	if (any_sub(lc, sub) && any_word(lc, shells))
		return true;
	if (strstr(lc, "chmod +x") || strstr(lc, "chmod 777") || strstr(lc, "chmod 755") ||
	    strstr(lc, "chmod u+x") || strstr(lc, "chmod a+x")) {
		*chmod_only = true;
		return true;
	}
	return false;
}

static bool base64_exec(const char *lc)
{
	static const char *const dec[] = {"base64 -d",
	                                  "base64 --decode",
	                                  "base64 -D",
	                                  "base64 -di",
	                                  "openssl base64 -d",
	                                  "openssl enc -d",
	                                  "b64decode",
	                                  "base64_decode",
	                                  "xxd -r -p",
	                                  "decode_base64",
	                                  "base64 -id",
	                                  "base32 -d",
	                                  NULL};
	if (!any_sub(lc, dec))
		return false;
	return pipe_to_shell(lc) || word(lc, "eval") || strstr(lc, "exec(") || strstr(lc, "exec (");
}

static bool history_wipe(const char *lc)
{
	static const char *const w[] = {"history -c",     "history -w /dev/null",
	                                "unset histfile", "histfile=/dev/null",
	                                "histsize=0",     "histfilesize=0",
	                                "set +o history", "export histfile=",
	                                "unset histsave", NULL};
	if (any_sub(lc, w))
		return true;
	if (strstr(lc, "_history") && (word(lc, "rm") || word(lc, "shred") ||
	                               strstr(lc, "/dev/null") || word(lc, "truncate")))
		return true;
	return false;
}

static bool log_wipe(const char *lc)
{
	static const char *const logs[] = {"/var/log", "wtmp", "btmp", "lastlog", "utmp", NULL};
	if (!any_sub(lc, logs))
		return false;
	if (word(lc, "rm") || word(lc, "shred") || word(lc, "truncate") || word(lc, "unlink"))
		return true;
	/* "> /var/log/x", "cat /dev/null > ...", "echo > ..." */
	for (const char *p = lc; (p = strchr(p, '>')); p++) {
		const char *q = p + 1;
		if (*q == '>' || *q == '&')
			continue;
		while (*q == ' ')
			q++;
		if (any_sub(q, logs) && (q == strstr(q, "/var/log") || strstr(q, "wtmp") == q ||
		                         strstr(q, "btmp") == q || startswith(q, "/var/run/utmp") ||
		                         startswith(q, "/run/utmp")))
			return true;
	}
	return strstr(lc, "journalctl --vacuum") != NULL ||
	       strstr(lc, "journalctl --rotate") != NULL;
}

static bool tty_spawn(const char *lc)
{
	if (strstr(lc, "pty.spawn(") || strstr(lc, "pty.spawn (") || strstr(lc, "pty.fork("))
		return true;
	/* script -qc /bin/bash /dev/null */
	return word(lc, "script") && strstr(lc, "/dev/null") && strstr(lc, "-qc") &&
	       (strstr(lc, "bash") || strstr(lc, "/bin/sh"));
}

static bool miner(const char *lc)
{
	static const char *const m[] = {
	    "xmrig",          "xmr-stak",       "minerd",     "cpuminer", "stratum+tcp://",
	    "stratum+ssl://", "--donate-level", "kdevtmpfsi", "kinsing",  "nanominer",
	    "t-rex",          "lolminer",       "nbminer",    NULL};
	return any_sub(lc, m);
}

bool shellpat_classify(const char *line, size_t n, unsigned mask, struct shellpat_hit *ret)
{
	if (n > 4096)
		n = 4096;
	char s[4097], lc[4097];
	memcpy(s, line, n);
	s[n] = '\0';
	/* a NUL inside the line ends it: binary junk is not shell text */
	size_t len = strlen(s);
	size_t i = 0;
	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (s[i] == '#' || i == len)
		return false;
	for (size_t k = 0; k <= len; k++)
		lc[k] = (char)tolower((unsigned char)s[k]);
	/* bash brace expansion hides words: {echo,X}|{base64,-d}|{bash,-i} */
	if (strstr(lc, "{base64,") || strstr(lc, "{echo,") || strstr(lc, "{bash,")) {
		unsigned depth = 0;
		for (size_t k = 0; k < len; k++) {
			if (lc[k] == '{') {
				depth++;
				lc[k] = ' ';
			} else if (lc[k] == '}' && depth) {
				depth--;
				lc[k] = ' ';
			} else if (lc[k] == ',' && depth) {
				lc[k] = ' ';
			}
		}
		memcpy(s, lc, len + 1);
	}
	struct shellpat_hit best = {0};
#define TRY(K, cond, slug_, sev_, reason_)                                                         \
	do {                                                                                       \
		if ((mask & SP_BIT(K)) && (!best.kind || (sev_) > best.sev) && (cond))             \
			best = (struct shellpat_hit){K, slug_, reason_, sev_};                     \
	} while (0)
	bool chmod_only = false;
	TRY(SP_REVERSE_SHELL, reverse_shell(s, lc), "reverse_shell", SEV_CRITICAL,
	    "reverse shell: a shell wired to a network connection");
	if ((mask & SP_BIT(SP_DOWNLOAD_EXEC)) && download_exec(lc, &chmod_only)) {
		if (chmod_only)
			TRY(SP_DOWNLOAD_EXEC, true, "download_exec", SEV_HIGH,
			    "downloads a file and makes it executable");
		else
			TRY(SP_DOWNLOAD_EXEC, true, "download_exec", SEV_CRITICAL,
			    "downloads code and runs it at once");
	}
	TRY(SP_BASE64_EXEC, base64_exec(lc), "base64_exec", SEV_HIGH,
	    "decodes a hidden payload and runs it");
	TRY(SP_LD_PRELOAD, strstr(s, "LD_PRELOAD=") != NULL, "ld_preload", SEV_HIGH,
	    "sets LD_PRELOAD: a library injected into every program");
	TRY(SP_LOG_WIPE, log_wipe(lc), "log_wipe", SEV_HIGH, "wipes system logs");
	TRY(SP_MINER, miner(lc), "miner", SEV_HIGH, "runs or configures a coin miner");
	TRY(SP_HISTORY_WIPE, history_wipe(lc), "history_wipe", SEV_MEDIUM,
	    "clears or disables shell history");
	TRY(SP_DOWNLOAD, any_word(lc, downloaders) && raw_ip_url(lc), "raw_ip_download", SEV_MEDIUM,
	    "downloads from a bare IP address");
	TRY(SP_TTY_SPAWN, tty_spawn(lc), "tty_spawn", SEV_MEDIUM,
	    "spawns an interactive terminal (a shell upgraded to a TTY)");
	TRY(SP_PROMPT_COMMAND, strstr(s, "PROMPT_COMMAND=") != NULL, "prompt_command", SEV_LOW,
	    "sets PROMPT_COMMAND: a command run before every prompt");
#undef TRY
	if (!best.kind)
		return false;
	*ret = best;
	return true;
}
