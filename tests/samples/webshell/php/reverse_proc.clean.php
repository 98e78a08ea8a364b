<?php
$desc = array(0 => array('pipe', 'r'), 1 => array('pipe', 'w'), 2 => array('file', '/tmp/err', 'a'));
$proc = proc_open('/usr/bin/sort', $desc, $pipes);
