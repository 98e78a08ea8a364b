#!/usr/bin/python3
# fawatch.py: report every open/read of the given files, with the opener's pid (fanotify).
# Usage: fawatch.py READY_FILE PATH...  -- prints "pid mask path" lines until SIGTERM.
# The scan tests use it to prove cirt never opens the host's /etc/shadow or a device node:
# fanotify (unlike inotify) names the process, so other readers on the host do not count.
import ctypes
import os
import signal
import struct
import sys

FAN_CLASS_NOTIF = 0x0
FAN_CLOEXEC = 0x1
FAN_MARK_ADD = 0x1
FAN_OPEN = 0x20
FAN_ACCESS = 0x1
FAN_OPEN_EXEC = 0x1000
AT_FDCWD = -100

libc = ctypes.CDLL(None, use_errno=True)
libc.fanotify_mark.argtypes = [ctypes.c_int, ctypes.c_uint, ctypes.c_uint64, ctypes.c_int, ctypes.c_char_p]


def main():
    ready, paths = sys.argv[1], sys.argv[2:]
    fd = libc.fanotify_init(FAN_CLASS_NOTIF | FAN_CLOEXEC, os.O_RDONLY | os.O_LARGEFILE)
    if fd < 0:
        sys.exit('fanotify_init: %s' % os.strerror(ctypes.get_errno()))
    names = {}
    for p in paths:
        if libc.fanotify_mark(fd, FAN_MARK_ADD, FAN_OPEN | FAN_ACCESS | FAN_OPEN_EXEC, AT_FDCWD, p.encode()) < 0:
            sys.exit('fanotify_mark %s: %s' % (p, os.strerror(ctypes.get_errno())))
        st = os.stat(p, follow_symlinks=False)
        names[(st.st_dev, st.st_ino)] = p
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    with open(ready, 'w') as f:
        f.write('ready\n')
    while True:
        buf = os.read(fd, 65536)
        off = 0
        while off + 24 <= len(buf):
            event_len, vers, _, meta_len, mask, efd, pid = struct.unpack_from('=IBBHQii', buf, off)
            name = '?'
            if efd >= 0:
                try:
                    st = os.fstat(efd)
                    name = names.get((st.st_dev, st.st_ino), os.readlink('/proc/self/fd/%d' % efd))
                except OSError:
                    pass
                os.close(efd)
            print('%d %#x %s' % (pid, mask, name), flush=True)
            off += event_len


main()
