<?php
$sock = fsockopen('127.0.0.1', 6379, $errno, $errstr, 5);
stream_set_blocking($sock, false);
$body = file_get_contents('php://input');
fwrite($sock, $body);
echo fread($sock, 65536);
fclose($sock);
