<?php
$p = proc_open('/usr/bin/sort', array(0 => array('pipe', 'r'), 1 => array('pipe', 'w')), $pipes);
fwrite($pipes[0], "b\na\n");
fclose($pipes[0]);
echo fread($pipes[1], 8192);
