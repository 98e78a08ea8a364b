/* persist.c: the persistence check (family "backdoor"): every Linux technique of the MITRE
 * ATT&CK matrix that leaves a file, by location (cron, at, systemd, rc, modules, udev, XDG,
 * logon scripts, shell start-up files, Python hooks, accounts, sudo, PAM, sshd, installer and
 * git hooks, web servers, the linker path, the trust store, browsers) and by metadata anywhere
 * (setuid, capabilities, kernel modules, modified system programs, open permissions). Each
 * handler is its own file; the rule ids map to techniques in attack.c. */
#include "scan/persist.h"

/* The quick mode's locations: files read ('!': metadata only). Per-user files are reached
 * through /root and /home; other homes only in a full pass. */
static const char *const locations[] = {
    /* scheduled */
    "/etc/crontab",
    "/etc/cron.d/*",
    "/etc/cron.hourly/*",
    "/etc/cron.daily/*",
    "/etc/cron.weekly/*",
    "/etc/cron.monthly/*",
    "/var/spool/cron/*",
    "/var/spool/cron/*/*",
    "/etc/crontabs/*",
    "/etc/anacrontab",
    "/etc/periodic/*/*",
    "/var/spool/at/*",
    "/var/spool/atjobs/*",
    /* systemd */
    "/etc/systemd/system/*",
    "/etc/systemd/system/*/*",
    "/lib/systemd/system/*",
    "/usr/lib/systemd/system/*",
    "/etc/systemd/user/*",
    "/run/systemd/transient/*",
    "/etc/systemd/system-generators/*",
    "/root/.config/systemd/user/*",
    "/home/*/.config/systemd/user/*",
    /* boot and logon */
    "/etc/rc.local",
    "/etc/rc.common",
    "/etc/rc.d/*",
    "/etc/rc.d/init.d/*",
    "/etc/init.d/*",
    "/etc/inittab",
    "/etc/local.d/*",
    "/etc/init/*",
    "/etc/modules",
    "/etc/modules-load.d/*",
    "/etc/modprobe.d/*",
    "/etc/udev/rules.d/*",
    "/etc/xdg/autostart/*",
    "/root/.config/autostart/*",
    "/home/*/.config/autostart/*",
    "/etc/X11/Xsession.d/*",
    "/etc/ssh/sshrc",
    "/etc/update-motd.d/*",
    "/etc/default/grub",
    /* shells */
    "/etc/profile",
    "/etc/profile.d/*",
    "/etc/bash.bashrc",
    "/etc/bashrc",
    "/etc/environment",
    "/etc/zshrc",
    "/etc/zsh/*",
    "/etc/zprofile",
    "/etc/zshenv",
    "/etc/csh.cshrc",
    "/etc/csh.login",
    "/etc/bash_completion.d/*",
    "/etc/skel/.*",
    "/root/.*",
    "/home/*/.*",
    "/root/.ssh/*",
    "/home/*/.ssh/*",
    "/root/.config/fish/*",
    "/home/*/.config/fish/*",
    /* accounts and authentication */
    "/etc/passwd",
    "/etc/group",
    "/etc/sudoers",
    "/etc/sudoers.d/*",
    "/etc/doas.conf",
    "/etc/pam.d/*",
    "/etc/pam.conf",
    "/etc/ssh/sshd_config",
    "/etc/ssh/sshd_config.d/*",
    "!/etc/shadow",
    /* hooks */
    "/etc/apt/apt.conf.d/*",
    "/etc/dpkg/dpkg.cfg.d/*",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d/*",
    "/usr/local/share/ca-certificates/*",
    "/etc/pki/ca-trust/source/anchors/*",
    "/etc/gitconfig",
    "/etc/php/*/*/php.ini",
    "/etc/apache2/*/*",
    "/etc/nginx/*/*",
    /* metadata only: set-uid files, PAM modules, system programs */
    "!/lib/security/*",
    "!/lib64/security/*",
    "!/lib/*/security/*",
    "!/usr/lib/security/*",
    "!/usr/lib64/security/*",
    "!/usr/lib/*/security/*",
    "!/bin/*",
    "!/sbin/*",
    "!/usr/bin/*",
    "!/usr/sbin/*",
    "!/usr/local/bin/*",
    "!/usr/local/sbin/*",
    "!/tmp/*",
    "!/var/tmp/*",
    "!/dev/shm/*",
    NULL,
};

/* The places the location handlers look at, as plain prefixes: most files of a tree (/usr/lib,
 * /usr/share, application trees) are none of them and skip the pattern lists. */
static const char *const prefixes[] = {
    "/etc/",
    "/var/spool/",
    "/var/lib/dpkg/info/",
    "/run/",
    "/lib/",
    "/usr/lib/systemd/",
    "/usr/lib/udev/",
    "/usr/lib/modprobe.d/",
    "/usr/lib/modules-load.d/",
    "/usr/lib/pam.d/",
    "/usr/etc/",
    "/usr/local/",
    "/usr/share/autostart/",
    "/usr/share/gnome/autostart/",
    "/usr/share/pki/",
    "/usr/lib/firefox",
    "/usr/lib64/firefox",
    "/opt/google/chrome/",
    "/usr/share/google-chrome/",
    "/usr/share/chromium/",
    "/usr/lib/yum-plugins/",
    "/usr/lib/zypp/",
    "/usr/share/libalpm/",
    "/usr/lib/cron/",
    "/var/cron/",
    "/var/at/",
    "/boot/",
    "/usr/lib/python",
    "/root/",
    "/home/",
    NULL,
};

static bool located(struct scan_job *j, struct scan_file *f)
{
	const char *p = f->path, *n = f->name;
	for (const char *const *x = prefixes; *x; x++)
		if (startswith(p, *x))
			return true;
	/* found by name wherever they are */
	if (persist_ends(n, ".pth") || streq(n, "sitecustomize.py") ||
	    streq(n, "usercustomize.py") || streq(n, ".htaccess") || streq(n, ".user.ini") ||
	    streq(n, ".gitconfig") || strstr(p, "/.git/") || strstr(p, "/.config/"))
		return true;
	/* a home that /etc/passwd names elsewhere (/var/www, /var/lib/NAME, /srv/NAME) */
	if (startswith(p, "/usr/") || startswith(p, "/proc/") || startswith(p, "/sys/"))
		return false;
	char user[128];
	return scan_job_home_user(j, p, user, sizeof(user), NULL);
}

static void on_file(struct scan_job *j, struct scan_file *f)
{
	persist_meta(j, f);
	if (!located(j, f))
		return;
	if (persist_sched(j, f) || persist_boot(j, f) || persist_auth(j, f))
		return;
	if (persist_shell(j, f))
		return;
	persist_hooks(j, f);
}

const struct scan_check scan_check_persist = {
    .name = "backdoor",
    .id = CHK_BACKDOOR,
    .on_file = on_file,
    .locations = locations,
};
