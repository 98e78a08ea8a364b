#!/usr/bin/python3
# k8s-manifests.py: hold contrib/kubernetes/ to docs/kubernetes.md's least-privilege tables, with no
# cluster: every manifest parsed (python3-yaml), the Job template rendered by cirt-fleet.sh --render;
# apiVersion/kind, the DaemonSet's selector against its template's labels, hostPID/hostNetwork,
# every host mount read-only but the ones the table says are read-write, no privileged mode or
# privilege escalation, every capability dropped but exactly the table's. With --self-test (the
# suite's way): the real manifests must pass, and mutated copies of them (privileged: true, a
# writable host mount, an extra capability, ...) must each fail.
# Usage: k8s-manifests.py [--self-test] [TOP]
"""Check contrib/kubernetes manifests against docs/kubernetes.md."""

import copy
import os
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

WANT_KINDS = {
    "watch-daemonset.yaml": ("apps/v1", "DaemonSet"),
    "job-template.yaml": ("batch/v1", "Job"),
}
# what docs/kubernetes.md calls each workload's section: "## NAME (KIND, `FILE`)"
SECTION = re.compile(r"^## .*\(\w+, `([\w.-]+\.yaml)`\)\s*$")


def doc_tables(md_path):
    """{file: {"caps": {CAP: text}, "mounts": {path: access}, "pod": {setting: value}}}"""
    out, cur, header = {}, None, None
    with open(md_path, encoding="utf-8") as f:
        for line in f:
            m = SECTION.match(line)
            if m:
                cur = out.setdefault(m.group(1), {"caps": {}, "mounts": {}, "pod": {}})
                header = None
                continue
            if line.startswith("## "):
                cur = None
                continue
            if cur is None or not line.startswith("|"):
                header = None if not line.startswith("|") else header
                continue
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if header is None:
                header = cells[0]
                continue
            if set(cells[0]) <= set("-: "):
                continue
            name = cells[0].strip("`")
            if header == "capability":
                cur["caps"][name] = cells[1]
            elif header == "host mount":
                cur["mounts"][cells[1].strip("`")] = cells[2]
            elif header == "pod setting":
                cur["pod"][name] = cells[1]
    return out


def load(top, mdir):
    """Every YAML document of the directory, by file; the Job template also rendered."""
    docs = {}
    for name in sorted(os.listdir(mdir)):
        if name.endswith(".yaml"):
            with open(os.path.join(mdir, name), encoding="utf-8") as f:
                docs[name] = [d for d in yaml.safe_load_all(f) if d is not None]
    render = subprocess.run(
        [os.path.join(mdir, "cirt-fleet.sh"), "--render", "node-a", "node-b.example", "--",
         "locate", "203.0.113.7", "--since", "2h"],
        capture_output=True, text=True, check=False,
    )
    if render.returncode != 0:
        docs["(rendered jobs)"] = None
    else:
        docs["(rendered jobs)"] = [d for d in yaml.safe_load_all(render.stdout) if d]
    return docs


def pod_spec(obj):
    return ((obj.get("spec") or {}).get("template") or {}).get("spec") or {}


