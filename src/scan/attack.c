/* attack.c: the MITRE ATT&CK technique of every built-in rule (the rules' metadata), by rule id
 * pattern: the first matching pattern wins, so specific rules come before their family. */
#include <fnmatch.h>

#include "scan/scan.h"

struct technique {
	const char *id;
	const char *name;
};

static const struct technique techniques[] = {
    {"T1014", "Rootkit"},
    {"T1037", "Boot or Logon Initialization Scripts"},
    {"T1037.004", "Boot or Logon Initialization Scripts: RC Scripts"},
    {"T1046", "Network Service Discovery"},
    {"T1053.002", "Scheduled Task/Job: At"},
    {"T1053.003", "Scheduled Task/Job: Cron"},
    {"T1053.006", "Scheduled Task/Job: Systemd Timers"},
    {"T1055.008", "Process Injection: Ptrace System Calls"},
    {"T1056.001", "Input Capture: Keylogging"},
    {"T1059.004", "Command and Scripting Interpreter: Unix Shell"},
    {"T1059.006", "Command and Scripting Interpreter: Python"},
    {"T1070.002", "Indicator Removal: Clear Linux or Mac System Logs"},
    {"T1070.003", "Indicator Removal: Clear Command History"},
    {"T1070.004", "Indicator Removal: File Deletion"},
    {"T1078.003", "Valid Accounts: Local Accounts"},
    {"T1098.004", "Account Manipulation: SSH Authorized Keys"},
    {"T1098.007", "Account Manipulation: Additional Local or Domain Groups"},
    {"T1105", "Ingress Tool Transfer"},
    {"T1110.001", "Brute Force: Password Guessing"},
    {"T1136.001", "Create Account: Local Account"},
    {"T1140", "Deobfuscate/Decode Files or Information"},
    {"T1176.001", "Software Extensions: Browser Extensions"},
    {"T1222.002", "File and Directory Permissions Modification: Linux and Mac File and "
                  "Directory Permissions Modification"},
    {"T1496.001", "Resource Hijacking: Compute Hijacking"},
    {"T1505", "Server Software Component"},
    {"T1505.003", "Server Software Component: Web Shell"},
    {"T1542", "Pre-OS Boot"},
    {"T1543.002", "Create or Modify System Process: Systemd Service"},
    {"T1546", "Event Triggered Execution"},
    {"T1546.004", "Event Triggered Execution: Unix Shell Configuration Modification"},
    {"T1546.005", "Event Triggered Execution: Trap"},
    {"T1546.016", "Event Triggered Execution: Installer Packages"},
    {"T1546.017", "Event Triggered Execution: Udev Rules"},
    {"T1546.018", "Event Triggered Execution: Python Startup Hooks"},
    {"T1547.006", "Boot or Logon Autostart Execution: Kernel Modules and Extensions"},
    {"T1547.013", "Boot or Logon Autostart Execution: XDG Autostart Entries"},
    {"T1548.001", "Abuse Elevation Control Mechanism: Setuid and Setgid"},
    {"T1548.003", "Abuse Elevation Control Mechanism: Sudo and Sudo Caching"},
    {"T1552", "Unsecured Credentials"},
    {"T1552.001", "Unsecured Credentials: Credentials In Files"},
    {"T1552.004", "Unsecured Credentials: Private Keys"},
    {"T1553.004", "Subvert Trust Controls: Install Root Certificate"},
    {"T1554", "Compromise Host Software Binary"},
    {"T1556", "Modify Authentication Process"},
    {"T1556.003", "Modify Authentication Process: Pluggable Authentication Modules"},
    {"T1562.003", "Impair Defenses: Impair Command History Logging"},
    {"T1572", "Protocol Tunneling"},
    {"T1574", "Hijack Execution Flow"},
    {"T1574.006", "Hijack Execution Flow: Dynamic Linker Hijacking"},
    {"T1574.007", "Hijack Execution Flow: Path Interception by PATH Environment Variable"},
    {"T1611", "Escape to Host"},
};

