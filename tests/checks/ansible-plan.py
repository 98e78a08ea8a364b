#!/usr/bin/python3
# ansible-plan.py: contrib/ansible without SSH: the playbook passes ansible-playbook's syntax check,
# and its filters (filter_plugins/cirt.py) turn cirt_args into the host's command line as the
# playbook's header says: --json added once, controller files (--ioc, --hashes, --wordlist,
# --rules) copied and their paths rewritten, collect's bundle as one archive, commands that never
# end or change a host refused. The SSH run itself is tests/e2e/fleet.bats.
# Usage: ansible-plan.py TOP
"""Check contrib/ansible/cirt.yml's syntax and its cirt_plan filter."""

import os
import subprocess
import sys
import tempfile


def main(top):
    adir = os.path.join(top, "contrib", "ansible")
    sys.path.insert(0, os.path.join(adir, "filter_plugins"))
    from ansible.errors import AnsibleFilterError  # pylint: disable=import-outside-toplevel
    import cirt  # pylint: disable=import-outside-toplevel

    failures = []

    def expect(what, got, want):
        if got != want:
            failures.append("%s: got %r, want %r" % (what, got, want))

    def refused(args, words):
        try:
            cirt.cirt_plan(args, "/r")
        except AnsibleFilterError as e:
            if words not in str(e):
                failures.append("%r: refused with %r, not naming %r" % (args, str(e), words))
            return
        failures.append("%r: not refused" % args)

    p = cirt.cirt_plan("locate 203.0.113.7 --since 2h", "/r")
    expect("locate", p, {"argv": ["locate", "203.0.113.7", "--since", "2h", "--json"],
                         "files": [], "command": "locate"})
    expect("--json once", cirt.cirt_plan("--json ps", "/r")["argv"], ["--json", "ps"])
    p = cirt.cirt_plan("triage --ioc 'my iocs.txt' --hashes=/abs/h.txt", "/r")
    expect("triage argv", p["argv"], ["triage", "--ioc", "/r/in/0-my iocs.txt", "--hashes",
                                      "/r/in/1-h.txt", "--json"])
    expect("triage files", p["files"], [
        {"src": os.path.abspath("my iocs.txt"), "dest": "in/0-my iocs.txt", "dir": False},
        {"src": "/abs/h.txt", "dest": "in/1-h.txt", "dir": False}])
    p = cirt.cirt_plan("scan --rules rules/ web", "/r")
    expect("--rules is a directory", p["files"][0]["dir"], True)
    expect("--rules dest", p["argv"][:3], ["scan", "--rules", "/r/in/0-rules"])
    expect("collect bundle", cirt.cirt_plan("collect web --case 7", "/r")["argv"],
           ["collect", "web", "--case", "7", "--output", "bundle.tar.gz", "--json"])
    expect("collect -o kept", cirt.cirt_plan("collect web -o x.tar.gz", "/r")["argv"],
           ["collect", "web", "-o", "x.tar.gz", "--json"])
    expect("global option value", cirt.cirt_plan("-H unix:///d.sock ps", "/r")["command"], "ps")
    refused("watch --journal /j", "runs until stopped")
    refused("-H unix:///d.sock watch", "runs until stopped")
    refused("contain web", "changes the host")
    refused("release web", "changes the host")
    refused("", "cirt_args is empty")
    refused("locate 'x", "cirt_args")
    refused("triage --ioc", "--ioc needs a file")

    with tempfile.TemporaryDirectory(prefix="cirt-ansible-") as tmp:
        env = dict(os.environ, ANSIBLE_HOME=tmp, ANSIBLE_LOCAL_TEMP=os.path.join(tmp, "t"),
                   ANSIBLE_NOCOLOR="1")
        r = subprocess.run(["ansible-playbook", "--syntax-check", "-i", "localhost,",
                            os.path.join(adir, "cirt.yml")], cwd=tmp, env=env,
                           capture_output=True, text=True, check=False, timeout=120)
        if r.returncode != 0:
            failures.append("ansible-playbook --syntax-check: exit %d: %s" %
                            (r.returncode, (r.stdout + r.stderr).strip()[-2000:]))

    for f in failures:
        print("not ok: " + f)
    print("%d failures" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                                  os.path.join(os.path.dirname(__file__), "..", ".."))))