def check_workload(fname, obj, table, problems, rendered=False):
    where = "%s%s" % (fname, " (rendered)" if rendered else "")
    api, kind = WANT_KINDS[fname]
    if obj.get("apiVersion") != api or obj.get("kind") != kind:
        problems.append("%s: %s/%s, not %s/%s" % (where, obj.get("apiVersion"), obj.get("kind"), api, kind))
        return
    spec = obj.get("spec") or {}
    labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
    if kind == "DaemonSet":
        sel = (spec.get("selector") or {}).get("matchLabels") or {}
        if not sel or any(labels.get(k) != v for k, v in sel.items()):
            problems.append("%s: selector %s does not match the template's labels %s" % (where, sel, labels))
    if labels.get("app.kubernetes.io/name") != "cirt":
        problems.append("%s: the template is not labelled app.kubernetes.io/name: cirt" % where)
    ps = pod_spec(obj)
    for setting, value in table["pod"].items():
        want = value.lower() == "true"
        if ps.get(setting) is not want:
            problems.append("%s: %s is %r, the table says %s" % (where, setting, ps.get(setting), value))
    if ps.get("automountServiceAccountToken") is not False:
        problems.append("%s: the service account token is mounted" % where)
    hostpaths = {}
    for v in ps.get("volumes") or []:
        if "hostPath" in v:
            hostpaths[v.get("name")] = (v["hostPath"] or {}).get("path")
    seen_paths = set()
    for c in (ps.get("containers") or []) + (ps.get("initContainers") or []):
        sc = c.get("securityContext") or {}
        if sc.get("privileged") is not False:
            problems.append("%s: container %s: privileged is %r, not false" % (where, c.get("name"), sc.get("privileged")))
        if sc.get("allowPrivilegeEscalation") is not False:
            problems.append("%s: container %s: allowPrivilegeEscalation is not false" % (where, c.get("name")))
        if sc.get("readOnlyRootFilesystem") is not True:
            problems.append("%s: container %s: the root filesystem is writable" % (where, c.get("name")))
        if (sc.get("seccompProfile") or {}).get("type") not in ("RuntimeDefault", "Localhost"):
            problems.append("%s: container %s: no seccomp profile" % (where, c.get("name")))
        caps = sc.get("capabilities") or {}
        if caps.get("drop") != ["ALL"]:
            problems.append("%s: container %s: capabilities drop %r, not [ALL]" % (where, c.get("name"), caps.get("drop")))
        added = set(caps.get("add") or [])
        for cap in sorted(added - set(table["caps"])):
            problems.append("%s: container %s: capability %s is not in docs/kubernetes.md's table" % (where, c.get("name"), cap))
        for cap in sorted(set(table["caps"]) - added):
            problems.append("%s: container %s: the table gives %s, the manifest does not" % (where, c.get("name"), cap))
        for m in c.get("volumeMounts") or []:
            if m.get("name") not in hostpaths:
                continue
            path = hostpaths[m.get("name")]
            seen_paths.add(path)
            access = table["mounts"].get(path)
            if access is None:
                problems.append("%s: host mount %s is not in docs/kubernetes.md's table" % (where, path))
                continue
            ro = m.get("readOnly") is True
            if access == "read-only" and not ro:
                problems.append("%s: host mount %s is writable; the table says read-only" % (where, path))
            if access == "read-write" and ro:
                problems.append("%s: host mount %s is read-only; the table says read-write" % (where, path))
            if access not in ("read-only", "read-write"):
                problems.append("%s: host mount %s: access %r in the table" % (where, path, access))
    for path in sorted(set(table["mounts"]) - seen_paths):
        problems.append("%s: the table lists host mount %s, the manifest has none" % (where, path))
    if kind == "Job":
        if spec.get("backoffLimit") != 0:
            problems.append("%s: backoffLimit is not 0 (exit 1 means found: never retried)" % where)
        if not isinstance(spec.get("activeDeadlineSeconds"), int):
            problems.append("%s: no activeDeadlineSeconds: a run is not time-bounded" % where)
        if rendered:
            node = ps.get("nodeName")
            args = (ps.get("containers") or [{}])[0].get("args")
            if node not in ("node-a", "node-b.example") or not isinstance(args, list) or "--json" not in args:
                problems.append("%s: nodeName %r, args %r" % (where, node, args))


def check(top, mdir):
    problems = []
    tables = doc_tables(os.path.join(top, "docs", "kubernetes.md"))
    docs = load(top, mdir)
    for fname in WANT_KINDS:
        if fname not in tables:
            problems.append("docs/kubernetes.md has no section for %s" % fname)
            continue
        objs = docs.get(fname) or []
        if len(objs) != 1:
            problems.append("%s: %d documents, not 1" % (fname, len(objs)))
            continue
        check_workload(fname, objs[0], tables[fname], problems)
        if fname == "job-template.yaml":
            rendered = docs.get("(rendered jobs)")
            if not rendered or len(rendered) != 2:
                problems.append("cirt-fleet.sh --render did not give two Jobs")
            else:
                for r in rendered:
                    check_workload(fname, r, tables[fname], problems, rendered=True)
    for fname, objs in docs.items():
        for o in objs or []:
            if not isinstance(o, dict) or not o.get("apiVersion") or not o.get("kind"):
                problems.append("%s: a document without apiVersion and kind" % fname)
    return problems


# each mutation: (what, file, function changing the loaded manifest in place)
def _ctr(o):
    return pod_spec(o)["containers"][0]


def _mount(o, path):
    vols = {v["name"]: v for v in pod_spec(o)["volumes"] if "hostPath" in v}
    for m in _ctr(o)["volumeMounts"]:
        if m["name"] in vols and vols[m["name"]]["hostPath"]["path"] == path:
            return m
    raise KeyError(path)