/* rule id pattern (fnmatch, '*' crosses dots) -> technique id; first match wins */
static const struct {
	const char *pattern;
	const char *id;
} by_rule[] = {
    /* the same line classes wherever they are found, when they are the point of the finding */
    {"backdoor.*.history_off", "T1562.003"},
    {"backdoor.*.history_wipe", "T1070.003"},
    {"backdoor.*.keylogger", "T1056.001"},
    {"backdoor.*.ld_preload", "T1574.006"},
    {"backdoor.*.path_hijack", "T1574.007"},
    {"backdoor.*.python_startup", "T1546.018"},
    {"backdoor.*.trap", "T1546.005"},
    {"backdoor.*.interp_hook", "T1574"},
    {"backdoor.*.cmd_hijack", "T1056.001"},
    {"backdoor.*.log_wipe", "T1070.002"},
    /* scheduled jobs */
    {"backdoor.cron.*", "T1053.003"},
    {"backdoor.at.*", "T1053.002"},
    {"backdoor.systemd.timer*", "T1053.006"},
    {"backdoor.systemd.*", "T1543.002"},
    /* boot and logon */
    {"backdoor.rc.*", "T1037.004"},
    {"backdoor.inetd.*", "T1037.004"},
    {"backdoor.logon.*", "T1037"},
    {"backdoor.kmod.*", "T1547.006"},
    {"backdoor.udev.*", "T1546.017"},
    {"backdoor.xdg.*", "T1547.013"},
    {"backdoor.boot.*", "T1542"},
    /* shells and interpreters */
    {"backdoor.profile.*", "T1546.004"},
    {"backdoor.env.*", "T1574"},
    {"backdoor.python.*", "T1546.018"},
    {"backdoor.ld_so_preload", "T1574.006"},
    {"backdoor.ld_so_conf*", "T1574.006"},
    {"backdoor.hook.git*", "T1546"},
    {"backdoor.hook.*", "T1546.016"},
    /* accounts and authentication */
    {"backdoor.ssh.empty_passwords", "T1556"},
    {"backdoor.ssh.user_environment", "T1574.006"},
    {"backdoor.ssh.*", "T1098.004"},
    {"backdoor.account.group*", "T1098.007"},
    {"backdoor.account.*", "T1136.001"},
    {"backdoor.uid0_account", "T1136.001"},
    {"backdoor.pam.keylogger*", "T1056.001"},
    {"backdoor.pam.*", "T1556.003"},
    {"backdoor.sudo.*", "T1548.003"},
    {"backdoor.setuid.*", "T1548.001"},
    {"backdoor.suid_shell", "T1548.001"},
    {"backdoor.perm.*", "T1222.002"},
    {"backdoor.sshd_not_elf", "T1554"},
    {"backdoor.binary.*", "T1554"},
    /* servers, trust, browsers */
    {"backdoor.web.php_*", "T1505.003"},
    {"backdoor.web.*", "T1505"},
    {"backdoor.ca.*", "T1553.004"},
    {"backdoor.browser.*", "T1176.001"},
    {"webshell.*", "T1505.003"},
    {"user.*", NULL},
    /* what was typed, and how the image was built */
    {"history.*reverse_shell", "T1059.004"},
    {"history.*download_exec", "T1105"},
    {"history.*raw_ip_download", "T1105"},
    {"history.*base64_exec", "T1140"},
    {"history.*ld_preload", "T1574.006"},
    {"history.*history_wipe", "T1070.003"},
    {"history.*log_wipe", "T1070.002"},
    {"history.*miner", "T1496.001"},
    {"history.*tty_spawn", "T1059.006"},
    {"history.disabled", "T1562.003"},
    {"history.persist.cron_install", "T1053.003"},
    {"history.persist.at_job", "T1053.002"},
    {"history.persist.timer", "T1053.006"},
    {"history.persist.account_*", "T1136.001"},
    {"history.persist.setid", "T1548.001"},
    {"history.persist.kmod_load", "T1547.006"},
    {"history.persist.startup_write", "T1546.004"},
    {"history.persist.profile_write", "T1546.004"},
    {"history.persist.preload_write", "T1574.006"},
    {"history.persist.sudoers_write", "T1548.003"},
    {"history.persist.key_write", "T1098.004"},
    {"history.persist.pam_write", "T1556.003"},
    {"history.persist.rc_write", "T1037.004"},
    {"history.persist.unit_write", "T1543.002"},
    {"history.persist.udev_write", "T1546.017"},
    {"history.persist.python_write", "T1546.018"},
    {"history.cleared", "T1070.003"},
    /* malware, secrets, passwords, escapes, processes */
    {"malware.miner*", "T1496.001"},
    {"malware.*", NULL},
    {"secrets.private_key", "T1552.004"},
    {"secrets.env", "T1552"},
    {"secrets.*", "T1552.001"},
    {"weakpass.*", "T1110.001"},
    {"escape.*", "T1611"},
    {"runtime.deleted_binary", "T1070.004"},
    {"runtime.miner_process", "T1496.001"},
    {"runtime.ld_preload", "T1574.006"},
    {"runtime.socket_shell", "T1059.004"},
    {"runtime.tunnel_process", "T1572"},
    {"runtime.scanner_process", "T1046"},
    {"runtime.traced", "T1055.008"},
};

const char *scan_rule_technique(const char *rule)
{
	if (!rule)
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(by_rule); i++)
		if (fnmatch(by_rule[i].pattern, rule, 0) == 0)
			return by_rule[i].id;
	return NULL;
}

const char *scan_technique_name(const char *id)
{
	for (size_t i = 0; id && i < ARRAY_SIZE(techniques); i++)
		if (streq(techniques[i].id, id))
			return techniques[i].name;
	return NULL;
}

bool scan_technique_valid(const char *id)
{
	/* T1234 or T1234.567 */
	if (!id || id[0] != 'T' || strspn(id + 1, "0123456789") != 4)
		return false;
	const char *p = id + 5;
	return !*p || (*p == '.' && strspn(p + 1, "0123456789") == 3 && !p[4]);
}
