# cirt.py: filters of contrib/ansible/cirt.yml: the cirt command line split and checked (--json
# added; collect writes an archive unless told otherwise), the controller files it names (--ioc,
# --hashes, --wordlist, --rules) to copy to each host.
"""Ansible filters for running cirt on many hosts (contrib/ansible/cirt.yml)."""

import os
import shlex

from ansible.errors import AnsibleFilterError

# options whose value is a file (or, for --rules, a directory) on the controller
FILE_OPTIONS = {"--ioc": False, "--hashes": False, "--wordlist": False, "--rules": True}
# commands that never end or change a host: not for a fleet run through this playbook
REFUSED = {
    "watch": "runs until stopped: deploy it as a service (contrib/cirt-watch.service) or the "
    "Kubernetes DaemonSet (contrib/kubernetes)",
    "contain": "changes the host: run it on the host itself",
    "release": "changes the host: run it on the host itself",
}


def cirt_abspath(path):
    """A controller path made absolute against the directory ansible-playbook runs in."""
    return os.path.abspath(os.path.expanduser(str(path)))


def cirt_plan(args, remote_dir):
    """cirt_args -> {argv, files, command}: argv with --json and the copied files' host paths,
    files [{src, dest, dir}] with dest relative to the host's temporary directory."""
    try:
        argv = shlex.split(str(args))
    except ValueError as e:
        raise AnsibleFilterError("cirt_args: %s" % e) from e
    if not argv:
        raise AnsibleFilterError(
            "cirt_args is empty: give the cirt command, e.g. "
            "-e \"cirt_args='locate 203.0.113.7 --since 2h'\""
        )
    command, k = None, 0
    while k < len(argv) and command is None:
        if argv[k] in ("-H", "--host", "-t", "--timeout"):
            k += 1  # the global option's value
        elif not argv[k].startswith("-"):
            command = argv[k]
        k += 1
    if command in REFUSED:
        raise AnsibleFilterError("cirt_args: '%s' %s" % (command, REFUSED[command]))
    out, files, i = [], [], 0
    while i < len(argv):
        word = argv[i]
        name, eq, value = word.partition("=")
        if name in FILE_OPTIONS:
            if not eq:
                if i + 1 >= len(argv):
                    raise AnsibleFilterError("cirt_args: %s needs a file" % name)
                value = argv[i + 1]
                i += 1
            src = cirt_abspath(value)
            dest = "in/%d-%s" % (len(files), os.path.basename(src.rstrip("/")) or "file")
            files.append({"src": src, "dest": dest, "dir": FILE_OPTIONS[name]})
            out += [name, "%s/%s" % (remote_dir, dest)]
        else:
            out.append(word)
        i += 1
    # a collect bundle travels best as one archive (a directory would be fetched file by file)
    if command == "collect" and not any(
        w in ("-o", "--output") or w.startswith(("--output=", "-o")) for w in out
    ):
        out += ["--output", "bundle.tar.gz"]
    if "--json" not in out and "-j" not in out:
        out.append("--json")
    return {"argv": out, "files": files, "command": command or ""}


class FilterModule:
    """cirt_plan, cirt_abspath"""

    def filters(self):
        return {"cirt_plan": cirt_plan, "cirt_abspath": cirt_abspath}