MUTATIONS = [
    ("privileged: true", "watch-daemonset.yaml", lambda o: _ctr(o)["securityContext"].update(privileged=True)),
    ("privileged: true", "job-template.yaml", lambda o: _ctr(o)["securityContext"].update(privileged=True)),
    ("a writable docker socket", "watch-daemonset.yaml", lambda o: _mount(o, "/var/run/docker.sock").update(readOnly=False)),
    ("a writable cgroup mount (readOnly left out)", "watch-daemonset.yaml", lambda o: _mount(o, "/sys/fs/cgroup").pop("readOnly")),
    ("a writable journal in the Job", "job-template.yaml", lambda o: _mount(o, "/var/lib/cirt/journal").update(readOnly=False)),
    ("an extra host mount", "watch-daemonset.yaml", lambda o: (
        pod_spec(o)["volumes"].append({"name": "root", "hostPath": {"path": "/"}}),
        _ctr(o)["volumeMounts"].append({"name": "root", "mountPath": "/host", "readOnly": True}))),
    ("an extra capability", "watch-daemonset.yaml", lambda o: _ctr(o)["securityContext"]["capabilities"]["add"].append("SYS_MODULE")),
    ("SYS_ADMIN in the DaemonSet", "watch-daemonset.yaml", lambda o: _ctr(o)["securityContext"]["capabilities"]["add"].append("SYS_ADMIN")),
    ("capabilities not dropped", "watch-daemonset.yaml", lambda o: _ctr(o)["securityContext"]["capabilities"].pop("drop")),
    ("privilege escalation", "job-template.yaml", lambda o: _ctr(o)["securityContext"].update(allowPrivilegeEscalation=True)),
    ("a selector that does not match", "watch-daemonset.yaml", lambda o: o["spec"]["selector"]["matchLabels"].update({"app.kubernetes.io/component": "other"})),
    ("hostPID off", "watch-daemonset.yaml", lambda o: pod_spec(o).update(hostPID=False)),
    ("hostNetwork off", "job-template.yaml", lambda o: pod_spec(o).pop("hostNetwork")),
    ("the wrong kind", "watch-daemonset.yaml", lambda o: o.update(kind="Deployment")),
    ("the wrong apiVersion", "job-template.yaml", lambda o: o.update(apiVersion="batch/v1beta1")),
]


def self_test(top):
    mdir = os.path.join(top, "contrib", "kubernetes")
    problems = check(top, mdir)
    failures = 0
    if problems:
        print("not ok: the manifests break docs/kubernetes.md's tables:")
        for p in problems:
            print("  " + p)
        failures += 1
    else:
        print("ok: contrib/kubernetes matches docs/kubernetes.md")
    for what, fname, mutate in MUTATIONS:
        tmp = tempfile.mkdtemp(prefix="cirt-k8s-")
        try:
            mcopy = os.path.join(tmp, "kubernetes")
            shutil.copytree(mdir, mcopy)
            path = os.path.join(mcopy, fname)
            with open(path, encoding="utf-8") as f:
                text = f.read()
            if fname == "job-template.yaml":
                # the template's placeholders are kept: only the parsed structure changes
                obj = yaml.safe_load(text.replace("args: __ARGS__", "args: [__ARGS__]"))
            else:
                obj = yaml.safe_load(text)
            mutate(obj)
            out = yaml.safe_dump(copy.deepcopy(obj), sort_keys=False)
            if fname == "job-template.yaml":
                out = re.sub(r"args:\n\s*- __ARGS__\n", "args: __ARGS__\n", out)
            with open(path, "w", encoding="utf-8") as f:
                f.write(out)
            # the checker as the suite would run it on such a directory: it must fail
            r = subprocess.run([sys.executable, os.path.abspath(__file__), top, mcopy],
                               capture_output=True, text=True, check=False)
            if r.returncode == 1 and r.stdout.strip():
                print("ok: a copy with %s (%s) is refused: %s" % (what, fname, r.stdout.strip().splitlines()[0]))
            else:
                print("not ok: a copy with %s (%s) passed (exit %d)" % (what, fname, r.returncode))
                failures += 1
        finally:
            shutil.rmtree(tmp)
    print("%d mutations, %d failures" % (len(MUTATIONS), failures))
    return 1 if failures else 0


def main(argv):
    if len(argv) > 1 and argv[1] == "--self-test":
        top = argv[2] if len(argv) > 2 else os.path.join(os.path.dirname(__file__), "..", "..")
        return self_test(os.path.abspath(top))
    top = os.path.abspath(argv[1] if len(argv) > 1 else os.path.join(os.path.dirname(__file__), "..", ".."))
    mdir = argv[2] if len(argv) > 2 else os.path.join(top, "contrib", "kubernetes")
    problems = check(top, mdir)
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
